import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FATTR_ATIME, FATTR_GID, FATTR_MODE, FATTR_MTIME, FATTR_SIZE, FATTR_UID, type SetattrIn } from '@tsfuse/protocol';
import { b, backend, ctx, listAll, sandbox, snapshot } from './helpers.js';

const set = (valid: number, more: Partial<SetattrIn> = {}): SetattrIn => ({
  valid, fh: undefined, size: 0, lockOwner: 0n, atime: 5, atimensec: 0, mtime: 5, mtimensec: 0, ctime: 0, ctimensec: 0, mode: 0o777, uid: 4242, gid: 4242, ...more,
});

function attempt(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (typeof (e as { errno?: unknown }).errno !== 'number') throw e;
    return false;
  }
}

async function raceFor(ms: number, maxPathFds: number): Promise<{ ok: number; failed: number }> {
  const box = sandbox('tsfuse-race-');
  const { src, outside } = box;
  fs.mkdirSync(path.join(src, 'd'));
  fs.writeFileSync(path.join(src, 'd', 'x'), 'inside');
  fs.writeFileSync(path.join(src, 'f'), 'inside file');
  fs.mkdirSync(path.join(outside, 'sub'));
  fs.writeFileSync(path.join(outside, 'x'), 'OUTSIDE');
  fs.writeFileSync(path.join(outside, 'target'), 'OUTSIDE TARGET');
  fs.writeFileSync(path.join(outside, 'sub', 'x'), 'OUTSIDE SUB');
  fs.chmodSync(path.join(outside, 'x'), 0o600);
  const before = snapshot(outside);
  const lines: string[] = [];
  const be = backend(src, { maxPathFds }, lines);
  const swapper = spawn(process.execPath, [fileURLToPath(new URL('./race-swapper.mjs', import.meta.url)), src, outside], { stdio: 'ignore' });
  const C = ctx(1000, 1000);
  let ok = 0;
  let failed = 0;
  const run = (fn: () => unknown) => (attempt(fn) ? ok++ : failed++);
  try {
    await new Promise((r) => setTimeout(r, 100));
    const end = Date.now() + ms;
    let i = 0;
    while (Date.now() < end) {
      i++;
      let d = 0;
      let x = 0;
      let f = 0;
      run(() => (d = be.lookup(C, 1, b('d')).nodeid));
      run(() => (f = be.lookup(C, 1, b('f')).nodeid));
      if (d) {
        run(() => (x = be.lookup(C, d, b('x')).nodeid));
        run(() => {
          const r = be.create(C, d, b(`c${i}`), 0o666, 0, 0o1101);
          be.write(C, r.entry.nodeid, r.fh, 0, b('written'), 0, 0);
          be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
        });
        run(() => be.create(C, d, b('x'), 0o666, 0, 0o1101 /* O_TRUNC, no O_EXCL */));
        run(() => be.mkdir(C, d, b(`m${i}`), 0o777, 0));
        run(() => be.mknod(C, d, b(`n${i}`), 0o100666, 0, 0));
        run(() => be.symlink(C, d, b(`s${i}`), b('/etc')));
        run(() => be.unlink(C, d, b('x')));
        run(() => be.rename(C, d, b(`c${i}`), d, b('x'), 0));
        run(() => be.rmdir(C, d, b(`m${i}`)));
        run(() => {
          const { fh } = be.opendir(C, d, 0);
          listAll(be, d, fh, 50, { plus: i % 2 === 0 });
          be.releasedir(C, d, fh, 0);
        });
      }
      for (const n of [x, f, d]) {
        if (!n) continue;
        run(() => be.setattr(C, n, set(FATTR_MODE)));
        run(() => be.setattr(C, n, set(FATTR_UID | FATTR_GID)));
        run(() => be.setattr(C, n, set(FATTR_SIZE)));
        run(() => be.setattr(C, n, set(FATTR_ATIME | FATTR_MTIME)));
        run(() => be.getattr(C, n, undefined));
        run(() => be.readlink(C, n));
        run(() => {
          const h = be.open(C, n, 0o1002 /* O_RDWR|O_TRUNC */);
          be.write(C, n, h.fh, 0, b('written'), 0, 0);
          be.release(C, n, h.fh, 0, 0, 0n);
        });
        run(() => be.link(C, n, 1, b(`l${i}`)));
      }
      if (f) run(() => be.rename(C, 1, b('f'), 1, b('f'), 0));
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
  } finally {
    swapper.kill('SIGKILL');
    await new Promise((r) => swapper.once('exit', r));
    be.destroy();
  }
  const after = snapshot(outside);
  box.cleanup();
  assert.fixture(after, before);
  assert.equal(lines, [], 'no unexpected errors');
  return { ok, failed };
}

test('control: naive path-based calls under the same swaps do change files outside (the race is real)', async () => {
  const box = sandbox('tsfuse-race-control-');
  const { src, outside } = box;
  fs.mkdirSync(path.join(src, 'd'));
  fs.writeFileSync(path.join(src, 'd', 'x'), 'inside');
  fs.writeFileSync(path.join(src, 'f'), 'inside file');
  fs.mkdirSync(path.join(outside, 'sub'));
  fs.writeFileSync(path.join(outside, 'x'), 'OUTSIDE');
  fs.writeFileSync(path.join(outside, 'target'), 'OUTSIDE TARGET');
  const before = snapshot(outside);
  const swapper = spawn(process.execPath, [fileURLToPath(new URL('./race-swapper.mjs', import.meta.url)), src, outside], { stdio: 'ignore' });
  try {
    await new Promise((r) => setTimeout(r, 100));
    const end = Date.now() + 3000;
    while (Date.now() < end && snapshot(outside) === before) {
      for (let i = 0; i < 200; i++) {
        attemptHost(() => fs.chmodSync(path.join(src, 'f'), 0o777));
        attemptHost(() => fs.writeFileSync(path.join(src, 'd', 'x'), 'written'));
      }
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    swapper.kill('SIGKILL');
    await new Promise((r) => swapper.once('exit', r));
  }
  const changed = snapshot(outside) !== before;
  box.cleanup();
  assert.ok(changed, 'the naive calls escaped: the test can tell');
});

function attemptHost(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // ENOENT and friends while names are swapped
  }
}

test('symlink swaps on the host during every kind of operation: nothing outside SRC changes (working set 16)', async () => {
  const r = await raceFor(4000, 16);
  console.log(`    ${r.ok} operations succeeded, ${r.failed} refused`);
  assert.ok(r.ok > 100);
});

test('the same with a large working set (descriptors stay open across swaps)', async () => {
  const r = await raceFor(3000, 4096);
  console.log(`    ${r.ok} operations succeeded, ${r.failed} refused`);
  assert.ok(r.ok > 100);
});

test.run();
