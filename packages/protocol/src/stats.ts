import { opcodeName } from './abi/constants.js';

/** Number of log2 latency buckets: bucket i counts latencies in [2^(i-1), 2^i) µs, bucket 0 below 1 µs. */
export const LATENCY_BUCKETS = 32;
const SLOTS = 64;

/** Counters of one opcode. */
export interface OpStats {
  opcode: number;
  name: string;
  count: number;
  errors: number;
  /** histogram[i]: replies whose latency was in [2^(i-1), 2^i) µs (i = 0: below 1 µs). Empty when latency stats are off. */
  histogram: number[];
  /** Upper bound of the bucket holding the median, in µs (undefined without samples). */
  p50Us: number | undefined;
  /** Upper bound of the bucket holding the 99th percentile, in µs. */
  p99Us: number | undefined;
}

/** A snapshot of the session's counters. */
export interface SessionStats {
  /** Requests seen, by opcode name; only opcodes seen at least once. */
  ops: Record<string, OpStats>;
  requests: number;
  errors: number;
  /** Frames dropped without a reply (too short to carry a unique, duplicate in-flight unique, after close). */
  dropped: number;
  /** Requests whose backend call has not settled yet. */
  inFlight: number;
}

/**
 * Per-opcode counters and log2 latency histograms in typed arrays: recording
 * is a few array increments; snapshots are built only when asked for.
 */
export class StatsRecorder {
  private readonly counts = new Float64Array(SLOTS);
  private readonly errorCounts = new Float64Array(SLOTS);
  private readonly hist = new Float64Array(SLOTS * LATENCY_BUCKETS);
  dropped = 0;

  /** Count one request (and its latency in ms when t0 > 0). Opcodes >= 64 share slot 0. */
  record(opcode: number, failed: boolean, t0: number, now: number): void {
    const slot = opcode > 0 && opcode < SLOTS ? opcode : 0;
    this.counts[slot]++;
    if (failed) this.errorCounts[slot]++;
    if (t0 > 0) {
      const us = (now - t0) * 1000;
      let b = us < 1 ? 0 : 32 - Math.clz32(us);
      if (b >= LATENCY_BUCKETS) b = LATENCY_BUCKETS - 1;
      this.hist[slot * LATENCY_BUCKETS + b]++;
    }
  }

  snapshot(inFlight: number, latency: boolean): SessionStats {
    const ops: Record<string, OpStats> = {};
    let requests = 0;
    let errors = 0;
    for (let slot = 0; slot < SLOTS; slot++) {
      const count = this.counts[slot]!;
      if (count === 0) continue;
      const histogram = latency ? Array.from(this.hist.subarray(slot * LATENCY_BUCKETS, (slot + 1) * LATENCY_BUCKETS)) : [];
      const name = slot === 0 ? 'UNKNOWN' : (opcodeName(slot) ?? `OPCODE_${slot}`);
      ops[name] = {
        opcode: slot,
        name,
        count,
        errors: this.errorCounts[slot]!,
        histogram,
        p50Us: percentile(histogram, 0.5),
        p99Us: percentile(histogram, 0.99),
      };
      requests += count;
      errors += this.errorCounts[slot]!;
    }
    return { ops, requests, errors, dropped: this.dropped, inFlight };
  }
}

/** Upper bound (µs) of the bucket where the q-quantile falls. */
export function percentile(histogram: readonly number[], q: number): number | undefined {
  let total = 0;
  for (const c of histogram) total += c;
  if (total === 0) return undefined;
  const target = Math.ceil(total * q);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= target) return 2 ** i;
  }
  return 2 ** (histogram.length - 1);
}
