/* layout.c: OCI image layout access: blobs verified before they become
 * visible, resumable ingest files, index.json refs changed under a lock. */
#define _GNU_SOURCE
#include <stdarg.h>   /* va_list */
#include <dirent.h>   /* fdopendir, readdir */
#include <pthread.h>  /* pthread_mutex_t */
#include <errno.h>    /* errno, ENOENT */
#include <fcntl.h>    /* openat, O_* */
#include <stdio.h>    /* snprintf, renameat */
#include <stdlib.h>   /* free, random */
#include <string.h>   /* strlen, strcmp */
#include <sys/file.h> /* flock */
#include <sys/stat.h> /* fstat, mkdirat */
#include <time.h>     /* clock_gettime */
#include <unistd.h>   /* unlinkat, ftruncate, getpid */

#include "common/cleanup.h"
#include "common/digest.h"
#include "common/err.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/lock.h"
#include "common/util.h"
#include "spec/image.h"
#include "spec/layout.h"

#define LAYOUT_FILE "oci-layout"
#define INDEX_FILE "index.json"
#define LOCK_FILE ".lock"
#define BLOBS_DIR "blobs/sha256"
#define INGEST_DIR "ingest"

/* "blobs/sha256/<hex>" for a valid digest. */
static int blob_path(const char *digest, char out[static 80], struct err **err)
{
	if (digest_validate(digest, err) < 0)
		return -1;
	snprintf(out, 80, BLOBS_DIR "/%s", digest_hex(digest));
	return 0;
}

static int fsync_dirat(int dirfd, const char *path, struct err **err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, errno, "open '%s'", path);
	if (fsync(fd) < 0)
		return err_set(err, errno, "fsync '%s'", path);
	return 0;
}

static cJSON *empty_index(void)
{
	cJSON *idx = cJSON_CreateObject();

	if (!idx || !cJSON_AddNumberToObject(idx, "schemaVersion", 2) ||
	    !cJSON_AddStringToObject(idx, "mediaType", MT_OCI_INDEX) ||
	    !cJSON_AddArrayToObject(idx, "manifests"))
		abort();
	return idx;
}

static int check_layout_file(struct layout *l, struct err **err)
{
	cleanup_json cJSON *j = json_load_fileat(l->dirfd, LAYOUT_FILE, 4096, err);
	const cJSON *v;

	if (!j)
		return err_wrap(err, "'%s' is not an OCI image layout", l->path);
	v = cJSON_GetObjectItemCaseSensitive(j, "imageLayoutVersion");
	if (!cJSON_IsString(v))
		return err_set_code(
		    err, EINVAL, "'%s/oci-layout': 'imageLayoutVersion' must be a string", l->path);
	if (!str_has_prefix(v->valuestring, "1."))
		return err_set_code(err, EINVAL, "'%s': unsupported image layout version '%s'",
				    l->path, v->valuestring);
	return 0;
}

static int create_layout(struct layout *l, struct err **err)
{
	cleanup_close int lock = -1;

	if (fs_mkdir_pat(l->dirfd, BLOBS_DIR, 0755, err) < 0 ||
	    fs_mkdir_pat(l->dirfd, INGEST_DIR, 0755, err) < 0)
		return -1;
	lock = lock_acquireat(l->dirfd, LOCK_FILE, LOCK_MODE_EXCLUSIVE, true, err);
	if (lock < 0)
		return -1;
	/* A new layout: index.json first, oci-layout last (it marks a complete
	 * layout).  A layout that has its oci-layout but lost its index.json is
	 * damaged, not new: an empty index would make every blob unreferenced
	 * (gc would delete them all), so none is made. */
	if (faccessat(l->dirfd, LAYOUT_FILE, F_OK, 0) < 0) {
		static const char text[] = "{\"imageLayoutVersion\":\"" MT_OCI_LAYOUT_VERSION "\"}";

		if (faccessat(l->dirfd, INDEX_FILE, F_OK, 0) < 0) {
			cleanup_json cJSON *idx = empty_index();

			if (json_write_fileat(l->dirfd, INDEX_FILE, idx, 0644, err) < 0)
				return -1;
		}
		if (fs_write_file_atomicat(l->dirfd, LAYOUT_FILE, text, sizeof(text) - 1, 0644,
					   err) < 0)
			return -1;
	}
	return 0;
}

