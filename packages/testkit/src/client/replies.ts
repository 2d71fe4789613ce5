/**
 * Reply decoders: each takes the reply body (after the 16-byte out header),
 * checks its size is exactly what the opcode's reply struct needs (or within
 * the bound a variable-size reply may use) and that every field is one the
 * kernel would accept, and returns plain values. Anything else is a
 * ProtocolViolation.
 */
import { DT, NAME_MAX, S, Size, validFileType } from './abi.js';
import { ProtocolViolation } from './errors.js';
import { ReplyReader } from './wire.js';

const NSEC_PER_SEC = 1_000_000_000;
const MAX_FILE_SIZE = BigInt(Number.MAX_SAFE_INTEGER);

/** fuse_attr, decoded. Times are signed seconds plus nanoseconds. */
export interface FuseAttr {
  ino: bigint;
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
  flags: number;
}

/** fuse_entry_out, decoded. nodeid 0 is a negative entry (LOOKUP only). */
export interface FuseEntry {
  nodeid: number;
  generation: bigint;
  entryValid: bigint;
  attrValid: bigint;
  entryValidNsec: number;
  attrValidNsec: number;
  attr: FuseAttr;
}

export interface FuseAttrOut {
  attrValid: bigint;
  attrValidNsec: number;
  attr: FuseAttr;
}

export interface FuseOpenOut {
  fh: number;
  openFlags: number;
  backingId: number;
}

export interface FuseStatfs {
  blocks: number;
  bfree: number;
  bavail: number;
  files: number;
  ffree: number;
  bsize: number;
  namelen: number;
  frsize: number;
}

export interface FuseInitOut {
  major: number;
  minor: number;
  maxReadahead: number;
  /** flags | flags2 << 32 (flags2 only when INIT_EXT is set in flags). */
  flags: bigint;
  maxBackground: number;
  congestionThreshold: number;
  maxWrite: number;
  timeGran: number;
  maxPages: number;
  mapAlignment: number;
  maxStackDepth: number;
  requestTimeout: number;
  /** The reply's body length (8, 24 or 64 bytes depending on the minor). */
  size: number;
}

export interface FuseLock {
  start: bigint;
  end: bigint;
  type: number;
  pid: number;
}

/** One fuse_dirent (and, for READDIRPLUS, its fuse_entry_out). */
export interface FuseDirent {
  ino: bigint;
  off: bigint;
  type: number;
  name: Uint8Array;
  /** READDIRPLUS only. */
  entry?: FuseEntry;
}

export interface FuseStatx {
  attrValid: bigint;
  attrValidNsec: number;
  flags: number;
  mask: number;
  blksize: number;
  attributes: bigint;
  nlink: number;
  uid: number;
  gid: number;
  mode: number;
  ino: bigint;
  size: bigint;
  blocks: bigint;
  attributesMask: bigint;
  atime: { sec: bigint; nsec: number };
  btime: { sec: bigint; nsec: number };
  ctime: { sec: bigint; nsec: number };
  mtime: { sec: bigint; nsec: number };
  rdevMajor: number;
  rdevMinor: number;
  devMajor: number;
  devMinor: number;
}

function exact(body: Uint8Array, size: number, opcode: number, what: string): ReplyReader {
  if (body.length !== size) throw new ProtocolViolation(`${what} body is ${body.length} bytes, expected exactly ${size}`, opcode);
  return new ReplyReader(body, opcode);
}

function nsec(v: number, what: string, opcode: number): number {
  if (v >= NSEC_PER_SEC) throw new ProtocolViolation(`${what} ${v} is not below 10^9`, opcode);
  return v;
}

/** Reads fuse_attr at the cursor without judging it. */
export function readAttrRaw(r: ReplyReader): FuseAttr & { sizeRaw: bigint; blocksRaw: bigint } {
  const ino = r.u64('attr.ino');
  const sizeRaw = r.u64('attr.size');
  const blocksRaw = r.u64('attr.blocks');
  const atime = Number(r.i64('attr.atime'));
  const mtime = Number(r.i64('attr.mtime'));
  const ctime = Number(r.i64('attr.ctime'));
  const atimensec = r.u32();
  const mtimensec = r.u32();
  const ctimensec = r.u32();
  const mode = r.u32('attr.mode');
  const nlink = r.u32('attr.nlink');
  const uid = r.u32('attr.uid');
  const gid = r.u32('attr.gid');
  const rdev = r.u32('attr.rdev');
  const blksize = r.u32('attr.blksize');
  const flags = r.u32('attr.flags');
  return {
    ino, size: Number(sizeRaw), blocks: Number(blocksRaw), sizeRaw, blocksRaw, atime, mtime, ctime,
    atimensec, mtimensec, ctimensec, mode, nlink, uid, gid, rdev, blksize, flags,
  };
}

