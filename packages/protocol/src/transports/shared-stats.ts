/**
 * Per-opcode counters kept by a serving loop in a SharedArrayBuffer, so the
 * mounting thread can read them at any moment — even while the serving worker
 * sleeps in read(2) and cannot answer a message. Same shape and bucketing as
 * the session's own StatsRecorder (counts, errors, log2 µs latency histogram).
 */
import { opcodeName } from '../abi/constants.js';
import { LATENCY_BUCKETS, percentile, type OpStats, type SessionStats } from '../stats.js';

const SLOTS = 64;
const COUNTS = 0;
const ERRORS = SLOTS;
const HIST = 2 * SLOTS;
const IN_FLIGHT = HIST + SLOTS * LATENCY_BUCKETS;
const WORDS = IN_FLIGHT + 1;

/** Shared memory for one loop's counters. */
export function createSharedStats(): SharedArrayBuffer {
  return new SharedArrayBuffer(WORDS * 8);
}

/** The serving loop's side: plain stores (a reader may see a count one request behind: fine for statistics). */
export class SharedStatsWriter {
  private readonly a: Float64Array;
  constructor(sab: SharedArrayBuffer) {
    this.a = new Float64Array(sab);
  }

  /** One finished request: its opcode, whether it failed, and its latency in ms. */
  record(opcode: number, failed: boolean, ms: number): void {
    const slot = opcode > 0 && opcode < SLOTS ? opcode : 0;
    const a = this.a;
    a[COUNTS + slot]!++;
    if (failed) a[ERRORS + slot]!++;
    const us = ms * 1000;
    let b = us < 1 ? 0 : 32 - Math.clz32(us);
    if (b >= LATENCY_BUCKETS) b = LATENCY_BUCKETS - 1;
    a[HIST + slot * LATENCY_BUCKETS + b]!++;
  }

  setInFlight(n: number): void {
    this.a[IN_FLIGHT] = n;
  }
}

/** A SessionStats built from the shared counters (dropped frames are only known to the session: 0 here). */
export function readSharedStats(sab: SharedArrayBuffer): SessionStats {
  const a = new Float64Array(sab);
  const ops: Record<string, OpStats> = {};
  let requests = 0;
  let errors = 0;
  for (let slot = 0; slot < SLOTS; slot++) {
    const count = a[COUNTS + slot]!;
    if (count === 0) continue;
    const histogram = Array.from(a.subarray(HIST + slot * LATENCY_BUCKETS, HIST + (slot + 1) * LATENCY_BUCKETS));
    const name = slot === 0 ? 'UNKNOWN' : (opcodeName(slot) ?? `OPCODE_${slot}`);
    ops[name] = {
      opcode: slot,
      name,
      count,
      errors: a[ERRORS + slot]!,
      histogram,
      p50Us: percentile(histogram, 0.5),
      p99Us: percentile(histogram, 0.99),
    };
    requests += count;
    errors += a[ERRORS + slot]!;
  }
  return { ops, requests, errors, dropped: 0, inFlight: a[IN_FLIGHT]! };
}
