/**
 * Per-directory generation counters and the snapshot open handles share.
 *
 * The rules (see docs in README.md, and the libkrun PR 693 discussion):
 * - Every mutation of a directory made through the filesystem calls bump():
 *   the directory's generation moves, so its snapshot is stale.
 * - startListing() is called only at offset 0 (a fresh opendir or a rewind)
 *   or by a handle that has no snapshot yet. It reuses the shared snapshot
 *   when the generation is unchanged, the directory's stamp (its own stat) is
 *   unchanged — so changes made on the host behind our back are seen too —
 *   and the snapshot was not built racily; otherwise it lists the host again.
 * - Nothing here ever replaces the snapshot a handle is iterating: a handle
 *   keeps the array it got until its next offset-0 read.
 * State exists only while a handle is open on the directory; generations come
 * from one counter so a state dropped and created again can never match an
 * old snapshot by accident.
 */
import { isRacyStamp, sameStamp, type DirectoryStamp } from './directory-stamp.js';
import type { DirectorySnapshot, SnapshotEntry } from './snapshot.js';

interface DirectoryState {
  generation: number;
  openHandles: number;
  snapshot: DirectorySnapshot | undefined;
}

/** Counters tests and benchmarks read. */
export interface DirectoryStats {
  /** Host directory listings made (each one reads every name of a directory). */
  hostListings: number;
  /** Offset-0 reads served from an existing snapshot without listing. */
  snapshotReuses: number;
}

/** Options of the racy-stamp rule. */
export interface DirectoryStatesOptions {
  /** Milliseconds within which a directory change makes its stamp untrustworthy (timestamp granularity plus clock slack). */
  racyWindowMs: number;
  /** Wall clock in ms; injectable for tests. */
  now?: () => number;
}

/** The generation counters and shared snapshots of every directory with an open handle. */
export class DirectoryStates {
  readonly stats: DirectoryStats = { hostListings: 0, snapshotReuses: 0 };
  private counter = 0;
  private readonly states = new Map<number, DirectoryState>();
  private readonly racyWindowMs: number;
  private readonly now: () => number;

  constructor(options: DirectoryStatesOptions) {
    this.racyWindowMs = options.racyWindowMs;
    this.now = options.now ?? Date.now;
  }

  /** A handle opened on `nodeid`. */
  retain(nodeid: number): void {
    let s = this.states.get(nodeid);
    if (!s) {
      s = { generation: ++this.counter, openHandles: 0, snapshot: undefined };
      this.states.set(nodeid, s);
    }
    s.openHandles++;
  }

  /** A handle on `nodeid` closed; the last one drops the snapshot. */
  release(nodeid: number): void {
    const s = this.states.get(nodeid);
    if (!s) return;
    if (--s.openHandles <= 0) this.states.delete(nodeid);
  }

  /** The entries of `nodeid` changed through the filesystem. */
  bump(nodeid: number): void {
    const s = this.states.get(nodeid);
    if (s) s.generation = ++this.counter;
  }

  /** The current generation of `nodeid` (0 when no handle is open on it). */
  generation(nodeid: number): number {
    return this.states.get(nodeid)?.generation ?? 0;
  }

  /** How many directories have state (open handles). */
  get size(): number {
    return this.states.size;
  }

  /**
   * The snapshot to serve from offset 0. `takeStamp` stats the directory now;
   * `list` reads the host (called only when the snapshot must be rebuilt) and
   * returns the entries in order, "." and ".." included.
   */
  startListing(nodeid: number, takeStamp: () => DirectoryStamp, list: () => SnapshotEntry[]): DirectorySnapshot {
    // The clock is read before the stat so that any change after the stat carries a later time.
    const listStartMs = this.now();
    const stamp = takeStamp();
    const s = this.states.get(nodeid);
    const old = s?.snapshot;
    if (s && old && old.trusted && old.generation === s.generation && sameStamp(old.stamp, stamp)) {
      this.stats.snapshotReuses++;
      return old;
    }
    const generation = s?.generation ?? 0;
    const entries = list();
    this.stats.hostListings++;
    const snapshot: DirectorySnapshot = {
      entries,
      generation,
      stamp,
      trusted: !isRacyStamp(stamp, listStartMs, this.racyWindowMs),
    };
    if (s) s.snapshot = snapshot;
    return snapshot;
  }
}
