/**
 * The inode-based filesystem interface a backend implements, shaped like the
 * kernel's low-level operations (and libfuse's lowlevel API).
 *
 * Conventions every backend follows:
 * - Every method is optional. A missing method answers ENOSYS; for the
 *   operations where the kernel remembers ENOSYS (open, opendir, flush, fsync,
 *   fsyncdir, xattrs, access, create, fallocate, lseek, copy_file_range,
 *   rename2 flags, statx, tmpfile, poll, bmap, locks) the session answers the
 *   same without calling again.
 * - A method may return its result directly (the fast path: no Promise, no
 *   microtask) or a Promise of it. Failure is `throw new FuseError('ENOENT')`
 *   (or a rejected Promise with one); anything else thrown becomes EIO plus a
 *   log line.
 * - Node ids and file handles are numbers the backend chooses (< 2^53; the
 *   session rejects larger ones from the wire). Node id 1 is the root.
 * - Lookup counting is the backend's job, as in libfuse: every successful
 *   reply that carries an Entry (lookup, mknod, mkdir, symlink, link, create,
 *   tmpfile, and each READDIRPLUS entry the sink accepted other than "." and
 *   "..") adds one to that node's count; forget() subtracts.
 * - Names arrive as Buffers holding the exact bytes the kernel sent (Linux
 *   names are bytes, not UTF-8); the session has already refused empty names,
 *   names containing '/' or NUL, and names over 255 bytes. `.` and `..` can
 *   still arrive in lookup (NFS export); backends must treat them safely.
 * - Buffers handed to a method (names, write data, xattr values) are views into
 *   the request and are valid only until the method returns or its Promise
 *   settles. Copy what you keep. The same holds for the RequestContext and the
 *   readdir sinks: the session reuses them for later requests.
 */

import type { EncodedDirents } from './messages/dir.js';

/**
 * Who asked, and a way to learn the request was interrupted. Valid until the
 * method returns, or until its Promise settles: a method that answers
 * synchronously must not keep it (the session reuses the object, so it costs
 * no allocation); copy uid/gid/pid/groups if they are needed later.
 */
export interface RequestContext {
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
  /**
   * Aborted when the kernel sends FUSE_INTERRUPT for this request. Created on
   * first access, so backends that never look at it pay nothing.
   */
  readonly signal: AbortSignal;
  /** Supplementary groups, when the kernel sent them (FUSE_CREATE_SUPP_GROUP). */
  readonly groups: readonly number[] | undefined;
}

/** fuse_attr, field names as in the kernel header. Times are seconds + nanoseconds. */
export interface Attr {
  ino: number | bigint;
  size: number;
  blocks: number;
  atime: number;
  mtime: number;
  ctime: number;
  atimensec: number;
  mtimensec: number;
  ctimensec: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  blksize: number;
  /** FUSE_ATTR_* flags (SUBMOUNT, DAX); usually 0. */
  flags?: number;
}

/** fuse_entry_out: a name resolved to a node. */
export interface Entry {
  nodeid: number;
  /** nodeid:generation must be unique over the filesystem's lifetime. Default 0. */
  generation?: number;
  attr: Attr;
  /** Seconds the kernel may cache the name; defaults to the session option. */
  entryTimeout?: number;
  /** Seconds the kernel may cache the attributes; defaults to the session option. */
  attrTimeout?: number;
}

export interface AttrReply {
  attr: Attr;
  /** Seconds; defaults to the session option. */
  attrTimeout?: number;
}

/** fuse_open_out. */
export interface OpenReply {
  fh: number;
  /** FOPEN_* flags (DIRECT_IO, KEEP_CACHE, NONSEEKABLE, CACHE_DIR, STREAM, NOFLUSH, PARALLEL_DIRECT_WRITES, PASSTHROUGH). */
  openFlags?: number;
  backingId?: number;
}

export interface CreateReply extends OpenReply {
  entry: Entry;
}

/** fuse_setattr_in, decoded. Only the fields whose FATTR_* bit is in `valid` mean anything. */
export interface SetattrIn {
  valid: number;
  fh: number | undefined;
  size: number;
  lockOwner: bigint;
  atime: number;
  atimensec: number;
  mtime: number;
  mtimensec: number;
  ctime: number;
  ctimensec: number;
  mode: number;
  uid: number;
  gid: number;
}

/** fuse_kstatfs. */
export interface StatfsReply {
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  bsize: number;
  namelen: number;
  frsize: number;
}

