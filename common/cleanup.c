/* cleanup.c: the functions behind the cleanup_* attributes. */
#define _GNU_SOURCE
#include <dirent.h>   /* closedir */
#include <errno.h>    /* errno */
#include <signal.h>   /* kill */
#include <stdio.h>    /* fclose */
#include <stdlib.h>   /* free */
#include <sys/wait.h> /* waitpid */

#include "common/cleanup.h"
#include "common/fs.h"   /* fs_close */
#include "common/util.h" /* strv_free */

void cleanup_freep(void *p)
{
	void **pp = p;

	free(*pp);
	*pp = NULL;
}

void cleanup_closep(int *fd)
{
	fs_close(*fd);
	*fd = -1;
}

void cleanup_filep(FILE **f)
{
	if (*f)
		fclose(*f);
	*f = NULL;
}

void cleanup_dirp(DIR **d)
{
	if (*d)
		closedir(*d);
	*d = NULL;
}

void cleanup_strvp(char ***v)
{
	strv_free(*v);
	*v = NULL;
}

void cleanup_pidp(pid_t *pid)
{
	int saved = errno;

	if (*pid > 0) {
		(void)kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	*pid = -1;
	errno = saved;
}
