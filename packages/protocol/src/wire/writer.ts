const TWO_32 = 4294967296;
/** finish() keeps one view per reply length up to this size, so a reply costs no view allocation. */
const VIEW_CACHE_MAX = 1024;
/** ... plus this many views of larger lengths (replaced round-robin). */
const LARGE_VIEWS = 4;

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
  /**
   * With cacheViews: views[n] is buf.subarray(0, n), made once per length
   * (reset when buf is replaced). Only the session's long-lived writer caches.
   */
  private views: (Uint8Array | undefined)[] | undefined;
  private nextLarge = 0;

  /** `cacheViews`: reuse the view finish() returns for each reply length (for a writer that builds many replies). */
  constructor(capacity = 64 * 1024, cacheViews = false) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
    this.views = cacheViews ? newViewCache() : undefined;
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
    if (this.views !== undefined) this.views = newViewCache();
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
   * A 64-bit value from a number (a safe integer; two's complement for
   * negatives) or a bigint in [-2^63, 2^64). Anything else — a fraction, NaN,
   * a number beyond 2^53 that may already be rounded, a bigint that does not
   * fit — throws a RangeError instead of putting a silently wrong value on the
   * wire.
   */
  u64(v: number | bigint): void {
    this.ensure(8);
    put64(this.view, this.pos, v);
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
   * two u32 halves) and return the message as a view into the writer. The
   * view object itself may be handed out again for a later message of the
   * same length: like the bytes, it is valid only until the next begin().
   */
  finish(error: number, uniqueLo: number, uniqueHi: number): Uint8Array {
    const v = this.view;
    const n = this.pos;
    v.setUint32(0, n, true);
    v.setInt32(4, error, true);
    v.setUint32(8, uniqueLo, true);
    v.setUint32(12, uniqueHi, true);
    const views = this.views;
    if (views === undefined) return this.buf.subarray(0, n);
    if (n > VIEW_CACHE_MAX) return this.largeView(views, n);
    let out = views[n];
    if (out === undefined) {
      out = this.buf.subarray(0, n);
      views[n] = out;
    }
    return out;
  }

  /**
   * Larger replies (READ data, directory listings) come in few distinct
   * lengths: the last LARGE_VIEWS of them are kept past the per-length table.
   */
  private largeView(views: (Uint8Array | undefined)[], n: number): Uint8Array {
    for (let i = VIEW_CACHE_MAX + 1; i < views.length; i++) {
      const v = views[i];
      if (v !== undefined && v.length === n) return v;
    }
    const out = this.buf.subarray(0, n);
    views[VIEW_CACHE_MAX + 1 + this.nextLarge] = out;
    this.nextLarge = (this.nextLarge + 1) % LARGE_VIEWS;
    return out;
  }
}

function newViewCache(): (Uint8Array | undefined)[] {
  return new Array<Uint8Array | undefined>(VIEW_CACHE_MAX + 1 + LARGE_VIEWS).fill(undefined);
}

const MIN_I64 = -(2n ** 63n);
const MAX_U64 = 2n ** 64n - 1n;

/**
 * Write a 64-bit field at `pos` (no bounds check; see WireWriter.u64 for what
 * is accepted). Shared by encoders that fill a struct in place.
 */
export function put64(view: DataView, pos: number, v: number | bigint): void {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError(`64-bit field: ${v} is not a safe integer`);
    const hi = Math.floor(v / TWO_32);
    view.setUint32(pos, v - hi * TWO_32, true);
    view.setUint32(pos + 4, hi >>> 0, true);
  } else if (typeof v === 'bigint' && v >= MIN_I64 && v <= MAX_U64) {
    // setBigUint64 stores v modulo 2^64 itself (two's complement for negatives).
    view.setBigUint64(pos, v, true);
  } else {
    throw new RangeError(`64-bit field: ${typeof v === 'bigint' ? `${v} does not fit 64 bits` : `${typeof v} is not a number or bigint`}`);
  }
}
