// The macOS backend mounted through /dev/fuse (darwin tables through the
// emulation, and the host's own), exercised by other processes only: glibc
// directory iteration (a C program), coreutils rm -rf, host-side changes seen
// after rewinddir, rewinds of an unchanged directory that list nothing from the
// host, and open files surviving unlink and rename-over. The daemon serves on
// its own main thread (test/fixtures/serve-macos.ts); this process never
// touches the mount. Skipped without root, /dev/fuse or a C compiler.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const canMount = process.getuid?.() === 0 && fs.existsSync('/dev/fuse') && spawnSync('cc', ['--version']).status === 0;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Daemon {
  child: ChildProcess;
  mnt: string;
  lines: string[];
  waitLine(pred: (l: string) => boolean, ms?: number): Promise<string>;
}

async function startDaemon(src: string, mnt: string, tables: string): Promise<Daemon> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', path.join(here, 'fixtures/serve-macos.ts'), src, mnt, tables, '50'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let err = '';
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const d: Daemon = {
    child,
    mnt,
    lines,
    async waitLine(pred, ms = 60_000) {
      const t0 = Date.now();
      for (;;) {
        const i = lines.findIndex(pred);
        if (i >= 0) return lines.splice(i, 1)[0]!;
        if (child.exitCode !== null) throw new Error(`daemon exited: ${err}`);
        if (Date.now() - t0 > ms) throw new Error(`daemon did not answer: ${err}`);
        await sleep(20);
      }
    },
  };
  await d.waitLine((l) => l === 'ready');
  return d;
}

