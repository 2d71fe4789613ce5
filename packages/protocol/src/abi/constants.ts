/**
 * FUSE kernel ABI constants, protocol 7.45 (include/uapi/linux/fuse.h),
 * kernel names without the FUSE_ prefix where that reads better. Values are
 * the wire values; nothing here depends on the host.
 */

/** The protocol major we speak. */
export const FUSE_KERNEL_VERSION = 7;
/** The newest protocol minor we speak. */
export const FUSE_KERNEL_MINOR_VERSION = 45;
/** The oldest protocol minor we accept (FUSE_ABORT_ERROR, Linux 4.16 and later). */
export const FUSE_MIN_MINOR_VERSION = 27;
/** Node id of the root directory. */
export const FUSE_ROOT_ID = 1;
/** The kernel's read buffer must be at least this large. */
export const FUSE_MIN_READ_BUFFER = 8192;
/** Bit 63 of a request's unique: the kernel resent this request (FUSE_HAS_RESEND). */
export const FUSE_UNIQUE_RESEND = 1n << 63n;
/** Bit 0 of unique on an interrupt request's own unique (kernel-internal, seen in EAGAIN replies). */
export const FUSE_INT_REQ_BIT = 1;

/** enum fuse_opcode. 7 and 19 are unused. */
export const Opcode = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  GETLK: 31,
  SETLK: 32,
  SETLKW: 33,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  BMAP: 37,
  DESTROY: 38,
  IOCTL: 39,
  POLL: 40,
  NOTIFY_REPLY: 41,
  BATCH_FORGET: 42,
  FALLOCATE: 43,
  READDIRPLUS: 44,
  RENAME2: 45,
  LSEEK: 46,
  COPY_FILE_RANGE: 47,
  SETUPMAPPING: 48,
  REMOVEMAPPING: 49,
  SYNCFS: 50,
  TMPFILE: 51,
  STATX: 52,
  COPY_FILE_RANGE_64: 53,
  CUSE_INIT: 4096,
} as const;

export type OpcodeName = keyof typeof Opcode;

const opcodeNames = new Map<number, OpcodeName>();
for (const [name, value] of Object.entries(Opcode) as [OpcodeName, number][]) opcodeNames.set(value, name);

/** The kernel name of an opcode (without FUSE_), or undefined for an unknown one. */
export function opcodeName(opcode: number): OpcodeName | undefined {
  return opcodeNames.get(opcode);
}

/**
 * INIT flags as one 64-bit set: bits 0..31 travel in `flags`, bits 32..63 in
 * `flags2` (shifted down), the latter only when FUSE_INIT_EXT is set.
 */
export const InitFlags = {
  ASYNC_READ: 1n << 0n,
  POSIX_LOCKS: 1n << 1n,
  FILE_OPS: 1n << 2n,
  ATOMIC_O_TRUNC: 1n << 3n,
  EXPORT_SUPPORT: 1n << 4n,
  BIG_WRITES: 1n << 5n,
  DONT_MASK: 1n << 6n,
  SPLICE_WRITE: 1n << 7n,
  SPLICE_MOVE: 1n << 8n,
  SPLICE_READ: 1n << 9n,
  FLOCK_LOCKS: 1n << 10n,
  HAS_IOCTL_DIR: 1n << 11n,
  AUTO_INVAL_DATA: 1n << 12n,
  DO_READDIRPLUS: 1n << 13n,
  READDIRPLUS_AUTO: 1n << 14n,
  ASYNC_DIO: 1n << 15n,
  WRITEBACK_CACHE: 1n << 16n,
  NO_OPEN_SUPPORT: 1n << 17n,
  PARALLEL_DIROPS: 1n << 18n,
  HANDLE_KILLPRIV: 1n << 19n,
  POSIX_ACL: 1n << 20n,
  ABORT_ERROR: 1n << 21n,
  MAX_PAGES: 1n << 22n,
  CACHE_SYMLINKS: 1n << 23n,
  NO_OPENDIR_SUPPORT: 1n << 24n,
  EXPLICIT_INVAL_DATA: 1n << 25n,
  MAP_ALIGNMENT: 1n << 26n,
  SUBMOUNTS: 1n << 27n,
  HANDLE_KILLPRIV_V2: 1n << 28n,
  SETXATTR_EXT: 1n << 29n,
  INIT_EXT: 1n << 30n,
  INIT_RESERVED: 1n << 31n,
  SECURITY_CTX: 1n << 32n,
  HAS_INODE_DAX: 1n << 33n,
  CREATE_SUPP_GROUP: 1n << 34n,
  HAS_EXPIRE_ONLY: 1n << 35n,
  DIRECT_IO_ALLOW_MMAP: 1n << 36n,
  PASSTHROUGH: 1n << 37n,
  NO_EXPORT_SUPPORT: 1n << 38n,
  HAS_RESEND: 1n << 39n,
  ALLOW_IDMAP: 1n << 40n,
  OVER_IO_URING: 1n << 41n,
  REQUEST_TIMEOUT: 1n << 42n,
} as const;

