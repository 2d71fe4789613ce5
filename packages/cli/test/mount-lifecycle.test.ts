/**
 * The mount's life: unmount by command and from outside, signals while busy,
 * a killed daemon, --debug/--stats/--read-only/--reader relay, and a mount in
 * an unprivileged user namespace. Every test cleans up in finally.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import {
  canMount,
  CLI,
  have,
  isMounted,
  removeTempDir,
  ROOT,
  run,
  sh,
  sleep,
  startDaemon,
  stopDaemon,
  tempDir,
  tsfuse,
} from './helpers/daemon.js';

const fixtures = join(ROOT, 'packages/cli/test/fixtures');
const skip = canMount() ? undefined : 'needs root and /dev/fuse';
const it = skip ? test.skip : test;
if (skip) console.log(`mount-lifecycle: skipped (${skip})`);

let dir = '';
let n = 0;
test.before(() => {
  if (skip) return;
  dir = tempDir();
  chmodSync(dir, 0o755);
});
test.after(() => {
  if (dir) removeTempDir(dir);
});

function freshMountpoint(): string {
  const m = join(dir, `m${++n}`);
  mkdirSync(m);
  return m;
}

/** A background child with its output collected. */
function background(cmd: string, args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, out: () => out, exited };
}

async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await sleep(50);
  }
}

