/*
 * A power cut, simulated: an LD_PRELOAD shim that keeps an undo log of every write not yet
 * made durable by fsync/fdatasync, for the files under one folder.
 *
 * POWERCUT_DIR names the folder (its files are the "disk"); POWERCUT_LOG the undo log,
 * which must live outside it. Before each write (write, pwrite, pwrite64, ftruncate) to a
 * file under the folder, the bytes it replaces and the file's size are appended to the log;
 * after each fsync or fdatasync of such a file, a SYNC record. The process is then killed
 * with SIGKILL (the log, in the page cache, survives that) and tests/powercut/restore.py
 * undoes, per file, every write after its last SYNC: the disk as a power cut could leave it.
 *
 * Built by the power-loss test with gcc (Debian's, from system-packages.txt).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum { REC_WRITE = 1, REC_SYNC = 2 };

struct record {
    uint32_t kind;
    uint32_t path_len;
    int64_t offset;   /* where the old bytes go back */
    int64_t old_len;  /* how many old bytes follow the path */
    int64_t old_size; /* the file's size before the write */
};

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off64_t);
static int (*real_ftruncate)(int, off_t);
static int (*real_ftruncate64)(int, off64_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static const char *watched;
static size_t watched_len;

static void init(void) {
    if (real_write) return;
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_ftruncate = dlsym(RTLD_NEXT, "ftruncate");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    watched = getenv("POWERCUT_DIR");
    watched_len = watched ? strlen(watched) : 0;
    const char *log_path = getenv("POWERCUT_LOG");
    if (watched && log_path) log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

/* Copy the path of fd into out if it lies under the watched folder; return its length or 0. */
static size_t watched_path(int fd, char *out, size_t room) {
    if (log_fd < 0 || fd == log_fd) return 0;
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, room - 1);
    if (n <= 0) return 0;
    out[n] = 0;
    if ((size_t)n <= watched_len || strncmp(out, watched, watched_len) != 0 || out[watched_len] != '/')
        return 0;
    return (size_t)n;
}

static void append(const struct record *rec, const char *path, const void *old) {
    size_t total = sizeof *rec + rec->path_len + (size_t)rec->old_len;
    char *buf = malloc(total);
    if (!buf) abort();
    memcpy(buf, rec, sizeof *rec);
    memcpy(buf + sizeof *rec, path, rec->path_len);
    if (rec->old_len) memcpy(buf + sizeof *rec + rec->path_len, old, (size_t)rec->old_len);
    /* one write per record: a record is in the log whole or not at all */
    if (real_write(log_fd, buf, total) != (ssize_t)total) abort();
    free(buf);
}

/* Log what [offset, offset+len) of fd holds now (and its size), before it is overwritten. */
static void remember(int fd, int64_t offset, int64_t len) {
    char path[4096];
    size_t path_len = watched_path(fd, path, sizeof path);
    if (!path_len) return;
    struct stat st;
    if (fstat(fd, &st) != 0) return;
    int64_t have = 0;
    void *old = NULL;
    if (offset < st.st_size && len > 0) {
        int64_t want = st.st_size - offset < len ? st.st_size - offset : len;
        old = malloc((size_t)want);
        if (!old) abort();
        have = pread(fd, old, (size_t)want, offset);
        if (have < 0) have = 0;
    }
    struct record rec = {REC_WRITE, (uint32_t)path_len, offset, have, st.st_size};
    append(&rec, path, old);
    free(old);
}

static void synced(int fd) {
    char path[4096];
    size_t path_len = watched_path(fd, path, sizeof path);
    if (!path_len) return;
    struct record rec = {REC_SYNC, (uint32_t)path_len, 0, 0, 0};
    append(&rec, path, NULL);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t offset) {
    init();
    pthread_mutex_lock(&lock);
    remember(fd, offset, (int64_t)n);
    ssize_t done = real_pwrite64(fd, buf, n, offset);
    pthread_mutex_unlock(&lock);
    return done;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t offset) {
    init();
    pthread_mutex_lock(&lock);
    remember(fd, offset, (int64_t)n);
    ssize_t done = real_pwrite(fd, buf, n, offset);
    pthread_mutex_unlock(&lock);
    return done;
}

ssize_t write(int fd, const void *buf, size_t n) {
    init();
    if (fd <= 2 || log_fd < 0) return real_write(fd, buf, n);
    pthread_mutex_lock(&lock);
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at >= 0) remember(fd, at, (int64_t)n);
    ssize_t done = real_write(fd, buf, n);
    pthread_mutex_unlock(&lock);
    return done;
}

static int truncate_to(int fd, int64_t size, int large) {
    pthread_mutex_lock(&lock);
    struct stat st;
    if (fstat(fd, &st) == 0) remember(fd, size, st.st_size > size ? st.st_size - size : 0);
    int done = large ? real_ftruncate64(fd, size) : real_ftruncate(fd, size);
    pthread_mutex_unlock(&lock);
    return done;
}

int ftruncate(int fd, off_t size) { init(); return truncate_to(fd, size, 0); }
int ftruncate64(int fd, off64_t size) { init(); return truncate_to(fd, size, 1); }

int fsync(int fd) {
    init();
    pthread_mutex_lock(&lock);
    int done = real_fsync(fd);
    if (done == 0) synced(fd);
    pthread_mutex_unlock(&lock);
    return done;
}

int fdatasync(int fd) {
    init();
    pthread_mutex_lock(&lock);
    int done = real_fdatasync(fd);
    if (done == 0) synced(fd);
    pthread_mutex_unlock(&lock);
    return done;
}
