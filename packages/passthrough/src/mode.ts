/** st_mode bits (Linux values, which are also the wire's). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IXGRP = 0o0010;
/** Permission bits plus setuid, setgid and sticky. */
export const S_IALLUGO = 0o7777;

/** DT_* of a mode (S_IFMT >> 12, as the kernel does). */
export function direntTypeOfMode(mode: number): number {
  return (mode & S_IFMT) >>> 12;
}

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
