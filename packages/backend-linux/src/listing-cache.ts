import type { DirListing } from './dir-listing.js';
import type { LinuxInode } from './linux-inode.js';

/**
 * The latest listing of recently listed directories, so that a new opendir of
 * an unchanged directory serves the names (and the inode numbers and types
 * already looked up) without reading the host again. Bounded by total entries:
 * the least recently used listings go first.
 */
export class ListingCache {
  /** Insertion order is recency order (a hit is re-inserted). */
  private readonly byDir = new Map<LinuxInode, DirListing>();
  private entries = 0;

  constructor(private readonly maxEntries: number) {}

  /** The cached listing of `dir`, if any (the caller checks it is still valid). */
  get(dir: LinuxInode): DirListing | undefined {
    const l = this.byDir.get(dir);
    if (l !== undefined) {
      this.byDir.delete(dir);
      this.byDir.set(dir, l);
    }
    return l;
  }

  /** Make `listing` the one cached for `dir`. */
  set(dir: LinuxInode, listing: DirListing): void {
    const old = this.byDir.get(dir);
    if (old !== undefined) {
      this.byDir.delete(dir);
      this.entries -= old.length;
    }
    if (listing.length > this.maxEntries) return;
    this.byDir.set(dir, listing);
    this.entries += listing.length;
    for (const [d, l] of this.byDir) {
      if (this.entries <= this.maxEntries) break;
      this.byDir.delete(d);
      this.entries -= l.length;
    }
  }

  /** Forget `dir` (its inode was forgotten). */
  delete(dir: LinuxInode): void {
    const old = this.byDir.get(dir);
    if (old === undefined) return;
    this.byDir.delete(dir);
    this.entries -= old.length;
  }

  /** Number of cached listings (tests). */
  get size(): number {
    return this.byDir.size;
  }
}
