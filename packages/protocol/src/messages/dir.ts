import type { DirentPlusSink, DirentSink, Entry } from '../backend.js';
import { errno } from '../abi/errno.js';
import { NAME_MAX } from '../abi/constants.js';
import type { WireReader } from '../wire/reader.js';
import { WireWriter } from '../wire/writer.js';
import { encodeEntryOut } from './entry.js';

/** fuse_dirent header: ino u64, off u64, namelen u32, type u32 (24 B), then the name, padded to 8. */
export const FUSE_NAME_OFFSET = 24;
/** fuse_direntplus header: fuse_entry_out (128 B) + fuse_dirent header (24 B). */
export const FUSE_NAME_OFFSET_DIRENTPLUS = 152;

/** FUSE_DIRENT_SIZE: the 8-byte aligned size of a dirent with a name of `namelen` bytes. */
export function direntSize(namelen: number): number {
  return (FUSE_NAME_OFFSET + namelen + 7) & ~7;
}

/** FUSE_DIRENTPLUS_SIZE. */
export function direntPlusSize(namelen: number): number {
  return (FUSE_NAME_OFFSET_DIRENTPLUS + namelen + 7) & ~7;
}

/**
 * The READDIR/READDIRPLUS body: a fuse_read_in whose offset is the directory
 * cookie, kept as a bigint (never rounded).
 */
export function decodeReaddirIn(r: WireReader, minor: number): { fh: number; offset: bigint; size: number; flags: number } {
  const fh = r.u64('fh', errno.EBADF);
  const offset = r.u64Big();
  const size = r.u32();
  r.skip(4);
  let flags = 0;
  if (minor >= 9) {
    r.skip(8);
    flags = r.u32();
    r.skip(4);
  }
  return { fh, offset, size, flags };
}

function nameBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
}

function checkDirentName(name: Uint8Array): void {
  if (name.length === 0 || name.length > NAME_MAX || name.indexOf(0x2f) >= 0 || name.indexOf(0) >= 0) {
    throw new TypeError(`invalid directory entry name ${JSON.stringify(Buffer.from(name).toString())}: empty, longer than 255 bytes, or containing '/' or NUL`);
  }
}

/** fuse_dirent (also the tail of a fuse_direntplus): ino, off, namelen, type, the name, padding to 8. */
function writeDirent(w: WireWriter, ino: number | bigint, off: bigint, name: Uint8Array, type: number): void {
  w.u64(ino);
  w.u64(off);
  w.u32(name.length);
  w.u32(type);
  w.bytes(name);
  w.align8();
}

/**
 * fuse_dirent records encoded once and copied into any number of READDIR
 * replies (DirentSink.addEncoded): a directory listing that stays the same
 * costs one copy per reply instead of packing each entry again. Names are
 * checked here as DirentPacker.add checks them, so a copy needs no checks.
 */
export class EncodedDirents {
  private readonly w = new WireWriter(4096);
  /** ends[i]: the byte offset just past record i. */
  private ends = new Uint32Array(64);
  /** Records encoded. */
  count = 0;

  constructor() {
    this.w.pos = 0;
  }

  /** Append one record (throws TypeError for a name DirentPacker.add would refuse). */
  add(name: string | Uint8Array, ino: number | bigint, type: number, off: bigint): void {
    const n = nameBytes(name);
    checkDirentName(n);
    writeDirent(this.w, ino, off, n, type);
    if (this.count === this.ends.length) {
      const more = new Uint32Array(this.ends.length * 2);
      more.set(this.ends);
      this.ends = more;
    }
    this.ends[this.count++] = this.w.pos;
  }

  /** Bytes of the whole encoding. */
  get byteLength(): number {
    return this.w.pos;
  }

  /** Where record i starts. */
  startOf(i: number): number {
    return i === 0 ? 0 : this.ends[i - 1]!;
  }

  /** How many records from `from` on fit in `room` bytes (whole records only). */
  fitting(from: number, room: number): number {
    const base = this.startOf(from);
    // Largest k in [from, count] with startOf(k) - base <= room.
    let lo = from;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.ends[mid - 1]! - base <= room) lo = mid;
      else hi = mid - 1;
    }
    return lo - from;
  }

  /** The bytes of records [from, from + n). */
  slice(from: number, n: number): Uint8Array {
    return this.w.buf.subarray(this.startOf(from), this.startOf(from + n));
  }
}