/** What fuse_invalid_attr checks, and a bit more (nanoseconds, sizes a JS number holds). */
export function checkAttr(a: FuseAttr & { sizeRaw: bigint; blocksRaw: bigint }, op: number): FuseAttr {
  if (!validFileType(a.mode)) throw new ProtocolViolation(`attr.mode 0o${a.mode.toString(8)} has no valid file type`, op);
  if (a.mode > 0o177777) throw new ProtocolViolation(`attr.mode 0o${a.mode.toString(8)} has bits above S_IFMT`, op);
  if (a.sizeRaw > MAX_FILE_SIZE) throw new ProtocolViolation(`attr.size ${a.sizeRaw} is not a valid file size below 2^53`, op);
  if (a.blocksRaw > MAX_FILE_SIZE) throw new ProtocolViolation(`attr.blocks ${a.blocksRaw} exceeds 2^53-1`, op);
  nsec(a.atimensec, 'attr.atimensec', op);
  nsec(a.mtimensec, 'attr.mtimensec', op);
  nsec(a.ctimensec, 'attr.ctimensec', op);
  const { sizeRaw: _s, blocksRaw: _b, ...attr } = a;
  return attr;
}

/** Reads fuse_attr at the cursor and checks it. */
export function readAttr(r: ReplyReader): FuseAttr {
  return checkAttr(readAttrRaw(r), r.opcode);
}

/**
 * Reads fuse_entry_out at the cursor. `allowNegative`: nodeid 0 is legal
 * (LOOKUP, READDIRPLUS); like the kernel, the attributes of a negative entry
 * (or of `skipCheck` entries such as READDIRPLUS "." and "..") are not judged.
 */
