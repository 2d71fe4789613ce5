/**
 * Linux open(2) flags (as the client sent them) to the host's numbers.
 *
 * - Access mode, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_NONBLOCK and
 *   O_DIRECTORY carry over one for one.
 * - O_NOFOLLOW is always added: the backend never follows a symlink on the host.
 * - O_NOCTTY is always added, so that no open can acquire a controlling terminal.
 * - O_SYNC (Linux: __O_SYNC | O_DSYNC) becomes the host's O_SYNC; O_DSYNC alone
 *   becomes the host's O_DSYNC (darwin has both).
 * - O_DIRECT is never passed to the host: the daemon's buffers are not aligned
 *   as the host requires (Linux answers EINVAL), and darwin has no O_DIRECT at
 *   all (its F_NOCACHE needs fcntl, which Node cannot call). The open reply
 *   carries FOPEN_DIRECT_IO instead, so the client's page cache is bypassed,
 *   which is what the program asked of the client side.
 * - O_NOATIME is passed where the host has it (Linux) and dropped on darwin.
 * - O_CLOEXEC (libuv adds it itself), O_LARGEFILE, FASYNC and the kernel's
 *   __FMODE_EXEC are client-side matters and are dropped, as are unknown bits
 *   (open(2) ignores unknown flags).
 * - O_PATH and O_TMPFILE never reach FUSE_OPEN from a kernel; a request that
 *   carries them is refused with EINVAL.
 */
import { FuseError } from '@tsfuse/protocol';
import type { LinuxOpenFlags } from '../tables/linux-client.js';
import type { HostTables } from '../tables/host-tables.js';

/** The host flags for an open, and what the reply should tell the client. */
export interface TranslatedOpen {
  /** Flags for the host's open(). */
  hostFlags: number;
  /** The client asked for O_DIRECT: answer with FOPEN_DIRECT_IO. */
  directIo: boolean;
}

/** Translate Linux open flags to the host's; throws EINVAL for O_PATH / O_TMPFILE. */
export function translateOpenFlags(flags: number, linux: LinuxOpenFlags, host: HostTables): TranslatedOpen {
  const h = host.openFlags;
  if (flags & (linux.O_PATH | linux.__O_TMPFILE)) throw new FuseError('EINVAL');
  let out = 0;
  const access = flags & linux.O_ACCMODE;
  if (access === linux.O_WRONLY) out |= h.O_WRONLY;
  else if (access === linux.O_RDWR) out |= h.O_RDWR;
  else if (access !== linux.O_RDONLY) throw new FuseError('EINVAL'); // 3 is not an access mode
  else out |= h.O_RDONLY;
  if (flags & linux.O_CREAT) out |= h.O_CREAT;
  if (flags & linux.O_EXCL) out |= h.O_EXCL;
  if (flags & linux.O_TRUNC) out |= h.O_TRUNC;
  if (flags & linux.O_APPEND) out |= h.O_APPEND;
  if (flags & linux.O_NONBLOCK) out |= h.O_NONBLOCK;
  if (flags & linux.O_DIRECTORY) out |= h.O_DIRECTORY;
  if ((flags & linux.O_SYNC) === linux.O_SYNC) out |= h.O_SYNC;
  else if (flags & linux.O_DSYNC) out |= h.O_DSYNC;
  if (flags & linux.O_NOATIME) out |= h.O_NOATIME;
  out |= h.O_NOFOLLOW | h.O_NOCTTY;
  return { hostFlags: out >>> 0, directIo: (flags & linux.O_DIRECT) !== 0 };
}
