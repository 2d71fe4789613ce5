/**
 * The kernel's half of the FUSE ABI (protocol 7.45), written out again on
 * purpose: the client is the kernel's side of the wire and must not share a
 * single constant with the engine it checks, or a wrong number in the engine
 * would be "confirmed" by the same wrong number here. Names follow
 * include/uapi/linux/fuse.h; numbers are Linux x86_64/generic.
 */

/** Protocol version the client offers, as a 6.x kernel does. */
export const FUSE_KERNEL_VERSION = 7;
export const FUSE_KERNEL_MINOR_VERSION = 45;
export const FUSE_ROOT_ID = 1;

/** fuse_opcode. */
export const Op = {
  LOOKUP: 1, FORGET: 2, GETATTR: 3, SETATTR: 4, READLINK: 5, SYMLINK: 6, MKNOD: 8, MKDIR: 9,
  UNLINK: 10, RMDIR: 11, RENAME: 12, LINK: 13, OPEN: 14, READ: 15, WRITE: 16, STATFS: 17,
  RELEASE: 18, FSYNC: 20, SETXATTR: 21, GETXATTR: 22, LISTXATTR: 23, REMOVEXATTR: 24,
  FLUSH: 25, INIT: 26, OPENDIR: 27, READDIR: 28, RELEASEDIR: 29, FSYNCDIR: 30, GETLK: 31,
  SETLK: 32, SETLKW: 33, ACCESS: 34, CREATE: 35, INTERRUPT: 36, BMAP: 37, DESTROY: 38,
  IOCTL: 39, POLL: 40, NOTIFY_REPLY: 41, BATCH_FORGET: 42, FALLOCATE: 43, READDIRPLUS: 44,
  RENAME2: 45, LSEEK: 46, COPY_FILE_RANGE: 47, SETUPMAPPING: 48, REMOVEMAPPING: 49,
  SYNCFS: 50, TMPFILE: 51, STATX: 52, COPY_FILE_RANGE_64: 53, CUSE_INIT: 4096,
} as const;
export type OpName = keyof typeof Op;

const opNames = new Map<number, OpName>(Object.entries(Op).map(([k, v]) => [v, k as OpName]));
/** The kernel name of an opcode (for messages), or `op<N>`. */
export function opName(opcode: number): string {
  return opNames.get(opcode) ?? `op${opcode}`;
}

/** INIT flags (flags | flags2 << 32), as bigints. */
export const Init = {
  ASYNC_READ: 1n << 0n, POSIX_LOCKS: 1n << 1n, FILE_OPS: 1n << 2n, ATOMIC_O_TRUNC: 1n << 3n,
  EXPORT_SUPPORT: 1n << 4n, BIG_WRITES: 1n << 5n, DONT_MASK: 1n << 6n, SPLICE_WRITE: 1n << 7n,
  SPLICE_MOVE: 1n << 8n, SPLICE_READ: 1n << 9n, FLOCK_LOCKS: 1n << 10n, HAS_IOCTL_DIR: 1n << 11n,
  AUTO_INVAL_DATA: 1n << 12n, DO_READDIRPLUS: 1n << 13n, READDIRPLUS_AUTO: 1n << 14n,
  ASYNC_DIO: 1n << 15n, WRITEBACK_CACHE: 1n << 16n, NO_OPEN_SUPPORT: 1n << 17n,
  PARALLEL_DIROPS: 1n << 18n, HANDLE_KILLPRIV: 1n << 19n, POSIX_ACL: 1n << 20n,
  ABORT_ERROR: 1n << 21n, MAX_PAGES: 1n << 22n, CACHE_SYMLINKS: 1n << 23n,
  NO_OPENDIR_SUPPORT: 1n << 24n, EXPLICIT_INVAL_DATA: 1n << 25n, MAP_ALIGNMENT: 1n << 26n,
  SUBMOUNTS: 1n << 27n, HANDLE_KILLPRIV_V2: 1n << 28n, SETXATTR_EXT: 1n << 29n,
  INIT_EXT: 1n << 30n, INIT_RESERVED: 1n << 31n, SECURITY_CTX: 1n << 32n,
  HAS_INODE_DAX: 1n << 33n, CREATE_SUPP_GROUP: 1n << 34n, HAS_EXPIRE_ONLY: 1n << 35n,
  DIRECT_IO_ALLOW_MMAP: 1n << 36n, PASSTHROUGH: 1n << 37n, NO_EXPORT_SUPPORT: 1n << 38n,
  HAS_RESEND: 1n << 39n, ALLOW_IDMAP: 1n << 40n, OVER_IO_URING: 1n << 41n,
  REQUEST_TIMEOUT: 1n << 42n,
} as const;

/**
 * What fuse_send_init of Linux 6.18 offers on a plain `-t fuse` mount
 * (no DAX, no submounts, FUSE_PASSTHROUGH configured, io_uring off).
 */
