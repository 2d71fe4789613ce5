/**
 * Every way `tsfuse mount` / `tsfuse umount` can be refused ends with one
 * human line on stderr ("tsfuse: ...") and a non-zero exit, never a stack
 * trace — checked by running the real CLI.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canMount, isMounted, removeTempDir, run, sh, startDaemon, stopDaemon, tempDir, tsfuse, type RunResult } from './helpers/daemon.js';

let dir = '';
test.before(() => {
  dir = tempDir();
  chmodSync(dir, 0o755);
});
test.after(() => {
  if (dir) removeTempDir(dir);
});

/** Exactly one stderr line starting with "tsfuse: " (plus the --help hint for usage errors), no stack trace. */
function oneLine(r: RunResult, pattern: RegExp, exitCode = 1): void {
  const lines = r.stderr.trimEnd().split('\n');
  const main = lines.filter((l) => l !== "Try 'tsfuse --help'.");
  assert.is(main.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.match(main[0]!, /^tsfuse: /);
  assert.match(main[0]!, pattern);
  assert.not.match(r.stderr, /\n\s+at /, 'stack trace printed');
  assert.is(r.code, exitCode, `exit code (stderr: ${r.stderr})`);
}

test('mountpoint does not exist', async () => {
  oneLine(await tsfuse(['mount', 'x', join(dir, 'missing'), '--backend', 'memory']), /mountpoint .*missing does not exist/);
});

test('mountpoint is not a directory', async () => {
  const f = join(dir, 'file');
  writeFileSync(f, '');
  oneLine(await tsfuse(['mount', 'x', f, '--backend', 'memory']), /is not a directory/);
});

test('mountpoint is already a mount (tmpfs)', async () => {
  if (!canMount()) return;
  const m = join(dir, 'tmpfs');
  mkdirSync(m);
  const r0 = await sh(`mount -t tmpfs tsfuse-test-tmpfs ${m}`);
  assert.is(r0.code, 0, r0.stderr);
  try {
    oneLine(await tsfuse(['mount', 'x', m, '--backend', 'memory']), /already a mount point \(tmpfs/);
    // and umount refuses what is not FUSE
    oneLine(await tsfuse(['umount', m]), /not a FUSE mount \(it is tmpfs\)/);
    assert.ok(isMounted(m), 'tsfuse umount must not touch a non-FUSE mount');
  } finally {
    await sh(`umount ${m}`);
  }
});

test('mountpoint is already a tsfuse mount', async () => {
  if (!canMount()) return;
  const m = join(dir, 'twice');
  mkdirSync(m);
  const d = await startDaemon(m);
  try {
    oneLine(await tsfuse(['mount', 'x', m, '--backend', 'memory']), /already a mount point \(fuse\.tsfuse from memory\)/);
  } finally {
    await stopDaemon(d);
  }
  assert.not.ok(isMounted(m));
});

test('no permission to open /dev/fuse (as nobody)', async () => {
  if (process.getuid?.() !== 0) return;
  const m = join(dir, 'nobody');
  mkdirSync(m);
  chmodSync(m, 0o777);
  const r = await tsfuse(['mount', 'x', m, '--backend', 'memory'], { uid: 65534, gid: 65534 });
  // /dev/fuse is root-only on these machines; where it is 0666, mount(8) refuses the unprivileged mount instead
  oneLine(r, /cannot open \/dev\/fuse: permission denied|mount failed: /);
  assert.not.ok(isMounted(m));
});

test('a bad option value is one line, exit 2 (the parser itself: args.test.ts)', async () => {
  oneLine(await tsfuse(['mount', 'a', 'b', '--attr-timeout', '-1']), /--attr-timeout: expected a number of seconds .* got "-1"/, 2);
});

test('bad -o values are refused before anything is mounted', async () => {
  const m = join(dir, 'opts');
  mkdirSync(m);
  oneLine(await tsfuse(['mount', 'x', m, '--backend', 'memory', '-o', 'allow_root']), /-o allow_root: a libfuse\/fusermount option/);
  oneLine(await tsfuse(['mount', 'x', m, '--backend', 'memory', '-o', 'nosuid,wat']), /-o wat: unknown mount option; allowed: allow_other/);
  oneLine(await tsfuse(['mount', 'x', m, '--backend', 'memory', '-o', 'max_read=12']), /-o max_read=12: max_read must be an integer/);
  oneLine(await tsfuse(['mount', 'x', m, '--backend', 'memory', '-o', 'fd=7']), /-o fd=7: set by tsfuse itself/);
  assert.not.ok(isMounted(m));
});

test('umount of something not mounted', async () => {
  oneLine(await tsfuse(['umount', join(dir, 'nothing-here')]), /is not mounted/);
  oneLine(await tsfuse(['umount']), /umount needs MNT/, 2);
});

test('SRC of a passthrough backend must be a directory', async () => {
  const m = join(dir, 'src-check');
  mkdirSync(m);
  oneLine(await tsfuse(['mount', join(dir, 'no-such-src'), m, '--backend', 'linux']), /SRC .*no-such-src: does not exist/);
});

test("a backend option given to another backend is refused in one line", async () => {
  const m = join(dir, 'opt-check');
  mkdirSync(m);
  oneLine(await tsfuse(['mount', dir, m, '--backend', 'memory', '--exact-times', 'off']), /--exact-times applies to the linux backend only \(this mount uses memory\)/);
  oneLine(await tsfuse(['mount', dir, m, '--backend', 'linux', '--map-owner-to-root']), /--map-owner-to-root applies to the macos backend only/);
});

test('on macOS (no /dev/fuse) mount says so in one line', async () => {
  // Simulate darwin: the CLI checks the platform before touching anything.
  const fake = "data:text/javascript,Object.defineProperty(process,'platform',{value:'darwin'})";
  const m = join(dir, 'mac');
  mkdirSync(m);
  const r = await tsfuse(['mount', 'x', m, '--backend', 'memory'], { execArgv: ['--import', fake] });
  oneLine(r, /mounting needs Linux \/dev\/fuse: macOS has no \/dev\/fuse/);
});

test('help prints usage and exits 0', async () => {
  const r = await tsfuse(['--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /tsfuse mount SRC MNT/);
  assert.match(r.stdout, /--readdirplus on\|auto\|off/);
});

test('a plain `node main.ts` run without arguments is the help text', async () => {
  const r = await run(process.execPath, ['--conditions=source', '--import', 'tsx', 'packages/cli/src/main.ts']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /usage:/);
});

test.run();
