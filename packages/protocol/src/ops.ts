import type { Backend, CreateReply, Entry, FileLock, IoctlReply, OpenReply, StatfsReply, StatxReply, AttrReply } from './backend.js';
import { errno } from './abi/errno.js';
import {
  FOPEN_CACHE_DIR,
  FOPEN_KEEP_CACHE,
  FUSE_FSYNC_FDATASYNC,
  FUSE_GETATTR_FH,
  FUSE_IOCTL_UNRESTRICTED,
  O_ACCMODE,
  O_RDONLY,
  O_TRUNC,
  Opcode,
  PATH_MAX,
  W_OK,
  XATTR_NAME_MAX,
  XATTR_SIZE_MAX,
} from './abi/constants.js';
import { FuseError } from './error.js';
import { checkName } from './names.js';
import type { Request } from './request.js';
import type { SessionOptions } from './options.js';
import { ProtocolError } from './wire/protocol-error.js';
import type { WireReader } from './wire/reader.js';
import type { WireWriter } from './wire/writer.js';
import { decodeGetattrIn, decodeSetattrIn, decodeStatxIn, encodeAttrOut, encodeStatxOut } from './messages/attr.js';
import {
  decodeLinkIn,
  decodeMkdirIn,
  decodeMknodIn,
  decodeRename2In,
  decodeRenameIn,
  encodeEntryOut,
  encodeNegativeEntryOut,
} from './messages/entry.js';
import {
  decodeCopyFileRangeIn,
  decodeCreateIn,
  decodeFallocateIn,
  decodeFlushIn,
  decodeFsyncIn,
  decodeLseekIn,
  decodeOpenIn,
  decodeReadIn,
  decodeReleaseIn,
  decodeWriteIn,
  encodeCopyFileRangeOut,
  encodeLseekOut,
  encodeOpenOut,
  encodeWriteOut,
} from './messages/io.js';
import { decodeReaddirIn, DirentPacker, DirentPlusPacker } from './messages/dir.js';
import { decodeGetxattrIn, decodeSetxattrIn, encodeGetxattrOut } from './messages/xattr.js';
import { decodeLkIn, encodeLkOut } from './messages/lock.js';
import {
  decodeAccessIn,
  decodeBatchForgetIn,
  decodeBmapIn,
  decodeForgetIn,
  decodeInterruptIn,
  decodeIoctlIn,
  decodePollIn,
  decodeSyncfsIn,
  encodeBmapOut,
  encodeIoctlOut,
  encodePollOut,
  encodeStatfsOut,
} from './messages/misc.js';
import { decodeInitIn } from './messages/init.js';
import { decodeNotifyRetrieveIn } from './messages/notify.js';

/** What an opcode handler needs from the session. */
export interface Engine {
  readonly backend: Backend;
  readonly options: SessionOptions;
  /** Negotiated minor (45 before INIT). */
  readonly minor: number;
  /** FUSE_SETXATTR_EXT in effect. */
  readonly setxattrExt: boolean;
  /** INIT: returns the reply value (InitOut) or a Promise of it. */
  init(q: Request, r: WireReader): unknown;
  /** DESTROY: ends the session. */
  destroy(): unknown;
  /** INTERRUPT for the request with this unique. */
  interrupt(uniqueLo: number, uniqueHi: number): void;
  /** FUSE_NOTIFY_REPLY for a retrieve. */
  notifyReply(q: Request, r: WireReader): void;
  /** Encode the INIT reply. */
  encodeInit(w: WireWriter, result: unknown): void;
  /** A log line. */
  warn(message: string): void;
  /** A reused buffer for a directory packer (undefined: the packer makes its own). */
  direntBuffer(): WireWriter | undefined;
}

/** One record per opcode: everything the session needs to know about it. */
export interface OpSpec {
  opcode: number;
  /** Kernel name without FUSE_. */
  name: string;
  /** The kernel expects no reply (FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY). */
  noReply: boolean;
  /** Changes the filesystem: refused with EROFS before the backend when read-only. */
  mutating: boolean;
  /** The backend method it needs; a missing one answers ENOSYS. undefined: handled by the session. */
  method: keyof Backend | undefined;
  /** The kernel remembers ENOSYS for this opcode, so the session does too. */
  remembersEnosys: boolean;
  /** Always answered ENOSYS (DAX mapping opcodes, CUSE). */
  unsupported?: boolean;
  /** For opcodes that write only sometimes (OPEN for writing, ACCESS with W_OK): true when this request would. */
  writes?: (r: WireReader) => boolean;
  /** Smallest request body (after the 40-byte header, before extensions) for a negotiated minor. */
  minBody(minor: number, setxattrExt: boolean): number;
  /** Decode the body and call the backend: a value, a Promise, or a throw. */
  run(e: Engine, q: Request, r: WireReader): unknown;
  /** Encode a successful reply body for `result` (what run produced). May throw FuseError. */
  reply(e: Engine, w: WireWriter, q: Request, result: unknown): void;
  /** Key request arguments for the trace line (decodes again; cold). */
  describe(r: WireReader, minor: number, setxattrExt: boolean): string;
}

