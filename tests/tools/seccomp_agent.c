/* seccomp_agent.c: a seccomp user-notification listener, for tests.
 *   seccomp_agent SOCKET LOGFILE
 * Listens on the unix socket SOCKET.  Every connection brings one message:
 * the container process state (JSON) with the notify fd as SCM_RIGHTS; the
 * JSON goes to LOGFILE as one line.  Every notification then read from any
 * notify fd is answered "failed with ENOMSG" (an errno no real mkdir gives)
 * and logged as "notified <syscall number>".  Runs until killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 16

static void logline(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0)
		perror("seccomp_agent: log");
	close(fd);
}

/* Take the message of a new connection: state JSON + notify fd. */
static int take(int cs, const char *logpath)
{
	char ctl[CMSG_SPACE(sizeof(int))], payload[65536];
	struct iovec iov = {.iov_base = payload, .iov_len = sizeof(payload) - 1};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
	struct cmsghdr *cm;
	ssize_t n;
	int fd = -1;

	n = recvmsg(cs, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return -1;
	payload[n] = 0;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	logline(logpath, payload);
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct seccomp_notif_sizes sizes;
	struct pollfd p[1 + MAX_FDS];
	int ls, nfds = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: seccomp_agent SOCKET LOGFILE\n");
		return 2;
	}
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0) {
		perror("seccomp_agent: SECCOMP_GET_NOTIF_SIZES");
		return 1;
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 8) < 0) {
		perror("seccomp_agent: listen");
		return 1;
	}
	p[0].fd = ls;
	p[0].events = POLLIN;
	for (;;) {
		if (poll(p, (nfds_t)(1 + nfds), -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[0].revents & POLLIN) {
			int cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC), fd;

			if (cs >= 0) {
				fd = take(cs, argv[2]);
				close(cs);
				if (fd >= 0 && nfds < MAX_FDS) {
					p[1 + nfds].fd = fd;
					p[1 + nfds].events = POLLIN;
					p[1 + nfds].revents = 0;
					nfds++;
				}
			}
		}
		for (int i = 1; i <= nfds; i++) {
			struct seccomp_notif *req;
			struct seccomp_notif_resp *resp;
			char line[64];

			if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
				/* the filtered processes are gone */
				close(p[i].fd);
				p[i] = p[nfds--];
				i--;
				continue;
			}
			if (!(p[i].revents & POLLIN))
				continue;
			req = calloc(1, sizes.seccomp_notif > sizeof(*req) ? sizes.seccomp_notif
									   : sizeof(*req));
			resp = calloc(1, sizes.seccomp_notif_resp > sizeof(*resp)
					     ? sizes.seccomp_notif_resp
					     : sizeof(*resp));
			if (!req || !resp)
				return 1;
			if (ioctl(p[i].fd, SECCOMP_IOCTL_NOTIF_RECV, req) == 0) {
				snprintf(line, sizeof(line), "notified %d", req->data.nr);
				logline(argv[2], line);
				resp->id = req->id;
				resp->error = -ENOMSG;
				resp->val = 0;
				resp->flags = 0;
				if (ioctl(p[i].fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0)
					perror("seccomp_agent: SECCOMP_IOCTL_NOTIF_SEND");
			}
			free(req);
			free(resp);
		}
	}
}
