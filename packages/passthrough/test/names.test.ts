import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errno } from '@tsfuse/protocol';
import { checkName, dotKind, nameErrno, type NameOp } from '../src/index.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const ops: NameOp[] = ['lookup', 'create', 'mkdir', 'mknod', 'symlink', 'link', 'unlink', 'rmdir', 'rename'];

test('normal names pass for every op, bytes included', () => {
  for (const op of ops) {
    assert.is(nameErrno(b('a'), op), 0);
    assert.is(nameErrno(b('...'), op), 0);
    assert.is(nameErrno(b('.hidden'), op), 0);
    assert.is(nameErrno(b('caf\xe9\xff'), op), 0);
    assert.is(nameErrno(Buffer.alloc(255, 0x61), op), 0);
  }
});

test('empty, slash, NUL and too long get Linux errnos', () => {
  for (const op of ops) {
    assert.is(nameErrno(b(''), op), op === 'lookup' ? errno.ENOENT : errno.EINVAL, op);
    assert.is(nameErrno(b('a/b'), op), errno.EINVAL);
    assert.is(nameErrno(b('/'), op), errno.EINVAL);
    assert.is(nameErrno(b('a\0b'), op), errno.EINVAL);
    assert.is(nameErrno(Buffer.alloc(256, 0x61), op), errno.ENAMETOOLONG);
  }
});

test('dot and dotdot get what the VFS answers for each op', () => {
  const expect: Record<NameOp, [number, number]> = {
    lookup: [0, 0],
    create: [errno.EISDIR, errno.EISDIR],
    unlink: [errno.EISDIR, errno.EISDIR],
    rmdir: [errno.EINVAL, errno.ENOTEMPTY],
    rename: [errno.EBUSY, errno.EBUSY],
    mkdir: [errno.EEXIST, errno.EEXIST],
    mknod: [errno.EEXIST, errno.EEXIST],
    symlink: [errno.EEXIST, errno.EEXIST],
    link: [errno.EEXIST, errno.EEXIST],
  };
  for (const op of ops) {
    assert.is(nameErrno(b('.'), op), expect[op][0], `${op} .`);
    assert.is(nameErrno(b('..'), op), expect[op][1], `${op} ..`);
  }
});

test('dotKind', () => {
  assert.is(dotKind(b('.')), 1);
  assert.is(dotKind(b('..')), 2);
  assert.is(dotKind(b('...')), 0);
  assert.is(dotKind(b('.a')), 0);
  assert.is(dotKind(b('a')), 0);
});

test('checkName throws the errno', () => {
  try {
    checkName(b('x/y'), 'mkdir');
    assert.unreachable();
  } catch (e) {
    assert.is((e as { errno: number }).errno, errno.EINVAL);
  }
  checkName(b('ok'), 'mkdir');
});

test.run();
