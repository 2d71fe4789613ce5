/*
 * dirscan: directory iteration through glibc (opendir/readdir/rewinddir/
 * telldir/seekdir), for the real-mount tests. Prints one name per line
 * ("name\tino\ttype"); sections are separated by a line "--".
 *
 *   dirscan list DIR                     every entry
 *   dirscan rewind DIR OP A [B]          list, do OP, rewinddir, list again
 *        OP: create A | unlink A | mkdir A | rmdir A | symlink A(target) B | link A B | rename A B
 *   dirscan iterate-create DIR N         after each entry read, create DIR/new-<i> (N at most)
 *   dirscan iterate-delete DIR           unlink each file as it is read, then list what is left
 *   dirscan seek DIR                     remember telldir() at every entry, seekdir back to each, compare
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(2); }

static void print(struct dirent *e) { printf("%s\t%llu\t%u\n", e->d_name, (unsigned long long)e->d_ino, (unsigned)e->d_type); }

static void list_all(DIR *d) {
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) print(e);
  if (errno) die("readdir");
}

static void path_in(char *out, const char *dir, const char *name) { snprintf(out, 4096, "%s/%s", dir, name); }

static void do_op(const char *dir, const char *op, const char *a, const char *b) {
  char pa[4096], pb[4096];
  path_in(pa, dir, a);
  if (b) path_in(pb, dir, b);
  int r;
  if (!strcmp(op, "create")) { r = open(pa, O_CREAT | O_EXCL | O_WRONLY, 0644); if (r >= 0) close(r); }
  else if (!strcmp(op, "unlink")) r = unlink(pa);
  else if (!strcmp(op, "mkdir")) r = mkdir(pa, 0755);
  else if (!strcmp(op, "rmdir")) r = rmdir(pa);
  else if (!strcmp(op, "symlink")) r = symlink(a, pb);
  else if (!strcmp(op, "link")) r = link(pa, pb);
  else if (!strcmp(op, "rename")) r = rename(pa, pb);
  else { fprintf(stderr, "unknown op %s\n", op); exit(2); }
  if (r < 0) die(op);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: see source\n"); return 2; }
  const char *cmd = argv[1], *dir = argv[2];
  DIR *d = opendir(dir);
  if (!d) die("opendir");
  if (!strcmp(cmd, "list")) {
    list_all(d);
  } else if (!strcmp(cmd, "rewind") && argc >= 5) {
    list_all(d);
    printf("--\n");
    do_op(dir, argv[3], argv[4], argc > 5 ? argv[5] : NULL);
    rewinddir(d);
    list_all(d);
  } else if (!strcmp(cmd, "iterate-create") && argc >= 4) {
    long n = atol(argv[3]), i = 0;
    struct dirent *e;
    char p[4096], name[64];
    while ((e = readdir(d)) != NULL) {
      print(e);
      if (i < n) {
        snprintf(name, sizeof name, "new-%ld", i++);
        path_in(p, dir, name);
        int fd = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
        if (fd < 0) die("create");
        close(fd);
      }
    }
  } else if (!strcmp(cmd, "iterate-delete")) {
    struct dirent *e;
    char p[4096];
    long removed = 0;
    while ((e = readdir(d)) != NULL) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      path_in(p, dir, e->d_name);
      if (unlink(p) < 0) die("unlink");
      removed++;
      print(e);
    }
    printf("--\n");
    rewinddir(d);
    list_all(d);
  } else if (!strcmp(cmd, "seek")) {
    long cap = 1 << 20, n = 0;
    long *pos = malloc(cap * sizeof(long));
    char **names = malloc(cap * sizeof(char *));
    struct dirent *e;
    for (;;) {
      long p = telldir(d);
      if ((e = readdir(d)) == NULL) break;
      pos[n] = p;
      names[n++] = strdup(e->d_name);
    }
    long bad = 0;
    for (long i = n - 1; i >= 0; i -= 7) {
      seekdir(d, pos[i]);
      e = readdir(d);
      if (!e || strcmp(e->d_name, names[i])) bad++;
    }
    printf("entries %ld mismatches %ld\n", n, bad);
  } else {
    fprintf(stderr, "bad command\n");
    return 2;
  }
  closedir(d);
  return 0;
}
