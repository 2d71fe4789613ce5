/**
 * Request buffers by power-of-two size class, reused. A request that stays in
 * flight keeps its buffer (the backend holds views into it) until its reply;
 * then the buffer comes back here. Each class keeps at most `keepPerClass`
 * spare buffers, so a burst of large writes does not pin memory for ever.
 */
export class BufferPool {
  private readonly free = new Map<number, Uint8Array[]>();

  constructor(private readonly keepPerClass = 8) {}

  /** A buffer of at least `size` bytes (its length is the size class). */
  take(size: number): Uint8Array {
    const cls = sizeClass(size);
    const list = this.free.get(cls);
    const b = list?.pop();
    return b ?? new Uint8Array(cls);
  }

  /** Returns a buffer obtained from take() (or any buffer whose length is a size class). */
  give(buf: Uint8Array): void {
    const cls = buf.length;
    let list = this.free.get(cls);
    if (list === undefined) {
      list = [];
      this.free.set(cls, list);
    }
    if (list.length < this.keepPerClass) list.push(buf);
  }
}

/** The power of two >= size, at least 4 KiB. */
export function sizeClass(size: number): number {
  let c = 4096;
  while (c < size) c *= 2;
  return c;
}
