import { errno } from '@tsfuse/protocol';
import { fuseError } from './errno.js';

/**
 * File handles: small numbers (>= 1) the kernel passes back, reused after
 * release so the table stays dense and a lookup is an array index.
 */
export class HandleTable<H> {
  private readonly slots: (H | undefined)[] = [undefined];
  private readonly free: number[] = [];
  private count = 0;

  /** Store `h`, return its fh. */
  add(h: H): number {
    const fh = this.free.length > 0 ? (this.free.pop() as number) : this.slots.length;
    this.slots[fh] = h;
    this.count++;
    return fh;
  }

  /** The handle for `fh`, or undefined. */
  get(fh: number): H | undefined {
    return this.slots[fh];
  }

  /** The handle for `fh`, or throw EBADF. */
  handle(fh: number): H {
    const h = this.slots[fh];
    if (h === undefined) throw fuseError(errno.EBADF);
    return h;
  }

  /** Forget `fh`; returns what it held. */
  remove(fh: number): H | undefined {
    const h = this.slots[fh];
    if (h === undefined) return undefined;
    this.slots[fh] = undefined;
    this.free.push(fh);
    this.count--;
    return h;
  }

  /** Number of open handles. */
  get size(): number {
    return this.count;
  }

  /** Every open [fh, handle]. */
  *[Symbol.iterator](): IterableIterator<[number, H]> {
    for (let fh = 1; fh < this.slots.length; fh++) {
      const h = this.slots[fh];
      if (h !== undefined) yield [fh, h];
    }
  }
}
