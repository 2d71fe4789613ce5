import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { direntType } from '@tsfuse/protocol';
import { hostTime, identityOf, inoOf, modeAfterKillPriv, sameFile, statToAttr, statfsToReply } from '../src/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-attr-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('statToAttr keeps every field exactly, nanoseconds included', () => {
  const f = path.join(dir, 'f');
  fs.writeFileSync(f, 'hello');
  fs.utimesSync(f, hostTime(1700000000, 123456000), hostTime(1600000000, 654321000));
  const st = fs.lstatSync(f, { bigint: true });
  const a = statToAttr(st);
  assert.is(a.ino, Number(st.ino));
  assert.is(a.size, 5);
  assert.is(a.atime, 1700000000);
  assert.is(a.atimensec, 123456000);
  assert.is(a.mtime, 1600000000);
  assert.is(a.mtimensec, 654321000);
  assert.is(BigInt(a.ctime) * 1_000_000_000n + BigInt(a.ctimensec), st.ctimeNs);
  assert.is(a.mode, Number(st.mode));
  assert.is(a.nlink, 1);
  assert.is(a.uid, Number(st.uid));
  assert.is(a.gid, Number(st.gid));
  assert.is(a.blksize, Number(st.blksize));
  assert.is(a.blocks, Number(st.blocks));
});

test('negative times split with a non-negative nanosecond part', () => {
  const f = path.join(dir, 'old');
  fs.writeFileSync(f, '');
  fs.utimesSync(f, hostTime(-2, 750000000), hostTime(-100, 0));
  const a = statToAttr(fs.lstatSync(f, { bigint: true }));
  assert.is(a.atime, -2);
  assert.is(a.atimensec, 750000000);
  assert.is(a.mtime, -100);
  assert.is(a.mtimensec, 0);
});

test('inoOf is exact on both sides of 2^53', () => {
  assert.is(inoOf(5n), 5);
  assert.is(inoOf(9007199254740991n), 9007199254740991);
  assert.is(inoOf(9007199254740993n), 9007199254740993n);
});

test('rdev of a device node is the kernel new_encode_dev form', () => {
  const st = fs.statSync('/dev/null', { bigint: true });
  const a = statToAttr(st);
  // /dev/null is 1:3 → (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
  assert.is(a.rdev, (3 & 0xff) | (1 << 8));
});

test('identity: same file, other file, and inode-number reuse caught by birth time', () => {
  const f = path.join(dir, 'id');
  fs.writeFileSync(f, '');
  const st = fs.lstatSync(f, { bigint: true });
  const id = identityOf(st);
  assert.ok(sameFile(id, st));
  assert.not.ok(sameFile(id, fs.lstatSync(dir, { bigint: true })));
  assert.not.ok(sameFile({ ...id, birth: id.birth + 1e6 }, st), 'same (dev, ino), other birth: another file');
  assert.ok(sameFile({ ...id, birth: 0 }, st), 'unknown birth: (dev, ino) decides');
  assert.not.ok(sameFile({ ...id, dev: id.dev + 1 }, st));
});

test('statfs conversion', () => {
  const s = fs.statfsSync(dir);
  const r = statfsToReply(s);
  assert.is(r.bsize, s.bsize);
  assert.is(r.blocks, s.blocks);
  assert.is(r.bavail, s.bavail);
  assert.is(r.files, s.files);
  assert.is(r.namelen, 255);
  assert.is(r.frsize, s.bsize);
});

test('mode helpers', () => {
  assert.is(direntType(0o100644), 8);
  assert.is(direntType(0o040755), 4);
  assert.is(direntType(0o120777), 10);
  assert.is(modeAfterKillPriv(0o106755), 0o100755);
  assert.is(modeAfterKillPriv(0o102745), 0o102745, 'setgid without group exec marks mandatory locking: kept');
  assert.is(modeAfterKillPriv(0o104644), 0o100644);
  assert.is(modeAfterKillPriv(0o042755), 0o042755, 'directories untouched');
});

test.run();
