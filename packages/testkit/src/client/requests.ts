/**
 * Request encoders: one function per opcode, each producing the exact bytes
 * Linux 6.x puts on /dev/fuse for that request (fuse_in_header, the opcode's
 * *_in struct, names NUL-terminated, optional request extensions last).
 * Pure functions of their arguments, so tests can compare them byte by byte
 * with hand-written fixtures.
 */
import { FUSE_EXT_GROUPS, Op } from './abi.js';
import { RequestWriter, nameBytes, type InHeader } from './wire.js';

/** The header fields of a request other than its opcode. */
export type Header = Omit<InHeader, 'opcode'>;
type Name = string | Uint8Array;
type U64 = number | bigint;

/**
 * Request extensions (fuse_ext_header chain) the kernel appends to
 * inode-creating requests: an (empty) security context when SECURITY_CTX was
 * negotiated and no LSM supplies one, and the caller's supplementary group
 * when CREATE_SUPP_GROUP was negotiated.
 */
export interface RequestExtensions {
  /** Send a fuse_secctx_header with nr_secctx 0 (what a kernel without SELinux/Smack sends). */
  emptySecurityContext?: boolean;
  /** Supplementary groups to send as FUSE_EXT_GROUPS (the kernel sends at most one). */
  groups?: readonly number[];
}

function start(opcode: number, h: Header): RequestWriter {
  return new RequestWriter({ ...h, opcode });
}

function extensions(w: RequestWriter, ext: RequestExtensions | undefined): RequestWriter {
  if (!ext || (!ext.emptySecurityContext && !(ext.groups && ext.groups.length))) return w;
  w.beginExtensions();
  if (ext.emptySecurityContext) {
    // fuse_secctx_header { size = 8, nr_secctx = 0 }: its type field is the count.
    w.u32(8).u32(0);
  }
  if (ext.groups && ext.groups.length) {
    // fuse_ext_header { size, type = FUSE_EXT_GROUPS } + fuse_supp_groups { nr_groups, groups[] }, padded to 8.
    const raw = 8 + 4 + 4 * ext.groups.length;
    const size = (raw + 7) & ~7;
    w.u32(size).u32(FUSE_EXT_GROUPS).u32(ext.groups.length);
    for (const g of ext.groups) w.u32(g);
    w.zeros(size - raw);
  }
  return w;
}

/**
 * fuse_init_in: 64 bytes with flags split into flags and flags2 from 7.36 on;
 * the 16-byte form (major, minor, max_readahead, flags) before, as older
 * kernels sent it.
 */
export function init(h: Header, a: { major: number; minor: number; maxReadahead: number; flags: bigint }): Uint8Array {
  const w = start(Op.INIT, h).u32(a.major).u32(a.minor).u32(a.maxReadahead).u32(Number(a.flags & 0xffffffffn));
  if (a.major === 7 && a.minor < 36) return w.finish();
  return w.u32(Number((a.flags >> 32n) & 0xffffffffn)).zeros(44).finish(); // flags2, unused[11]
}

export function lookup(h: Header, name: Name): Uint8Array {
  return start(Op.LOOKUP, h).cstring(name).finish();
}

export function forget(h: Header, nlookup: U64): Uint8Array {
  return start(Op.FORGET, h).u64(nlookup).finish();
}

export function batchForget(h: Header, items: readonly { nodeid: U64; nlookup: U64 }[]): Uint8Array {
  const w = start(Op.BATCH_FORGET, h).u32(items.length).u32(0);
  for (const it of items) w.u64(it.nodeid).u64(it.nlookup);
  return w.finish();
}

export function getattr(h: Header, a: { getattrFlags: number; fh: U64 }): Uint8Array {
  return start(Op.GETATTR, h).u32(a.getattrFlags).u32(0).u64(a.fh).finish();
}

/** fuse_setattr_in fields; only those named by `valid` mean anything. */
export interface SetattrArgs {
  valid: number;
  fh?: U64;
  size?: U64;
  lockOwner?: U64;
  atime?: U64;
  mtime?: U64;
  ctime?: U64;
  atimensec?: number;
  mtimensec?: number;
  ctimensec?: number;
  mode?: number;
  uid?: number;
  gid?: number;
}

export function setattr(h: Header, a: SetattrArgs): Uint8Array {
  return start(Op.SETATTR, h)
    .u32(a.valid).u32(0)
    .u64(a.fh ?? 0).u64(a.size ?? 0).u64(a.lockOwner ?? 0)
    .u64(a.atime ?? 0).u64(a.mtime ?? 0).u64(a.ctime ?? 0)
    .u32(a.atimensec ?? 0).u32(a.mtimensec ?? 0).u32(a.ctimensec ?? 0)
    .u32(a.mode ?? 0).u32(0).u32(a.uid ?? 0).u32(a.gid ?? 0).u32(0)
    .finish();
}

