/*
 * fsbench: the client side of the mounted benchmarks (compiled at bench time
 * with cc). Each mode prints one line "key=value ..." that run.sh parses.
 *
 *   fsbench mkfiles DIR N SIZE           create+write(SIZE)+close N files f0..f<N-1>; rate = files/s
 *   fsbench stat DIR N PROCS SECONDS     PROCS processes stat() the N files round-robin for SECONDS; rate = stats/s
 *   fsbench readdir DIR                  opendir/readdir/closedir the whole directory; rate = entries/s
 *   fsbench write FILE MIB BLOCK         sequential write of MIB MiB in BLOCK-byte writes, then fsync+close; rate = MiB/s
 *   fsbench read FILE BLOCK              sequential read of the whole file in BLOCK-byte reads; rate = MiB/s
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what, const char *path) {
  fprintf(stderr, "fsbench: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

static int mkfiles(const char *dir, long n, long size) {
  char *buf = calloc(1, size > 0 ? size : 1);
  char path[4096];
  memset(buf, 'x', size);
  double t0 = now();
  for (long i = 0; i < n; i++) {
    snprintf(path, sizeof path, "%s/f%ld", dir, i);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) die("open", path);
    if (size > 0 && write(fd, buf, size) != size) die("write", path);
    if (close(fd) != 0) die("close", path);
  }
  double t = now() - t0;
  printf("ops=%ld seconds=%.3f rate=%.0f\n", n, t, n / t);
  return 0;
}

static int statloop(const char *dir, long n, int procs, double seconds) {
  int pipefd[2];
  if (pipe(pipefd) != 0) die("pipe", "");
  double t0 = now();
  for (int p = 0; p < procs; p++) {
    if (fork() == 0) {
      char path[4096];
      long ok = 0, bad = 0;
      long i = (n / procs) * p;
      double end = t0 + seconds;
      while (1) {
        for (int k = 0; k < 256; k++) {
          snprintf(path, sizeof path, "%s/f%ld", dir, i);
          struct stat st;
          if (stat(path, &st) == 0) ok++; else bad++;
          if (++i >= n) i = 0;
        }
        if (now() >= end) break;
      }
      long res[2] = {ok, bad};
      if (write(pipefd[1], res, sizeof res) != sizeof res) _exit(1);
      _exit(0);
    }
  }
  long ok = 0, bad = 0;
  for (int p = 0; p < procs; p++) {
    long res[2];
    if (read(pipefd[0], res, sizeof res) != sizeof res) die("read", "pipe");
    ok += res[0];
    bad += res[1];
  }
  while (wait(NULL) > 0) {}
  double t = now() - t0;
  printf("ops=%ld failed=%ld seconds=%.3f rate=%.0f\n", ok, bad, t, ok / t);
  return bad != 0;
}

static int readdirall(const char *dir) {
  double t0 = now();
  DIR *d = opendir(dir);
  if (!d) die("opendir", dir);
  long count = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) count++;
  }
  if (errno != 0) die("readdir", dir);
  closedir(d);
  double t = now() - t0;
  printf("ops=%ld seconds=%.3f rate=%.0f\n", count, t, count / t);
  return 0;
}

static int seqwrite(const char *file, long mib, long block) {
  char *buf = malloc(block);
  for (long i = 0; i < block; i++) buf[i] = (char)(i * 7 + 3);
  double t0 = now();
  int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("open", file);
  long total = mib * 1048576L;
  for (long done = 0; done < total; done += block) {
    if (write(fd, buf, block) != block) die("write", file);
  }
  if (fsync(fd) != 0) die("fsync", file);
  if (close(fd) != 0) die("close", file);
  double t = now() - t0;
  printf("ops=%ld seconds=%.3f rate=%.1f\n", mib, t, mib / t);
  return 0;
}

static int seqread(const char *file, long block) {
  char *buf = malloc(block);
  double t0 = now();
  int fd = open(file, O_RDONLY);
  if (fd < 0) die("open", file);
  long total = 0;
  ssize_t r;
  while ((r = read(fd, buf, block)) > 0) total += r;
  if (r < 0) die("read", file);
  close(fd);
  double t = now() - t0;
  double mib = total / 1048576.0;
  printf("ops=%.0f seconds=%.3f rate=%.1f\n", mib, t, mib / t);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && strcmp(argv[1], "mkfiles") == 0) return mkfiles(argv[2], atol(argv[3]), atol(argv[4]));
  if (argc >= 6 && strcmp(argv[1], "stat") == 0) return statloop(argv[2], atol(argv[3]), atoi(argv[4]), atof(argv[5]));
  if (argc >= 3 && strcmp(argv[1], "readdir") == 0) return readdirall(argv[2]);
  if (argc >= 5 && strcmp(argv[1], "write") == 0) return seqwrite(argv[2], atol(argv[3]), atol(argv[4]));
  if (argc >= 4 && strcmp(argv[1], "read") == 0) return seqread(argv[2], atol(argv[3]));
  fprintf(stderr, "usage: fsbench mkfiles DIR N SIZE | stat DIR N PROCS SECONDS | readdir DIR | write FILE MIB BLOCK | read FILE BLOCK\n");
  return 2;
}