/** What a packer holds after detach(): nothing. */
const DETACHED = new WireWriter(0);
DETACHED.pos = 0;

/** Shared state of the two packers: a buffer of at most `limit` bytes that closes once the reply is built. */
abstract class Packer {
  protected w: WireWriter;
  readonly limit: number;
  /** Entries accepted so far (the kernel has been promised these). */
  count = 0;
  /** Set once the reply has been built: later adds are refused. */
  closed = false;

  /**
   * `buffer`: a writer to pack into (reused from an earlier packer, see
   * detach); it grows as needed. Without one, a buffer of `limit` bytes is made.
   */
  constructor(limit: number, buffer?: WireWriter) {
    this.limit = limit;
    this.w = buffer ?? new WireWriter(Math.max(limit, 8));
    this.w.pos = 0;
  }

  /** Bytes packed. */
  get length(): number {
    return this.w.pos;
  }

  /** Stop accepting entries; returns the packed bytes (a view, valid until detach()). */
  close(): Uint8Array {
    this.closed = true;
    return this.w.buf.subarray(0, this.w.pos);
  }

  /**
   * Close for good and hand the buffer back for another packer. A sink kept
   * past its request refuses every add from then on, and never sees the
   * buffer again.
   */
  detach(): WireWriter {
    this.closed = true;
    const w = this.w;
    this.w = DETACHED;
    return w;
  }
}

/**
 * Packs fuse_dirent records for READDIR. `add` returns false and packs nothing
 * when the entry would make the reply larger than the size the kernel asked for.
 */
export class DirentPacker extends Packer implements DirentSink {
  add(name: string | Uint8Array, ino: number | bigint, type: number, off: bigint): boolean {
    if (this.closed) return false;
    const n = nameBytes(name);
    checkDirentName(n);
    const size = direntSize(n.length);
    if (this.w.pos + size > this.limit) return false;
    const w = this.w;
    const start = w.pos;
    try {
      writeDirent(w, ino, off, n, type);
    } catch (e) {
      w.pos = start;
      throw e;
    }
    this.count++;
    return true;
  }

  addEncoded(block: EncodedDirents, from: number): number {
    if (this.closed || from >= block.count) return from;
    const n = block.fitting(from, this.limit - this.w.pos);
    if (n > 0) {
      this.w.bytes(block.slice(from, n));
      this.count += n;
    }
    return from + n;
  }
}

/**
 * Packs fuse_direntplus records for READDIRPLUS. "." and ".." always go out
 * with a zeroed entry (nodeid 0), which the kernel skips without counting a
 * lookup; so does an entry passed as undefined.
 */
export class DirentPlusPacker extends Packer implements DirentPlusSink {
  private readonly entryTimeout: number;
  private readonly attrTimeout: number;
  private readonly minor: number;

  constructor(limit: number, entryTimeout: number, attrTimeout: number, minor: number, buffer?: WireWriter) {
    super(limit, buffer);
    this.entryTimeout = entryTimeout;
    this.attrTimeout = attrTimeout;
    this.minor = minor;
  }

  add(name: string | Uint8Array, entry: Entry | undefined, type: number, off: bigint, ino?: number | bigint): boolean {
    if (this.closed) return false;
    const n = nameBytes(name);
    checkDirentName(n);
    const size = direntPlusSize(n.length);
    if (this.w.pos + size > this.limit) return false;
    const dots = n[0] === 0x2e && (n.length === 1 || (n.length === 2 && n[1] === 0x2e));
    const w = this.w;
    const start = w.pos;
    try {
      if (entry === undefined || dots) w.zeros(128);
      else encodeEntryOut(w, entry, this.entryTimeout, this.attrTimeout, this.minor);
      if (w.pos - start !== 128) throw new Error('entry_out has wrong size');
      writeDirent(w, ino ?? entry?.attr.ino ?? 0, off, n, type);
    } catch (e) {
      w.pos = start;
      throw e;
    }
    this.count++;
    return true;
  }
}
