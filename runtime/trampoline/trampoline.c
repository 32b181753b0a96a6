/* trampoline.c: the last step of a container's init, as a program of its own.
 *
 * CVE-2019-5736: while a container's init is still the runtime, its
 * /proc/self/exe names the runtime's binary on the host.  Should the
 * container's program resolve to that link ("/proc/self/exe", a script
 * whose interpreter it is, an ELF whose PT_INTERP it is), the runtime's
 * binary would run as the container's program, with the container's
 * dynamic loader and libraries, and could hold the host binary open to
 * write it once the runtime is gone.
 *
 * So the init, once it has built the container and given up its
 * privileges, execs this program from a sealed memfd copy the runtime
 * embeds; it waits for `start` and execs the container's program.  From
 * then on /proc/<init>/exe is the sealed copy, which nothing can write.  It
 * is static, without libc, so the container's files play no part in
 * running it, and it does nothing but wait and exec:
 *
 *   argv: NAME START_R START_W PATH ARGV0 ARGS...
 *     read one byte from START_R (`start`; end of file: exit 1 quietly),
 *     make START_R and START_W close-on-exec (START_W's end of file at the
 *     program's exec tells `start` the program runs), then
 *     execve(PATH, {ARGV0, ARGS...}, envp).
 * On failure it prints runc's line ("exec PATH: no such file or directory")
 * on stderr and exits 1, as the init did before.  Built with -nostdlib
 * -static (see runtime/module.mk); x86_64 and aarch64. */

#define NR_READ_X86_64 0
#define NR_WRITE_X86_64 1
#define NR_EXECVE_X86_64 59
#define NR_EXIT_X86_64 60
#define NR_FCNTL_X86_64 72
#define NR_READ_ARM64 63
#define NR_WRITE_ARM64 64
#define NR_EXECVE_ARM64 221
#define NR_EXIT_ARM64 93
#define NR_FCNTL_ARM64 25
#define F_SETFD 2
#define FD_CLOEXEC 1

#if defined(__x86_64__)
#define NR_READ NR_READ_X86_64
#define NR_WRITE NR_WRITE_X86_64
#define NR_EXECVE NR_EXECVE_X86_64
#define NR_EXIT NR_EXIT_X86_64
#define NR_FCNTL NR_FCNTL_X86_64

static long sys3(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

/* the kernel's initial stack: argc, argv..., NULL, envp..., NULL */
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call trampoline_main\n"
	"	hlt\n");

#elif defined(__aarch64__)
#define NR_READ NR_READ_ARM64
#define NR_WRITE NR_WRITE_ARM64
#define NR_EXECVE NR_EXECVE_ARM64
#define NR_EXIT NR_EXIT_ARM64
#define NR_FCNTL NR_FCNTL_ARM64

static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;

	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
	return x0;
}

__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x0, sp\n"
	"	bl trampoline_main\n");

#else
#error "the exec trampoline knows x86_64 and aarch64 only (build with TRAMPOLINE=0)"
#endif

/* glibc's strerror text, first letter lower-cased (Go's wording, as runc
 * prints it), for what execve can return */
static const char *const messages[] = {
    [1] = "operation not permitted",
    [2] = "no such file or directory",
    [5] = "input/output error",
    [7] = "argument list too long",
    [8] = "exec format error",
    [12] = "cannot allocate memory",
    [13] = "permission denied",
    [14] = "bad address",
    [20] = "not a directory",
    [21] = "is a directory",
    [22] = "invalid argument",
    [23] = "too many open files in system",
    [24] = "too many open files",
    [26] = "text file busy",
    [36] = "file name too long",
    [40] = "too many levels of symbolic links",
    [79] = "can not access a needed shared library",
    [80] = "accessing a corrupted shared library",
};

static unsigned long length(const char *s)
{
	unsigned long n = 0;

	while (s[n])
		n++;
	return n;
}

static void put(const char *s)
{
	(void)sys3(NR_WRITE, 2, (long)s, (long)length(s));
}

__attribute__((noreturn)) static void quit(const char *why)
{
	if (why)
		put(why);
	for (;;)
		sys3(NR_EXIT, 1, 0, 0);
}

/* a decimal number; anything else ends the program */
static long descriptor(const char *f)
{
	long fd = 0;
	const char *s = f;

	for (; *s >= '0' && *s <= '9' && fd < 1000000; s++)
		fd = fd * 10 + (*s - '0');
	if (*s || s == f)
		quit("kist-runtime-init: bad descriptor\n");
	return fd;
}

void trampoline_main(long *sp) __attribute__((noreturn, used));
void trampoline_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
	long e, start_r, start_w;
	char num[24], *p = num + sizeof(num) - 1, b;

	if (argc < 5)
		quit("kist-runtime-init: nothing to run\n");
	start_r = descriptor(argv[1]);
	start_w = descriptor(argv[2]);
	do
		e = sys3(NR_READ, start_r, (long)&b, 1);
	while (e == -4); /* EINTR */
	if (e != 1)
		quit(0); /* never started: the runtime went away */
	(void)sys3(NR_FCNTL, start_r, F_SETFD, FD_CLOEXEC);
	(void)sys3(NR_FCNTL, start_w, F_SETFD, FD_CLOEXEC);
	e = -sys3(NR_EXECVE, (long)argv[3], (long)(argv + 4), (long)envp);
	put("exec ");
	put(argv[3]);
	put(": ");
	if (e > 0 && e < (long)(sizeof(messages) / sizeof(messages[0])) && messages[e]) {
		put(messages[e]);
	} else {
		*p = 0;
		do
			*--p = (char)('0' + e % 10);
		while ((e /= 10) > 0 && p > num);
		put("errno ");
		put(p);
	}
	quit("\n");
}
