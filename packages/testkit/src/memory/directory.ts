/** Offset of "." in a listing; resuming at it returns "..". */
export const DOT_OFFSET = 1;
/** Offset of ".."; resuming at it returns the first real entry. */
export const DOTDOT_OFFSET = 2;
/** The first cookie a real entry gets. */
export const FIRST_COOKIE = 3;

/** Compaction runs when at least this many removed entries are waiting, and they outnumber the live ones. */
const COMPACT_MIN = 64;

/**
 * One name in a directory. `cookie` is its readdir offset, fixed for its life;
 * `target` is whatever the name points at (an inode), swapped in place by
 * RENAME_EXCHANGE and overwriting renames; undefined once the name is removed.
 */
export class DirEntry<T> {
  constructor(
    /** The name's bytes as a latin1 string (one char per byte, so any byte string round-trips). */
    readonly key: string,
    readonly cookie: number,
    public target: T | undefined,
  ) {}
}

/**
 * The names in one directory, ordered by cookie, with readdir offsets that
 * stay valid across every mutation:
 * - each inserted name gets the next cookie of this directory (never reused);
 * - `order` is append-only by cookie; removal leaves a tombstone (target
 *   undefined) that readers skip, and tombstones are compacted away lazily
 *   when they outnumber live entries (amortised O(1) per removal);
 * - resuming after cookie X is a binary search for the first cookie > X, so a
 *   listing in pages costs O(n log n) in total, and an offset whose entry was
 *   deleted resumes at the next survivor. Nothing is returned twice or skipped,
 *   and names inserted during a listing appear at its end (as on tmpfs).
 */
export class DirectoryEntries<T> {
  private readonly byName = new Map<string, DirEntry<T>>();
  private order: DirEntry<T>[] = [];
  private removed = 0;
  private nextCookie = FIRST_COOKIE;

  /** Number of names. */
  get size(): number {
    return this.byName.size;
  }

  /** What `key` names, or undefined. */
  get(key: string): T | undefined {
    return this.byName.get(key)?.target;
  }

  /** The entry for `key`, or undefined. */
  entry(key: string): DirEntry<T> | undefined {
    return this.byName.get(key);
  }

  /** Adds a name (the caller has checked it is new) with a fresh cookie. */
  insert(key: string, target: T): DirEntry<T> {
    const entry = new DirEntry(key, this.nextCookie++, target);
    this.byName.set(key, entry);
    this.order.push(entry);
    return entry;
  }

  /** Removes a name; returns what it named, or undefined if absent. */
  remove(key: string): T | undefined {
    const entry = this.byName.get(key);
    if (entry === undefined) return undefined;
    const target = entry.target;
    this.byName.delete(key);
    entry.target = undefined;
    if (++this.removed >= COMPACT_MIN && this.removed > this.byName.size) this.compact();
    return target;
  }

  /** Index in the cursor space of the first entry whose cookie is greater than `cookie`. */
  seek(cookie: number): number {
    const order = this.order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order[mid]!.cookie <= cookie) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The entry at cursor `index` (may be a tombstone: check `target`), or undefined past the end. */
  at(index: number): DirEntry<T> | undefined {
    return this.order[index];
  }

  /** Every live entry in cookie order (for tests and tools, not the readdir path). */
  *[Symbol.iterator](): IterableIterator<DirEntry<T>> {
    for (const entry of this.order) if (entry.target !== undefined) yield entry;
  }

  private compact(): void {
    this.order = this.order.filter((entry) => entry.target !== undefined);
    this.removed = 0;
  }
}
