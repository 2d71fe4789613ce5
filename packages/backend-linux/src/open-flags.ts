import { O_ACCMODE, O_APPEND, O_RDWR, O_TRUNC, O_WRONLY } from '@tsfuse/protocol';

/**
 * open(2) flags, Linux numbers (the wire's and, this backend being Linux-only,
 * the host's), that @tsfuse/protocol does not export (it has the access mode,
 * O_CREAT, O_EXCL, O_TRUNC and O_APPEND).
 */
export const O_NOCTTY = 0o400;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_NOATIME = 0o1000000;
export const O_SYNC = 0o4010000;

/** Flags passed through to the host open: access mode and the per-file behaviours. */
const PASSED = O_ACCMODE | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC | O_NOATIME | O_LARGEFILE | O_NOCTTY;

/**
 * The host flags for a file open the kernel asked for. O_CREAT/O_EXCL/O_NOFOLLOW
 * and friends are the backend's business, never the client's. O_DIRECT is
 * dropped: the kernel already bypasses its page cache for such opens, and the
 * host would demand aligned buffers Node cannot promise. With the writeback
 * cache the kernel may read to fill pages of a write-only file and appends
 * itself at the size it knows, so O_WRONLY becomes O_RDWR and O_APPEND goes.
 */
export function hostOpenFlags(flags: number, writeback: boolean): number {
  let f = flags & PASSED;
  if (writeback) {
    if ((f & O_ACCMODE) === O_WRONLY) f = (f & ~O_ACCMODE) | O_RDWR;
    f &= ~O_APPEND;
  }
  return f;
}