/** The LOOKUP result that makes the reply a negative entry (nodeid 0, cached negativeTimeout seconds). */
export const NEGATIVE_ENTRY: unique symbol = Symbol('negative entry');

// ---------------------------------------------------------------- helpers

const nothing = (): void => {};
const none = (): string => '';

/** A request name: NUL-terminated, checked; `last` also requires nothing to follow (no inner NUL). */
function readName(r: WireReader, opcode: number, last: boolean): Buffer {
  const name = r.cstring();
  if (last && r.pos !== r.end) throw new ProtocolError('invalid', 'name contains NUL or is followed by garbage', errno.EINVAL);
  const e = checkName(name, opcode);
  if (e !== 0) throw new FuseError(e);
  return name;
}

function text(b: Uint8Array): string {
  return JSON.stringify(Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1'));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An xattr name: NUL-terminated, 1..255 bytes (ERANGE otherwise, as Linux), valid UTF-8 (EINVAL otherwise). */
function readXattrName(r: WireReader): string {
  const b = r.cstring('xattr name');
  if (b.length === 0 || b.length > XATTR_NAME_MAX) throw new FuseError(errno.ERANGE);
  try {
    return utf8.decode(b);
  } catch {
    throw new FuseError(errno.EINVAL, 'xattr name is not UTF-8');
  }
}

function entryReply(e: Engine, w: WireWriter, _q: Request, result: unknown): void {
  encodeEntryOut(w, result as Entry, e.options.entryTimeout, e.options.attrTimeout, e.minor);
}

function attrReply(e: Engine, w: WireWriter, _q: Request, result: unknown): void {
  encodeAttrOut(w, result as AttrReply, e.options.attrTimeout, e.minor);
}

function createReply(e: Engine, w: WireWriter, _q: Request, result: unknown): void {
  const c = result as CreateReply;
  encodeEntryOut(w, c.entry, e.options.entryTimeout, e.options.attrTimeout, e.minor);
  encodeOpenOut(w, c, e.options.keepCache ? FOPEN_KEEP_CACHE : 0);
}

/** A byte count a backend returned: an integer in [0, max], else EIO. */
function count(v: unknown, max: number, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new Error(`${what} returned ${String(v)}, expected an integer in [0, ${max}]`);
  }
  return v;
}

function bytesOf(v: unknown, what: string): Uint8Array {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v instanceof Uint8Array) return v;
  throw new Error(`${what} returned ${typeof v}, expected a Uint8Array`);
}

/** The answer to a getxattr/listxattr of `size`: a length probe or the value (ERANGE when too big). */
function xattrReply(w: WireWriter, size: number, result: unknown, what: string): void {
  if (typeof result === 'number') {
    if (size !== 0) throw new Error(`${what} returned a length for a request of ${size} bytes`);
    encodeGetxattrOut(w, count(result, 0xffffffff, what));
    return;
  }
  const v = bytesOf(result, what);
  if (v.length > XATTR_SIZE_MAX) throw new FuseError(errno.E2BIG);
  if (size === 0) encodeGetxattrOut(w, v.length);
  else if (v.length > size) throw new FuseError(errno.ERANGE);
  else w.bytes(v);
}

// ---------------------------------------------------------------- records

type OpInput = Omit<OpSpec, 'opcode' | 'name' | 'noReply' | 'mutating' | 'remembersEnosys' | 'describe'> & OpFlags;
interface OpFlags {
  noReply?: boolean;
  mutating?: boolean;
  remembersEnosys?: boolean;
  describe?: OpSpec['describe'];
}

function op(name: keyof typeof Opcode, spec: OpInput): OpSpec {
  return {
    opcode: Opcode[name],
    name,
    noReply: spec.noReply ?? false,
    mutating: spec.mutating ?? false,
    remembersEnosys: spec.remembersEnosys ?? false,
    unsupported: spec.unsupported ?? false,
    method: spec.method,
    writes: spec.writes,
    minBody: spec.minBody,
    run: spec.run,
    reply: spec.reply,
    describe: spec.describe ?? none,
  };
}

const unsupported = (name: keyof typeof Opcode): OpSpec =>
  op(name, {
    method: undefined,
    unsupported: true,
    minBody: () => 0,
    run: () => {
      throw new FuseError(errno.ENOSYS);
    },
    reply: nothing,
  });

