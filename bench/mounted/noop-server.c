/*
 * noop-server: a reference FUSE server in C that does no filesystem work, to
 * measure the ceiling of the kernel path on this machine (ceiling.sh). It is
 * not tsfuse and shares no code with it.
 *
 *   noop-server MNT [SRC]
 *
 * Mounts itself on MNT (open /dev/fuse, then `mount -i -t fuse -o fd=N,...`),
 * prints "noop-server: mounted on MNT", and then one thread loops
 * read(/dev/fuse) -> fixed reply -> write(/dev/fuse):
 *   INIT          7.45, max_write 1 MiB
 *   LOOKUP "f<N>" nodeid N+2, regular file, entry_valid 60 s, attr_valid 0 (other names: ENOENT)
 *   GETATTR       fixed attributes (the root a directory, any other node a regular file), attr_valid 0
 *   FORGET, BATCH_FORGET  no reply
 *   anything else ENOSYS
 * It exits when the read fails with ENODEV (after umount) and prints the
 * number of requests by opcode to stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

/* include/uapi/linux/fuse.h, protocol 7.45 (only what is used here). */
enum { OP_LOOKUP = 1, OP_FORGET = 2, OP_GETATTR = 3, OP_INIT = 26, OP_BATCH_FORGET = 42 };
enum { ASYNC_READ = 1u << 0, BIG_WRITES = 1u << 5, PARALLEL_DIROPS = 1u << 18, MAX_PAGES = 1u << 22 };

struct in_header { uint32_t len, opcode; uint64_t unique, nodeid; uint32_t uid, gid, pid; uint16_t total_extlen, padding; };
struct out_header { uint32_t len; int32_t error; uint64_t unique; };
struct init_in { uint32_t major, minor, max_readahead, flags, flags2, unused[11]; };
struct init_out {
  uint32_t major, minor, max_readahead, flags;
  uint16_t max_background, congestion_threshold;
  uint32_t max_write, time_gran;
  uint16_t max_pages, map_alignment;
  uint32_t flags2, max_stack_depth;
  uint16_t request_timeout, unused[11];
};
struct attr {
  uint64_t ino, size, blocks, atime, mtime, ctime;
  uint32_t atimensec, mtimensec, ctimensec, mode, nlink, uid, gid, rdev, blksize, flags;
};
struct attr_out { uint64_t attr_valid; uint32_t attr_valid_nsec, dummy; struct attr attr; };
struct entry_out { uint64_t nodeid, generation, entry_valid, attr_valid; uint32_t entry_valid_nsec, attr_valid_nsec; struct attr attr; };

_Static_assert(sizeof(struct in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct attr) == 88, "fuse_attr");
_Static_assert(sizeof(struct attr_out) == 104, "fuse_attr_out");
_Static_assert(sizeof(struct entry_out) == 128, "fuse_entry_out");

#define MAX_WRITE (1u << 20)
#define BUFFER_SIZE (MAX_WRITE + 4096)

static struct { struct out_header h; struct attr_out a; } root_attr, file_attr;
static struct { struct out_header h; struct entry_out e; } entry;
static struct { struct out_header h; struct init_out i; } init_reply;
static struct out_header error_reply;
static unsigned long counts[64];

static void fill_attr(struct attr *a, uint64_t ino, uint32_t mode, uint32_t nlink) {
  memset(a, 0, sizeof *a);
  a->ino = ino;
  a->mode = mode;
  a->nlink = nlink;
  a->blksize = 4096;
  a->atime = a->mtime = a->ctime = 1700000000;
}

static void build_replies(void) {
  root_attr.h.len = sizeof root_attr;
  fill_attr(&root_attr.a.attr, 1, 0040755, 2);
  file_attr.h.len = sizeof file_attr;
  fill_attr(&file_attr.a.attr, 2, 0100644, 1);
  entry.h.len = sizeof entry;
  entry.e.entry_valid = 60;
  fill_attr(&entry.e.attr, 2, 0100644, 1);
  init_reply.h.len = sizeof init_reply;
  error_reply.len = sizeof error_reply;
}

/* "f<N>" (N decimal, no sign, at most 15 digits) -> N + 2; 0 for any other name. */
static uint64_t node_of_name(const char *name, size_t max) {
  if (max < 2 || name[0] != 'f' || name[1] == 0) return 0;
  uint64_t n = 0;
  size_t i = 1;
  for (; i < max && name[i] != 0; i++) {
    if (name[i] < '0' || name[i] > '9' || i > 15) return 0;
    n = n * 10 + (uint64_t)(name[i] - '0');
  }
  return i < max ? n + 2 : 0;
}

