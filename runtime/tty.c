/* tty.c: pty for process.terminal and the console socket. */
#define _GNU_SOURCE
#include "runtime/tty.h"

#include <errno.h>        /* errno */
#include <fcntl.h>        /* open */
#include <poll.h>         /* poll */
#include <signal.h>       /* sigset_t, kill */
#include <stdio.h>        /* snprintf */
#include <stdlib.h>       /* ptsname_r */
#include <string.h>       /* memcpy */
#include <sys/ioctl.h>    /* ioctl, TIOCSCTTY */
#include <sys/signalfd.h> /* signalfd */
#include <sys/socket.h>   /* sendmsg */
#include <sys/stat.h>     /* fstat */
#include <sys/un.h>       /* sockaddr_un */
#include <termios.h>      /* TIOCGPTPEER */
#include <sys/wait.h>     /* waitpid */
#include <unistd.h>       /* dup2 */
#include "common/cleanup.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/proc.h"
#include "common/util.h"
#include "runtime/mount.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int rt_unix_connect(const char *path, const char *what, struct err **err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int fd = -1;

	if (strlen(path) >= sizeof(addr.sun_path))
		return err_set(err, 0, "%s '%s': path too long for a unix socket", what, path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_set(err, errno, "socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return err_set(err, errno, "%s: connect to '%s'", what, path);
	return steal_fd(&fd);
}

int rt_tty_connect(const char *path, struct err **err)
{
	return rt_unix_connect(path, "--console-socket", err);
}

int rt_tty_send_fd(int sock, int fd, const char *name, struct err **err)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm;

	memset(ctl, 0, sizeof(ctl));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "send the pty master over the console socket");
	return 0;
}

int rt_tty_recv_fd(int sock, struct err **err)
{
	char ctl[CMSG_SPACE(sizeof(int))], name[256];
	struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm;
	int fd;

	while (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		if (errno != EINTR)
			return err_set(err, errno, "receive the pty master");
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return err_set(err, 0, "receive the pty master: no fd in the message");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

int rt_tty_prepare_slave(int slave, bool held, uid_t uid, gid_t gid, struct err **err)
{
	struct stat sb;

	if (held) {
		struct termios t;
		if (tcgetattr(slave, &t) < 0)
			return err_set(err, errno, "read the pty's termios");
		t.c_oflag &= ~(tcflag_t)ONLCR;
		if (tcsetattr(slave, TCSANOW, &t) < 0)
			return err_set(err, errno, "clear ONLCR on the pty");
	}
	if (fstat(slave, &sb) < 0)
		return err_set(err, errno, "stat the pty");
	/* the group stays the one devpts gives (gid=5 "tty" in the usual
	 * mount options), as runc; a pty left to root's group gets the user's */
	if (fchown(slave, uid, sb.st_gid == 0 ? gid : (gid_t)-1) < 0)
		return err_set(err, errno, "chown the pty to %u:%u", (unsigned)uid, (unsigned)gid);
	return 0;
}

int rt_tty_setup(int sock, bool held, uid_t uid, gid_t gid, struct err **err)
{
	cleanup_close int master = -1, slave = -1;
	int unlock = 0;
	char name[128];

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return err_set(err, errno,
			       "open /dev/ptmx in the container (is devpts mounted on /dev/pts?)");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return err_set(err, errno, "unlock pty");
	if (ptsname_r(master, name, sizeof(name)) != 0)
		return err_set(err, errno, "ptsname");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return err_set(err, errno, "open pty slave '%s'", name);
	if (rt_tty_prepare_slave(slave, held, uid, gid, err) < 0)
		return -1;
	if (rt_mount_console(name, err) < 0)
		return -1;
	if (rt_tty_send_fd(sock, master, name, err) < 0)
		return -1;
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return err_set(err, errno, "make '%s' the controlling terminal", name);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return err_set(err, errno, "dup pty to fd %d", i);
	return 0;
}

/* ---- the runtime holding the pty (run/exec in the foreground) ---- */

/* Copy what is readable on from to to; false at EOF or error. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return fs_write_all(to, buf, (size_t)n) == 0;
}

static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		ioctl(to, TIOCSWINSZ, &ws);
}

/* Before the caller's terminal goes raw, take what its line discipline
 * already holds as whole lines (poll reports a cooked terminal readable
 * only then) and pass it on.  A pending end-of-file (^D, as script(1) sends
 * when its own input ends) reads as 0 here; switched to raw it would
 * instead come out as a NUL byte that the container's pty echoes as "^@".
 * Returns false when the input has ended. */
static bool take_cooked_input(int master)
{
	char buf[8192];

	for (;;) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		ssize_t n;

		if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			return true;
		n = read(0, buf, sizeof(buf));
		if (n == 0)
			return false;
		if (n < 0)
			return errno == EINTR || errno == EAGAIN;
		if (fs_write_all(master, buf, (size_t)n) < 0)
			return false;
	}
}

int rt_tty_wait_forwarding(pid_t pid, int master, struct err **err)
{
	static const int fwd[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};
	sigset_t set;
	cleanup_close int sfd = -1;
	int status = 0;
	bool in_open = master >= 0, out_open = master >= 0, exited = false;
	struct termios saved;
	bool raw = false;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		sigaddset(&set, fwd[i]);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return err_set(err, errno, "signalfd");
	if (master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0) {
		struct termios t = saved;

		if (saved.c_lflag & ICANON)
			in_open = take_cooked_input(master);
		cfmakeraw(&t);
		/* the pty inside sends bare newlines (ONLCR cleared): the
		 * caller's terminal keeps turning them into CR LF */
		t.c_oflag |= saved.c_oflag & (OPOST | ONLCR);
		raw = tcsetattr(0, TCSANOW, &t) == 0;
		copy_winsize(0, master);
	}
	while (!exited || out_open) {
		struct pollfd p[3] = {{.fd = sfd, .events = POLLIN},
				      {.fd = out_open ? master : -1, .events = POLLIN},
				      {.fd = in_open ? 0 : -1, .events = POLLIN}};
		if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			/* drain what the container printed, then stop */
			if (out_open) {
				char buf[8192];
				ssize_t n;
				fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
				while ((n = read(master, buf, sizeof(buf))) > 0)
					if (fs_write_all(1, buf, (size_t)n) < 0)
						break;
			}
			break;
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD) {
				if (si.ssi_signo == SIGWINCH && master >= 0)
					copy_winsize(0, master);
				else
					kill(pid, (int)si.ssi_signo);
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			out_open = pump(master, 1);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			in_open = pump(0, master);
	}
	if (!exited)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	return proc_status_code(status);
}

void rt_stdio_give(uid_t uid, gid_t gid)
{
	struct stat null, st;
	bool have_null = stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode);

	for (int fd = 0; fd < 3; fd++) {
		if (fstat(fd, &st) < 0 || st.st_uid == uid)
			continue;
		if (have_null && S_ISCHR(st.st_mode) && st.st_rdev == null.st_rdev)
			continue;
		/* a terminal keeps its group (tty, from devpts), as runc */
		if (fchown(fd, uid, S_ISCHR(st.st_mode) ? (gid_t)-1 : gid) < 0)
			continue; /* EINVAL, EPERM, EROFS: left as it is, as runc */
	}
}
