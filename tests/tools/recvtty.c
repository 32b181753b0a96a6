/* recvtty.c: the receiving end of --console-socket, for tests.
 *   recvtty SOCKET OUTFILE [INPUT]
 * Listens on the unix socket SOCKET, accepts one connection, takes the pty
 * master passed with SCM_RIGHTS, writes INPUT (if given) into it and copies
 * everything the container prints into OUTFILE until the pty closes.  The
 * payload (the pty's name) goes to OUTFILE.name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char ctl[CMSG_SPACE(sizeof(int))], name[256] = { 0 }, buf[4096], namefile[4096];
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	int ls, cs, master, out;
	ssize_t n;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: recvtty SOCKET OUTFILE [INPUT]\n");
		return 2;
	}
	ls = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	unlink(argv[1]);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 1) < 0) {
		perror("recvtty: listen");
		return 1;
	}
	cs = accept(ls, NULL, NULL);
	if (cs < 0 || recvmsg(cs, &msg, 0) < 0) {
		perror("recvtty: receive");
		return 1;
	}
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "recvtty: no fd received\n");
		return 1;
	}
	memcpy(&master, CMSG_DATA(cm), sizeof(int));
	snprintf(namefile, sizeof(namefile), "%s.name", argv[2]);
	f = fopen(namefile, "w");
	if (f) {
		fputs(name, f);
		fclose(f);
	}
	if (argc > 3 && write(master, argv[3], strlen(argv[3])) < 0)
		perror("recvtty: write input");
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror("recvtty: open output");
		return 1;
	}
	while ((n = read(master, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && write(out, buf, (size_t)n) != n)
			return 1;
	close(out);
	return 0;
}
