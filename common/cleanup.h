/* cleanup.h: scope-bound ownership for locals (crun's utils.h set). */
#ifndef KIST_CLEANUP_H
#define KIST_CLEANUP_H

#include <dirent.h>    /* DIR */
#include <stdio.h>     /* FILE */
#include <sys/types.h> /* pid_t */

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_filep(FILE **f);
void cleanup_dirp(DIR **d);
void cleanup_strvp(char ***v);
/* SIGKILL and reap *pid if it is > 0 (a child that must not outlive the scope). */
void cleanup_pidp(pid_t *pid);

#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_file __attribute__((cleanup(cleanup_filep)))
#define cleanup_dir __attribute__((cleanup(cleanup_dirp)))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))
#define cleanup_pid __attribute__((cleanup(cleanup_pidp)))

/* cleanup_json and cleanup_err live in json.h and err.h. Tool-specific
 * ones (archive, curl, scmp, cap) live in the tool that links the library. */

#endif
