import type { BigIntStats } from 'node:fs';
import { changedSince, type DirListing } from './dir-listing.js';
import type { LinuxInode } from './linux-inode.js';
import { SLOT_GROUP_DONE, SLOT_MAX_INDEX, cookieOf, keyOfCookie, slotOfCookie } from './name-hash.js';

/**
 * Re-read a changed directory in the middle of an iteration only after this
 * many entries (or a quarter of the listing) were served since the last read:
 * positions are stable so re-reading anywhere is correct, and the bound keeps
 * an iteration over a directory that keeps changing at O(n log n).
 */
const REFRESH_AFTER = 256;

/** What emit() reports for one entry. */
export const EMIT_STOP = 0;
export const EMIT_ADDED = 1;
export const EMIT_GONE = -1;

/**
 * An open directory: its cached listing and the names behind the offsets it
 * handed out inside collision groups.
 */
export class DirHandle {
  /** The listing replies are served from. */
  listing: DirListing | undefined = undefined;
  /** Entries served since the listing was read. */
  servedSinceRead = 0;
  /** Listings read for this handle (tests count host reads). */
  reads = 0;
  /**
   * Set by prepare(): the directory still has the listing's stamp, so what the
   * listing remembered about its entries is exact (false: the directory
   * changed and the listing is being served on until its next re-read).
   */
  current = false;
  /** Offset → name, for offsets that point inside a group of equal keys. */
  private midGroup: Map<bigint, string> | undefined = undefined;

  constructor(readonly node: LinuxInode) {}

  /**
   * Make sure the listing can serve a reply at `offset`: read it on first use;
   * at offset 0 (open or rewind) when the directory changed, or when the
   * listing was read while its stamp could still hide a change (not
   * reusable); and mid-way when it changed and enough has been served since
   * the last read. `read` may hand back a listing another handle read.
   */
  prepare(offset: bigint, st: BigIntStats, read: () => DirListing): DirListing {
    const l = this.listing;
    if (
      l === undefined ||
      (offset === 0n && !l.reusable) ||
      (changedSince(l.stamp, st) && (offset === 0n || this.servedSinceRead >= Math.max(REFRESH_AFTER, l.length >>> 2)))
    ) {
      const next = read();
      if (next !== l) {
        this.listing = next;
        this.reads++;
      }
      this.servedSinceRead = 0;
    }
    const listing = this.listing as DirListing;
    this.current = !changedSince(listing.stamp, st);
    return listing;
  }

  /** The position a reply at `offset` starts from (offset > 2). */
  startOf(offset: bigint): number {
    const l = this.listing as DirListing;
    if (offset < 256n) return 0;
    const key = keyOfCookie(offset);
    const slot = slotOfCookie(offset);
    if (slot === SLOT_GROUP_DONE) return l.upperBound(key);
    if (slot === 0) return l.lowerBound(key);
    const after = this.midGroup?.get(offset);
    if (after !== undefined) return l.afterName(key, after);
    return Math.min(l.lowerBound(key) + slot, l.upperBound(key));
  }

  /**
   * Offer entries from `offset` on, in order, to `emit` until it reports
   * EMIT_STOP. Each carries the offset that resumes right after it.
   */
  serve(offset: bigint, emit: (name: string, off: bigint, index: number) => number): void {
    const l = this.listing as DirListing;
    const names = l.names;
    const keys = l.keys;
    const n = names.length;
    let i = offset <= 2n ? 0 : this.startOf(offset);
    while (i < n) {
      const key = keys[i]!;
      const groupStart = i > 0 && keys[i - 1] === key ? l.lowerBound(key) : i;
      let groupEnd = i + 1;
      while (groupEnd < n && keys[groupEnd] === key) groupEnd++;
      for (let j = i; j < groupEnd; j++) {
        const inside = j !== groupEnd - 1;
        const off = cookieOf(key, inside ? Math.min(j - groupStart + 1, SLOT_MAX_INDEX) : SLOT_GROUP_DONE);
        const r = emit(names[j]!, off, j);
        if (r === EMIT_STOP) return;
        if (r === EMIT_ADDED) {
          this.servedSinceRead++;
          // Remember which name an inside-group offset stands for (the last one handed out, when slots saturate).
          if (inside) (this.midGroup ??= new Map()).set(off, names[j]!);
        }
      }
      i = groupEnd;
    }
  }
}
