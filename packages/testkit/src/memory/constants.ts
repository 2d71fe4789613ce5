/**
 * Linux constants the memory backend needs, with their kernel names
 * (include/uapi/linux/stat.h, fcntl.h, fs.h, falloc.h, xattr.h, fuse.h).
 * Kept local so the backend does not depend on which ABI tables the protocol
 * package exports; the numbers are Linux's on every architecture we serve.
 */

// File types and mode bits (stat.h).
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
/** Permission bits plus set-id and sticky bits. */
export const S_IALLUGO = 0o7777;

// open(2) flags (asm-generic/fcntl.h).
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;

// access(2) mask bits.
export const R_OK = 4;
export const W_OK = 2;
export const X_OK = 1;

// renameat2(2) flags (fs.h).
export const RENAME_NOREPLACE = 1 << 0;
export const RENAME_EXCHANGE = 1 << 1;
export const RENAME_WHITEOUT = 1 << 2;

// fallocate(2) modes (falloc.h).
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;

// lseek(2) whence.
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

// setxattr(2) flags (xattr.h) and limits (limits.h).
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 65536;
export const XATTR_LIST_MAX = 65536;

// fuse_setattr_in.valid bits (fuse.h).
export const FATTR_MODE = 1 << 0;
export const FATTR_UID = 1 << 1;
export const FATTR_GID = 1 << 2;
export const FATTR_SIZE = 1 << 3;
export const FATTR_ATIME = 1 << 4;
export const FATTR_MTIME = 1 << 5;
export const FATTR_FH = 1 << 6;
export const FATTR_ATIME_NOW = 1 << 7;
export const FATTR_MTIME_NOW = 1 << 8;
export const FATTR_CTIME = 1 << 10;
export const FATTR_KILL_SUIDGID = 1 << 11;

// fuse_write_in.write_flags (fuse.h).
export const FUSE_WRITE_KILL_SUIDGID = 1 << 2;

// statx mask bits (stat.h).
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;

/** NAME_MAX: the longest name, in bytes. */
export const NAME_MAX = 255;
/** PATH_MAX: a symlink target must be shorter than this, in bytes. */
export const PATH_MAX = 4096;
/** The largest file size and offset we accept: beyond it numbers lose precision. EFBIG past it. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** MAX_RW_COUNT: Linux never moves more than this in one read/write/copy call. */
export const MAX_RW_COUNT = 0x7ffff000;

/** The d_type of a mode (DT_REG = S_IFREG >> 12, and so on). */
export function direntType(mode: number): number {
  return (mode & S_IFMT) >>> 12;
}