/** fuse_file_lock. `end` is inclusive; OFFSET_MAX is 0x7fffffffffffffff. */
export interface FileLock {
  start: bigint;
  end: bigint;
  /** F_RDLCK 0, F_WRLCK 1, F_UNLCK 2. */
  type: number;
  pid: number;
}

export interface StatxTimestamp {
  sec: number;
  nsec: number;
}

/** fuse_statx. */
export interface Statx {
  mask: number;
  blksize: number;
  attributes: bigint;
  nlink: number;
  uid: number;
  gid: number;
  mode: number;
  ino: number | bigint;
  size: number;
  blocks: number;
  attributesMask: bigint;
  atime: StatxTimestamp;
  btime: StatxTimestamp;
  ctime: StatxTimestamp;
  mtime: StatxTimestamp;
  rdevMajor: number;
  rdevMinor: number;
  devMajor: number;
  devMinor: number;
}

export interface StatxReply {
  statx: Statx;
  attrTimeout?: number;
}

export interface IoctlReply {
  result: number;
  data?: Uint8Array;
}

/**
 * Where READDIR entries go. `add` packs one fuse_dirent and returns false,
 * packing nothing, when the entry does not fit in the size the kernel asked for:
 * stop there, and resume from that entry at the next call.
 * `off` is the offset the kernel sends back to continue *after* this entry.
 */
export interface DirentSink {
  add(name: string | Uint8Array, ino: number | bigint, type: number, off: bigint): boolean;
  /**
   * Copy records `from`, `from + 1`, ... of `block` while they fit (whole
   * records only); returns the index after the last one copied (`from` when
   * none fit). Optional: without it, add() each entry.
   */
  addEncoded?(block: EncodedDirents, from: number): number;
}

/**
 * Where READDIRPLUS entries go. As DirentSink, plus the Entry. Only when `add`
 * returns true has the kernel been promised the entry: then, and only then,
 * count a lookup (never for "." and "..", whose nodeid the session zeroes).
 * Passing `entry` undefined sends a dirent with nodeid 0, which the kernel
 * treats as a plain dirent (no lookup counted).
 */
export interface DirentPlusSink {
  add(name: string | Uint8Array, entry: Entry | undefined, type: number, off: bigint, ino?: number | bigint): boolean;
}

type R<T> = T | Promise<T>;
type Name = Buffer;

export interface InitInfo {
  /** Negotiated protocol minor (7.x). */
  minor: number;
  /** Negotiated capability flags (flags | flags2 << 32) as a bigint. */
  flags: bigint;
}

export interface Backend {
  /**
   * True when the backend clears set-user-ID / set-group-ID itself where the
   * kernel flags it (FATTR_KILL_SUIDGID, FUSE_WRITE_KILL_SUIDGID,
   * FUSE_OPEN_KILL_SUIDGID): the session then negotiates
   * FUSE_HANDLE_KILLPRIV_V2 unless options.handleKillprivV2 says otherwise.
   */
  readonly handlesKillprivV2?: boolean;
  /** Called once INIT is negotiated, before any other request. */
  init?(info: InitInfo): R<void>;
  /** Called when the session ends (DESTROY, unmount, or close()). */
  destroy?(): R<void>;

  lookup?(ctx: RequestContext, parent: number, name: Name): R<Entry>;
  forget?(nodeid: number, nlookup: number): void;
  getattr?(ctx: RequestContext, nodeid: number, fh: number | undefined): R<AttrReply>;
  setattr?(ctx: RequestContext, nodeid: number, attr: SetattrIn): R<AttrReply>;
  readlink?(ctx: RequestContext, nodeid: number): R<string | Uint8Array>;
  symlink?(ctx: RequestContext, parent: number, name: Name, target: Buffer): R<Entry>;
  mknod?(ctx: RequestContext, parent: number, name: Name, mode: number, rdev: number, umask: number): R<Entry>;
  mkdir?(ctx: RequestContext, parent: number, name: Name, mode: number, umask: number): R<Entry>;
  unlink?(ctx: RequestContext, parent: number, name: Name): R<void>;
  rmdir?(ctx: RequestContext, parent: number, name: Name): R<void>;
  /** flags: RENAME_NOREPLACE 1, RENAME_EXCHANGE 2, RENAME_WHITEOUT 4 (0 for plain FUSE_RENAME). */
  rename?(ctx: RequestContext, parent: number, name: Name, newParent: number, newName: Name, flags: number): R<void>;
  link?(ctx: RequestContext, nodeid: number, newParent: number, newName: Name): R<Entry>;