export function readEntry(r: ReplyReader, allowNegative: boolean, skipCheck = false): FuseEntry {
  const op = r.opcode;
  const nodeidRaw = r.u64('entry.nodeid');
  if (nodeidRaw > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolViolation(`entry.nodeid ${nodeidRaw} exceeds 2^53-1`, op);
  const nodeid = Number(nodeidRaw);
  if (nodeid === 0 && !allowNegative) throw new ProtocolViolation('entry.nodeid is 0 in a reply that must name a node', op);
  const generation = r.u64('entry.generation');
  const entryValid = r.u64('entry.entry_valid');
  const attrValid = r.u64('entry.attr_valid');
  const entryValidNsecRaw = r.u32();
  const attrValidNsecRaw = r.u32();
  const raw = readAttrRaw(r);
  if (nodeid === 0 || skipCheck) {
    const { sizeRaw: _s, blocksRaw: _b, ...attr } = raw;
    return { nodeid, generation, entryValid, attrValid, entryValidNsec: entryValidNsecRaw, attrValidNsec: attrValidNsecRaw, attr };
  }
  const entryValidNsec = nsec(entryValidNsecRaw, 'entry.entry_valid_nsec', op);
  const attrValidNsec = nsec(attrValidNsecRaw, 'entry.attr_valid_nsec', op);
  return { nodeid, generation, entryValid, attrValid, entryValidNsec, attrValidNsec, attr: checkAttr(raw, op) };
}

export function decodeEntryOut(body: Uint8Array, opcode: number, allowNegative = false): FuseEntry {
  return readEntry(exact(body, Size.entry_out, opcode, 'fuse_entry_out'), allowNegative);
}

export function decodeAttrOut(body: Uint8Array, opcode: number): FuseAttrOut {
  const r = exact(body, Size.attr_out, opcode, 'fuse_attr_out');
  const attrValid = r.u64();
  const attrValidNsec = nsec(r.u32(), 'attr_valid_nsec', opcode);
  r.skip(4, 'dummy');
  return { attrValid, attrValidNsec, attr: readAttr(r) };
}

export function decodeOpenOut(body: Uint8Array, opcode: number): FuseOpenOut {
  const r = exact(body, Size.open_out, opcode, 'fuse_open_out');
  return { fh: r.safeU64('fh'), openFlags: r.u32(), backingId: r.i32() };
}

/** fuse_create_out = fuse_entry_out + fuse_open_out. */
export function decodeCreateOut(body: Uint8Array, opcode: number): { entry: FuseEntry; open: FuseOpenOut } {
  const r = exact(body, Size.entry_out + Size.open_out, opcode, 'fuse_entry_out + fuse_open_out');
  const entry = readEntry(r, false);
  return { entry, open: { fh: r.safeU64('fh'), openFlags: r.u32(), backingId: r.i32() } };
}

export function decodeWriteOut(body: Uint8Array, opcode: number): number {
  const r = exact(body, Size.write_out, opcode, 'fuse_write_out');
  const size = r.u32();
  r.skip(4);
  return size;
}

export function decodeStatfsOut(body: Uint8Array, opcode: number): FuseStatfs {
  const r = exact(body, Size.statfs_out, opcode, 'fuse_statfs_out');
  const st = {
    blocks: r.safeU64('blocks'), bfree: r.safeU64('bfree'), bavail: r.safeU64('bavail'),
    files: r.safeU64('files'), ffree: r.safeU64('ffree'),
    bsize: r.u32(), namelen: r.u32(), frsize: r.u32(),
  };
  return st; // padding and spare[6] follow
}

/**
 * fuse_init_out. The kernel accepts a short reply from old daemons (8 or 24
 * bytes); a daemon that answers minor >= 23 must send all 64.
 */
export function decodeInitOut(body: Uint8Array, opcode: number): FuseInitOut {
  const r = new ReplyReader(body, opcode);
  if (body.length > Size.init_out) throw new ProtocolViolation(`fuse_init_out body is ${body.length} bytes, more than ${Size.init_out}`, opcode);
  const major = r.u32('major');
  const minor = r.u32('minor');
  const expected = minor >= 23 ? 64 : minor >= 5 ? 24 : 8;
  if (major === 7 && body.length !== expected) {
    throw new ProtocolViolation(`fuse_init_out for 7.${minor} is ${body.length} bytes, expected ${expected}`, opcode);
  }
  const out: FuseInitOut = {
    major, minor, maxReadahead: 0, flags: 0n, maxBackground: 0, congestionThreshold: 0, maxWrite: 0,
    timeGran: 0, maxPages: 0, mapAlignment: 0, maxStackDepth: 0, requestTimeout: 0, size: body.length,
  };
  if (body.length >= 24) {
    out.maxReadahead = r.u32();
    let flags = BigInt(r.u32());
    out.maxBackground = r.u16();
    out.congestionThreshold = r.u16();
    out.maxWrite = r.u32();
    if (body.length === 64) {
      out.timeGran = r.u32();
      out.maxPages = r.u16();
      out.mapAlignment = r.u16();
      const flags2 = r.u32();
      // The kernel only reads flags2 when the daemon set INIT_EXT.
      if (flags & (1n << 30n)) flags |= BigInt(flags2) << 32n;
      out.maxStackDepth = r.u32();
      out.requestTimeout = r.u16();
    }
    out.flags = flags;
  }
  return out;
}

export function decodeGetxattrOut(body: Uint8Array, opcode: number): number {
  const r = exact(body, Size.getxattr_out, opcode, 'fuse_getxattr_out');
  const size = r.u32();
  r.skip(4);
  return size;
}

export function decodeLkOut(body: Uint8Array, opcode: number): FuseLock {
  const r = exact(body, Size.lk_out, opcode, 'fuse_lk_out');
  return { start: r.u64(), end: r.u64(), type: r.u32(), pid: r.u32() };
}

export function decodeLseekOut(body: Uint8Array, opcode: number): number {
  return exact(body, Size.lseek_out, opcode, 'fuse_lseek_out').safeU64('offset');
}

export function decodeCopyFileRange64Out(body: Uint8Array, opcode: number): number {
  return exact(body, Size.copy_file_range_out, opcode, 'fuse_copy_file_range_out').safeU64('bytes_copied');
}

export function decodeBmapOut(body: Uint8Array, opcode: number): bigint {
  return exact(body, Size.bmap_out, opcode, 'fuse_bmap_out').u64();
}

export function decodePollOut(body: Uint8Array, opcode: number): number {
  const r = exact(body, Size.poll_out, opcode, 'fuse_poll_out');
  return r.u32();
}

export function decodeStatxOut(body: Uint8Array, opcode: number): FuseStatx {
  const r = exact(body, Size.statx_out, opcode, 'fuse_statx_out');
  const attrValid = r.u64();
  const attrValidNsec = nsec(r.u32(), 'attr_valid_nsec', opcode);
  const flags = r.u32();
  r.skip(16, 'spare');
  const mask = r.u32();
  const blksize = r.u32();
  const attributes = r.u64();
  const nlink = r.u32();
  const uid = r.u32();
  const gid = r.u32();
  const mode = r.u16();
  r.skip(2);
  const ino = r.u64();
  const size = r.u64();
  const blocks = r.u64();
  const attributesMask = r.u64();
  const time = () => {
    const sec = r.i64();
    const ns = nsec(r.u32(), 'statx time nsec', opcode);
    r.skip(4);
    return { sec, nsec: ns };
  };
  const atime = time();
  const btime = time();
  const ctime = time();
  const mtime = time();
  return {
    attrValid, attrValidNsec, flags, mask, blksize, attributes, nlink, uid, gid, mode, ino, size, blocks,
    attributesMask, atime, btime, ctime, mtime,
    rdevMajor: r.u32(), rdevMinor: r.u32(), devMajor: r.u32(), devMinor: r.u32(),
  };
}

const validDirentTypes = new Set<number>(Object.values(DT));

function isDotOrDotDot(name: Uint8Array): boolean {
  return (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e);
}

/**
 * Unpacks a READDIR or READDIRPLUS reply and checks its packing: the body is
 * no larger than the size asked for, every record is whole, 8-byte aligned
 * with zero padding, has a namelen of 1..255 and a name without '/' or NUL,
 * a known d_type and a non-zero offset; READDIRPLUS entries carry a valid
 * entry whose attributes agree with the dirent.
 */
export function decodeDirents(body: Uint8Array, requestedSize: number, plus: boolean, opcode: number): FuseDirent[] {
  if (body.length > requestedSize) throw new ProtocolViolation(`reply of ${body.length} bytes exceeds the ${requestedSize} asked for`, opcode);
  const r = new ReplyReader(body, opcode);
  const out: FuseDirent[] = [];
  const headerSize = plus ? Size.direntplus : Size.dirent;
  while (r.remaining > 0) {
    const at = r.pos;
    if (r.remaining < headerSize) throw new ProtocolViolation(`${r.remaining} trailing bytes at ${at} are too short for a dirent header`, opcode);
    const entryAt = r.pos;
    if (plus) r.skip(Size.entry_out, 'direntplus.entry_out');
    const ino = r.u64('dirent.ino');
    const off = r.u64('dirent.off');
    const namelen = r.u32('dirent.namelen');
    const type = r.u32('dirent.type');
    if (namelen === 0 || namelen > NAME_MAX) throw new ProtocolViolation(`dirent at ${at} has namelen ${namelen}`, opcode);
    const reclen = (headerSize + namelen + 7) & ~7;
    if (at + reclen > body.length) throw new ProtocolViolation(`dirent at ${at} (reclen ${reclen}) runs past the ${body.length}-byte reply`, opcode);
    const name = r.take(namelen, 'dirent.name').slice();
    if (name.includes(0x2f) || name.includes(0)) throw new ProtocolViolation(`dirent name ${JSON.stringify(Buffer.from(name).toString('latin1'))} contains '/' or NUL`, opcode);
    const pad = r.take(reclen - headerSize - namelen, 'dirent padding');
    if (pad.some((b) => b !== 0)) throw new ProtocolViolation(`dirent at ${at} has non-zero padding (stale bytes leaked)`, opcode);
    if (!validDirentTypes.has(type)) throw new ProtocolViolation(`dirent at ${at} has unknown d_type ${type}`, opcode);
    if (off === 0n) throw new ProtocolViolation(`dirent at ${at} has offset 0 (the next READDIR would restart the listing)`, opcode);
    let entry: FuseEntry | undefined;
    if (plus) {
      // Judged like fuse_direntplus_link: "." and ".." and nodeid 0 are not linked, so not checked.
      const er = new ReplyReader(body, opcode, entryAt, entryAt + Size.entry_out);
      entry = readEntry(er, true, isDotOrDotDot(name));
    }
    if (entry && entry.nodeid !== 0 && !isDotOrDotDot(name)) {
      if (entry.nodeid === 1) throw new ProtocolViolation(`direntplus ${Buffer.from(name).toString()} names the root node id`, opcode);
      const entryType = (entry.attr.mode & S.IFMT) >> 12;
      if (type !== DT.UNKNOWN && type !== entryType) {
        throw new ProtocolViolation(`direntplus ${Buffer.from(name).toString()}: d_type ${type} disagrees with attr.mode type ${entryType}`, opcode);
      }
      if (entry.attr.ino !== ino) {
        throw new ProtocolViolation(`direntplus ${Buffer.from(name).toString()}: dirent ino ${ino} disagrees with attr.ino ${entry.attr.ino}`, opcode);
      }
    }
    out.push(entry ? { ino, off, type, name, entry } : { ino, off, type, name });
  }
  return out;
}

export { isDotOrDotDot };
