import { errno } from '../abi/errno.js';
import { ProtocolError } from './protocol-error.js';

const TWO_32 = 4294967296;

/**
 * A bounds-checked little-endian cursor over one request. One instance is
 * reused for every request (reset), so decoding allocates nothing of its own;
 * `bytes`/`name` hand out views into the request, never copies.
 */
export class WireReader {
  buf: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(new ArrayBuffer(0));
  /** Next byte to read, relative to `buf`. */
  pos = 0;
  /** One past the last readable byte, relative to `buf`. */
  end = 0;

  /** Point at buf[start, end); `view` must cover `buf` from its byteOffset. */
  reset(buf: Uint8Array, view: DataView, start: number, end: number): this {
    this.buf = buf;
    this.view = view;
    this.pos = start;
    this.end = end;
    return this;
  }

  /** Bytes left before `end`. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws a 'short' ProtocolError unless n more bytes are readable. */
  need(n: number, what = 'field'): void {
    if (this.pos + n > this.end) {
      throw new ProtocolError('short', `truncated ${what}: need ${n} bytes, have ${this.end - this.pos}`);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /**
   * A u64 that must fit a JS number exactly (< 2^53); anything larger is
   * refused with `errnoIfTooBig`, never rounded.
   */
  u64(what = 'u64', errnoIfTooBig: number = errno.EINVAL): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    if (hi > 0x1fffff) throw new ProtocolError('range', `${what} does not fit 53 bits`, errnoIfTooBig);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /** A u64 as a bigint, exact. Zero (the usual lock_owner) costs no allocation. */
  u64Big(): bigint {
    this.need(8);
    const p = this.pos;
    this.pos = p + 8;
    const v = this.view;
    if (v.getUint32(p, true) === 0 && v.getUint32(p + 4, true) === 0) return 0n;
    return v.getBigUint64(p, true);
  }

  /** A signed 64-bit value (times) that must fit a JS number exactly. */
  i64(what = 'i64'): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getInt32(this.pos + 4, true);
    if (hi > 0x1fffff || hi < -0x200000) throw new ProtocolError('range', `${what} does not fit 53 bits`);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /** n bytes as a view into the request. */
  bytes(n: number, what = 'data'): Uint8Array {
    this.need(n, what);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** n bytes as a Buffer view into the request. */
  buffer(n: number, what = 'data'): Buffer {
    this.need(n, what);
    const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return v;
  }

  /**
   * A NUL-terminated string as a Buffer view (without the NUL). Throws a
   * 'short' error when no NUL is left before `end`.
   */
  cstring(what = 'name'): Buffer {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) throw new ProtocolError('short', `${what} is not NUL-terminated`);
    const v = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, nul - this.pos);
    this.pos = nul + 1;
    return v;
  }
}