int layout_open(const char *path, bool create, struct layout *out, struct err **err)
{
	struct layout l = LAYOUT_INIT;

	if (create && fs_mkdir_p(path, 0755, err) < 0)
		return -1;
	l.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l.dirfd < 0)
		return err_set(err, errno, "open image layout '%s'", path);
	l.path = xstrdup(path);
	if ((create && create_layout(&l, err) < 0) || check_layout_file(&l, err) < 0) {
		layout_close(&l);
		return -1;
	}
	/* ingest/ may be missing in layouts other tools made */
	if (!create && mkdirat(l.dirfd, INGEST_DIR, 0755) < 0 && errno != EEXIST &&
	    errno != EROFS && errno != EACCES && errno != EPERM) {
		err_set(err, errno, "mkdir '%s/" INGEST_DIR "'", path);
		layout_close(&l);
		return -1;
	}
	*out = l;
	return 0;
}

void layout_close(struct layout *l)
{
	fs_close(l->dirfd);
	free(l->path);
	l->dirfd = -1;
	l->path = NULL;
}

/* ---- blobs ---- */

bool layout_blob_exists(struct layout *l, const char *digest)
{
	char path[80];
	struct stat st;

	if (blob_path(digest, path, NULL) < 0)
		return false;
	return fstatat(l->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int layout_blob_open(struct layout *l, const char *digest, struct err **err)
{
	char path[80];
	int fd;

	if (blob_path(digest, path, err) < 0)
		return -1;
	fd = openat(l->dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set_code(err, ENOENT, "blob %s not found in '%s'", digest,
					    l->path);
		return err_set(err, errno, "open blob %s", digest);
	}
	return fd;
}

int layout_blob_read(struct layout *l, const char *digest, size_t max, char **out, size_t *len,
		     struct err **err)
{
	cleanup_close int fd = layout_blob_open(l, digest, err);

	if (fd < 0)
		return -1;
	if (fs_read_fd(fd, max, out, len, err) < 0)
		return err_wrap(err, "read blob %s", digest);
	return 0;
}

int layout_blob_size(struct layout *l, const char *digest, uint64_t *size, struct err **err)
{
	char path[80];
	struct stat st;

	if (blob_path(digest, path, err) < 0)
		return -1;
	if (fstatat(l->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return err_set_code(err, ENOENT, "blob %s not found in '%s'", digest,
					    l->path);
		return err_set(err, errno, "stat blob %s", digest);
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

int layout_blob_remove(struct layout *l, const char *digest, struct err **err)
{
	char path[80];

	if (blob_path(digest, path, err) < 0)
		return -1;
	if (unlinkat(l->dirfd, path, 0) < 0) {
		if (errno == ENOENT)
			return err_set_code(err, ENOENT, "blob %s not found in '%s'", digest,
					    l->path);
		return err_set(err, errno, "remove blob %s", digest);
	}
	return 0;
}

int layout_blob_list(struct layout *l, char ***out, struct err **err)
{
	cleanup_dir DIR *d = NULL;
	char **v = xcalloc(1, sizeof(*v));
	struct dirent *e;
	int fd;

	fd = openat(l->dirfd, BLOBS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			*out = v;
			return 0;
		}
		strv_free(v);
		return err_set(err, errno, "open '%s/" BLOBS_DIR "'", l->path);
	}
	d = fdopendir(fd);
	if (!d) {
		fs_close(fd);
		strv_free(v);
		return err_set(err, errno, "open '%s/" BLOBS_DIR "'", l->path);
	}
	for (errno = 0; (e = readdir(d)); errno = 0) {
		char digest[DIGEST_STR_MAX];

		if (!digest_hex_is_valid(e->d_name))
			continue;
		snprintf(digest, sizeof(digest), "sha256:%.64s", e->d_name);
		strv_push(&v, digest);
	}
	if (errno) {
		strv_free(v);
		return err_set(err, errno, "read '%s/" BLOBS_DIR "'", l->path);
	}
	*out = v;
	return 0;
}

/* ---- streaming writer ---- */

/* Direct I/O (blob_writer_direct): whole aligned blocks go from an aligned
 * buffer straight to the device; the unaligned tail is written buffered at
 * the end.  Two buffers: while a thread writes a full one, the caller
 * hashes into the other (a direct write waits for the device).
 * DIRECT_ALIGN suits the block sizes Linux file systems use on x86 and
 * arm64; a file system that wants more refuses the write with EINVAL, and
 * the writer falls back to buffered writes. */
#define DIRECT_ALIGN 4096u
#define DIRECT_BUF (4u << 20)

struct blob_writer {
	struct layout *l;
	int fd;             /* the temp file, flock'ed exclusively */
	bool direct;        /* fd is O_DIRECT, writes go through dbuf */
	char *dbuf, *dbuf2; /* DIRECT_ALIGN-aligned, DIRECT_BUF bytes each */
	size_t dlen;        /* bytes in dbuf (hashed, not yet written) */
	uint64_t doff;      /* file offset of dbuf[0] */
	uint64_t wend;      /* the file's bytes known written end here */
	bool broken;        /* a write failed: the file ends at wend at best */
	bool flushing;      /* flusher is writing dbuf2 (job) */
	pthread_t flusher;
	struct flush_job {
		int fd;
		const char *data;
		size_t len;
		uint64_t off;
		int error; /* errno of a failed write, 0 */
	} job;
	char name[96];                 /* its path relative to the layout */
	char expected[DIGEST_STR_MAX]; /* "" when unknown */
	int64_t expected_size;         /* -1 when unknown */
	struct digester *hash;
	bool registered; /* in the active list below */
	dev_t dir_dev;   /* identity of the layout directory */
	ino_t dir_ino;
	struct blob_writer *next; /* active list */
};

/* Named partials this process is writing.  A second writer for the same
 * blob in the same process would wait on its own flock forever; it fails
 * with EBUSY instead.  (Other processes wait for the lock.) */
static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static struct blob_writer *active;

static int register_writer(struct blob_writer *w, struct err **err)
{
	struct blob_writer *a;
	struct stat st;

	if (fstat(w->l->dirfd, &st) < 0)
		return err_set(err, errno, "stat '%s'", w->l->path);
	w->dir_dev = st.st_dev;
	w->dir_ino = st.st_ino;
	pthread_mutex_lock(&active_mu);
	for (a = active; a; a = a->next) {
		if (a->dir_dev == w->dir_dev && a->dir_ino == w->dir_ino &&
		    streq(a->expected, w->expected)) {
			pthread_mutex_unlock(&active_mu);
			return err_set_code(err, EBUSY,
					    "blob %s is already being written by this process",
					    w->expected);
		}
	}
	w->next = active;
	active = w;
	w->registered = true;
	pthread_mutex_unlock(&active_mu);
	return 0;
}

static void unregister_writer(struct blob_writer *w)
{
	struct blob_writer **p;

	if (!w->registered)
		return;
	pthread_mutex_lock(&active_mu);
	for (p = &active; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&active_mu);
	w->registered = false;
}

static void writer_free(struct blob_writer *w)
{
	if (w->flushing)
		pthread_join(w->flusher, NULL);
	unregister_writer(w);
	fs_close(w->fd);
	free(w->dbuf);
	free(w->dbuf2);
	if (w->hash)
		digester_free(w->hash);
	free(w);
}

/* Open ingest/<hex>.partial locked, making sure the file we locked is still
 * the one at that path (a previous holder may have renamed it into blobs/
 * or removed it while we waited). */
static int open_partial(struct layout *l, const char *name, struct err **err)
{
	for (;;) {
		cleanup_close int fd = -1;
		struct stat a, b;

		fd = openat(l->dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0)
			return err_set(err, errno, "open '%s/%s'", l->path, name);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return err_set(err, errno, "lock '%s/%s'", l->path, name);
		if (fstat(fd, &a) < 0)
			return err_set(err, errno, "stat '%s/%s'", l->path, name);
		if (fstatat(l->dirfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				return err_set(err, errno, "stat '%s/%s'", l->path, name);
			continue; /* renamed or removed while we waited */
		}
		if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			return steal_fd(&fd);
	}
}

static int open_anonymous(struct layout *l, char name[96], struct err **err)
{
	struct timespec ts;
	int tries, fd;

	for (tries = 0; tries < 100; tries++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		snprintf(name, 96, INGEST_DIR "/tmp-%d-%lx-%d.partial", (int)getpid(),
			 (unsigned long)ts.tv_nsec ^ (unsigned long)random(), tries);
		fd = openat(l->dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
			    0644);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return err_set(err, errno, "create '%s/%s'", l->path, name);
	}
	return err_set_code(err, EEXIST, "create a temporary file in '%s/" INGEST_DIR "'", l->path);
}

/* Hash what the partial file already holds; leave the offset at its end. */
static int rehash(struct blob_writer *w, struct err **err)
{
	char buf[65536];
	ssize_t n;

	if (lseek(w->fd, 0, SEEK_SET) < 0)
		return err_set(err, errno, "seek '%s'", w->name);
	while ((n = fs_read_full(w->fd, buf, sizeof(buf))) > 0)
		digester_update(w->hash, buf, (size_t)n);
	if (n < 0)
		return err_set(err, errno, "read '%s/%s'", w->l->path, w->name);
	return 0;
}

static int restart(struct blob_writer *w, struct err **err)
{
	if (ftruncate(w->fd, 0) < 0)
		return err_set(err, errno, "truncate '%s/%s'", w->l->path, w->name);
	if (lseek(w->fd, 0, SEEK_SET) < 0)
		return err_set(err, errno, "seek '%s/%s'", w->l->path, w->name);
	digester_free(w->hash);
	w->hash = digester_new();
	return 0;
}

static int writer_begin(struct layout *l, const char *expected_digest, int64_t expected_size,
			bool resume, bool anonymous, struct blob_writer **out, struct err **err)
{
	struct blob_writer *w;

	if (expected_digest && digest_validate(expected_digest, err) < 0)
		return -1;
	if (mkdirat(l->dirfd, INGEST_DIR, 0755) < 0 && errno != EEXIST)
		return err_set(err, errno, "mkdir '%s/" INGEST_DIR "'", l->path);
	w = xcalloc(1, sizeof(*w));
	w->l = l;
	w->fd = -1;
	w->expected_size = expected_size;
	w->hash = digester_new();
	if (expected_digest)
		snprintf(w->expected, sizeof(w->expected), "%s", expected_digest);
	if (expected_digest && !anonymous) {
		snprintf(w->name, sizeof(w->name), INGEST_DIR "/%s.partial",
			 digest_hex(expected_digest));
		if (register_writer(w, err) < 0)
			goto fail;
		w->fd = open_partial(l, w->name, err);
	} else {
		w->fd = open_anonymous(l, w->name, err);
	}
	if (w->fd < 0)
		goto fail;
	if (resume && expected_digest && !anonymous) {
		if (rehash(w, err) < 0)
			goto fail;
		/* a partial longer than the blob can only be garbage */
		if (expected_size >= 0 && digester_size(w->hash) > (uint64_t)expected_size &&
		    restart(w, err) < 0)
			goto fail;
	} else if (restart(w, err) < 0) {
		goto fail;
	}
	*out = w;
	return 0;
fail:
	if (w->fd >= 0 && (!expected_digest || anonymous))
		unlinkat(l->dirfd, w->name, 0);
	writer_free(w);
	return -1;
}

int layout_blob_begin(struct layout *l, const char *expected_digest, int64_t expected_size,
		      bool resume, struct blob_writer **out, struct err **err)
{
	return writer_begin(l, expected_digest, expected_size, resume, false, out, err);
}

uint64_t blob_writer_offset(const struct blob_writer *w)
{
	return digester_size(w->hash);
}

static int pwrite_all(int fd, const char *data, size_t len, uint64_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, data, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		data += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Back to buffered writes: for the tail, or when the file system refuses
 * direct writes. */
static int direct_off(struct blob_writer *w, struct err **err)
{
	int fl = fcntl(w->fd, F_GETFL);

	if (fl < 0 || fcntl(w->fd, F_SETFL, fl & ~O_DIRECT) < 0)
		return err_set(err, errno, "fcntl '%s/%s'", w->l->path, w->name);
	w->direct = false;
	return 0;
}

/* Write len bytes of data at off, directly while the writer is direct (a
 * refusal, EINVAL, turns it buffered and writes them so). */
static int write_at(struct blob_writer *w, const char *data, size_t len, uint64_t off,
		    struct err **err)
{
	if (w->direct && pwrite_all(w->fd, data, len, off) == 0)
		goto done;
	if (w->direct && errno != EINVAL)
		goto fail;
	if (w->direct && direct_off(w, err) < 0) {
		w->broken = true;
		return -1;
	}
	if (pwrite_all(w->fd, data, len, off) < 0)
		goto fail;
done:
	w->wend = off + len;
	return 0;
fail:
	w->broken = true;
	return err_set(err, errno, "write '%s/%s'", w->l->path, w->name);
}

static void *flush_thread(void *arg)
{
	struct flush_job *j = arg;

	j->error = pwrite_all(j->fd, j->data, j->len, j->off) < 0 ? errno : 0;
	return NULL;
}

/* The outcome of the flusher's job; a direct write the file system refused
 * is done again buffered. */
static int flush_result(struct blob_writer *w, struct err **err)
{
	struct flush_job *j = &w->job;

	if (j->error == EINVAL && w->direct)
		return write_at(w, j->data, j->len, j->off, err);
	if (j->error) {
		w->broken = true;
		return err_set(err, j->error, "write '%s/%s'", w->l->path, w->name);
	}
	w->wend = j->off + j->len;
	return 0;
}

static int flush_wait(struct blob_writer *w, struct err **err)
{
	if (!w->flushing)
		return 0;
	pthread_join(w->flusher, NULL);
	w->flushing = false;
	return flush_result(w, err);
}

/* dbuf is full: a thread writes it while the caller fills the other buffer
 * (or it is written here when no thread can be made). */
static int flush_async(struct blob_writer *w, struct err **err)
{
	char *b;

	if (flush_wait(w, err) < 0)
		return -1;
	w->job = (struct flush_job){
	    .fd = w->fd, .data = w->dbuf, .len = w->dlen, .off = w->doff, .error = 0};
	b = w->dbuf;
	w->dbuf = w->dbuf2;
	w->dbuf2 = b;
	w->doff += w->dlen;
	w->dlen = 0;
	if (w->direct && pthread_create(&w->flusher, NULL, flush_thread, &w->job) == 0) {
		w->flushing = true;
		return 0;
	}
	flush_thread(&w->job);
	return flush_result(w, err);
}

/* Write out what dbuf holds (whole blocks directly, the tail buffered) and
 * leave the writer buffered, positioned at the end.  On failure the file is
 * cut back to the bytes known written, so a partial kept for a resume is
 * still a prefix of the blob. */
static int direct_finish(struct blob_writer *w, struct err **err)
{
	size_t n;

	if (!w->dbuf)
		return 0;
	n = w->dlen & ~(size_t)(DIRECT_ALIGN - 1);
	if (w->broken) {
		err_set_code(err, EIO, "write '%s/%s': an earlier write failed", w->l->path,
			     w->name);
		goto cut;
	}
	if (flush_wait(w, err) < 0 || (n && write_at(w, w->dbuf, n, w->doff, err) < 0) ||
	    (w->direct && direct_off(w, err) < 0) ||
	    (w->dlen > n && write_at(w, w->dbuf + n, w->dlen - n, w->doff + n, err) < 0))
		goto cut;
	w->doff += w->dlen;
	w->dlen = 0;
	free(w->dbuf);
	free(w->dbuf2);
	w->dbuf = w->dbuf2 = NULL;
	if (lseek(w->fd, (off_t)w->doff, SEEK_SET) < 0)
		return err_set(err, errno, "seek '%s/%s'", w->l->path, w->name);
	return 0;
cut:
	if (w->flushing) {
		pthread_join(w->flusher, NULL);
		w->flushing = false;
	}
	/* the partial must stay a prefix of the blob, or go */
	if (ftruncate(w->fd, (off_t)w->wend) < 0)
		unlinkat(w->l->dirfd, w->name, 0);
	return -1;
}

bool blob_writer_direct(struct blob_writer *w)
{
	uint64_t off = digester_size(w->hash);
	int fl;

	if (w->dbuf)
		return true;
	if (off % DIRECT_ALIGN)
		return false;
	fl = fcntl(w->fd, F_GETFL);
	if (fl < 0 || fcntl(w->fd, F_SETFL, fl | O_DIRECT) < 0)
		return false;
	if (posix_memalign((void **)&w->dbuf, DIRECT_ALIGN, DIRECT_BUF) != 0 ||
	    posix_memalign((void **)&w->dbuf2, DIRECT_ALIGN, DIRECT_BUF) != 0)
		die_oom();
	w->direct = true;
	w->doff = w->wend = off;
	w->dlen = 0;
	return true;
}

int blob_writer_write(struct blob_writer *w, const void *data, size_t len, struct err **err)
{
	uint64_t have = digester_size(w->hash);

	if (w->expected_size >= 0 && have + len > (uint64_t)w->expected_size)
		return err_set_code(err, EFBIG, "blob %s is larger than its expected size %lld",
				    w->expected[0] ? w->expected : "(unknown digest)",
				    (long long)w->expected_size);
	if (w->dbuf) {
		const char *p = data;
		size_t left = len;

		while (left) {
			size_t k = DIRECT_BUF - w->dlen;
			if (k > left)
				k = left;
			memcpy(w->dbuf + w->dlen, p, k);
			w->dlen += k;
			p += k;
			left -= k;
			if (w->dlen == DIRECT_BUF && flush_async(w, err) < 0)
				return -1;
		}
	} else if (fs_write_all(w->fd, data, len) < 0) {
		return err_set(err, errno, "write '%s/%s'", w->l->path, w->name);
	}
	digester_update(w->hash, data, len);
	return 0;
}

int blob_writer_commit(struct blob_writer *w, char digest_out[DIGEST_STR_MAX], struct err **err)
{
	struct layout *l = w->l;
	char actual[DIGEST_STR_MAX], path[80];
	uint64_t size = digester_size(w->hash);
	int ret = -1;

	digester_final(w->hash, actual);
	if (w->expected[0] && !streq(actual, w->expected)) {
		err_set_code(err, EINVAL, "digest mismatch for %s: got %s", w->expected, actual);
		goto drop;
	}
	if (w->expected_size >= 0 && size != (uint64_t)w->expected_size) {
		err_set_code(err, EINVAL, "size mismatch for %s: expected %lld bytes, got %llu",
			     w->expected[0] ? w->expected : actual, (long long)w->expected_size,
			     (unsigned long long)size);
		goto drop;
	}
	if (direct_finish(w, err) < 0)
		goto drop;
	if (fsync(w->fd) < 0) {
		err_set(err, errno, "fsync '%s/%s'", l->path, w->name);
		goto drop;
	}
	if (blob_path(actual, path, err) < 0)
		goto drop;
	if (renameat(l->dirfd, w->name, l->dirfd, path) < 0) {
		err_set(err, errno, "rename '%s/%s' to '%s'", l->path, w->name, path);
		goto drop;
	}
	if (fsync_dirat(l->dirfd, BLOBS_DIR, err) < 0)
		goto out;
	if (digest_out)
		memcpy(digest_out, actual, DIGEST_STR_MAX);
	ret = 0;
	goto out;
drop:
	unlinkat(l->dirfd, w->name, 0);
out:
	writer_free(w);
	return ret;
}

void blob_writer_abort(struct blob_writer *w, bool keep_partial)
{
	if (!w)
		return;
	if (keep_partial && w->dbuf) {
		cleanup_err struct err *e = NULL;
		direct_finish(w, &e);
	}
	if (!keep_partial || !w->expected[0] || str_has_prefix(w->name, INGEST_DIR "/tmp-"))
		unlinkat(w->l->dirfd, w->name, 0);
	writer_free(w);
}

int layout_blob_put(struct layout *l, const void *data, size_t len, char digest_out[DIGEST_STR_MAX],
		    struct err **err)
{
	char digest[DIGEST_STR_MAX];
	struct blob_writer *w = NULL;

	digest_buf(data, len, digest);
	if (digest_out)
		memcpy(digest_out, digest, DIGEST_STR_MAX);
	if (layout_blob_exists(l, digest))
		return 0;
	if (writer_begin(l, digest, (int64_t)len, false, true, &w, err) < 0)
		return -1;
	if (blob_writer_write(w, data, len, err) < 0) {
		blob_writer_abort(w, false);
		return -1;
	}
	return blob_writer_commit(w, NULL, err);
}

/* ---- index.json ---- */

static int check_index(const cJSON *idx, struct err **err)
{
	if (!cJSON_IsObject(idx))
		return err_set_code(err, EINVAL, "'index.json' must be a JSON object");
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(idx, "manifests")))
		return err_set_code(err, EINVAL, "'index.json': 'manifests' must be an array");
	return 0;
}

cJSON *layout_index_load(struct layout *l, struct err **err)
{
	cJSON *idx = json_load_fileat(l->dirfd, INDEX_FILE, SPEC_MAX_DOC_SIZE, err);

	if (!idx) {
		err_wrap(err, "image index of '%s'", l->path);
		return NULL;
	}
	if (check_index(idx, err) < 0) {
		cJSON_Delete(idx);
		return NULL;
	}
	return idx;
}

int layout_index_update(struct layout *l, int (*fn)(cJSON *index, void *arg, struct err **err),
			void *arg, struct err **err)
{
	cleanup_close int lock = -1;
	cleanup_json cJSON *idx = NULL;

	lock = lock_acquireat(l->dirfd, LOCK_FILE, LOCK_MODE_EXCLUSIVE, true, err);
	if (lock < 0)
		return -1;
	idx = layout_index_load(l, err);
	if (!idx)
		return -1;
	if (fn(idx, arg, err) < 0)
		return -1;
	if (check_index(idx, err) < 0)
		return -1;
	return json_write_fileat(l->dirfd, INDEX_FILE, idx, 0644, err);
}

static const char *entry_name(const cJSON *e)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "annotations");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, LAYOUT_REF_ANNOTATION);

	return cJSON_IsString(n) ? n->valuestring : NULL;
}

/* Remove every entry named name; returns how many. */
static int remove_named(cJSON *manifests, const char *name)
{
	cJSON *e = manifests->child, *next;
	int n = 0;

	for (; e; e = next) {
		const char *en = entry_name(e);

		next = e->next;
		if (en && streq(en, name)) {
			cJSON_Delete(cJSON_DetachItemViaPointer(manifests, e));
			n++;
		}
	}
	return n;
}

struct ref_set_arg {
	const char *name;
	const struct spec_descriptor *desc;
};

static int ref_set_fn(cJSON *idx, void *arg, struct err **err)
{
	struct ref_set_arg *a = arg;
	cJSON *manifests = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
	struct spec_descriptor d = SPEC_DESCRIPTOR_INIT;

	(void)err;
	remove_named(manifests, a->name);
	spec_descriptor_copy(&d, a->desc);
	spec_descriptor_set_annotation(&d, LAYOUT_REF_ANNOTATION, a->name);
	if (!cJSON_AddItemToArray(manifests, spec_descriptor_to_json(&d)))
		abort();
	spec_descriptor_release(&d);
	return 0;
}

int layout_ref_set(struct layout *l, const char *name, const struct spec_descriptor *desc,
		   struct err **err)
{
	struct ref_set_arg a = {name, desc};

	if (!name || !name[0])
		return err_set_code(err, EINVAL, "empty ref name");
	if (digest_validate(desc->digest, err) < 0)
		return err_wrap(err, "set ref '%s'", name);
	if (!desc->media_type || !desc->media_type[0])
		return err_set_code(err, EINVAL, "set ref '%s': descriptor has no media type",
				    name);
	if (!layout_blob_exists(l, desc->digest))
		return err_set_code(err, ENOENT, "set ref '%s': blob %s not found in '%s'", name,
				    desc->digest, l->path);
	return layout_index_update(l, ref_set_fn, &a, err);
}

int layout_ref_get(struct layout *l, const char *name, struct spec_descriptor *out,
		   struct err **err)
{
	cleanup_json cJSON *idx = layout_index_load(l, err);
	const cJSON *e, *found = NULL;
	int i = 0, at = 0;

	if (!idx)
		return -1;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(idx, "manifests"))
	{
		const char *en = entry_name(e);

		if (en && streq(en, name)) {
			found = e; /* the last one wins, as a later ref_set appends */
			at = i;
		}
		i++;
	}
	if (!found)
		return 0;
	{
		char path[64];

		snprintf(path, sizeof(path), "manifests[%d]", at);
		if (spec_descriptor_parse(found, path, out, err) < 0)
			return err_wrap(err, "'%s/index.json'", l->path);
	}
	return 1;
}

