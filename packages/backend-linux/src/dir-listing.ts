import { readdirSync, type BigIntStats } from 'node:fs';
import { EncodedDirents } from '@tsfuse/protocol';
import { SLOT_GROUP_DONE, cookieOf, nameKey } from './name-hash.js';

/** What tells that a directory changed: its own mtime and ctime (nanoseconds; multigrain since Linux 6.13). */
export interface DirStamp {
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** The stamp of a directory's stat. */
export function stampOf(st: BigIntStats): DirStamp {
  return { mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

/** True when `st` shows the directory changed since `stamp`. */
export function changedSince(stamp: DirStamp, st: BigIntStats): boolean {
  return st.mtimeNs !== stamp.mtimeNs || st.ctimeNs !== stamp.ctimeNs;
}

/**
 * How much older than the wall clock a directory's ctime must be before what
 * we observe in it can be trusted for as long as its stamp stays the same.
 * Every change of an entry sets the directory's ctime to the kernel's clock,
 * which may lag by a tick (1–10 ms): a change made after an observation at
 * time t gets a ctime >= t - tick, so if the ctime is older than t - SETTLE_MS
 * any later change moves it. Within the window a change could keep the stamp
 * and go unnoticed (the "racy stamp"). ctime, not mtime: utimes can set mtime
 * back (tar does, on every directory it extracts), nothing can set ctime back.
 */
export const SETTLE_MS = 100;

/** True when observations made from `nowMs` (Date.now()) on stay valid while the directory keeps `stamp`. */
export function settled(stamp: DirStamp, nowMs: number): boolean {
  return settledCtime(stamp.ctimeNs, nowMs);
}

/** True when a change made after `nowMs` would move a ctime that is now `ctimeNs` (any inode, as for directories above). */
export function settledCtime(ctimeNs: bigint, nowMs: number): boolean {
  return ctimeNs < BigInt(Math.floor(nowMs - SETTLE_MS)) * 1_000_000n;
}

/** d_type not known for an entry. */
const TYPE_UNKNOWN = 255;

/**
 * One read of a host directory, sorted once by (cookie key, name bytes), so a
 * reply finds its starting point by binary search: a whole listing costs
 * O(n log n) however many replies it takes.
 */
export class DirListing {
  /** Names (latin1 strings of the bytes), in cookie order. */
  readonly names: string[];
  /** The cookie key of each name. */
  readonly keys: Float64Array;
  /** The directory's stamp when it was read. */
  readonly stamp: DirStamp;
  /**
   * Whether the stamp was settled when the names were read: then, while the
   * directory keeps this stamp, the listing is still exact and another handle
   * may serve from it without reading the host again.
   */
  reusable = false;
  /**
   * Per entry, its inode number and d_type as seen by an lstat made while the
   * stamp was settled (so valid for as long as the directory keeps it):
   * NaN / TYPE_UNKNOWN until then. Inode numbers beyond 2^53 live in bigInos.
   */
  private inos: Float64Array | undefined = undefined;
  private types: Uint8Array | undefined = undefined;
  private bigInos: Map<number, bigint> | undefined = undefined;
  /** Entries whose inode number and d_type are remembered. */
  private known = 0;
  /** The READDIR records of every entry (see encoded()); null: this listing cannot have them. */
  private records: EncodedDirents | null | undefined = undefined;

  private constructor(names: string[], keys: Float64Array, stamp: DirStamp) {
    this.names = names;
    this.keys = keys;
    this.stamp = stamp;
  }

  /**
   * Read the directory at `path` (a /proc/self/fd path: nothing is followed)
   * and sort it. `nowMs`: the wall clock before the read, which decides
   * whether the listing is reusable.
   */
  static read(path: string, stamp: DirStamp, nowMs: number): DirListing {
    const l = DirListing.fromNames(readdirSync(path, { encoding: 'latin1' }), stamp);
    l.reusable = settled(stamp, nowMs);
    return l;
  }

  /** Remember entry i's inode number and d_type (call only for an lstat made while the stamp was settled). */
  remember(i: number, ino: bigint, type: number): void {
    const n = this.names.length;
    const inos = (this.inos ??= new Float64Array(n).fill(NaN));
    const types = (this.types ??= new Uint8Array(n).fill(TYPE_UNKNOWN));
    if (types[i] === TYPE_UNKNOWN) this.known++;
    types[i] = type;
    if (ino <= 9007199254740991n) inos[i] = Number(ino);
    else {
      inos[i] = -1;
      (this.bigInos ??= new Map()).set(i, ino);
    }
  }

  /** Entry i's remembered d_type, or -1 when unknown. */
  typeAt(i: number): number {
    const t = this.types === undefined ? TYPE_UNKNOWN : this.types[i]!;
    return t === TYPE_UNKNOWN ? -1 : t;
  }

  /**
   * Every entry as READDIR records, in listing order, once each entry's inode
   * number and d_type are remembered (exact while the directory keeps the
   * stamp): a reply is then one copy. Undefined until then, and for a listing
   * where two names share a cookie key (their cookies depend on what was
   * served before; DirHandle.serve handles those).
   */
  encoded(): EncodedDirents | undefined {
    if (this.records !== undefined) return this.records ?? undefined;
    const n = this.names.length;
    if (this.known < n) return undefined;
    const keys = this.keys;
    for (let i = 1; i < n; i++) {
      if (keys[i] === keys[i - 1]) {
        this.records = null;
        return undefined;
      }
    }
    const records = new EncodedDirents();
    for (let i = 0; i < n; i++) {
      records.add(Buffer.from(this.names[i]!, 'latin1'), this.inoAt(i), this.types![i]!, cookieOf(keys[i]!, SLOT_GROUP_DONE));
    }
    this.records = records;
    return records;
  }

  /** Entry i's remembered inode number (only meaningful when typeAt(i) >= 0). */
  inoAt(i: number): number | bigint {
    const v = this.inos![i]!;
    return v === -1 ? this.bigInos!.get(i)! : v;
  }

  /**
   * Take over what `older` remembered, when both were read under the same
   * stamp (the directory did not change in between, so the same names carry
   * the same inodes). Both are sorted the same way: one merge pass.
   */
  adoptFrom(older: DirListing): void {
    if (older.types === undefined || older.stamp.mtimeNs !== this.stamp.mtimeNs || older.stamp.ctimeNs !== this.stamp.ctimeNs) return;
    const a = older.names;
    const b = this.names;
    let i = 0;
    for (let j = 0; j < b.length && i < a.length; j++) {
      while (i < a.length && (older.keys[i]! < this.keys[j]! || (older.keys[i] === this.keys[j] && a[i]! < b[j]!))) i++;
      if (i < a.length && a[i] === b[j]) {
        const t = older.typeAt(i);
        if (t >= 0) this.remember(j, BigInt(older.inoAt(i)), t);
        i++;
      }
    }
  }

  /** Build from raw names (read(), and tests, which may pass a colliding `keyOf`). */
  static fromNames(raw: string[], stamp: DirStamp, keyOf: (name: string) => number = nameKey): DirListing {
    const n = raw.length;
    const rawKeys = new Float64Array(n);
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      rawKeys[i] = keyOf(raw[i]!);
      order[i] = i;
    }
    order.sort((a, b) => {
      const d = rawKeys[a]! - rawKeys[b]!;
      if (d !== 0) return d;
      const x = raw[a]!;
      const y = raw[b]!;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const names = new Array<string>(n);
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[i]!;
      names[i] = raw[j]!;
      keys[i] = rawKeys[j]!;
    }
    return new DirListing(names, keys, stamp);
  }

  /** Number of entries ("." and ".." not included). */
  get length(): number {
    return this.names.length;
  }

  /** First position whose key is >= key. */
  lowerBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First position whose key is > key. */
  upperBound(key: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Where `name` is, or -1 (found by its nameKey, as a listing read from the host is sorted). */
  indexOf(name: string): number {
    const key = nameKey(name);
    const i = this.afterName(key, name) - 1;
    return i >= 0 && this.keys[i] === key && this.names[i] === name ? i : -1;
  }

  /** First position within key's group whose name sorts after `name` (or the group's end). */
  afterName(key: number, name: string): number {
    let i = this.lowerBound(key);
    const end = this.upperBound(key);
    while (i < end && this.names[i]! <= name) i++;
    return i;
  }
}