  /**
   * flags: the open(2) flags, Linux numbering. O_TRUNC arrives here (the
   * session negotiates FUSE_ATOMIC_O_TRUNC unless options.atomicOTrunc is
   * false): truncate the file when it is set. openFlags: FUSE_OPEN_* bits; with
   * HANDLE_KILLPRIV_V2, FUSE_OPEN_KILL_SUIDGID asks that an O_TRUNC open
   * by a caller without CAP_FSETID clear set-user-ID (and group-executable
   * set-group-ID), as Linux does.
   */
  open?(ctx: RequestContext, nodeid: number, flags: number, openFlags: number): R<OpenReply>;
  /** flags as in open() (O_TRUNC included), openFlags as for open(). mode is already masked by umask unless options.dontMask. */
  create?(ctx: RequestContext, parent: number, name: Name, mode: number, umask: number, flags: number, openFlags: number): R<CreateReply>;
  /** Return at most `size` bytes; fewer means end of file. May return a view of a buffer the backend reuses. */
  read?(ctx: RequestContext, nodeid: number, fh: number, offset: number, size: number, flags: number): R<Uint8Array>;
  /** Returns the number of bytes written. writeFlags: FUSE_WRITE_* bits. */
  write?(ctx: RequestContext, nodeid: number, fh: number, offset: number, data: Uint8Array, writeFlags: number, flags: number): R<number>;
  flush?(ctx: RequestContext, nodeid: number, fh: number, lockOwner: bigint): R<void>;
  release?(ctx: RequestContext, nodeid: number, fh: number, flags: number, releaseFlags: number, lockOwner: bigint): R<void>;
  fsync?(ctx: RequestContext, nodeid: number, fh: number, datasync: boolean): R<void>;

  opendir?(ctx: RequestContext, nodeid: number, flags: number): R<OpenReply>;
  readdir?(ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentSink): R<void>;
  readdirplus?(ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentPlusSink): R<void>;
  releasedir?(ctx: RequestContext, nodeid: number, fh: number, flags: number): R<void>;
  fsyncdir?(ctx: RequestContext, nodeid: number, fh: number, datasync: boolean): R<void>;

  statfs?(ctx: RequestContext, nodeid: number): R<StatfsReply>;
  access?(ctx: RequestContext, nodeid: number, mask: number): R<void>;

  /** flags: XATTR_CREATE 1, XATTR_REPLACE 2. setxattrFlags: FUSE_SETXATTR_ACL_KILL_SGID (only with handleKillprivV2). */
  setxattr?(ctx: RequestContext, nodeid: number, name: string, value: Uint8Array, flags: number, setxattrFlags?: number): R<void>;
  /** size 0 asks for the value's length: return it as a number. Otherwise return the value (ERANGE when larger than size). */
  getxattr?(ctx: RequestContext, nodeid: number, name: string, size: number): R<Uint8Array | number>;
  /** Same size convention as getxattr; the value is the NUL-separated list. */
  listxattr?(ctx: RequestContext, nodeid: number, size: number): R<Uint8Array | number>;
  removexattr?(ctx: RequestContext, nodeid: number, name: string): R<void>;

  getlk?(ctx: RequestContext, nodeid: number, fh: number, owner: bigint, lock: FileLock, lkFlags: number): R<FileLock>;
  setlk?(ctx: RequestContext, nodeid: number, fh: number, owner: bigint, lock: FileLock, lkFlags: number, wait: boolean): R<void>;

  /** whence: SEEK_SET 0, SEEK_CUR 1, SEEK_END 2, SEEK_DATA 3, SEEK_HOLE 4 (Linux numbers). */
  lseek?(ctx: RequestContext, nodeid: number, fh: number, offset: number, whence: number): R<number>;
  fallocate?(ctx: RequestContext, nodeid: number, fh: number, offset: number, length: number, mode: number): R<void>;
  copyFileRange?(ctx: RequestContext, nodeIn: number, fhIn: number, offIn: number, nodeOut: number, fhOut: number, offOut: number, len: number, flags: number): R<number>;
  statx?(ctx: RequestContext, nodeid: number, fh: number | undefined, flags: number, mask: number): R<StatxReply>;
  syncfs?(ctx: RequestContext, nodeid: number): R<void>;
  tmpfile?(ctx: RequestContext, parent: number, mode: number, umask: number, flags: number): R<CreateReply>;
  bmap?(ctx: RequestContext, nodeid: number, block: number, blocksize: number): R<number>;
  ioctl?(ctx: RequestContext, nodeid: number, fh: number, flags: number, cmd: number, arg: bigint, input: Uint8Array, outSize: number): R<IoctlReply>;
  poll?(ctx: RequestContext, nodeid: number, fh: number, kh: bigint, flags: number, events: number): R<number>;
}