const specs: OpSpec[] = [
  op('LOOKUP', {
    method: 'lookup',
    minBody: () => 1,
    run: (e, q, r) => e.backend.lookup!(q, q.nodeid, readName(r, Opcode.LOOKUP, true)),
    reply: (e, w, q, result) => {
      if (result === NEGATIVE_ENTRY) encodeNegativeEntryOut(w, e.options.negativeTimeout, e.minor);
      else entryReply(e, w, q, result);
    },
    describe: (r) => `name=${text(r.cstring())}`,
  }),
  op('FORGET', {
    method: undefined,
    noReply: true,
    minBody: () => 8,
    run: (e, q, r) => {
      const { nlookup } = decodeForgetIn(r);
      e.backend.forget?.(q.nodeid, nlookup);
    },
    reply: nothing,
    describe: (r) => `nlookup=${decodeForgetIn(r).nlookup}`,
  }),
  op('GETATTR', {
    method: 'getattr',
    minBody: (m) => (m >= 9 ? 16 : 0),
    run: (e, q, r) => {
      let fh: number | undefined;
      if (r.remaining >= 16) {
        const flags = r.u32();
        r.pos += 4;
        if (flags & FUSE_GETATTR_FH) fh = r.u64('fh', errno.EBADF);
      }
      return e.backend.getattr!(q, q.nodeid, fh);
    },
    reply: attrReply,
    describe: (r) => (r.remaining >= 16 ? `fh=${decodeGetattrIn(r).fh ?? '-'}` : ''),
  }),
  op('SETATTR', {
    method: 'setattr',
    mutating: true,
    minBody: () => 88,
    run: (e, q, r) => e.backend.setattr!(q, q.nodeid, decodeSetattrIn(r)),
    reply: attrReply,
    describe: (r) => {
      const s = decodeSetattrIn(r);
      return `valid=0x${s.valid.toString(16)} mode=0${s.mode.toString(8)} size=${s.size} fh=${s.fh ?? '-'}`;
    },
  }),
  op('READLINK', {
    method: 'readlink',
    minBody: () => 0,
    run: (e, q) => e.backend.readlink!(q, q.nodeid),
    reply: (_e, w, _q, result) => {
      const v = bytesOf(result, 'readlink');
      if (v.length >= PATH_MAX) throw new FuseError(errno.ENAMETOOLONG);
      w.bytes(v);
    },
  }),
  op('SYMLINK', {
    method: 'symlink',
    mutating: true,
    minBody: () => 2,
    run: (e, q, r) => {
      const name = readName(r, Opcode.SYMLINK, false);
      const target = r.cstring('symlink target');
      if (r.pos !== r.end) throw new ProtocolError('invalid', 'symlink target contains NUL', errno.EINVAL);
      if (target.length === 0) throw new FuseError(errno.ENOENT);
      if (target.length >= PATH_MAX) throw new FuseError(errno.ENAMETOOLONG);
      return e.backend.symlink!(q, q.nodeid, name, target);
    },
    reply: entryReply,
    describe: (r) => `name=${text(r.cstring())} target=${text(r.cstring())}`,
  }),
  op('MKNOD', {
    method: 'mknod',
    mutating: true,
    minBody: (m) => (m < 12 ? 8 : 16) + 1,
    run: (e, q, r) => {
      const a = decodeMknodIn(r, e.minor);
      return e.backend.mknod!(q, q.nodeid, readName(r, Opcode.MKNOD, true), a.mode, a.rdev, a.umask);
    },
    reply: entryReply,
    describe: (r, m) => {
      const a = decodeMknodIn(r, m);
      return `name=${text(r.cstring())} mode=0${a.mode.toString(8)} rdev=${a.rdev} umask=0${a.umask.toString(8)}`;
    },
  }),
  op('MKDIR', {
    method: 'mkdir',
    mutating: true,
    minBody: () => 9,
    run: (e, q, r) => {
      const a = decodeMkdirIn(r);
      return e.backend.mkdir!(q, q.nodeid, readName(r, Opcode.MKDIR, true), a.mode, a.umask);
    },
    reply: entryReply,
    describe: (r) => {
      const a = decodeMkdirIn(r);
      return `name=${text(r.cstring())} mode=0${a.mode.toString(8)} umask=0${a.umask.toString(8)}`;
    },
  }),
  op('UNLINK', {
    method: 'unlink',
    mutating: true,
    minBody: () => 1,
    run: (e, q, r) => e.backend.unlink!(q, q.nodeid, readName(r, Opcode.UNLINK, true)),
    reply: nothing,
    describe: (r) => `name=${text(r.cstring())}`,
  }),
  op('RMDIR', {
    method: 'rmdir',
    mutating: true,
    minBody: () => 1,
    run: (e, q, r) => e.backend.rmdir!(q, q.nodeid, readName(r, Opcode.RMDIR, true)),
    reply: nothing,
    describe: (r) => `name=${text(r.cstring())}`,
  }),
  op('RENAME', {
    method: 'rename',
    mutating: true,
    minBody: () => 10,
    run: (e, q, r) => {
      const { newdir } = decodeRenameIn(r);
      const name = readName(r, Opcode.RENAME, false);
      const newName = readName(r, Opcode.RENAME, true);
      return e.backend.rename!(q, q.nodeid, name, newdir, newName, 0);
    },
    reply: nothing,
    describe: (r) => `newdir=${decodeRenameIn(r).newdir} name=${text(r.cstring())} newname=${text(r.cstring())}`,
  }),
  op('LINK', {
    method: 'link',
    mutating: true,
    minBody: () => 9,
    run: (e, q, r) => {
      const { oldnodeid } = decodeLinkIn(r);
      return e.backend.link!(q, oldnodeid, q.nodeid, readName(r, Opcode.LINK, true));
    },
    reply: entryReply,
    describe: (r) => `oldnodeid=${decodeLinkIn(r).oldnodeid} newname=${text(r.cstring())}`,
  }),
  op('OPEN', {
    method: 'open',
    remembersEnosys: true,
    minBody: () => 8,
    writes: (r) => {
      const { flags } = decodeOpenIn(r);
      return (flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0;
    },
    run: (e, q, r) => {
      const a = decodeOpenIn(r);
      return e.backend.open!(q, q.nodeid, a.flags, a.openFlags);
    },
    reply: (e, w, _q, result) => encodeOpenOut(w, result as OpenReply, e.options.keepCache ? FOPEN_KEEP_CACHE : 0),
    describe: (r) => `flags=0${decodeOpenIn(r).flags.toString(8)}`,
  }),
  op('READ', {
    method: 'read',
    minBody: (m) => (m < 9 ? 24 : 40),
    run: (e, q, r) => {
      const a = decodeReadIn(r, e.minor);
      q.aux = a.size;
      return e.backend.read!(q, q.nodeid, a.fh, a.offset, a.size, a.flags);
    },
    reply: (_e, w, q, result) => {
      const v = bytesOf(result, 'read');
      if (v.length > (q.aux as number)) throw new Error(`read returned ${v.length} bytes for a request of ${q.aux as number}`);
      w.bytes(v);
    },
    describe: (r, m) => {
      const a = decodeReadIn(r, m);
      return `fh=${a.fh} offset=${a.offset} size=${a.size}`;
    },
  }),
  op('WRITE', {
    method: 'write',
    mutating: true,
    minBody: (m) => (m < 9 ? 24 : 40),
    run: (e, q, r) => {
      const a = decodeWriteIn(r, e.minor);
      q.aux = a.size;
      return e.backend.write!(q, q.nodeid, a.fh, a.offset, a.data, a.writeFlags, a.flags);
    },
    reply: (_e, w, q, result) => encodeWriteOut(w, count(result, q.aux as number, 'write')),
    describe: (r, m) => {
      r.need(m < 9 ? 24 : 40);
      const fh = r.u64Big();
      const offset = r.u64Big();
      const size = r.u32();
      return `fh=${fh} offset=${offset} size=${size} write_flags=0x${r.u32().toString(16)}`;
    },
  }),
  op('STATFS', {
    method: 'statfs',
    minBody: () => 0,
    run: (e, q) => e.backend.statfs!(q, q.nodeid),
    reply: (e, w, _q, result) => encodeStatfsOut(w, result as StatfsReply, e.minor),
  }),
  op('RELEASE', {
    method: 'release',
    minBody: () => 24,
    run: (e, q, r) => {
      const a = decodeReleaseIn(r);
      return e.backend.release!(q, q.nodeid, a.fh, a.flags, a.releaseFlags, a.lockOwner);
    },
    reply: nothing,
    describe: (r) => {
      const a = decodeReleaseIn(r);
      return `fh=${a.fh} flags=0${a.flags.toString(8)} release_flags=0x${a.releaseFlags.toString(16)}`;
    },
  }),
  op('FSYNC', {
    method: 'fsync',
    remembersEnosys: true,
    minBody: () => 16,
    run: (e, q, r) => {
      const a = decodeFsyncIn(r);
      return e.backend.fsync!(q, q.nodeid, a.fh, (a.fsyncFlags & FUSE_FSYNC_FDATASYNC) !== 0);
    },
    reply: nothing,
    describe: (r) => {
      const a = decodeFsyncIn(r);
      return `fh=${a.fh} fsync_flags=0x${a.fsyncFlags.toString(16)}`;
    },
  }),
  op('SETXATTR', {
    method: 'setxattr',
    mutating: true,
    remembersEnosys: true,
    minBody: (_m, ext) => (ext ? 16 : 8) + 1,
    run: (e, q, r) => {
      const a = decodeSetxattrIn(r, e.setxattrExt);
      const name = readXattrName(r);
      if (a.size > XATTR_SIZE_MAX) throw new FuseError(errno.E2BIG);
      if (a.size !== r.remaining) throw new ProtocolError('short', `setxattr size ${a.size} but ${r.remaining} value bytes`);
      return e.backend.setxattr!(q, q.nodeid, name, r.bytes(a.size), a.flags, a.setxattrFlags);
    },
    reply: nothing,
    describe: (r, _m, ext) => {
      const a = decodeSetxattrIn(r, ext);
      return `name=${text(r.cstring())} size=${a.size} flags=0x${a.flags.toString(16)}`;
    },
  }),
  op('GETXATTR', {
    method: 'getxattr',
    remembersEnosys: true,
    minBody: () => 9,
    run: (e, q, r) => {
      const { size } = decodeGetxattrIn(r);
      const name = readXattrName(r);
      q.aux = size;
      return e.backend.getxattr!(q, q.nodeid, name, size);
    },
    reply: (_e, w, q, result) => xattrReply(w, q.aux as number, result, 'getxattr'),
    describe: (r) => {
      const { size } = decodeGetxattrIn(r);
      return `name=${text(r.cstring())} size=${size}`;
    },
  }),
  op('LISTXATTR', {
    method: 'listxattr',
    remembersEnosys: true,
    minBody: () => 8,
    run: (e, q, r) => {
      const { size } = decodeGetxattrIn(r);
      q.aux = size;
      return e.backend.listxattr!(q, q.nodeid, size);
    },
    reply: (_e, w, q, result) => xattrReply(w, q.aux as number, result, 'listxattr'),
    describe: (r) => `size=${decodeGetxattrIn(r).size}`,
  }),
  op('REMOVEXATTR', {
    method: 'removexattr',
    mutating: true,
    remembersEnosys: true,
    minBody: () => 1,
    run: (e, q, r) => e.backend.removexattr!(q, q.nodeid, readXattrName(r)),
    reply: nothing,
    describe: (r) => `name=${text(r.cstring())}`,
  }),
  op('FLUSH', {
    method: 'flush',
    remembersEnosys: true,
    minBody: () => 24,
    run: (e, q, r) => {
      const a = decodeFlushIn(r);
      return e.backend.flush!(q, q.nodeid, a.fh, a.lockOwner);
    },
    reply: nothing,
    describe: (r) => `fh=${decodeFlushIn(r).fh}`,
  }),
  op('INIT', {
    method: undefined,
    minBody: () => 8,
    run: (e, q, r) => e.init(q, r),
    reply: (e, w, _q, result) => e.encodeInit(w, result),
    describe: (r) => {
      const a = decodeInitIn(r);
      return `${a.major}.${a.minor} max_readahead=${a.maxReadahead} flags=0x${a.flags.toString(16)}`;
    },
  }),
  op('OPENDIR', {
    method: 'opendir',
    remembersEnosys: true,
    minBody: () => 8,
    run: (e, q, r) => e.backend.opendir!(q, q.nodeid, decodeOpenIn(r).flags),
    reply: (e, w, _q, result) => encodeOpenOut(w, result as OpenReply, e.options.cacheDir ? FOPEN_CACHE_DIR : 0),
    describe: (r) => `flags=0${decodeOpenIn(r).flags.toString(8)}`,
  }),
  op('READDIR', {
    method: 'readdir',
    minBody: (m) => (m < 9 ? 24 : 40),
    run: (e, q, r) => {
      const a = decodeReaddirIn(r, e.minor);
      const sink = new DirentPacker(Math.min(a.size, MAX_DIR_REPLY), e.direntBuffer());
      q.aux = sink;
      return e.backend.readdir!(q, q.nodeid, a.fh, a.offset, sink);
    },
    reply: (_e, w, q) => w.bytes((q.aux as DirentPacker).close()),
    describe: (r, m) => {
      const a = decodeReaddirIn(r, m);
      return `fh=${a.fh} offset=${a.offset} size=${a.size}`;
    },
  }),
  op('RELEASEDIR', {
    method: 'releasedir',
    minBody: () => 24,
    run: (e, q, r) => {
      const a = decodeReleaseIn(r);
      return e.backend.releasedir!(q, q.nodeid, a.fh, a.flags);
    },
    reply: nothing,
    describe: (r) => `fh=${decodeReleaseIn(r).fh}`,
  }),
  op('FSYNCDIR', {
    method: 'fsyncdir',
    remembersEnosys: true,
    minBody: () => 16,
    run: (e, q, r) => {
      const a = decodeFsyncIn(r);
      return e.backend.fsyncdir!(q, q.nodeid, a.fh, (a.fsyncFlags & FUSE_FSYNC_FDATASYNC) !== 0);
    },
    reply: nothing,
    describe: (r) => `fh=${decodeFsyncIn(r).fh}`,
  }),
  op('GETLK', {
    method: 'getlk',
    remembersEnosys: true,
    minBody: () => 48,
    run: (e, q, r) => {
      const a = decodeLkIn(r);
      return e.backend.getlk!(q, q.nodeid, a.fh, a.owner, a.lock, a.lkFlags);
    },
    reply: (_e, w, _q, result) => encodeLkOut(w, result as FileLock),
    describe: describeLk,
  }),
  op('SETLK', {
    method: 'setlk',
    remembersEnosys: true,
    minBody: () => 48,
    run: (e, q, r) => {
      const a = decodeLkIn(r);
      return e.backend.setlk!(q, q.nodeid, a.fh, a.owner, a.lock, a.lkFlags, false);
    },
    reply: nothing,
    describe: describeLk,
  }),
  op('SETLKW', {
    method: 'setlk',
    remembersEnosys: true,
    minBody: () => 48,
    run: (e, q, r) => {
      const a = decodeLkIn(r);
      return e.backend.setlk!(q, q.nodeid, a.fh, a.owner, a.lock, a.lkFlags, true);
    },
    reply: nothing,
    describe: describeLk,
  }),
  op('ACCESS', {
    method: 'access',
    remembersEnosys: true,
    minBody: () => 8,
    writes: (r) => (decodeAccessIn(r).mask & W_OK) !== 0,
    run: (e, q, r) => e.backend.access!(q, q.nodeid, decodeAccessIn(r).mask),
    reply: nothing,
    describe: (r) => `mask=${decodeAccessIn(r).mask}`,
  }),
  op('CREATE', {
    method: 'create',
    mutating: true,
    remembersEnosys: true,
    minBody: () => 17,
    run: (e, q, r) => {
      const a = decodeCreateIn(r);
      return e.backend.create!(q, q.nodeid, readName(r, Opcode.CREATE, true), a.mode, a.umask, a.flags, a.openFlags);
    },
    reply: createReply,
    describe: (r) => {
      const a = decodeCreateIn(r);
      return `name=${text(r.cstring())} flags=0${a.flags.toString(8)} mode=0${a.mode.toString(8)} umask=0${a.umask.toString(8)}`;
    },
  }),
  op('INTERRUPT', {
    method: undefined,
    noReply: true,
    minBody: () => 8,
    run: (e, _q, r) => {
      const a = decodeInterruptIn(r);
      e.interrupt(a.uniqueLo, a.uniqueHi);
    },
    reply: nothing,
    describe: (r) => {
      const a = decodeInterruptIn(r);
      return `unique=${(BigInt(a.uniqueHi) << 32n) | BigInt(a.uniqueLo)}`;
    },
  }),
  op('BMAP', {
    method: 'bmap',
    remembersEnosys: true,
    minBody: () => 16,
    run: (e, q, r) => {
      const a = decodeBmapIn(r);
      return e.backend.bmap!(q, q.nodeid, a.block, a.blocksize);
    },
    reply: (_e, w, _q, result) => encodeBmapOut(w, count(result, Number.MAX_SAFE_INTEGER, 'bmap')),
    describe: (r) => {
      const a = decodeBmapIn(r);
      return `block=${a.block} blocksize=${a.blocksize}`;
    },
  }),
  op('DESTROY', {
    method: undefined,
    minBody: () => 0,
    run: (e) => e.destroy(),
    reply: nothing,
  }),
  op('IOCTL', {
    method: 'ioctl',
    minBody: () => 32,
    run: (e, q, r) => {
      const a = decodeIoctlIn(r);
      // Unrestricted ioctls (CUSE only) would need the retry protocol.
      if (a.flags & FUSE_IOCTL_UNRESTRICTED) throw new FuseError(errno.ENOTTY);
      if (a.inSize !== r.remaining) throw new ProtocolError('short', `ioctl in_size ${a.inSize} but ${r.remaining} bytes`);
      q.aux = a.outSize;
      return e.backend.ioctl!(q, q.nodeid, a.fh, a.flags, a.cmd, a.arg, r.bytes(a.inSize), a.outSize);
    },
    reply: (_e, w, q, result) => {
      const o = result as IoctlReply;
      if (o.data && o.data.length > (q.aux as number)) {
        throw new Error(`ioctl returned ${o.data.length} bytes for out_size ${q.aux as number}`);
      }
      encodeIoctlOut(w, o);
    },
    describe: (r) => {
      const a = decodeIoctlIn(r);
      return `fh=${a.fh} cmd=0x${a.cmd.toString(16)} flags=0x${a.flags.toString(16)} in=${a.inSize} out=${a.outSize}`;
    },
  }),
  op('POLL', {
    method: 'poll',
    remembersEnosys: true,
    minBody: () => 24,
    run: (e, q, r) => {
      const a = decodePollIn(r);
      return e.backend.poll!(q, q.nodeid, a.fh, a.kh, a.flags, a.events);
    },
    reply: (_e, w, _q, result) => encodePollOut(w, count(result, 0xffffffff, 'poll')),
    describe: (r) => {
      const a = decodePollIn(r);
      return `fh=${a.fh} kh=${a.kh} flags=0x${a.flags.toString(16)} events=0x${a.events.toString(16)}`;
    },
  }),
  op('NOTIFY_REPLY', {
    method: undefined,
    noReply: true,
    minBody: () => 40,
    run: (e, q, r) => e.notifyReply(q, r),
    reply: nothing,
    describe: (r) => {
      const a = decodeNotifyRetrieveIn(r);
      return `offset=${a.offset} size=${a.size}`;
    },
  }),
  op('BATCH_FORGET', {
    method: undefined,
    noReply: true,
    minBody: () => 8,
    run: (e, _q, r) => {
      const { count: n } = decodeBatchForgetIn(r);
      const fit = Math.min(n, Math.floor(r.remaining / 16));
      if (fit < n) e.warn(`BATCH_FORGET claims ${n} entries but carries ${fit}`);
      const forget = e.backend.forget;
      for (let i = 0; i < fit; i++) {
        const lo = r.view.getUint32(r.pos, true);
        const hi = r.view.getUint32(r.pos + 4, true);
        r.pos += 8;
        const { nlookup } = decodeForgetIn(r);
        if (hi > 0x1fffff) {
          e.warn(`BATCH_FORGET entry ${i}: nodeid does not fit 53 bits; skipped`);
          continue;
        }
        forget?.call(e.backend, hi * 4294967296 + lo, nlookup);
      }
    },
    reply: nothing,
    describe: (r) => `count=${decodeBatchForgetIn(r).count}`,
  }),
  op('FALLOCATE', {
    method: 'fallocate',
    mutating: true,
    remembersEnosys: true,
    minBody: () => 32,
    run: (e, q, r) => {
      const a = decodeFallocateIn(r);
      return e.backend.fallocate!(q, q.nodeid, a.fh, a.offset, a.length, a.mode);
    },
    reply: nothing,
    describe: (r) => {
      const a = decodeFallocateIn(r);
      return `fh=${a.fh} offset=${a.offset} length=${a.length} mode=0x${a.mode.toString(16)}`;
    },
  }),
  op('READDIRPLUS', {
    method: 'readdirplus',
    minBody: () => 40,
    run: (e, q, r) => {
      const a = decodeReaddirIn(r, e.minor);
      const o = e.options;
      const sink = new DirentPlusPacker(Math.min(a.size, MAX_DIR_REPLY), o.entryTimeout, o.attrTimeout, e.minor, e.direntBuffer());
      q.aux = sink;
      return e.backend.readdirplus!(q, q.nodeid, a.fh, a.offset, sink);
    },
    reply: (_e, w, q) => w.bytes((q.aux as DirentPlusPacker).close()),
    describe: (r, m) => {
      const a = decodeReaddirIn(r, m);
      return `fh=${a.fh} offset=${a.offset} size=${a.size}`;
    },
  }),
  op('RENAME2', {
    method: 'rename',
    mutating: true,
    remembersEnosys: true,
    minBody: () => 18,
    run: (e, q, r) => {
      const a = decodeRename2In(r);
      const name = readName(r, Opcode.RENAME2, false);
      const newName = readName(r, Opcode.RENAME2, true);
      return e.backend.rename!(q, q.nodeid, name, a.newdir, newName, a.flags);
    },
    reply: nothing,
    describe: (r) => {
      const a = decodeRename2In(r);
      return `newdir=${a.newdir} flags=0x${a.flags.toString(16)} name=${text(r.cstring())} newname=${text(r.cstring())}`;
    },
  }),
  op('LSEEK', {
    method: 'lseek',
    remembersEnosys: true,
    minBody: () => 24,
    run: (e, q, r) => {
      const a = decodeLseekIn(r);
      return e.backend.lseek!(q, q.nodeid, a.fh, a.offset, a.whence);
    },
    reply: (_e, w, _q, result) => encodeLseekOut(w, count(result, Number.MAX_SAFE_INTEGER, 'lseek')),
    describe: (r) => {
      const a = decodeLseekIn(r);
      return `fh=${a.fh} offset=${a.offset} whence=${a.whence}`;
    },
  }),
  op('COPY_FILE_RANGE', {
    method: 'copyFileRange',
    mutating: true,
    remembersEnosys: true,
    minBody: () => 56,
    run: (e, q, r) => {
      const a = decodeCopyFileRangeIn(r);
      // The reply is a u32: ask for no more than fits (the kernel's own fallback limit).
      const len = Math.min(a.len, 0xfffff000);
      q.aux = len;
      return e.backend.copyFileRange!(q, q.nodeid, a.fhIn, a.offIn, a.nodeidOut, a.fhOut, a.offOut, len, a.flags);
    },
    reply: (_e, w, q, result) => encodeWriteOut(w, count(result, q.aux as number, 'copyFileRange')),
    describe: describeCopy,
  }),
  unsupported('SETUPMAPPING'),
  unsupported('REMOVEMAPPING'),
  op('SYNCFS', {
    method: 'syncfs',
    remembersEnosys: true,
    minBody: () => 8,
    run: (e, q, r) => {
      decodeSyncfsIn(r);
      return e.backend.syncfs!(q, q.nodeid);
    },
    reply: nothing,
  }),
  op('TMPFILE', {
    method: 'tmpfile',
    mutating: true,
    remembersEnosys: true,
    minBody: () => 16,
    run: (e, q, r) => {
      // The kernel sends the placeholder dentry name ("/") after create_in: ignored.
      const a = decodeCreateIn(r);
      return e.backend.tmpfile!(q, q.nodeid, a.mode, a.umask, a.flags);
    },
    reply: createReply,
    describe: (r) => {
      const a = decodeCreateIn(r);
      return `flags=0${a.flags.toString(8)} mode=0${a.mode.toString(8)} umask=0${a.umask.toString(8)}`;
    },
  }),
  op('STATX', {
    method: 'statx',
    remembersEnosys: true,
    minBody: () => 24,
    run: (e, q, r) => {
      const a = decodeStatxIn(r);
      return e.backend.statx!(q, q.nodeid, a.fh, a.sxFlags, a.sxMask);
    },
    reply: (e, w, _q, result) => encodeStatxOut(w, result as StatxReply, e.options.attrTimeout),
    describe: (r) => {
      const a = decodeStatxIn(r);
      return `fh=${a.fh ?? '-'} flags=0x${a.sxFlags.toString(16)} mask=0x${a.sxMask.toString(16)}`;
    },
  }),
  op('COPY_FILE_RANGE_64', {
    method: 'copyFileRange',
    mutating: true,
    remembersEnosys: true,
    minBody: () => 56,
    run: (e, q, r) => {
      const a = decodeCopyFileRangeIn(r);
      q.aux = a.len;
      return e.backend.copyFileRange!(q, q.nodeid, a.fhIn, a.offIn, a.nodeidOut, a.fhOut, a.offOut, a.len, a.flags);
    },
    reply: (_e, w, q, result) => encodeCopyFileRangeOut(w, count(result, q.aux as number, 'copyFileRange')),
    describe: describeCopy,
  }),
  unsupported('CUSE_INIT'),
];

function describeLk(r: WireReader): string {
  const a = decodeLkIn(r);
  return `fh=${a.fh} owner=0x${a.owner.toString(16)} type=${a.lock.type} start=${a.lock.start} end=${a.lock.end} lk_flags=${a.lkFlags}`;
}

function describeCopy(r: WireReader): string {
  const a = decodeCopyFileRangeIn(r);
  return `fh_in=${a.fhIn} off_in=${a.offIn} nodeid_out=${a.nodeidOut} fh_out=${a.fhOut} off_out=${a.offOut} len=${a.len}`;
}

/** Largest READDIR(PLUS) reply we build, whatever size the kernel asks for. */
export const MAX_DIR_REPLY = 1024 * 1024;

/** The opcode table, indexed by opcode (0..63); CUSE_INIT is looked up separately. */
export const opTable: readonly (OpSpec | undefined)[] = (() => {
  const t: (OpSpec | undefined)[] = new Array(64).fill(undefined);
  for (const s of specs) if (s.opcode < 64) t[s.opcode] = s;
  return t;
})();

/** The record of CUSE_INIT (4096), refused. */
export const cuseInitSpec: OpSpec = specs.find((s) => s.opcode === Opcode.CUSE_INIT)!;

/** Every record, in opcode order. */
export const allOps: readonly OpSpec[] = specs;

/** The record for an opcode, or undefined. */
export function opSpec(opcode: number): OpSpec | undefined {
  return opcode < 64 ? opTable[opcode] : opcode === Opcode.CUSE_INIT ? cuseInitSpec : undefined;
}
