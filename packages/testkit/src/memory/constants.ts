/**
 * Linux constants the memory backend needs that @tsfuse/protocol does not
 * export (and the st_mode bits it does, re-exported), with their kernel names (include/uapi/linux/stat.h, falloc.h,
 * xattr.h, limits.h, fs/read_write.c). Everything the protocol package has
 * (FATTR_*, O_ACCMODE..O_APPEND, RENAME_*, R_OK/W_OK/X_OK, NAME_MAX,
 * PATH_MAX, XATTR_NAME_MAX/XATTR_SIZE_MAX, FUSE_WRITE_KILL_SUIDGID,
 * direntType) is imported from there. The numbers are Linux's on every
 * architecture we serve.
 */

// File types and mode bits (stat.h): the protocol package's.
export { S_IALLUGO, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP } from '@tsfuse/protocol';

// fallocate(2) modes (falloc.h).
export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;

// lseek(2) whence.
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

// setxattr(2) flags (xattr.h) and the listxattr limit (limits.h).
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;
export const XATTR_LIST_MAX = 65536;

// statx mask bits (stat.h).
export const STATX_BASIC_STATS = 0x7ff;
export const STATX_BTIME = 0x800;

/** The largest file size and offset we accept: beyond it numbers lose precision. EFBIG past it. */
export const MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** MAX_RW_COUNT: Linux never moves more than this in one read/write/copy call. */
export const MAX_RW_COUNT = 0x7ffff000;
