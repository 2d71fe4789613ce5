/** The command-line parser: typed results, and errors naming option, value and what is allowed. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseArgs, UsageError } from '../src/args.js';

function fails(argv: string[], pattern: RegExp): void {
  try {
    parseArgs(argv);
  } catch (e) {
    assert.instance(e, UsageError);
    assert.match((e as Error).message, pattern);
    assert.not.match((e as Error).message, /\n/, 'one line');
    return;
  }
  assert.unreachable(`parseArgs(${JSON.stringify(argv)}) should fail`);
}

test('mount with every option', () => {
  const c = parseArgs([
    'mount', 'src', 'mnt', '--backend', 'memory', '-o', 'allow_other,ro', '-onosuid', '--entry-timeout', '2.5',
    '--attr-timeout=0', '--negative-timeout', '10', '--writeback', '--readdirplus', 'off', '--read-only',
    '--reader', 'relay', '--debug', '--stats', '--keep-cache', 'off', '--exact-times=off', '--max-path-fds', '100',
    '--map-owner-to-root', '--xattrs', 'off',
  ]);
  assert.equal(c, {
    command: 'mount', source: 'src', mountpoint: 'mnt', backend: 'memory', mountOptions: ['allow_other,ro', 'nosuid'],
    entryTimeout: 2.5, attrTimeout: 0, negativeTimeout: 10, writeback: true, readdirplus: 'off', readOnly: true,
    reader: 'relay', debug: true, stats: true, keepCache: 'off', exactTimes: 'off', maxPathFds: 100, mapOwnerToRoot: true, xattrs: 'off',
  });
});

test('mount defaults', () => {
  assert.equal(parseArgs(['mount', 'a', 'b']), {
    command: 'mount', source: 'a', mountpoint: 'b', backend: 'auto', mountOptions: [], reader: 'inline',
    writeback: false, readOnly: false, debug: false, stats: false, mapOwnerToRoot: false,
  });
});

test('options may come before the operands, and -- ends options', () => {
  const c = parseArgs(['mount', '--debug', '-o', 'ro', 'a', '--', '-weird-mnt']);
  assert.is(c.command, 'mount');
  if (c.command === 'mount') {
    assert.is(c.mountpoint, '-weird-mnt');
    assert.ok(c.debug);
  }
});

test('umount', () => {
  assert.equal(parseArgs(['umount', '/m']), { command: 'umount', mountpoint: '/m', lazy: false, abort: false });
  assert.equal(parseArgs(['umount', '-l', '/m']), { command: 'umount', mountpoint: '/m', lazy: true, abort: false });
  assert.equal(parseArgs(['unmount', '--lazy', '/m']), { command: 'umount', mountpoint: '/m', lazy: true, abort: false });
  assert.equal(parseArgs(['umount', '--abort', '/m']), { command: 'umount', mountpoint: '/m', lazy: false, abort: true });
});

test('help', () => {
  for (const a of [[], ['help'], ['--help'], ['-h']]) assert.equal(parseArgs(a), { command: 'help' });
});

test('bad values say which option, what was given and what is allowed', () => {
  fails(['mount', 'a', 'b', '--attr-timeout', '-1'], /^--attr-timeout: expected a number of seconds from 0 to 31536000, got "-1"$/);
  fails(['mount', 'a', 'b', '--entry-timeout=soon'], /^--entry-timeout: .* got "soon"$/);
  fails(['mount', 'a', 'b', '--negative-timeout', '1e9'], /^--negative-timeout: .* got "1e9"$/);
  fails(['mount', 'a', 'b', '--attr-timeout', '99999999'], /--attr-timeout: .*31536000, got "99999999"/);
  fails(['mount', 'a', 'b', '--readdirplus', 'sometimes'], /^--readdirplus: expected one of on, auto, off, got "sometimes"$/);
  fails(['mount', 'a', 'b', '--backend', 'zfs'], /^--backend: expected one of auto, linux, macos, memory, got "zfs"$/);
  fails(['mount', 'a', 'b', '--reader', 'both'], /^--reader: expected one of inline, relay, got "both"$/);
  fails(['mount', 'a', 'b', '--keep-cache', 'always'], /^--keep-cache: expected one of auto, on, off, got "always"$/);
  fails(['mount', 'a', 'b', '--exact-times', 'yes'], /^--exact-times: expected one of on, off, got "yes"$/);
  fails(['mount', 'a', 'b', '--max-path-fds', '8'], /^--max-path-fds: expected a whole number from 16 to 1000000, got "8"$/);
  fails(['mount', 'a', 'b', '--map-owner-to-root=yes'], /^--map-owner-to-root takes no value$/);
  fails(['mount', 'a', 'b', '--xattrs', 'maybe'], /^--xattrs: expected one of on, off, got "maybe"$/);
});

test('malformed command lines', () => {
  fails(['mount', 'a', 'b', '--frobnicate'], /^unknown option --frobnicate \(allowed: --backend, /);
  fails(['mount', 'a', 'b', '-x'], /^unknown option -x$/);
  fails(['mount', 'a', 'b', '--debug=yes'], /^--debug takes no value$/);
  fails(['mount', 'a', 'b', '--backend'], /^--backend needs a value$/);
  fails(['mount', 'a', 'b', '-o'], /^-o needs a value/);
  fails(['mount', 'a'], /^mount needs SRC and MNT$/);
  fails(['mount', 'a', 'b', 'c'], /^mount takes SRC and MNT; unexpected "c"$/);
  fails(['mount', '', 'b'], /SRC must not be empty/);
  fails(['umount'], /^umount needs MNT$/);
  fails(['umount', 'a', 'b'], /^umount takes one MNT$/);
  fails(['umount', '-f', 'a'], /^unknown option -f \(umount takes -l or --abort\)$/);
  fails(['frob'], /^unknown command "frob" \(commands: mount, umount, help\)$/);
});

test.run();