async function stopDaemon(d: Daemon): Promise<void> {
  if (d.child.exitCode === null) {
    d.child.kill('SIGTERM');
    for (let i = 0; i < 300 && d.child.exitCode === null; i++) await sleep(50);
    if (d.child.exitCode === null) d.child.kill('SIGKILL');
  }
  if (fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${d.mnt} `)) spawnSync('umount', ['-l', d.mnt]);
}

async function stats(d: Daemon): Promise<{ hostListings: number; snapshotReuses: number; openHandles: number }> {
  d.child.stdin!.write('stats\n');
  return JSON.parse(await d.waitLine((l) => l.startsWith('{')));
}

function run(cmd: string, args: string[], input?: string, timeout = 300_000) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout });
  return { code: r.status, out: r.stdout ?? '', err: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

const bin = path.join(os.tmpdir(), `tsfuse-dirscen-${process.pid}`);

for (const tables of ['darwin', 'host'] as const) {
  test(`[${tables}] through a real mount`, async () => {
    if (!canMount) {
      console.log('  skipped: needs root, /dev/fuse and cc');
      return;
    }
    const cc = run('cc', ['-O1', '-o', bin, path.join(here, 'fixtures/dirscen.c')]);
    assert.is(cc.code, 0, cc.err);
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-test-macos-'));
    const src = path.join(base, 'src');
    const mnt = path.join(base, 'mnt');
    fs.mkdirSync(src);
    fs.mkdirSync(mnt);
    const d = await startDaemon(src, mnt, tables);
    try {
      const sh = (script: string) => run('sh', ['-c', script]);
      const mk = (name: string) => sh(`mkdir ${mnt}/${name}`);

      // glibc: rewinddir after each mutation type; rename across two open directories.
      mk('r');
      let r = run(bin, ['rewind', `${mnt}/r`]);
      assert.is(r.out.trim(), 'ok rewind', r.err);
      mk('a');
      r = run(bin, ['across', `${mnt}/a`]);
      assert.is(r.out.trim(), 'ok across', r.err);

      // Iterate while creating / deleting: no duplicates, nothing surviving skipped.
      mk('c');
      r = run(bin, ['create', `${mnt}/c`, '1000']);
      assert.is(r.out.trim(), 'ok create', r.err);
      mk('del');
      r = run(bin, ['delete', `${mnt}/del`, '1000']);
      assert.is(r.out.trim(), 'ok delete', r.err);

      // 50,000 entries listed without a duplicate (10,000 with the darwin tables, to keep the run short).
      mk('big');
      r = run(bin, ['big', `${mnt}/big`, tables === 'host' ? '50000' : '10000']);
      assert.is(r.out.trim(), 'ok big', r.err);

      // coreutils rm -rf of 10,000 entries.
      r = sh(`set -e; mkdir ${mnt}/doomed; cd ${mnt}/doomed; seq -f 'x%05g' 1 10000 | xargs touch; cd /; rm -rf ${mnt}/doomed; test ! -e ${mnt}/doomed && echo gone`);
      assert.is(r.out.trim(), 'gone', r.err);
      assert.not.ok(fs.existsSync(path.join(src, 'doomed')));

      // Host-side changes are seen after rewinddir on the same open directory.
      fs.mkdirSync(path.join(src, 'h'));
      for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(src, 'h', n), n);
      const host = spawn(bin, ['host', `${mnt}/h`], { stdio: ['pipe', 'pipe', 'pipe'] });
      const hostLines: string[] = [];
      host.stdout!.on('data', (b: Buffer) => hostLines.push(...b.toString().split('\n').filter(Boolean)));
      const next = async (n: number) => {
        for (let i = 0; i < 2400 && hostLines.length < n; i++) await sleep(25); // up to a minute on a loaded machine
        return hostLines[n - 1];
      };
      try {
        assert.is(await next(1), 'a b c');
        fs.writeFileSync(path.join(src, 'h', 'from-host'), '');
        fs.unlinkSync(path.join(src, 'h', 'b'));
        host.stdin!.write('\n');
        assert.is(await next(2), 'a c from-host');
        fs.renameSync(path.join(src, 'h', 'a'), path.join(src, 'h', 'a2'));
        fs.mkdirSync(path.join(src, 'h', 'sub'));
        host.stdin!.write('\n');
        assert.is(await next(3), 'a2 c from-host sub');
      } finally {
        host.stdin!.end();
        host.kill();
      }

      // Rewinds of an unchanged directory list nothing from the host.
      fs.mkdirSync(path.join(src, 'u'));
      for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(src, 'u', `n${i}`), '');
      await sleep(200); // past the racy window (50 ms here) since the last change
      const before = await stats(d);
      r = run(bin, ['loop', `${mnt}/u`, '20']);
      assert.is(r.out.trim(), '2000\nok loop', r.err);
      const after = await stats(d);
      assert.is(after.hostListings - before.hostListings, 1, `one listing for 21 passes over the directory (before ${JSON.stringify(before)}, after ${JSON.stringify(after)})`);
      assert.ok(after.snapshotReuses - before.snapshotReuses >= 20);

      // Open files survive unlink and rename-over (through the mount and on the host).
      fs.mkdirSync(path.join(src, 'o'));
      const script = `
        const fs = require('fs'); const d = ${JSON.stringify(`${mnt}/o`)};
        fs.writeFileSync(d + '/f', 'data');
        const fd = fs.openSync(d + '/f', 'r+');
        fs.unlinkSync(d + '/f');
        if (fs.fstatSync(fd).nlink !== 0) throw new Error('nlink after unlink');
        fs.fchmodSync(fd, 0o600);
        if ((fs.fstatSync(fd).mode & 0o777) !== 0o600) throw new Error('fchmod after unlink');
        fs.writeSync(fd, 'more', 4);
        const b = Buffer.alloc(8); fs.readSync(fd, b, 0, 8, 0);
        if (b.toString() !== 'datamore') throw new Error('read after unlink: ' + b);
        fs.ftruncateSync(fd, 2);
        if (fs.fstatSync(fd).size !== 2) throw new Error('ftruncate after unlink');
        fs.closeSync(fd);
        fs.writeFileSync(d + '/lib.so', 'old'); fs.writeFileSync(d + '/lib.so.new', 'new!');
        const old = fs.openSync(d + '/lib.so', 'r');
        fs.renameSync(d + '/lib.so.new', d + '/lib.so');
        const c = Buffer.alloc(3); fs.readSync(old, c, 0, 3, 0);
        if (c.toString() !== 'old' || fs.fstatSync(old).size !== 3) throw new Error('renamed-over file');
        if (fs.readFileSync(d + '/lib.so', 'utf8') !== 'new!') throw new Error('new file');
        fs.closeSync(old);
        console.log('ok open');`;
      r = run(process.execPath, ['-e', script]);
      assert.is(r.out.trim(), 'ok open', r.err);
      const s = await stats(d);
      assert.is(s.openHandles, 0, 'every handle released');
    } finally {
      await stopDaemon(d);
      fs.rmSync(bin, { force: true });
      if (!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `)) fs.rmSync(base, { recursive: true, force: true });
    }
  });
}

test.run();
