import { readdirSync, type BigIntStats } from 'node:fs';
import { nameKey } from './name-hash.js';

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

  private constructor(names: string[], keys: Float64Array, stamp: DirStamp) {
    this.names = names;
    this.keys = keys;
    this.stamp = stamp;
  }

  /** Read the directory at `path` (a /proc/self/fd path: nothing is followed) and sort it. */
  static read(path: string, stamp: DirStamp): DirListing {
    return DirListing.fromNames(readdirSync(path, { encoding: 'latin1' }), stamp);
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

  /** First position within key's group whose name sorts after `name` (or the group's end). */
  afterName(key: number, name: string): number {
    let i = this.lowerBound(key);
    const end = this.upperBound(key);
    while (i < end && this.names[i]! <= name) i++;
    return i;
  }
}