export function readlink(h: Header): Uint8Array {
  return start(Op.READLINK, h).finish();
}

/** SYMLINK: the new name, then the target, both NUL-terminated. */
export function symlink(h: Header, name: Name, target: Name, ext?: RequestExtensions): Uint8Array {
  return extensions(start(Op.SYMLINK, h).cstring(name).cstring(target), ext).finish();
}

export function mknod(h: Header, a: { mode: number; rdev: number; umask: number }, name: Name, ext?: RequestExtensions): Uint8Array {
  const w = start(Op.MKNOD, h).u32(a.mode).u32(a.rdev).u32(a.umask).u32(0).cstring(name);
  return extensions(w, ext).finish();
}

export function mkdir(h: Header, a: { mode: number; umask: number }, name: Name, ext?: RequestExtensions): Uint8Array {
  return extensions(start(Op.MKDIR, h).u32(a.mode).u32(a.umask).cstring(name), ext).finish();
}

export function unlink(h: Header, name: Name): Uint8Array {
  return start(Op.UNLINK, h).cstring(name).finish();
}

export function rmdir(h: Header, name: Name): Uint8Array {
  return start(Op.RMDIR, h).cstring(name).finish();
}

export function rename(h: Header, newdir: U64, oldName: Name, newName: Name): Uint8Array {
  return start(Op.RENAME, h).u64(newdir).cstring(oldName).cstring(newName).finish();
}

export function rename2(h: Header, newdir: U64, flags: number, oldName: Name, newName: Name): Uint8Array {
  return start(Op.RENAME2, h).u64(newdir).u32(flags).u32(0).cstring(oldName).cstring(newName).finish();
}

export function link(h: Header, oldNodeid: U64, newName: Name): Uint8Array {
  return start(Op.LINK, h).u64(oldNodeid).cstring(newName).finish();
}

/** OPEN and OPENDIR share fuse_open_in. */
export function open(h: Header, flags: number, openFlags = 0, opcode: number = Op.OPEN): Uint8Array {
  return start(opcode, h).u32(flags).u32(openFlags).finish();
}

export function opendir(h: Header, flags: number): Uint8Array {
  return open(h, flags, 0, Op.OPENDIR);
}

export interface CreateArgs {
  flags: number;
  mode: number;
  umask: number;
  openFlags?: number;
}

export function create(h: Header, a: CreateArgs, name: Name, ext?: RequestExtensions): Uint8Array {
  const w = start(Op.CREATE, h).u32(a.flags).u32(a.mode).u32(a.umask).u32(a.openFlags ?? 0).cstring(name);
  return extensions(w, ext).finish();
}

/** TMPFILE: fuse_create_in without a name. */
export function tmpfile(h: Header, a: CreateArgs, ext?: RequestExtensions): Uint8Array {
  const w = start(Op.TMPFILE, h).u32(a.flags).u32(a.mode).u32(a.umask).u32(a.openFlags ?? 0);
  return extensions(w, ext).finish();
}

/** fuse_read_in, shared by READ, READDIR and READDIRPLUS. */
export interface ReadArgs {
  fh: U64;
  offset: U64;
  size: number;
  readFlags?: number;
  lockOwner?: U64;
  flags: number;
}

export function read(h: Header, a: ReadArgs, opcode: number = Op.READ): Uint8Array {
  return start(opcode, h)
    .u64(a.fh).u64(a.offset).u32(a.size).u32(a.readFlags ?? 0).u64(a.lockOwner ?? 0).u32(a.flags).u32(0)
    .finish();
}

export function readdir(h: Header, a: ReadArgs, plus = false): Uint8Array {
  return read(h, a, plus ? Op.READDIRPLUS : Op.READDIR);
}

export function write(h: Header, a: { fh: U64; offset: U64; writeFlags?: number; lockOwner?: U64; flags: number }, data: Uint8Array): Uint8Array {
  return start(Op.WRITE, h)
    .u64(a.fh).u64(a.offset).u32(data.length).u32(a.writeFlags ?? 0).u64(a.lockOwner ?? 0).u32(a.flags).u32(0)
    .bytes(data)
    .finish();
}

export function statfs(h: Header): Uint8Array {
  return start(Op.STATFS, h).finish();
}

/** RELEASE and RELEASEDIR share fuse_release_in. */
export function release(h: Header, a: { fh: U64; flags: number; releaseFlags?: number; lockOwner?: U64 }, opcode: number = Op.RELEASE): Uint8Array {
  return start(opcode, h).u64(a.fh).u32(a.flags).u32(a.releaseFlags ?? 0).u64(a.lockOwner ?? 0).finish();
}

