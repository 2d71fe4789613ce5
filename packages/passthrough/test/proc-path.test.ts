import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { O_DIRECTORY, O_NOFOLLOW, O_PATH, openPathBeneath, procChildPath, procFdPath } from '../src/index.js';

// These tests pin down the kernel facts the Linux backend's safety rests on.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-proc-'));
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-outside-'));
const fds: number[] = [];
test.after(() => {
  for (const fd of fds) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

test('constants match the host', () => {
  assert.is(O_NOFOLLOW, fs.constants.O_NOFOLLOW);
  assert.is(O_DIRECTORY, fs.constants.O_DIRECTORY);
  const fd = fs.openSync(dir, O_PATH | O_DIRECTORY);
  fds.push(fd);
  // O_PATH descriptors cannot be read: proof the flag reached the kernel.
  assert.throws(() => fs.readSync(fd, Buffer.alloc(1)), /EBADF/);
  assert.match(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'), /flags:\s+0*1[0-7]*/);
});

test('procChildPath keeps name bytes exact', () => {
  const p = procChildPath(3, Buffer.from([0x63, 0xe9, 0xff]));
  assert.equal([...p], [...Buffer.from('/proc/self/fd/3/'), 0x63, 0xe9, 0xff]);
  assert.equal([...procChildPath(12, 'caf\xe9')], [...Buffer.from('/proc/self/fd/12/'), 0x63, 0x61, 0x66, 0xe9]);
  assert.is(procFdPath(7), '/proc/self/fd/7');
});

test('the magic link follows a directory that moved', () => {
  fs.mkdirSync(path.join(dir, 'd1'));
  const fd = fs.openSync(path.join(dir, 'd1'), O_PATH | O_DIRECTORY);
  fds.push(fd);
  fs.renameSync(path.join(dir, 'd1'), path.join(dir, 'd2'));
  fs.writeFileSync(procChildPath(fd, 'x'), 'moved');
  assert.is(fs.readFileSync(path.join(dir, 'd2', 'x'), 'utf8'), 'moved');
});

test('a symlink named beneath a dir fd is never followed', () => {
  fs.writeFileSync(path.join(outside, 'secret'), 'outside');
  fs.symlinkSync(outside, path.join(dir, 'ldir'));
  fs.symlinkSync(path.join(outside, 'secret'), path.join(dir, 'lfile'));
  const dfd = fs.openSync(dir, O_PATH | O_DIRECTORY);
  fds.push(dfd);
  assert.ok(fs.lstatSync(procChildPath(dfd, 'ldir')).isSymbolicLink());
  assert.throws(() => openPathBeneath(dfd, 'ldir', true), /ENOTDIR/);
  const lfd = openPathBeneath(dfd, 'lfile', false);
  fds.push(lfd);
  assert.ok(fs.fstatSync(lfd).isSymbolicLink(), 'O_PATH|O_NOFOLLOW gives the link itself');
  assert.throws(() => fs.openSync(procChildPath(dfd, 'lfile'), fs.constants.O_WRONLY | fs.constants.O_CREAT | O_NOFOLLOW, 0o644), /ELOOP/);
  assert.throws(() => fs.openSync(procChildPath(dfd, 'lfile'), fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644), /EEXIST/);
  // Through the magic link of the symlink's own O_PATH fd: the link itself, never its target.
  const p = procFdPath(lfd);
  assert.throws(() => fs.chmodSync(p, 0o600), /ENOTSUP|EOPNOTSUPP/);
  assert.throws(() => fs.openSync(p, fs.constants.O_RDONLY), /ELOOP/);
  assert.throws(() => fs.truncateSync(p, 0), /ELOOP/);
  fs.utimesSync(p, 5, 5);
  assert.is(fs.lstatSync(path.join(dir, 'lfile')).mtimeMs, 5000);
  fs.unlinkSync(procChildPath(dfd, 'lfile'));
  fs.renameSync(procChildPath(dfd, 'ldir'), procChildPath(dfd, 'ldir2'));
  assert.ok(fs.lstatSync(path.join(dir, 'ldir2')).isSymbolicLink());
  const st = fs.statSync(path.join(outside, 'secret'));
  assert.is(st.mode & 0o777, 0o644);
  assert.is(fs.readFileSync(path.join(outside, 'secret'), 'utf8'), 'outside');
  assert.not.ok(st.mtimeMs === 5000);
  assert.equal(fs.readdirSync(outside), ['secret']);
});

test('re-opening a regular file through its O_PATH fd works; with O_NOFOLLOW it does not', () => {
  fs.writeFileSync(path.join(dir, 'reg'), 'data');
  const fd = fs.openSync(path.join(dir, 'reg'), O_PATH | O_NOFOLLOW);
  fds.push(fd);
  const rfd = fs.openSync(procFdPath(fd), fs.constants.O_RDONLY);
  assert.is(fs.readFileSync(rfd, 'utf8'), 'data');
  fs.closeSync(rfd);
  assert.throws(() => fs.openSync(procFdPath(fd), fs.constants.O_RDONLY | O_NOFOLLOW), /ELOOP/);
});

test.run();
