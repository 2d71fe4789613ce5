import type { SessionStats } from '@tsfuse/protocol';

function us(v: number | undefined): string {
  if (v === undefined) return '-';
  return v >= 1_000_000 ? `<=${(v / 1_000_000).toFixed(0)}s` : v >= 1000 ? `<=${(v / 1000).toFixed(0)}ms` : `<=${v}µs`;
}

/**
 * The per-opcode table `--stats` prints on exit: count, errors, p50 and p99
 * latency (upper bounds of log2 buckets), busiest opcode first.
 */
export function formatStatsTable(stats: SessionStats): string {
  const rows = Object.values(stats.ops).sort((a, b) => b.count - a.count);
  const head = ['opcode', 'count', 'errors', 'p50', 'p99'];
  const body = rows.map((r) => [r.name, String(r.count), String(r.errors), us(r.p50Us), us(r.p99Us)]);
  body.push(['total', String(stats.requests), String(stats.errors), '', '']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd() + '\n';
  let out = 'tsfuse: requests by opcode\n' + line(head);
  for (const r of body) out += line(r);
  if (stats.dropped) out += `dropped frames: ${stats.dropped}\n`;
  return out;
}