/** Settles with the value, or with 'timeout' after ms. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, sleep(ms).then(() => 'timeout' as const)]);
}

it('tsfuse umount ends the daemon with exit 0, --stats prints the opcode table', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m, ['--stats']);
  try {
    const r = await sh(`touch ${m}/a && echo hi > ${m}/a && cat ${m}/a && ls ${m}`);
    assert.is(r.stdout, 'hi\na\n', r.stderr);
    const u = await tsfuse(['umount', m]);
    assert.is(u.code, 0, u.stderr);
    const e = await within(d.exited, 15_000);
    assert.equal(e, { code: 0, signal: null });
    assert.not.ok(isMounted(m));
    assert.match(d.stderr(), /tsfuse: requests by opcode\nopcode\s+count\s+errors\s+p50\s+p99\n/);
    assert.match(d.stderr(), /^WRITE\s+1\s+0\s+<=\d+/m);
    assert.match(d.stderr(), /^total\s+\d+\s+\d+$/m);
  } finally {
    await stopDaemon(d);
  }
});

it('an external umount (umount(8)) ends the daemon with exit 0', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m);
  try {
    const r = await run('umount', [m]);
    assert.is(r.code, 0, r.stderr);
    assert.equal(await within(d.exited, 15_000), { code: 0, signal: null });
  } finally {
    await stopDaemon(d);
  }
});

it('SIGTERM while a reader is busy: detached at once, the reader finishes with correct data, then exit 0', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m);
  const reader = { current: undefined as ReturnType<typeof background> | undefined };
  try {
    const w = await sh(`head -c 16777216 /dev/urandom > ${m}/data`);
    assert.is(w.code, 0, w.stderr);
    const r = background(process.execPath, [join(fixtures, 'busy-reader.mjs'), `${m}/data`, '4']);
    reader.current = r;
    await until('the reader read the file once', () => r.out().includes('pass 1 '));
    d.child.kill('SIGTERM');
    await until('the mount is detached', () => !isMounted(m));
    await until('the daemon said so', () => d.stderr().includes('detached it lazily'));
    assert.is(d.child.exitCode, null, 'the daemon keeps serving the open file');
    const code = await within(r.exited, 30_000);
    assert.is(code, 0, r.out());
    assert.match(r.out(), /^done \d+$/m);
    assert.not.match(r.out(), /error/);
    assert.equal(await within(d.exited, 15_000), { code: 0, signal: null });
  } finally {
    reader.current?.child.kill('SIGKILL');
    await stopDaemon(d);
  }
});

it('a second SIGTERM aborts a detached mount whose user does not leave; exit 0', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m);
  const holder = background('sh', ['-c', `cd ${m} && exec sleep 60`]);
  try {
    await until('the holder is inside', () => {
      try {
        return readlinkSync(`/proc/${holder.child.pid}/cwd`) === m;
      } catch {
        return false;
      }
    });
    d.child.kill('SIGTERM');
    await until('the mount is detached', () => !isMounted(m));
    await sleep(500);
    assert.is(d.child.exitCode, null, 'still serving the busy mount');
    d.child.kill('SIGTERM');
    assert.equal(await within(d.exited, 15_000), { code: 0, signal: null });
    assert.match(d.stderr(), /SIGTERM again: aborting the connection/);
  } finally {
    holder.child.kill('SIGKILL');
    await stopDaemon(d);
  }
});

it('SIGKILL of the daemon: users get ENOTCONN at once (no hang), tsfuse umount recovers', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m);
  const reader = { current: undefined as ReturnType<typeof background> | undefined };
  try {
    const w = await sh(`head -c 8388608 /dev/urandom > ${m}/data`);
    assert.is(w.code, 0, w.stderr);
    const r = background(process.execPath, [join(fixtures, 'busy-reader.mjs'), `${m}/data`, '60']);
    reader.current = r;
    await until('the reader read the file once', () => r.out().includes('pass 1 '));
    d.child.kill('SIGKILL');
    await d.exited;
    // The busy reader must fail promptly, not sit in D state.
    assert.is(await within(r.exited, 10_000), 1, r.out());
    assert.match(r.out(), /error (ENOTCONN|ECONNABORTED)/);
    const s = await sh(`stat ${m}/data`, 10_000);
    assert.is.not(s.code, 0);
    assert.match(s.stderr, /Transport endpoint is not connected/);
    assert.ok(isMounted(m), 'the dead mount is still there until unmounted');
    const u = await tsfuse(['umount', m]);
    assert.is(u.code, 0, u.stderr);
    assert.not.ok(isMounted(m));
    const ls = await sh(`ls -A ${m}`);
    assert.is(ls.code, 0);
    assert.is(ls.stdout, '');
  } finally {
    reader.current?.child.kill('SIGKILL');
    await stopDaemon(d);
  }
});

it('a wedged daemon (SIGSTOP): umount says busy, umount --abort frees the waiting client and detaches', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m, ['--attr-timeout', '0']);
  try {
    d.child.kill('SIGSTOP');
    const waiting = background('stat', [m]);
    await sleep(500);
    assert.is(waiting.child.exitCode, null, 'the client waits for the stopped daemon');
    const plain = await tsfuse(['umount', m]);
    assert.is(plain.code, 1);
    assert.match(plain.stderr, /is busy .*use -l/);
    const u = await tsfuse(['umount', '--abort', m]);
    assert.is(u.code, 0, u.stderr);
    assert.not.ok(isMounted(m));
    assert.is(await within(waiting.exited, 10_000), 1, 'the waiting client failed at once');
    assert.match(waiting.out(), /Transport endpoint is not connected|Software caused connection abort/);
    d.child.kill('SIGCONT');
    assert.equal(await within(d.exited, 15_000), { code: 0, signal: null });
  } finally {
    d.child.kill('SIGCONT');
    await stopDaemon(d);
  }
});

it('--debug prints every request and reply in one readable line each', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m, ['--debug']);
  try {
    await sh(`stat ${m}/nothing-here; echo x > ${m}/made`);
    const u = await tsfuse(['umount', m]);
    assert.is(u.code, 0, u.stderr);
    await within(d.exited, 15_000);
    const err = d.stderr();
    assert.match(err, /^→ \d+ INIT /m);
    assert.match(err, /^→ \d+ LOOKUP nodeid=1 .*nothing-here/m);
    assert.match(err, /^← \d+ LOOKUP ENOENT \d+ B [\d.]+ µs$/m);
    assert.match(err, /^→ \d+ CREATE nodeid=1 .*made/m);
    assert.match(err, /^← \d+ WRITE ok \d+ B [\d.]+ µs$/m);
  } finally {
    await stopDaemon(d);
  }
});

it('--read-only: the mount is ro and changes fail with EROFS', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m, ['--read-only']);
  try {
    const r = await sh(`grep " ${m} " /proc/self/mounts; touch ${m}/x; mkdir ${m}/y; ls -A ${m}`);
    assert.match(r.stdout, /fuse\.tsfuse ro,/);
    assert.match(r.stderr, /touch: .*Read-only file system/);
    assert.match(r.stderr, /mkdir: .*Read-only file system/);
  } finally {
    await stopDaemon(d);
  }
});

it('--reader relay (a reader thread always reads) serves the same operations', async () => {
  const m = freshMountpoint();
  const d = await startDaemon(m, ['--reader', 'relay']);
  try {
    await sh(`mkdir ${m}/ops`);
    const r = await run(process.execPath, [join(fixtures, 'fs-ops.mjs'), `${m}/ops`]);
    assert.is(r.stderr, '');
    assert.match(r.stdout, /^ok \d+/);
  } finally {
    await stopDaemon(d);
  }
});

it('works in an unprivileged user namespace (unshare -Urm as nobody)', async () => {
  if (!have('unshare') || !have('setpriv') || !have('mknod')) {
    console.log('  skipped: needs unshare, setpriv and mknod');
    return;
  }
  // /dev/fuse is root-only here; give nobody a 0666 node for it in a private mount namespace,
  // as distributions do globally. Everything else runs as nobody inside `unshare -Urm`.
  const ns = join(dir, 'userns');
  mkdirSync(ns);
  chmodSync(ns, 0o777);
  const inner = [
    `T="${process.execPath} --conditions=source --import tsx ${CLI}"`,
    `M=${ns}/mnt; mkdir $M`,
    `$T mount memory $M --backend memory >${ns}/out 2>${ns}/err & P=$!`,
    `for i in $(seq 600); do grep -q mounted ${ns}/out && break; kill -0 $P 2>/dev/null || break; sleep 0.1; done`,
    `echo hello > $M/f && cat $M/f && stat -c %u:%g $M/f`,
    `$T umount $M; echo umount=$?`,
    `wait $P; echo daemon=$?`,
    `cat ${ns}/out ${ns}/err`,
  ].join('\n');
  const outer =
    `mknod ${ns}/fuse c 10 229 && chmod 666 ${ns}/fuse && mount --bind ${ns}/fuse /dev/fuse && ` +
    `cd ${ROOT} && exec setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urm sh -c '${inner.replace(/'/g, `'\\''`)}'`;
  const r = await run('unshare', ['-m', 'sh', '-c', outer], { timeoutMs: 180_000 });
  assert.is(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^hello\n0:0\numount=0\ndaemon=0\ntsfuse: mounted memory on /);
});

test.run();