export type InitFlagName = keyof typeof InitFlags;

/** Names of the INIT flags set in `flags`, for traces and errors. */
export function initFlagNames(flags: bigint): string[] {
  const out: string[] = [];
  for (const [name, bit] of Object.entries(InitFlags)) if (flags & bit) out.push(name);
  for (let i = 0n; i < 64n; i++) {
    const bit = 1n << i;
    if (flags & bit && !Object.values(InitFlags).includes(bit as never)) out.push(`bit${i}`);
  }
  return out;
}

/** CUSE INIT flag. */
export const CUSE_UNRESTRICTED_IOCTL = 1 << 0;

/** fuse_setattr_in.valid bits. */
export const FATTR_MODE = 1 << 0;
export const FATTR_UID = 1 << 1;
export const FATTR_GID = 1 << 2;
export const FATTR_SIZE = 1 << 3;
export const FATTR_ATIME = 1 << 4;
export const FATTR_MTIME = 1 << 5;
export const FATTR_FH = 1 << 6;
export const FATTR_ATIME_NOW = 1 << 7;
export const FATTR_MTIME_NOW = 1 << 8;
export const FATTR_LOCKOWNER = 1 << 9;
export const FATTR_CTIME = 1 << 10;
export const FATTR_KILL_SUIDGID = 1 << 11;

/** fuse_open_out.open_flags bits. */
export const FOPEN_DIRECT_IO = 1 << 0;
export const FOPEN_KEEP_CACHE = 1 << 1;
export const FOPEN_NONSEEKABLE = 1 << 2;
export const FOPEN_CACHE_DIR = 1 << 3;
export const FOPEN_STREAM = 1 << 4;
export const FOPEN_NOFLUSH = 1 << 5;
export const FOPEN_PARALLEL_DIRECT_WRITES = 1 << 6;
export const FOPEN_PASSTHROUGH = 1 << 7;