static int mount_fuse(int fd, const char *src, const char *mnt) {
  char opts[200];
  snprintf(opts, sizeof opts, "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", fd);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execlp("mount", "mount", "-i", "-t", "fuse", "-o", opts, src, mnt, (char *)NULL);
    _exit(127);
  }
  int status;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static const char *op_name(int op) {
  switch (op) {
    case OP_LOOKUP: return "LOOKUP";
    case OP_FORGET: return "FORGET";
    case OP_GETATTR: return "GETATTR";
    case OP_INIT: return "INIT";
    case OP_BATCH_FORGET: return "BATCH_FORGET";
    default: return NULL;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: noop-server MNT [SRC]\n");
    return 2;
  }
  const char *mnt = argv[1], *src = argc > 2 ? argv[2] : "noop-c";
  build_replies();
  int fd = open("/dev/fuse", O_RDWR);
  if (fd < 0) {
    perror("noop-server: /dev/fuse");
    return 1;
  }
  if (mount_fuse(fd, src, mnt) != 0) {
    fprintf(stderr, "noop-server: mount on %s failed\n", mnt);
    return 1;
  }
  printf("noop-server: mounted on %s\n", mnt);
  fflush(stdout);

  char *buf = aligned_alloc(4096, BUFFER_SIZE);
  if (!buf) return 1;
  for (;;) {
    ssize_t n = read(fd, buf, BUFFER_SIZE);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == ENOENT) continue;
      if (errno == ENODEV) break; /* unmounted */
      perror("noop-server: read");
      return 1;
    }
    if ((size_t)n < sizeof(struct in_header)) continue;
    const struct in_header *in = (const struct in_header *)buf;
    counts[in->opcode < 64 ? in->opcode : 0]++;
    const void *reply;
    size_t len;
    switch (in->opcode) {
      case OP_INIT: {
        const struct init_in *ii = (const struct init_in *)(buf + sizeof *in);
        init_reply.h.unique = in->unique;
        init_reply.i.major = 7;
        init_reply.i.minor = ii->minor < 45 ? ii->minor : 45;
        init_reply.i.max_readahead = ii->max_readahead;
        init_reply.i.flags = ii->flags & (ASYNC_READ | BIG_WRITES | PARALLEL_DIROPS | MAX_PAGES);
        init_reply.i.max_background = 16;
        init_reply.i.congestion_threshold = 12;
        init_reply.i.max_write = MAX_WRITE;
        init_reply.i.time_gran = 1;
        init_reply.i.max_pages = MAX_WRITE / 4096;
        reply = &init_reply;
        len = sizeof init_reply;
        break;
      }
      case OP_LOOKUP: {
        uint64_t node = node_of_name(buf + sizeof *in, (size_t)n - sizeof *in);
        if (node == 0) {
          error_reply.unique = in->unique;
          error_reply.error = -ENOENT;
          reply = &error_reply;
          len = sizeof error_reply;
          break;
        }
        entry.h.unique = in->unique;
        entry.e.nodeid = entry.e.attr.ino = node;
        reply = &entry;
        len = sizeof entry;
        break;
      }
      case OP_GETATTR:
        if (in->nodeid == 1) {
          root_attr.h.unique = in->unique;
          reply = &root_attr;
          len = sizeof root_attr;
        } else {
          file_attr.h.unique = in->unique;
          file_attr.a.attr.ino = in->nodeid;
          reply = &file_attr;
          len = sizeof file_attr;
        }
        break;
      case OP_FORGET:
      case OP_BATCH_FORGET:
        continue;
      default:
        error_reply.unique = in->unique;
        error_reply.error = -ENOSYS;
        reply = &error_reply;
        len = sizeof error_reply;
    }
    if (write(fd, reply, len) < 0 && errno != ENOENT) { /* ENOENT: the request was interrupted */
      if (errno == ENODEV) break;
      perror("noop-server: write");
    }
  }
  fprintf(stderr, "noop-server (C) requests:");
  for (int op = 0; op < 64; op++) {
    if (!counts[op]) continue;
    const char *name = op_name(op);
    if (name) fprintf(stderr, " %s=%lu", name, counts[op]);
    else fprintf(stderr, " op%d=%lu", op, counts[op]);
  }
  fprintf(stderr, "\n");
  return 0;
}
