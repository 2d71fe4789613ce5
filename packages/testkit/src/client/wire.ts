import { Size } from './abi.js';
import { ProtocolViolation } from './errors.js';

const utf8 = new TextEncoder();

/** A name or path component as bytes: strings are UTF-8, byte arrays go as they are. */
export function nameBytes(name: string | Uint8Array): Uint8Array {
  return typeof name === 'string' ? utf8.encode(name) : name;
}

/** The fields of fuse_in_header a caller chooses (len is computed). */
export interface InHeader {
  opcode: number;
  unique: bigint;
  nodeid: number | bigint;
  uid: number;
  gid: number;
  pid: number;
}

/**
 * Builds one request: the 40-byte fuse_in_header, then the body pieces in
 * order; `finish()` writes len (and total_extlen) and returns the bytes.
 * The client is a test tool, so a fresh buffer per request is fine.
 */
export class RequestWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private pos = 0;
  private extStart = -1;

  constructor(header: InHeader) {
    this.u32(0); // len, filled in by finish()
    this.u32(header.opcode);
    this.u64(header.unique);
    this.u64(header.nodeid);
    this.u32(header.uid);
    this.u32(header.gid);
    this.u32(header.pid);
    this.u16(0); // total_extlen, filled in by finish()
    this.u16(0); // padding
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u16(v: number): this {
    this.room(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }

  i32(v: number): this {
    this.room(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
    return this;
  }

  /** Unsigned 64-bit; numbers must be safe integers (never rounded silently). */
  u64(v: number | bigint): this {
    this.room(8);
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`u64 ${v} is not a safe integer`);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, BigInt(v)), true);
    this.pos += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  /** A NUL-terminated string, as the kernel sends names. */
  cstring(s: string | Uint8Array): this {
    this.bytes(nameBytes(s));
    return this.u8(0);
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.pos++] = v;
    return this;
  }

  /** Zero bytes up to the next multiple of 8 (extension headers are 8-aligned in size). */
  zeros(n: number): this {
    this.room(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
    return this;
  }

  /** Marks where the request extensions begin (everything after counts in total_extlen). */
  beginExtensions(): this {
    this.extStart = this.pos;
    return this;
  }

  finish(): Uint8Array {
    this.view.setUint32(0, this.pos, true);
    if (this.extStart >= 0) {
      const extLen = this.pos - this.extStart;
      if (extLen % 8 !== 0) throw new RangeError('request extensions must be a multiple of 8 bytes');
      this.view.setUint16(36, extLen / 8, true);
    }
    return this.buf.slice(0, this.pos);
  }
}

/**
 * A bounds-checked little-endian cursor over a reply body. Reading past the
 * end is a ProtocolViolation naming the opcode, never a RangeError.
 */
export class ReplyReader {
  readonly view: DataView;
  pos: number;
  readonly end: number;
  constructor(readonly bytes: Uint8Array, readonly opcode: number, start = 0, end = bytes.length) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new ProtocolViolation(`reply too short reading ${what}: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`, this.opcode);
    }
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(what = 'u64'): bigint {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  i64(what = 'i64'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A u64 that must fit a JS number exactly (sizes, offsets, node ids). */
  safeU64(what: string): number {
    const v = this.u64(what);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ProtocolViolation(`${what} ${v} exceeds 2^53-1`, this.opcode);
    return Number(v);
  }

  take(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const b = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  skip(n: number, what = 'padding'): void {
    this.need(n, what);
    this.pos += n;
  }
}

/** Size of fuse_in_header; requests are at least this long. */
export const IN_HEADER_SIZE = Size.in_header;