static int ref_remove_fn(cJSON *idx, void *arg, struct err **err)
{
	const char *name = arg;

	if (remove_named(cJSON_GetObjectItemCaseSensitive(idx, "manifests"), name) == 0)
		return err_set_code(err, ENOENT, "ref '%s' not found", name);
	return 0;
}

int layout_ref_remove(struct layout *l, const char *name, struct err **err)
{
	return layout_index_update(l, ref_remove_fn, (void *)name, err);
}

int layout_ref_list(struct layout *l, struct layout_ref **out, size_t *n, struct err **err)
{
	cleanup_json cJSON *idx = layout_index_load(l, err);
	const cJSON *manifests, *e;
	struct layout_ref *refs;
	size_t i = 0;

	if (!idx)
		return -1;
	manifests = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
	refs = xcalloc((size_t)cJSON_GetArraySize(manifests) + 1, sizeof(*refs));
	cJSON_ArrayForEach(e, manifests)
	{
		const char *name = entry_name(e);
		char path[64];

		snprintf(path, sizeof(path), "manifests[%zu]", i);
		if (spec_descriptor_parse(e, path, &refs[i].desc, err) < 0) {
			layout_ref_list_free(refs, i);
			return err_wrap(err, "'%s/index.json'", l->path);
		}
		refs[i].name = name ? xstrdup(name) : NULL;
		i++;
	}
	*out = refs;
	*n = i;
	return 0;
}

