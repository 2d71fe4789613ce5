/**
 * mountFuse / mountFuseOnMainThread through the real kernel. The mount is
 * only ever touched from child processes. Each test unmounts in finally; a
 * process 'exit' hook (in the transport itself) detaches anything left.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryBackend } from '@tsfuse/testkit';
import { mountFuse, mountFuseOnMainThread, MountError, type FuseMount } from '../../src/index.js';

const root = process.getuid?.() === 0 && spawnSync('test', ['-c', '/dev/fuse']).status === 0;
const it = root ? test : test.skip;
if (!root) console.log('mount-api: skipped (needs root and /dev/fuse)');

const fixtures = new URL('./fixtures/backends.ts', import.meta.url).href;
let dir = '';
let n = 0;
test.before(() => {
  if (root) dir = mkdtempSync(join(tmpdir(), 'tsfuse-test-'));
});
test.after(() => {
  if (dir && !mounted(dir, true)) rmSync(dir, { recursive: true, force: true });
});

function mountpoint(): string {
  const m = join(dir, `m${++n}`);
  mkdirSync(m);
  return m;
}

function mounted(path: string, under = false): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => {
      const p = l.split(' ')[4];
      return p === path || (under && p !== undefined && p.startsWith(path + '/'));
    });
}

interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}
/** Runs a shell command in a child process (never touch the mount from this process). */
function sh(script: string, timeoutMs = 60_000): Promise<Out> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const c = spawn('sh', ['-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

async function finish(m: FuseMount | undefined): Promise<void> {
  if (!m) return;
  try {
    await m.unmount({ onBusy: 'lazy' });
  } catch {
    m.abort();
  }
  await Promise.race([m.ended, new Promise((r) => setTimeout(r, 15_000))]);
}

it('worker: an async backend keeps several requests in flight and replies out of order', async () => {
  const mp = mountpoint();
  const m = await mountFuse({
    mountpoint: mp,
    backend: { module: fixtures, export: 'GatedLookupBackend' },
    session: { entryTimeout: 0, attrTimeout: 0 },
  });
  try {
    const setup = await sh(`touch ${mp}/fast1 ${mp}/fast2`);
    assert.is(setup.code, 0, setup.stderr);
    // Two clients wait on lookups that stay pending until "open-gate" is looked up; meanwhile
    // another does 100 lookups answered through Promises. They must all finish while the gated
    // ones are still pending: the loop kept reading, and replies went out of order.
    let slowDone = 0;
    const slow = [1, 2].map((i) =>
      sh(`stat -c %n ${mp}/slow${i}`).then((r) => {
        slowDone++;
        return r;
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const fast = await sh(`for i in $(seq 50); do stat -c %n ${mp}/fast1 ${mp}/fast2 >/dev/null || exit 1; done; echo fast-done`);
    assert.is(fast.stdout.trim(), 'fast-done', fast.stderr);
    assert.is(slowDone, 0, 'the gated lookups are still pending');
    assert.is((await m.stats()).inFlight, 2, 'two requests in flight');
    const gate = await sh(`stat ${mp}/open-gate`);
    assert.is(gate.code, 1, 'open-gate does not exist');
    for (const s of await Promise.all(slow)) {
      assert.is(s.code, 1, 'slow* does not exist');
      assert.match(s.stderr, /No such file or directory/);
    }
    // And back to normal afterwards (the loop returned to inline reading).
    const after = await sh(`stat -c %s ${mp}/fast1`);
    assert.is(after.stdout.trim(), '0');
    const stats = await m.stats();
    assert.ok(stats.ops.LOOKUP!.count >= 100);
    assert.is(stats.inFlight, 0);
  } finally {
    await finish(m);
  }
  assert.not.ok(mounted(mp));
});

it('worker: a factory-function export, notifications from this thread (store, retrieve, invalidations)', async () => {
  const mp = mountpoint();
  const m = await mountFuse({ mountpoint: mp, backend: { module: fixtures, export: 'createMemory', options: { rootMode: 0o711 } } });
  try {
    const r = await sh(`stat -c %a ${mp}; printf 0123456789 > ${mp}/f; stat -c %i ${mp}/f`);
    assert.is(r.code, 0, r.stderr);
    const [mode, ino] = r.stdout.trim().split('\n');
    assert.is(mode, '711', 'the factory received its options');
    const nodeid = Number(ino);
    // store puts bytes into the kernel's page cache; retrieve reads them back through FUSE_NOTIFY_REPLY,
    // which arrives in the worker and is routed to this thread.
    // (The kernel hands back only pages that are up to date: store the whole 10-byte file.)
    m.notify.store(nodeid, 0, Buffer.from('ABCDEFGHIJ'));
    const got = await m.notify.retrieve(nodeid, 0, 5);
    assert.is(Buffer.from(got).toString(), 'ABCDE');
    assert.is(Buffer.from(await m.notify.retrieve(nodeid, 0, 4096)).toString(), 'ABCDEFGHIJ');
    // Invalidations of what the kernel has (and has not) cached are accepted.
    m.notify.invalInode(nodeid, 0, 0);
    m.notify.invalEntry(1, 'f');
    m.notify.invalEntry(1, 'never-looked-up');
    // Live counters while the worker sleeps in read(2): they move with each request.
    const before = (await m.stats()).ops.GETATTR?.count ?? 0;
    const st = await sh(`stat ${mp}/f >/dev/null`);
    assert.is(st.code, 0);
    const after = await m.stats();
    assert.ok(after.ops.GETATTR!.count > before, `GETATTR ${before} -> ${after.ops.GETATTR!.count}`);
    assert.is(after.inFlight, 0);
    // A retrieve the kernel refuses (a directory) rejects instead of hanging.
    await m.notify.retrieve(1, 0, 10).then(
      () => assert.unreachable('retrieve of a directory'),
      (e: Error) => assert.match(e.message, /retrieve refused by the kernel/),
    );
  } finally {
    await finish(m);
  }
});

it('worker: the backend gets the session\'s Notifier in its constructor and can notify while serving', async () => {
  const mp = mountpoint();
  const m = await mountFuse({ mountpoint: mp, backend: { module: fixtures, export: 'NotifyingBackend' } });
  try {
    // statfs calls notify.invalInode from inside the worker; a failure there would make it EIO.
    const r = await sh(`stat -f -c %T ${mp} && df ${mp} >/dev/null && echo ok`);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, /ok\n$/);
  } finally {
    await finish(m);
  }
});

it('main thread: the backend object lives here; invalEntry drops a negative entry the kernel cached', async () => {
  const mp = mountpoint();
  const backend = new MemoryBackend();
  const m = await mountFuseOnMainThread(backend, { mountpoint: mp, session: { negativeTimeout: 60, entryTimeout: 60 } });
  try {
    const before = await sh(`stat ${mp}/late`);
    assert.is.not(before.code, 0);
    // Create it behind the kernel's back, directly in the backend object on this thread.
    const ctx = { uid: 0, gid: 0, pid: 0, groups: undefined, signal: new AbortController().signal };
    await backend.create!(ctx, 1, Buffer.from('late'), 0o100644, 0, 0o2);
    const cached = await sh(`stat ${mp}/late`);
    assert.is.not(cached.code, 0, 'the negative entry is still cached');
    m.notify.invalEntry(1, 'late');
    const after = await sh(`stat -c %n ${mp}/late`);
    assert.is(after.code, 0, after.stderr);
    const stats = await m.stats();
    assert.ok(stats.ops.LOOKUP!.count >= 2);
  } finally {
    await finish(m);
  }
  const end = await m.ended;
  assert.is(end.reason, 'unmounted');
  assert.ok(end.stats!.requests > 0);
});

it('main thread: file operations through the relay', async () => {
  const mp = mountpoint();
  const m = await mountFuseOnMainThread(new MemoryBackend(), { mountpoint: mp });
  try {
    const r = await sh(
      `set -e; mkdir ${mp}/d; seq 1 2000 | sed 's|^|${mp}/d/f|' | xargs touch; ls ${mp}/d | wc -l; ` +
        `head -c 3000000 /dev/urandom > ${dir}/x; cp ${dir}/x ${mp}/x; cmp ${dir}/x ${mp}/x && echo same; rm -r ${mp}/d ${dir}/x`,
    );
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, '2000\nsame\n');
  } finally {
    await finish(m);
  }
});

it('a serving worker that dies mid-request: the waiting client gets an error at once, the mount is detached', async () => {
  const mp = mountpoint();
  const m = await mountFuse({ mountpoint: mp, backend: { module: fixtures, export: 'CrashOnStatfsBackend' } });
  try {
    const df = await sh(`df ${mp}`, 20_000);
    assert.is.not(df.code, 0);
    assert.ok(df.ms < 15_000, `df returned in ${df.ms} ms`);
    const end = await Promise.race([m.ended, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
    assert.ok(end !== 'timeout', 'ended settles');
    if (end !== 'timeout') {
      assert.is(end.reason, 'failed');
      assert.match(end.error!.message, /exited unexpectedly/);
    }
    assert.not.ok(mounted(mp));
  } finally {
    await finish(m).catch(() => {});
  }
});

it('refusals: missing mountpoint, backend that cannot load or throws; nothing left mounted', async () => {
  const missing = join(dir, 'nope');
  await mountFuse({ mountpoint: missing, backend: { module: fixtures, export: 'GatedLookupBackend' } }).then(
    () => assert.unreachable(),
    (e: MountError) => {
      assert.instance(e, MountError);
      assert.is(e.code, 'ENOENT');
    },
  );
  const mp = mountpoint();
  for (const backend of [
    { module: fixtures, export: 'BrokenBackend' },
    { module: fixtures, export: 'NoSuchExport' },
    { module: 'file:///nonexistent/module.js' },
  ]) {
    await mountFuse({ mountpoint: mp, backend }).then(
      () => assert.unreachable(backend.export ?? backend.module),
      (e: MountError) => {
        assert.instance(e, MountError);
        assert.is(e.code, 'EBACKEND');
        assert.match(e.message, /^cannot start the backend: /);
        assert.not.match(e.message, /\n/);
      },
    );
    assert.not.ok(mounted(mp));
  }
  await mountFuse({ mountpoint: mp, backend: { module: fixtures, export: 'GatedLookupBackend' }, session: { attrTimeout: -1 } }).then(
    () => assert.unreachable(),
    (e: MountError) => {
      assert.is(e.code, 'EINVAL');
      assert.match(e.message, /^invalid session options: attrTimeout: attrTimeout must be >= 0$/);
    },
  );
  await mountFuse({ mountpoint: mp, backend: { module: fixtures, export: 'GatedLookupBackend' }, reader: 'sideways' as 'relay' }).then(
    () => assert.unreachable(),
    (e: MountError) => assert.match(e.message, /^invalid mount option reader: reader must be 'inline' or 'relay'/),
  );
  assert.not.ok(mounted(mp));
});

it('a process that exits without unmounting does not hang, and leaves no mount behind', async () => {
  const mp = mountpoint();
  const script = `
    import { mountFuse } from ${JSON.stringify(new URL('../../src/index.ts', import.meta.url).href)};
    const m = await mountFuse({ mountpoint: ${JSON.stringify(mp)}, backend: { module: '@tsfuse/testkit', export: 'MemoryBackend' } });
    console.log('mounted');
    process.exit(0);`;
  const file = join(dir, 'exit-without-unmount.mts');
  (await import('node:fs')).writeFileSync(file, script);
  const r = await new Promise<Out>((resolve) => {
    const t0 = Date.now();
    const c = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
      cwd: new URL('../../../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
  if (mounted(mp)) spawnSync('umount', ['-l', mp]);
  assert.is(r.stdout.trim(), 'mounted', r.stderr);
  assert.is(r.code, 0, `exit code; stderr: ${r.stderr}`);
  assert.not.ok(mounted(mp), 'the exit hook detached the mount');
});

test.run();
