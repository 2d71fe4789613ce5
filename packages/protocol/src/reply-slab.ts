/** Replies up to this size are carved from the slab; larger ones get their own buffer. */
const MAX_CARVED = 8 * 1024;
const SLAB_SIZE = 64 * 1024;

/**
 * Fresh copies of replies for session.handle(). A `slice()` of a small reply
 * costs an ArrayBuffer of its own (about 1 µs with its backing store, more than
 * the whole engine round trip), so small replies are instead copied into
 * consecutive 8-byte aligned regions of a shared 64 KiB slab, as
 * Buffer.allocUnsafe does with its pool. Each copy is a region nobody else is
 * handed or writes to: the caller owns those bytes. What it does not own alone
 * is the underlying ArrayBuffer, so a caller must not transfer or detach
 * `reply.buffer`, and should copy a reply it keeps for long (a kept 120-byte
 * reply keeps its slab alive).
 */
export class ReplySlab {
  private slab = new Uint8Array(SLAB_SIZE);
  private pos = 0;

  /** A fresh copy of `src` that the caller owns. */
  copy(src: Uint8Array): Uint8Array {
    const n = src.length;
    if (n > MAX_CARVED) return src.slice();
    let pos = this.pos;
    if (pos + n > SLAB_SIZE) {
      this.slab = new Uint8Array(SLAB_SIZE);
      pos = 0;
    }
    const out = this.slab.subarray(pos, pos + n);
    out.set(src);
    this.pos = (pos + n + 7) & ~7;
    return out;
  }
}
