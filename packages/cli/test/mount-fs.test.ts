/**
 * The memory backend mounted through the real kernel with `tsfuse mount`,
 * used only from separate processes (node scripts, coreutils, a C program):
 * file operations, big directories, big files, glibc directory iteration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { canMount, have, removeTempDir, ROOT, run, sh, startDaemon, stopDaemon, tempDir, type Daemon } from './helpers/daemon.js';

const fixtures = join(ROOT, 'packages/cli/test/fixtures');
let dir = '';
let mnt = '';
let daemon: Daemon | undefined;

const skip = canMount() ? undefined : 'needs root and /dev/fuse';
const it = skip ? test.skip : test;
if (skip) console.log(`mount-fs: skipped (${skip})`);

test.before(async () => {
  if (skip) return;
  dir = tempDir();
  mnt = join(dir, 'mnt');
  await sh(`mkdir -p ${mnt}`);
  daemon = await startDaemon(mnt, ['--stats']);
});

test.after(async () => {
  if (daemon) await stopDaemon(daemon);
  if (dir) removeTempDir(dir);
});

it('ready line names the backend and the mountpoint, and the mount is fuse.tsfuse', async () => {
  assert.match(daemon!.stdout(), `tsfuse: mounted memory on ${mnt}`);
  const r = await sh(`grep " ${mnt} " /proc/self/mounts`);
  assert.match(r.stdout, /^memory \S+ fuse\.tsfuse rw,.*allow_other/);
  assert.match(r.stdout, /default_permissions/);
});

it('create/read/write/rename/unlink/symlink/hardlink/chmod/truncate/mkdir/rmdir through node:fs', async () => {
  await sh(`mkdir ${mnt}/ops`);
  const r = await run(process.execPath, [join(fixtures, 'fs-ops.mjs'), join(mnt, 'ops')]);
  assert.is(r.stderr, '');
  assert.match(r.stdout, /^ok \d+/);
  assert.is(r.code, 0);
});

it('a 10,000-entry directory lists completely with ls and find, without duplicates', async () => {
  const d = `${mnt}/big`;
  const r = await sh(
    `set -e; mkdir ${d}; cd ${d}; seq -f 'file%05g' 0 9999 | xargs touch; ` +
      `echo ls $(ls -1 | wc -l) $(ls -1 | sort | uniq -d | wc -l) $(ls -1 -U | wc -l); ` +
      `echo find $(find . -mindepth 1 | wc -l) $(find . -mindepth 1 | sort | uniq -d | wc -l); ` +
      `echo firstlast $(ls -1 | head -1) $(ls -1 | tail -1)`,
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ls 10000 0 10000$/m);
  assert.match(r.stdout, /^find 10000 0$/m);
  assert.match(r.stdout, /^firstlast file00000 file09999$/m);
});

it('64 MiB written and read back are the same bytes (sha256)', async () => {
  const src = join(dir, 'random.bin');
  const r = await sh(
    `set -e; head -c 67108864 /dev/urandom > ${src}; cp ${src} ${mnt}/big.bin; ` +
      `echo size $(stat -c %s ${mnt}/big.bin); sha256sum < ${src}; sha256sum < ${mnt}/big.bin; ` +
      // unaligned reads through dd (3 KiB blocks) must give the same bytes
      `dd if=${mnt}/big.bin bs=3072 status=none | sha256sum; rm ${src}`,
    240_000,
  );
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.is(lines[0], 'size 67108864');
  assert.ok(lines[1]!.length > 10);
  assert.is(lines[2], lines[1], 'read-back checksum differs');
  assert.is(lines[3], lines[1], 'unaligned read-back checksum differs');
});

it('glibc: mutation while iterating, rewinddir after each mutation, delete while iterating (10,000)', async () => {
  if (!have('cc')) {
    console.log('  skipped: no C compiler (cc)');
    return;
  }
  const bin = join(dir, 'dirstress');
  const cc = await run('cc', ['-O1', '-o', bin, join(fixtures, 'dirstress.c')]);
  assert.is(cc.code, 0, cc.stderr);
  await sh(`mkdir ${mnt}/glibc`);
  const r = await run(bin, [`${mnt}/glibc`, '10000'], { timeoutMs: 240_000 });
  assert.is(r.stderr, '');
  assert.is(r.stdout.trim(), 'ok');
  assert.is(r.code, 0);
});

it('rm -rf of a 10,000-entry directory removes everything', async () => {
  const d = `${mnt}/doomed`;
  const r = await sh(
    `set -e; mkdir ${d}; cd ${d}; seq -f 'x%05g' 1 10000 | xargs touch; mkdir sub; touch sub/a sub/b; cd /; ` +
      `rm -rf ${d}; test ! -e ${d} && echo gone; ls -1 ${mnt} | grep -c doomed || true`,
    240_000,
  );
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^gone\n0\n$/);
});

it('statfs, and df shows the source', async () => {
  const r = await sh(`df -P ${mnt} | tail -1`);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^memory\s+\d+/);
});

test.run();
