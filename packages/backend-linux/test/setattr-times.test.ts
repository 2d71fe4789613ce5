import { test } from 'uvu';
import * as assert from 'uvu/assert';
import cp from 'node:child_process';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import { FATTR_ATIME, FATTR_ATIME_NOW, FATTR_FH, FATTR_MTIME, FATTR_MTIME_NOW } from '@tsfuse/protocol';
import { b, backend, ctx, sandbox, setattrIn } from './helpers.js';

const box = sandbox('tsfuse-linux-times-');
const { src } = box;
const C = ctx();
const made: { destroy(): void }[] = [];
test.after(() => {
  for (const be of made) be.destroy();
  box.cleanup();
});


function fresh(lines: string[] = [], extra = {}) {
  const be = backend(src, extra, lines);
  made.push(be);
  return be;
}

const ns = (name: string) => {
  const st = fs.lstatSync(path.join(src, name), { bigint: true });
  return [st.atimeNs, st.mtimeNs];
};

/**
 * Runs `fn` counting every process this process spawns meanwhile (node:child_process's
 * spawn/spawnSync/execFileSync, which runHostTool and the helper use; named ESM imports
 * see the counting versions through syncBuiltinESMExports).
 */
function countSpawns<T>(fn: () => T): { result: T; spawns: number } {
  const orig = { spawn: cp.spawn, spawnSync: cp.spawnSync, execFileSync: cp.execFileSync };
  let spawns = 0;
  const counting = <F extends (...args: never[]) => unknown>(f: F): F => ((...args: Parameters<F>) => (spawns++, f(...args))) as F;
  cp.spawn = counting(orig.spawn);
  cp.spawnSync = counting(orig.spawnSync);
  cp.execFileSync = counting(orig.execFileSync);
  syncBuiltinESMExports();
  try {
    return { result: fn(), spawns };
  } finally {
    Object.assign(cp, orig);
    syncBuiltinESMExports();
  }
}

test('tar-like SETATTR(mtime only) leaves atime exactly unchanged, and N of them spawn no process', () => {
  const lines: string[] = [];
  const be = fresh(lines);
  const N = 50;
  const ids: number[] = [];
  const atimes: bigint[] = [];
  for (let i = 0; i < N; i++) {
    fs.writeFileSync(path.join(src, `tar${i}`), 'x');
    // An atime with nanosecond digits, as a freshly written file has on ext4/tmpfs.
    fs.utimesSync(path.join(src, `tar${i}`), 1_000_000 + i + 0.5, 1);
    ids.push(be.lookup(C, 1, b(`tar${i}`)).nodeid);
    atimes.push(ns(`tar${i}`)[0]!);
  }
  be.setattr(C, ids[0]!, setattrIn({ valid: FATTR_MTIME, mtime: 1, mtimensec: 1 })); // starts the helper
  const answered = be.hostCalls.answered;
  const { spawns } = countSpawns(() => {
    for (let i = 0; i < N; i++) {
      const a = be.setattr(C, ids[i]!, setattrIn({ valid: FATTR_MTIME, mtime: 1_600_000_000 + i, mtimensec: 123_456_789 })).attr;
      assert.equal([a.mtime, a.mtimensec], [1_600_000_000 + i, 123_456_789]);
    }
  });
  assert.is(spawns, 0, 'no process spawned');
  assert.is(be.hostCalls.answered - answered, N, 'the helper answered every one');
  for (let i = 0; i < N; i++) assert.equal(ns(`tar${i}`), [atimes[i], BigInt(1_600_000_000 + i) * 1_000_000_000n + 123_456_789n], `tar${i}`);
  assert.is(lines.length, 0);
});

test('through an open file handle, NOW and OMIT, and a symlink itself', () => {
  const be = fresh();
  fs.writeFileSync(path.join(src, 'fh'), 'x');
  const e = be.lookup(C, 1, b('fh'));
  const h = be.open(C, e.nodeid, 2);
  let a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME | FATTR_FH, fh: h.fh, atime: -3, atimensec: 7, mtime: 9, mtimensec: 999_999_999 })).attr;
  assert.equal([a.atime, a.atimensec, a.mtime, a.mtimensec], [-3, 7, 9, 999_999_999]);
  const before = Date.now() / 1000;
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_MTIME | FATTR_MTIME_NOW | FATTR_FH, fh: h.fh })).attr;
  assert.ok(Math.abs(a.mtime - before) < 5, 'mtime now');
  assert.equal([a.atime, a.atimensec], [-3, 7], 'atime omitted, exact');
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_ATIME_NOW })).attr;
  assert.ok(Math.abs(a.atime - before) < 5, 'atime now');
  be.release(C, e.nodeid, h.fh, 0, 0, 0n);

  fs.symlinkSync('fh', path.join(src, 'sl'));
  const target = ns('fh');
  const s = be.lookup(C, 1, b('sl'));
  a = be.setattr(C, s.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME, atime: 77, atimensec: 1, mtime: 78, mtimensec: 2 })).attr;
  assert.equal([a.atime, a.atimensec, a.mtime, a.mtimensec], [77, 1, 78, 2], 'the symlink itself');
  assert.equal(ns('sl'), [77_000_000_001n, 78_000_000_002n]);
  assert.equal(ns('fh'), target, 'its target untouched');
});

test('helper killed: SETATTR falls back to utimes + touch, still exact, one log line', () => {
  const lines: string[] = [];
  const be = fresh(lines);
  fs.writeFileSync(path.join(src, 'fb'), 'x');
  const e = be.lookup(C, 1, b('fb'));
  be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME, atime: 5, atimensec: 555_555_555, mtime: 6, mtimensec: 6 }));
  const pid = be.hostCalls.pid!;
  process.kill(pid, 'SIGKILL');
  const until = Date.now() + 5000;
  while (fs.existsSync(`/proc/${pid}/stat`) && !/\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1')) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  const { result: a, spawns } = countSpawns(() => be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_MTIME, mtime: 1_700_000_000, mtimensec: 987_654_321 })).attr);
  assert.equal([a.atime, a.atimensec, a.mtime, a.mtimensec], [5, 555_555_555, 1_700_000_000, 987_654_321]);
  assert.ok(spawns >= 1, `the fallback spawns touch (${spawns})`);
  assert.is(be.hostCalls.running, false);
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /host syscall helper unavailable/);
  be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_ATIME, atime: 8, atimensec: 8 }));
  assert.equal(ns('fb'), [8_000_000_008n, 1_700_000_000_987_654_321n]);
  assert.is(lines.length, 1, 'logged once');
});

test('exactTimes: false never starts the helper', () => {
  const be = fresh([], { exactTimes: false });
  fs.writeFileSync(path.join(src, 'coarse'), 'x');
  const e = be.lookup(C, 1, b('coarse'));
  const { result: a, spawns } = countSpawns(() => be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_MTIME, mtime: 10, mtimensec: 123_456_789 })).attr);
  assert.equal([a.mtime, a.mtimensec], [10, 123_457_000], 'nearest microsecond');
  assert.is(spawns, 0);
  assert.is(be.hostCalls.answered, 0);
  assert.is(be.hostCalls.running, false);
});

test.run();
