// N (default 2,000) SETATTR(mtime only, tar-like: atime omitted, mtime with nanosecond digits) in process
// through the Linux backend, timed. `coarse` as second argument: exactTimes false, for comparison.
// Run: node --conditions=source --import tsx packages/backend-linux/test/tools/setattr-times-bench.ts [N] [coarse]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FATTR_MTIME, type SetattrIn } from '@tsfuse/protocol';
import { LinuxBackend } from '../../src/index.js';
const N = Number(process.argv[2] ?? 2000);
const FILES = 200;
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-bench-'));
const be = new LinuxBackend({ root: base, exactTimes: process.argv[3] !== 'coarse', log: (l) => console.log('log:', l) });
const C = { uid: 0, gid: 0, pid: process.pid, groups: undefined, signal: new AbortController().signal } as never;
const ids: number[] = [];
for (let i = 0; i < FILES; i++) {
  fs.writeFileSync(path.join(base, `f${i}`), 'x');
  ids.push(be.lookup(C, 1, Buffer.from(`f${i}`)).nodeid);
}
const sa = (mtime: number, mtimensec: number): SetattrIn => ({ valid: FATTR_MTIME, fh: undefined, size: 0, lockOwner: 0n, atime: 0, atimensec: 0, mtime, mtimensec, ctime: 0, ctimensec: 0, mode: 0, uid: 0, gid: 0 });
be.setattr(C, ids[0]!, sa(1, 1)); // warm up (starts a helper if there is one)
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) be.setattr(C, ids[i % FILES]!, sa(1_600_000_000 + i, (i * 7919) % 1_000_000_000));
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(`${N} SETATTR(mtime only): ${ms.toFixed(1)} ms, ${(ms * 1000 / N).toFixed(1)} us each, ${(N / ms * 1000).toFixed(0)}/s; helper answered ${be.hostCalls.answered}`);
be.destroy();
fs.rmSync(base, { recursive: true, force: true });