export const KERNEL_INIT_FLAGS: bigint =
  Init.ASYNC_READ | Init.POSIX_LOCKS | Init.ATOMIC_O_TRUNC | Init.EXPORT_SUPPORT |
  Init.BIG_WRITES | Init.DONT_MASK | Init.SPLICE_WRITE | Init.SPLICE_MOVE | Init.SPLICE_READ |
  Init.FLOCK_LOCKS | Init.HAS_IOCTL_DIR | Init.AUTO_INVAL_DATA | Init.DO_READDIRPLUS |
  Init.READDIRPLUS_AUTO | Init.ASYNC_DIO | Init.WRITEBACK_CACHE | Init.NO_OPEN_SUPPORT |
  Init.PARALLEL_DIROPS | Init.HANDLE_KILLPRIV | Init.POSIX_ACL | Init.ABORT_ERROR |
  Init.MAX_PAGES | Init.CACHE_SYMLINKS | Init.NO_OPENDIR_SUPPORT | Init.EXPLICIT_INVAL_DATA |
  Init.HANDLE_KILLPRIV_V2 | Init.SETXATTR_EXT | Init.INIT_EXT | Init.SECURITY_CTX |
  Init.CREATE_SUPP_GROUP | Init.HAS_EXPIRE_ONLY | Init.DIRECT_IO_ALLOW_MMAP |
  Init.PASSTHROUGH | Init.NO_EXPORT_SUPPORT | Init.HAS_RESEND | Init.ALLOW_IDMAP |
  Init.REQUEST_TIMEOUT;

/** fuse_setattr_in.valid bits. */
export const FATTR = {
  MODE: 1 << 0, UID: 1 << 1, GID: 1 << 2, SIZE: 1 << 3, ATIME: 1 << 4, MTIME: 1 << 5,
  FH: 1 << 6, ATIME_NOW: 1 << 7, MTIME_NOW: 1 << 8, LOCKOWNER: 1 << 9, CTIME: 1 << 10,
  KILL_SUIDGID: 1 << 11,
} as const;

/** fuse_open_out.open_flags bits. */
export const FOPEN = {
  DIRECT_IO: 1 << 0, KEEP_CACHE: 1 << 1, NONSEEKABLE: 1 << 2, CACHE_DIR: 1 << 3, STREAM: 1 << 4,
  NOFLUSH: 1 << 5, PARALLEL_DIRECT_WRITES: 1 << 6, PASSTHROUGH: 1 << 7,
} as const;

export const FUSE_GETATTR_FH = 1;
export const FUSE_FSYNC_FDATASYNC = 1;
export const FUSE_WRITE_KILL_SUIDGID = 1 << 2;
export const FUSE_OPEN_KILL_SUIDGID = 1 << 0;
/** fuse_ext_type: 0..31 are security-context headers (the type is nr_secctx). */
export const FUSE_EXT_GROUPS = 32;
/** The kernel refuses dirent names longer than this (the daemon should refuse > 255). */
export const FUSE_NAME_MAX = 1024;
/** Linux NAME_MAX. */
export const NAME_MAX = 255;
/** Low bit of `unique` marks an INTERRUPT; request uniques step by 2. */
export const FUSE_INT_REQ_BIT = 1n;

/** Struct sizes in bytes, as the kernel's sizeof(). */
export const Size = {
  in_header: 40, out_header: 16, attr: 88, entry_out: 128, attr_out: 104, open_out: 16,
  write_out: 8, statfs_out: 80, init_in: 64, init_out: 64, getxattr_out: 8, lk_out: 24,
  bmap_out: 8, poll_out: 8, lseek_out: 8, copy_file_range_out: 8, statx_out: 288,
  dirent: 24, direntplus: 152, forget_one: 16,
} as const;

/** open(2) flags, Linux x86_64 numbering (the wire carries the kernel's own numbers). */
export const O = {
  RDONLY: 0, WRONLY: 1, RDWR: 2, ACCMODE: 3, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400,
  TRUNC: 0o1000, APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, DIRECT: 0o40000,
  LARGEFILE: 0o100000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000, NOATIME: 0o1000000,
  CLOEXEC: 0o2000000, SYNC: 0o4010000, PATH: 0o10000000,
} as const;

/** File type bits of st_mode. */
export const S = {
  IFMT: 0o170000, IFSOCK: 0o140000, IFLNK: 0o120000, IFREG: 0o100000, IFBLK: 0o060000,
  IFDIR: 0o040000, IFCHR: 0o020000, IFIFO: 0o010000, ISUID: 0o4000, ISGID: 0o2000, ISVTX: 0o1000,
} as const;

/** d_type values (mode >> 12). */
export const DT = { UNKNOWN: 0, FIFO: 1, CHR: 2, DIR: 4, BLK: 6, REG: 8, LNK: 10, SOCK: 12, WHT: 14 } as const;

/** True for the seven file types the kernel accepts (fuse_valid_type). */
export function validFileType(mode: number): boolean {
  const t = mode & S.IFMT;
  return t === S.IFREG || t === S.IFDIR || t === S.IFLNK || t === S.IFCHR ||
    t === S.IFBLK || t === S.IFIFO || t === S.IFSOCK;
}

export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_ZERO_RANGE = 0x10;

/** access(2) masks. */
export const F_OK = 0;
export const X_OK = 1;
export const W_OK = 2;
export const R_OK = 4;

/** utimensat(2) special nanosecond values. */
export const UTIME_NOW = (1 << 30) - 1;
export const UTIME_OMIT = (1 << 30) - 2;

/** Largest file offset a request may carry without losing precision in JS. */
export const MAX_SAFE_OFFSET = Number.MAX_SAFE_INTEGER;
