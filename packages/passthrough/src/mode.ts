import { S_IFMT, S_IFREG, S_ISGID, S_ISUID, S_IXGRP } from '@tsfuse/protocol';

/** st_mode bits: the protocol package's (Linux values, which are also the wire's). */
export { S_IALLUGO, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP } from '@tsfuse/protocol';

/**
 * The mode bits a write or truncate by someone without CAP_FSETID leaves on a
 * regular file (should_remove_suid): S_ISUID always goes, S_ISGID only when
 * group-executable (otherwise it marks mandatory locking). Returns `mode`
 * unchanged when nothing needs clearing.
 */
export function modeAfterKillPriv(mode: number): number {
  if ((mode & S_IFMT) !== S_IFREG) return mode;
  let m = mode & ~S_ISUID;
  if ((mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP)) m &= ~S_ISGID;
  return m;
}