void layout_ref_list_free(struct layout_ref *refs, size_t n)
{
	size_t i;

	if (!refs)
		return;
	for (i = 0; i < n; i++) {
		free(refs[i].name);
		spec_descriptor_release(&refs[i].desc);
	}
	free(refs);
}

int layout_image_check(struct layout *l, const struct spec_manifest *m, struct err **err)
{
	cleanup_free char *data = NULL;
	cleanup_json cJSON *cfg = NULL;
	const cJSON *diffs, *d;
	size_t len, i = 0;

	if (layout_blob_read(l, m->config.digest, SPEC_MAX_DOC_SIZE, &data, &len, err) < 0)
		return err_wrap(err, "image config %s", m->config.digest);
	cfg = json_parse(data, len, "image config", err);
	if (!cfg)
		return err_wrap(err, "image config %s", m->config.digest);
	if (!cJSON_IsObject(cfg))
		return err_set_code(err, EINVAL, "image config %s: not a JSON object",
				    m->config.digest);
	diffs = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(cfg, "rootfs"),
						 "diff_ids");
	if (!cJSON_IsArray(diffs))
		return err_set_code(err, EINVAL,
				    "image config %s: 'rootfs.diff_ids' is missing: not an image "
				    "config",
				    m->config.digest);
	cJSON_ArrayForEach(d, diffs)
	{
		if (!cJSON_IsString(d) || !digest_is_valid(d->valuestring))
			return err_set_code(
			    err, EINVAL, "image config %s: 'rootfs.diff_ids[%zu]' is not a digest",
			    m->config.digest, i);
		i++;
	}
	if (i != m->n_layers)
		return err_set_code(err, EINVAL,
				    "image config %s: %zu diff_ids for the manifest's %zu layers",
				    m->config.digest, i, m->n_layers);
	return 0;
}