/** fuse_release_in.release_flags. */
export const FUSE_RELEASE_FLUSH = 1 << 0;
export const FUSE_RELEASE_FLOCK_UNLOCK = 1 << 1;
/** fuse_getattr_in.getattr_flags: fh is valid. */
export const FUSE_GETATTR_FH = 1 << 0;
/** fuse_lk_in.lk_flags: a flock(2) lock rather than a POSIX one. */
export const FUSE_LK_FLOCK = 1 << 0;
/** fuse_write_in.write_flags. */
export const FUSE_WRITE_CACHE = 1 << 0;
export const FUSE_WRITE_LOCKOWNER = 1 << 1;
export const FUSE_WRITE_KILL_SUIDGID = 1 << 2;
/** Obsolete alias of FUSE_WRITE_KILL_SUIDGID. */
export const FUSE_WRITE_KILL_PRIV = FUSE_WRITE_KILL_SUIDGID;
/** fuse_read_in.read_flags: lock_owner is valid. */
export const FUSE_READ_LOCKOWNER = 1 << 1;
/** fuse_ioctl_in.flags. */
export const FUSE_IOCTL_COMPAT = 1 << 0;
export const FUSE_IOCTL_UNRESTRICTED = 1 << 1;
export const FUSE_IOCTL_RETRY = 1 << 2;
export const FUSE_IOCTL_32BIT = 1 << 3;
export const FUSE_IOCTL_DIR = 1 << 4;
export const FUSE_IOCTL_COMPAT_X32 = 1 << 5;
export const FUSE_IOCTL_MAX_IOV = 256;
/** fuse_poll_in.flags: the kernel wants a FUSE_NOTIFY_POLL wakeup. */
export const FUSE_POLL_SCHEDULE_NOTIFY = 1 << 0;
/** fuse_fsync_in.fsync_flags: data only. */
export const FUSE_FSYNC_FDATASYNC = 1 << 0;
/** fuse_attr.flags. */
export const FUSE_ATTR_SUBMOUNT = 1 << 0;
export const FUSE_ATTR_DAX = 1 << 1;
/** fuse_open_in.open_flags / fuse_create_in.open_flags. */
export const FUSE_OPEN_KILL_SUIDGID = 1 << 0;
/** fuse_setxattr_in.setxattr_flags. */
export const FUSE_SETXATTR_ACL_KILL_SGID = 1 << 0;
/** fuse_notify_inval_entry_out.flags: only expire the dentry (needs FUSE_HAS_EXPIRE_ONLY). */
export const FUSE_EXPIRE_ONLY = 1 << 0;

/** renameat2(2) flags as carried by FUSE_RENAME2. */
export const RENAME_NOREPLACE = 1 << 0;
export const RENAME_EXCHANGE = 1 << 1;
export const RENAME_WHITEOUT = 1 << 2;

/** enum fuse_ext_type: 0..31 are security-context counts, then typed extensions. */
export const FUSE_MAX_NR_SECCTX = 31;
export const FUSE_EXT_GROUPS = 32;

/** enum fuse_notify_code (the `error` field of an unsolicited message). */
export const NotifyCode = {
  POLL: 1,
  INVAL_INODE: 2,
  INVAL_ENTRY: 3,
  STORE: 4,
  RETRIEVE: 5,
  DELETE: 6,
  RESEND: 7,
  INC_EPOCH: 8,
  PRUNE: 9,
} as const;

/** d_type values carried in fuse_dirent.type (DT_* from dirent.h). */
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;
export const DT_WHT = 14;

/** st_mode file types and mode bits (include/uapi/linux/stat.h): Linux's, and so the wire's. */
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

/** The DT_* type of a st_mode (S_IFMT >> 12, as the kernel does). */
export function direntType(mode: number): number {
  return (mode & S_IFMT) >>> 12;
}

/** fcntl lock types (Linux numbers). */
export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;

/** open(2) flags the session looks at (Linux numbering). */
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;

/** access(2) mask bits. */
export const F_OK = 0;
export const X_OK = 1;
export const W_OK = 2;
export const R_OK = 4;

/** Longest name component Linux accepts (NAME_MAX). */
export const NAME_MAX = 255;
/** Longest symlink target Linux accepts (PATH_MAX including the NUL). */
export const PATH_MAX = 4096;
/** Largest xattr value the kernel passes (XATTR_SIZE_MAX). */
export const XATTR_SIZE_MAX = 65536;
/** Largest xattr name (XATTR_NAME_MAX). */
export const XATTR_NAME_MAX = 255;
/** The largest integer a JS number holds exactly; node ids, handles and file offsets stay below it. */
export const MAX_SAFE = Number.MAX_SAFE_INTEGER;
