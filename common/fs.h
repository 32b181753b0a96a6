/* fs.h: file system helpers.  Every fd is opened O_CLOEXEC; syscalls retry
 * on EINTR; close keeps errno. */
#ifndef KIST_FS_H
#define KIST_FS_H

#include <stdbool.h>   /* bool */
#include <stddef.h>    /* size_t */
#include <sys/types.h> /* mode_t, ssize_t */

struct err;

/* close(2) that keeps errno and ignores fd < 0. */
void fs_close(int fd);
/* Write all of len bytes (retrying short writes and EINTR). 0 or -1/errno. */
int fs_write_all(int fd, const void *data, size_t len);
/* Read up to len bytes, retrying until EOF or len; returns bytes read or -1/errno. */
ssize_t fs_read_full(int fd, void *data, size_t len);

int fs_mkdir_p(const char *path, mode_t mode, struct err **err);
int fs_mkdir_pat(int dirfd, const char *path, mode_t mode, struct err **err);

/* Atomic replace: temp file in the same dir, write, fsync, rename, fsync dir.
 * mode is filtered by the umask as with open(2).  On failure the temp file
 * is removed and an existing file is left as it was. */
int fs_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 struct err **err);
int fs_write_file_atomicat(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
			   struct err **err);
/* As fs_write_file_atomic (readers see the old or the new file, never a
 * part) without the fsyncs: for files that need not outlive a crash of the
 * machine (run-time files, records rewritten soon after). */
int fs_replace_file(const char *path, const void *data, size_t len, mode_t mode, struct err **err);
int fs_fsync_dir(const char *path, struct err **err);

/* Read a whole file, failing if it exceeds max bytes (0: no cap); the error
 * is "'path' is larger than N bytes" with code EFBIG.  *out is malloc'd and
 * NUL-terminated; *len (if non-NULL) excludes the NUL. */
int fs_read_all(const char *path, size_t max, char **out, size_t *len, struct err **err);
int fs_read_allat(int dirfd, const char *path, size_t max, char **out, size_t *len,
		  struct err **err);
int fs_read_fd(int fd, size_t max, char **out, size_t *len, struct err **err);

/* rm -rf; a missing path is not an error.  Does not cross mount points
 * (fails with EBUSY rather than deleting inside another file system). */
/* The entry names of the directory open at dirfd (not "." and ".."), as a
 * NULL-terminated vector (strv_free), sorted by strcmp when sorted is true
 * (so walks give the same order every time).  dirfd stays open; it is
 * read from the start (its file position is shared and moved).  NULL with
 * errno set on failure. */
char **fs_dir_names(int dirfd, bool sorted);
int fs_rm_rf(const char *path, struct err **err);
int fs_rm_rfat(int dirfd, const char *path, struct err **err);

bool fs_exists(const char *path);

/* Open path inside the directory rootfd as if rootfd were "/": no "..",
 * absolute symlink or symlink chain can leave it.  Uses openat2
 * RESOLVE_IN_ROOT when the kernel has it, else a component-by-component walk
 * with O_NOFOLLOW that re-roots symlink targets.  flags as for openat (add
 * O_CREAT to create the last component; O_DIRECTORY works). */
int fs_open_in_root(int rootfd, const char *path, int flags, mode_t mode, struct err **err);
/* mkdir -p of path inside rootfd (same guarantees); returns an O_PATH|O_DIRECTORY fd. */
int fs_mkdir_p_in_root(int rootfd, const char *path, mode_t mode, struct err **err);
/* Resolve path inside root (a directory path) and return the resolved host
 * path (malloc'd), e.g. for a mount target.  The last component need not exist
 * if allow_missing_last. */
int fs_resolve_in_root(const char *root, const char *path, bool allow_missing_last, char **out,
		       struct err **err);
/* Tests only: make fs_open_in_root skip openat2 and use the userspace walk. */
void fs_set_force_fallback(bool on);
/* "/proc/self/fd/N" for an O_PATH fd. */
char *fs_fd_path(int fd);

/* Output files a user names (save -o FILE, docker-archive:FILE, the auth
 * file).  fs_output_resolve follows a symlink at path to its final target
 * (*out, malloc'd) and refuses anything there but a regular file or nothing:
 * "cannot write 'x': is a device" (a device, FIFO, socket or directory).
 * *mode (if non-NULL) is the existing file's permissions, 0 if none.
 * fs_output_open resolves path, then opens o->fd on a temporary file beside
 * the target (mode as for open(2); a replaced file keeps its own mode);
 * fs_output_commit fsyncs, renames it over the target (the link, if any,
 * survives) and fsyncs the directory; fs_output_release closes and removes
 * the temporary file unless committed.  0 or -1 with *err. */
struct fs_output {
	char *path; /* the resolved target */
	char *tmp;  /* the temporary file until committed */
	int fd;
};
#define FS_OUTPUT_INIT                                                                             \
	{                                                                                          \
		.path = NULL, .tmp = NULL, .fd = -1                                                \
	}
int fs_output_resolve(const char *path, char **out, mode_t *mode, struct err **err);
int fs_output_open(struct fs_output *o, const char *path, mode_t mode, struct err **err);
int fs_output_commit(struct fs_output *o, struct err **err);
void fs_output_release(struct fs_output *o);
#define cleanup_output __attribute__((cleanup(fs_output_release)))

#endif
