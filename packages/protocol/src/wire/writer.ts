const TWO_32 = 4294967296;

/** Size of fuse_out_header, reserved at the start of every reply. */
export const OUT_HEADER_SIZE = 16;

/**
 * A growable little-endian buffer that builds one reply (or notification) at a
 * time. `begin()` reserves the 16-byte fuse_out_header; `finish()` fills it in
 * last (length, error, unique) and returns a view valid until the next
 * `begin()`. The session reuses one writer and resets it in `finally`, so a
 * failed encode never leaks half a reply into the next one.
 */
export class WireWriter {
  buf: Uint8Array;
  view: DataView;
  pos = OUT_HEADER_SIZE;
  /** True between begin() and reset(): used to detect re-entrant use. */
  busy = false;

  constructor(capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Start a message: header reserved, body empty. */
  begin(): this {
    this.pos = OUT_HEADER_SIZE;
    this.busy = true;
    return this;
  }

  /** Forget the current message. */
  reset(): void {
    this.pos = OUT_HEADER_SIZE;
    this.busy = false;
  }

  /** Make room for n more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  /**
   * A 64-bit value from a number (two's complement for negatives, exact up to
   * 2^53) or a bigint (taken modulo 2^64).
   */
  u64(v: number | bigint): void {
    this.ensure(8);
    if (typeof v === 'number') {
      const hi = Math.floor(v / TWO_32);
      this.view.setUint32(this.pos, v - hi * TWO_32, true);
      this.view.setUint32(this.pos + 4, hi >>> 0, true);
    } else {
      this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    }
    this.pos += 8;
  }

  /** Raw bytes. */
  bytes(v: Uint8Array): void {
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  /** n zero bytes. */
  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  /** Zero-pad to the next multiple of 8 (FUSE_REC_ALIGN). */
  align8(): void {
    const pad = (8 - (this.pos & 7)) & 7;
    if (pad) this.zeros(pad);
  }

  /** Bytes written after the header. */
  get bodyLength(): number {
    return this.pos - OUT_HEADER_SIZE;
  }

  /**
   * Fill in fuse_out_header (len, error = -errno or a notify code, unique as
   * two u32 halves) and return the message as a view into the writer.
   */
  finish(error: number, uniqueLo: number, uniqueHi: number): Uint8Array {
    const v = this.view;
    v.setUint32(0, this.pos, true);
    v.setInt32(4, error, true);
    v.setUint32(8, uniqueLo, true);
    v.setUint32(12, uniqueHi, true);
    return this.buf.subarray(0, this.pos);
  }
}
