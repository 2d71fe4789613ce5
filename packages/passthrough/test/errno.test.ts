import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuseError, errno } from '@tsfuse/protocol';
import { ErrnoTranslator, darwinErrnoAliases, fuseError } from '../src/index.js';

function hostError(code: string, n?: number): Error {
  return Object.assign(new Error(`${code}: test`), { code, errno: n });
}

test('a host error maps by its code name to the Linux number', () => {
  const lines: string[] = [];
  const t = new ErrnoTranslator({ log: (l) => lines.push(l) });
  assert.is(t.toFuseError(hostError('ENOENT', -2), 'x').errno, 2);
  assert.is(t.toFuseError(hostError('ENOTEMPTY', -39), 'x').errno, 39);
  assert.is(t.toFuseError(hostError('ELOOP'), 'x').errno, 40);
  assert.is(t.toFuseError(hostError('ENOTSUP'), 'x').errno, errno.EOPNOTSUPP);
  assert.is(t.toFuseError(hostError('EXDEV'), 'x').errno, 18);
  assert.equal(lines, []);
});

test('a FuseError passes through unchanged', () => {
  const t = new ErrnoTranslator({ log: () => assert.unreachable('logged') });
  const e = new FuseError('EACCES');
  assert.is(t.toFuseError(e, 'x'), e);
});

test('anything unknown becomes EIO with exactly one log line naming the op', () => {
  const lines: string[] = [];
  const t = new ErrnoTranslator({ log: (l) => lines.push(l) });
  assert.is(t.toFuseError(new TypeError('boom'), 'readdir').errno, errno.EIO);
  assert.is(lines.length, 1);
  assert.match(lines[0]!, /^readdir: .*TypeError.*boom/);
  assert.is(t.toFuseError(hostError('ECHARSET'), 'open').errno, errno.EIO);
  assert.is(t.toFuseError('a string', 'write').errno, errno.EIO);
  assert.is(t.toFuseError(undefined, 'write').errno, errno.EIO);
  assert.is(t.toFuseError(Object.create(null), 'write').errno, errno.EIO);
  assert.is(lines.length, 5);
});

test('darwin names map through injected aliases, never a BSD number', () => {
  const lines: string[] = [];
  const t = new ErrnoTranslator({ aliases: darwinErrnoAliases, hostErrnoName: (n) => (n === 93 ? 'ENOATTR' : undefined), log: (l) => lines.push(l) });
  assert.is(t.toFuseError(hostError('ENOATTR'), 'x').errno, errno.ENODATA);
  // libuv could not name darwin's 93: Node says UNKNOWN with errno -93.
  assert.is(t.toFuseError(hostError('UNKNOWN', -93), 'x').errno, errno.ENODATA);
  // darwin EOPNOTSUPP is 102 there; by name it is Linux 95, never 102 (ENETRESET).
  assert.is(t.toFuseError(hostError('EOPNOTSUPP', -102), 'x').errno, 95);
  assert.is(t.toFuseError(hostError('EFTYPE', -79), 'x').errno, errno.EINVAL);
  assert.is(t.toFuseError(hostError('UNKNOWN', -200), 'x').errno, errno.EIO);
  assert.is(lines.length, 1);
});

test('on Linux an unnamed host errno maps by number', () => {
  const t = new ErrnoTranslator({ hostErrnoName: (n) => (n === 61 ? 'ENODATA' : undefined), log: () => {} });
  assert.is(t.toFuseError(hostError('UNKNOWN', -61), 'x').errno, 61);
});

test('fuseError is cached per errno', () => {
  assert.is(fuseError(2), fuseError(2));
  assert.is(fuseError(2).errno, 2);
  assert.ok(fuseError(2) instanceof FuseError);
});

test.run();