/** FSYNC and FSYNCDIR share fuse_fsync_in. */
export function fsync(h: Header, fh: U64, fsyncFlags: number, opcode: number = Op.FSYNC): Uint8Array {
  return start(opcode, h).u64(fh).u32(fsyncFlags).u32(0).finish();
}

/** SETXATTR: fuse_setxattr_in is 16 bytes with SETXATTR_EXT, the 8-byte compat form otherwise. */
export function setxattr(h: Header, a: { flags: number; setxattrFlags?: number; ext: boolean }, name: Name, value: Uint8Array): Uint8Array {
  const w = start(Op.SETXATTR, h).u32(value.length).u32(a.flags);
  if (a.ext) w.u32(a.setxattrFlags ?? 0).u32(0);
  return w.cstring(name).bytes(value).finish();
}

export function getxattr(h: Header, size: number, name: Name): Uint8Array {
  return start(Op.GETXATTR, h).u32(size).u32(0).cstring(name).finish();
}

export function listxattr(h: Header, size: number): Uint8Array {
  return start(Op.LISTXATTR, h).u32(size).u32(0).finish();
}

export function removexattr(h: Header, name: Name): Uint8Array {
  return start(Op.REMOVEXATTR, h).cstring(name).finish();
}

export function flush(h: Header, fh: U64, lockOwner: U64): Uint8Array {
  return start(Op.FLUSH, h).u64(fh).u32(0).u32(0).u64(lockOwner).finish();
}

export interface LockArgs {
  fh: U64;
  owner: U64;
  start: U64;
  end: U64;
  type: number;
  pid: number;
  lkFlags?: number;
}

/** GETLK, SETLK and SETLKW share fuse_lk_in. */
export function lk(h: Header, opcode: number, a: LockArgs): Uint8Array {
  return start(opcode, h)
    .u64(a.fh).u64(a.owner).u64(a.start).u64(a.end).u32(a.type).u32(a.pid).u32(a.lkFlags ?? 0).u32(0)
    .finish();
}

export function access(h: Header, mask: number): Uint8Array {
  return start(Op.ACCESS, h).u32(mask).u32(0).finish();
}

export function interrupt(h: Header, unique: bigint): Uint8Array {
  return start(Op.INTERRUPT, h).u64(unique).finish();
}

export function bmap(h: Header, block: U64, blocksize: number): Uint8Array {
  return start(Op.BMAP, h).u64(block).u32(blocksize).u32(0).finish();
}

export function destroy(h: Header): Uint8Array {
  return start(Op.DESTROY, h).finish();
}

export function fallocate(h: Header, a: { fh: U64; offset: U64; length: U64; mode: number }): Uint8Array {
  return start(Op.FALLOCATE, h).u64(a.fh).u64(a.offset).u64(a.length).u32(a.mode).u32(0).finish();
}

export function lseek(h: Header, a: { fh: U64; offset: U64; whence: number }): Uint8Array {
  return start(Op.LSEEK, h).u64(a.fh).u64(a.offset).u32(a.whence).u32(0).finish();
}

export interface CopyFileRangeArgs {
  fhIn: U64;
  offIn: U64;
  nodeidOut: U64;
  fhOut: U64;
  offOut: U64;
  len: U64;
  flags?: U64;
}

/** COPY_FILE_RANGE and COPY_FILE_RANGE_64 share fuse_copy_file_range_in. */
export function copyFileRange(h: Header, a: CopyFileRangeArgs, opcode: number = Op.COPY_FILE_RANGE_64): Uint8Array {
  return start(opcode, h)
    .u64(a.fhIn).u64(a.offIn).u64(a.nodeidOut).u64(a.fhOut).u64(a.offOut).u64(a.len).u64(a.flags ?? 0)
    .finish();
}

export function syncfs(h: Header): Uint8Array {
  return start(Op.SYNCFS, h).u64(0).finish();
}

export function statx(h: Header, a: { getattrFlags: number; fh: U64; sxFlags: number; sxMask: number }): Uint8Array {
  return start(Op.STATX, h).u32(a.getattrFlags).u32(0).u64(a.fh).u32(a.sxFlags).u32(a.sxMask).finish();
}

export function poll(h: Header, a: { fh: U64; kh: U64; flags: number; events: number }): Uint8Array {
  return start(Op.POLL, h).u64(a.fh).u64(a.kh).u32(a.flags).u32(a.events).finish();
}

export function ioctl(h: Header, a: { fh: U64; flags: number; cmd: number; arg: U64; outSize: number }, input: Uint8Array): Uint8Array {
  return start(Op.IOCTL, h)
    .u64(a.fh).u32(a.flags).u32(a.cmd).u64(a.arg).u32(input.length).u32(a.outSize)
    .bytes(input)
    .finish();
}

/** Any opcode with an arbitrary body: for hostile-input scenarios. */
export function raw(h: Header, opcode: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  return start(opcode, h).bytes(body).finish();
}

export { nameBytes };
