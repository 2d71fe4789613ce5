// MemoryBackend: the namespace — lookup, create, mkdir, mknod, symlink, link,
// unlink, rmdir, rename — with Linux's exact errnos, link counts and times.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errno } from '@tsfuse/protocol';
import { MemoryBackend } from '../src/index.js';
import { checkInvariantsAfterEach, b, ctx, errnoOf, make, namesIn, root, times, touch, ts } from './memory-backend-fixture.js';

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const S_IFSOCK = 0o140000;
const RENAME_NOREPLACE = 1;
const RENAME_EXCHANGE = 2;
const RENAME_WHITEOUT = 4;
const O_EXCL = 0o200;
const O_RDWR = 0o2;

test('root is node 1, 040755 root:root with nlink 2 by default; options change mode and owner', () => {
  const { fs } = make();
  const a = fs.getattr(root, 1).attr;
  assert.is(a.ino, 1);
  assert.is(a.mode, S_IFDIR | 0o755);
  assert.is(a.uid, 0);
  assert.is(a.gid, 0);
  assert.is(a.nlink, 2);
  const custom = new MemoryBackend({ rootMode: 0o1777, rootUid: 1000, rootGid: 100 }).getattr(root, 1).attr;
  assert.is(custom.mode, S_IFDIR | 0o1777);
  assert.is(custom.uid, 1000);
  assert.is(custom.gid, 100);
  assert.throws(() => new MemoryBackend({ rootMode: 0o10000 }), TypeError);
  assert.throws(() => new MemoryBackend({ capacity: -1 }), TypeError);
  assert.throws(() => new MemoryBackend({ atime: 'sometimes' as never }), TypeError);
});

test('lookup: found, ENOENT, ENOTDIR under a file, ENAMETOOLONG, EINVAL for "/"', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'f');
  assert.is(fs.lookup(root, 1, b('f')).nodeid, f);
  assert.is(errnoOf(() => fs.lookup(root, 1, b('nope'))), errno.ENOENT);
  assert.is(errnoOf(() => fs.lookup(root, f, b('x'))), errno.ENOTDIR);
  assert.is(errnoOf(() => fs.lookup(root, 1, b('n'.repeat(256)))), errno.ENAMETOOLONG);
  assert.is(errnoOf(() => fs.lookup(root, 1, b('a/b'))), errno.EINVAL);
  assert.is(errnoOf(() => fs.lookup(root, 999, b('x'))), errno.ENOENT);
});

test('lookup of "." and ".." resolves to self and parent (root\'s parent is root) and counts a lookup', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const before = fs.lookupCount(d)!;
  assert.is(fs.lookup(root, d, b('.')).nodeid, d);
  assert.is(fs.lookupCount(d), before + 1);
  const rootBefore = fs.lookupCount(1)!;
  assert.is(fs.lookup(root, d, b('..')).nodeid, 1);
  assert.is(fs.lookup(root, 1, b('..')).nodeid, 1);
  assert.is(fs.lookup(root, 1, b('.')).nodeid, 1);
  assert.is(fs.lookupCount(1), rootBefore + 3);
});

test('mkdir: nlink 2 + subdirectories, EEXIST, umask, only permission and sticky bits kept', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o7777, 0o022);
  assert.is(d.attr.mode, S_IFDIR | 0o1755); // S_ISUID/S_ISGID dropped, umask applied, sticky kept
  assert.is(d.attr.nlink, 2);
  assert.is(fs.getattr(root, 1).attr.nlink, 3);
  fs.mkdir(root, d.nodeid, b('sub'), 0o755, 0);
  assert.is(fs.getattr(root, d.nodeid).attr.nlink, 3);
  fs.mknod(root, d.nodeid, b('file'), S_IFREG | 0o644, 0, 0);
  assert.is(fs.getattr(root, d.nodeid).attr.nlink, 3, 'files do not count');
  assert.is(errnoOf(() => fs.mkdir(root, 1, b('d'), 0o755, 0)), errno.EEXIST);
  assert.is(errnoOf(() => fs.mkdir(root, 1, b('.'), 0o755, 0)), errno.EEXIST);
  assert.is(errnoOf(() => fs.mkdir(root, 1, b('..'), 0o755, 0)), errno.EEXIST);
  assert.is(errnoOf(() => fs.mkdir(root, 1, b('x'.repeat(256)), 0o755, 0)), errno.ENAMETOOLONG);
  assert.ok(fs.mkdir(root, 1, b('x'.repeat(255)), 0o755, 0).nodeid > 1, '255 bytes is fine');
});

test('creating updates the parent mtime/ctime and stamps the new inode with the same time', () => {
  const { fs, clock } = make();
  const t = ts(clock.tick());
  const f = fs.create(root, 1, b('f'), S_IFREG | 0o644, 0, O_RDWR).entry.nodeid;
  assert.equal(times(fs, 1), { atime: times(fs, 1).atime, mtime: t, ctime: t });
  assert.equal(times(fs, f), { atime: t, mtime: t, ctime: t });
  for (const make of [
    () => fs.mkdir(root, 1, b('d'), 0o755, 0),
    () => fs.symlink(root, 1, b('l'), b('f')),
    () => fs.mknod(root, 1, b('p'), S_IFIFO | 0o644, 0, 0),
    () => fs.link(root, f, 1, b('f2')),
  ]) {
    const now = ts(clock.tick());
    make();
    assert.is(times(fs, 1).mtime, now);
    assert.is(times(fs, 1).ctime, now);
  }
});

test('new objects belong to the caller; umask applies to create and mknod', () => {
  const { fs } = make({ rootMode: 0o777 });
  const user = ctx(1000, 100);
  const f = fs.create(user, 1, b('f'), S_IFREG | 0o666, 0o027, O_RDWR).entry.attr;
  assert.is(f.uid, 1000);
  assert.is(f.gid, 100);
  assert.is(f.mode, S_IFREG | 0o640);
  const n = fs.mknod(user, 1, b('n'), S_IFREG | 0o777, 0, 0o077).attr;
  assert.is(n.mode, S_IFREG | 0o700);
  assert.is(n.uid, 1000);
});

test('set-gid directories: gid inherited, S_ISGID on subdirectories, stripped from files of non-members', () => {
  const { fs } = make({ rootMode: 0o777 });
  const sg = fs.mkdir(root, 1, b('sg'), 0o775, 0).nodeid;
  fs.setattr(root, sg, { valid: 1 | 4, mode: 0o2775, gid: 1234 } as never);
  const sub = fs.mkdir(ctx(1000, 100), sg, b('sub'), 0o755, 0).attr;
  assert.is(sub.gid, 1234);
  assert.is(sub.mode, S_IFDIR | 0o2755);
  const member = fs.create(ctx(1000, 100, [1234]), sg, b('m'), S_IFREG | 0o2755, 0, O_RDWR).entry.attr;
  assert.is(member.gid, 1234);
  assert.is(member.mode, S_IFREG | 0o2755, 'a member keeps S_ISGID');
  const outsider = fs.create(ctx(1000, 100), sg, b('o'), S_IFREG | 0o2755, 0, O_RDWR).entry.attr;
  assert.is(outsider.gid, 1234);
  assert.is(outsider.mode, S_IFREG | 0o755, 'mode_strip_sgid');
  const noExec = fs.create(ctx(1000, 100), sg, b('n'), S_IFREG | 0o2745, 0, O_RDWR).entry.attr;
  assert.is(noExec.mode, S_IFREG | 0o2745, 'without group-exec S_ISGID is not stripped');
  const plain = fs.mkdir(ctx(1000, 100), 1, b('plain'), 0o2755, 0).attr;
  assert.is(plain.gid, 100);
  assert.is(plain.mode, S_IFDIR | 0o755);
});

test('create: O_EXCL on an existing name is EEXIST; without it the file is opened and counted', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'f');
  assert.is(errnoOf(() => fs.create(root, 1, b('f'), S_IFREG | 0o644, 0, O_RDWR | O_EXCL)), errno.EEXIST);
  const before = fs.lookupCount(f)!;
  const again = fs.create(root, 1, b('f'), S_IFREG | 0o644, 0, O_RDWR);
  assert.is(again.entry.nodeid, f);
  assert.is(fs.lookupCount(f), before + 1);
  fs.mkdir(root, 1, b('d'), 0o755, 0);
  assert.is(errnoOf(() => fs.create(root, 1, b('d'), S_IFREG | 0o644, 0, O_RDWR)), errno.EISDIR);
});

test('unlink: EISDIR for a directory and ".", ENOENT when missing; drops nlink and stamps ctime', () => {
  const { fs, clock } = make();
  const f = touch(fs, 1, 'f');
  fs.link(root, f, 1, b('g'));
  assert.is(fs.getattr(root, f).attr.nlink, 2);
  fs.mkdir(root, 1, b('d'), 0o755, 0);
  assert.is(errnoOf(() => fs.unlink(root, 1, b('d'))), errno.EISDIR);
  assert.is(errnoOf(() => fs.unlink(root, 1, b('.'))), errno.EISDIR);
  assert.is(errnoOf(() => fs.unlink(root, 1, b('nope'))), errno.ENOENT);
  const t = ts(clock.tick());
  fs.unlink(root, 1, b('g'));
  assert.is(fs.getattr(root, f).attr.nlink, 1);
  assert.is(times(fs, f).ctime, t);
  assert.is(times(fs, f).mtime === t, false, 'unlink does not touch the inode mtime');
  assert.is(times(fs, 1).mtime, t);
  assert.equal(namesIn(fs, 1).sort(), ['d', 'f']);
});

test('rmdir: ENOTDIR for a file, ENOTEMPTY, EINVAL for ".", ENOTEMPTY for ".."; parent nlink drops', () => {
  const { fs } = make();
  touch(fs, 1, 'f');
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  touch(fs, d, 'inside');
  assert.is(errnoOf(() => fs.rmdir(root, 1, b('f'))), errno.ENOTDIR);
  assert.is(errnoOf(() => fs.rmdir(root, 1, b('d'))), errno.ENOTEMPTY);
  assert.is(errnoOf(() => fs.rmdir(root, d, b('.'))), errno.EINVAL);
  assert.is(errnoOf(() => fs.rmdir(root, d, b('..'))), errno.ENOTEMPTY);
  assert.is(errnoOf(() => fs.rmdir(root, 1, b('gone'))), errno.ENOENT);
  fs.unlink(root, d, b('inside'));
  assert.is(fs.getattr(root, 1).attr.nlink, 3);
  fs.rmdir(root, 1, b('d'));
  assert.is(fs.getattr(root, 1).attr.nlink, 2);
  assert.is(fs.getattr(root, d).attr.nlink, 0, 'still looked up, now dead');
  assert.is(errnoOf(() => fs.lookup(root, d, b('.'))), errno.ENOENT);
});

test('a deleted directory takes no new names and cannot be listed (ENOENT)', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const fh = fs.opendir(root, d, 0).fh;
  fs.rmdir(root, 1, b('d'));
  assert.is(errnoOf(() => fs.create(root, d, b('x'), S_IFREG | 0o644, 0, O_RDWR)), errno.ENOENT);
  assert.is(errnoOf(() => fs.mkdir(root, d, b('x'), 0o755, 0)), errno.ENOENT);
  assert.is(errnoOf(() => fs.lookup(root, d, b('x'))), errno.ENOENT);
  assert.is(errnoOf(() => fs.readdir(root, d, fh, 0n, { add: () => true })), errno.ENOENT);
  fs.releasedir(root, d, fh);
});

test('link: EPERM for a directory, EEXIST for a taken name, nlink up and inode ctime stamped', () => {
  const { fs, clock } = make();
  const f = touch(fs, 1, 'f');
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  assert.is(errnoOf(() => fs.link(root, d, 1, b('dlink'))), errno.EPERM);
  assert.is(errnoOf(() => fs.link(root, f, 1, b('d'))), errno.EEXIST);
  assert.is(errnoOf(() => fs.link(root, f, f, b('x'))), errno.ENOTDIR);
  const t = ts(clock.tick());
  const e = fs.link(root, f, d, b('f2'));
  assert.is(e.nodeid, f);
  assert.is(e.attr.nlink, 2);
  assert.is(times(fs, f).ctime, t);
  assert.is(times(fs, d).mtime, t);
  assert.is(fs.lookup(root, d, b('f2')).nodeid, f);
});

test('symlink and readlink: 0120777, size = target length, EINVAL on a non-link, ENOENT/ENAMETOOLONG targets', () => {
  const { fs } = make();
  const l = fs.symlink(ctx(1000, 100), 1, b('l'), b('some/where'));
  assert.is(l.attr.mode, S_IFLNK | 0o777);
  assert.is(l.attr.size, 10);
  assert.is(l.attr.uid, 1000);
  assert.is(Buffer.from(fs.readlink(root, l.nodeid)).toString(), 'some/where');
  const f = touch(fs, 1, 'f');
  assert.is(errnoOf(() => fs.readlink(root, f)), errno.EINVAL);
  assert.is(errnoOf(() => fs.symlink(root, 1, b('empty'), b(''))), errno.ENOENT);
  assert.is(errnoOf(() => fs.symlink(root, 1, b('long'), b('x'.repeat(4096)))), errno.ENAMETOOLONG);
  assert.ok(fs.symlink(root, 1, b('max'), b('x'.repeat(4095))).nodeid > 0);
  assert.is(errnoOf(() => fs.symlink(root, 1, b('l'), b('x'))), errno.EEXIST);
});

test('mknod: FIFOs, sockets and devices keep type and rdev; S_IFDIR is EPERM, junk types EINVAL', () => {
  const { fs } = make();
  assert.is(fs.mknod(root, 1, b('fifo'), S_IFIFO | 0o600, 0, 0).attr.mode, S_IFIFO | 0o600);
  assert.is(fs.mknod(root, 1, b('sock'), S_IFSOCK | 0o600, 0, 0).attr.mode, S_IFSOCK | 0o600);
  const chr = fs.mknod(root, 1, b('null'), S_IFCHR | 0o666, (1 << 8) | 3, 0).attr;
  assert.is(chr.mode, S_IFCHR | 0o666);
  assert.is(chr.rdev, (1 << 8) | 3);
  assert.is(fs.mknod(root, 1, b('blk'), S_IFBLK | 0o660, (8 << 8) | 1, 0).attr.rdev, (8 << 8) | 1);
  assert.is(fs.mknod(root, 1, b('plain'), 0o644, 0, 0).attr.mode, S_IFREG | 0o644, 'type 0 means regular');
  assert.is(errnoOf(() => fs.mknod(root, 1, b('dir'), S_IFDIR | 0o755, 0, 0)), errno.EPERM);
  assert.is(errnoOf(() => fs.mknod(root, 1, b('junk'), 0o170000 | 0o644, 0, 0)), errno.EINVAL);
  const st = fs.statx(root, chr.ino as number).statx;
  assert.is(st.rdevMajor, 1);
  assert.is(st.rdevMinor, 3);
});

test('rename: moves the name, stamps the moved inode ctime and both parents mtime/ctime', () => {
  const { fs, clock } = make();
  const a = fs.mkdir(root, 1, b('a'), 0o755, 0).nodeid;
  const c = fs.mkdir(root, 1, b('c'), 0o755, 0).nodeid;
  const f = touch(fs, a, 'f');
  const before = times(fs, f).mtime;
  const t = ts(clock.tick());
  fs.rename(root, a, b('f'), c, b('g'), 0);
  assert.equal(namesIn(fs, a), []);
  assert.equal(namesIn(fs, c), ['g']);
  assert.is(fs.lookup(root, c, b('g')).nodeid, f);
  assert.equal(times(fs, f), { atime: times(fs, f).atime, mtime: before, ctime: t });
  for (const dir of [a, c]) assert.equal([times(fs, dir).mtime, times(fs, dir).ctime], [t, t]);
});

test('rename over an existing file replaces it; the victim loses its link and is freed once forgotten', () => {
  const { fs } = make();
  const x = touch(fs, 1, 'x');
  const y = touch(fs, 1, 'y');
  fs.rename(root, 1, b('x'), 1, b('y'), 0);
  assert.equal(namesIn(fs, 1), ['y']);
  assert.is(fs.lookup(root, 1, b('y')).nodeid, x);
  assert.is(fs.getattr(root, y).attr.nlink, 0);
  fs.forget(y, fs.lookupCount(y)!);
  assert.is(fs.lookupCount(y), undefined, 'freed');
  assert.is(errnoOf(() => fs.getattr(root, y)), errno.ENOENT);
});

test('rename of directories: over an empty one works, non-empty ENOTEMPTY, over a file ENOTDIR, file over dir EISDIR', () => {
  const { fs } = make();
  const a = fs.mkdir(root, 1, b('a'), 0o755, 0).nodeid;
  const p = fs.mkdir(root, 1, b('p'), 0o755, 0).nodeid;
  const d = fs.mkdir(root, a, b('d'), 0o755, 0).nodeid;
  const empty = fs.mkdir(root, p, b('empty'), 0o755, 0).nodeid;
  const full = fs.mkdir(root, p, b('full'), 0o755, 0).nodeid;
  touch(fs, full, 'x');
  touch(fs, p, 'file');
  assert.is(errnoOf(() => fs.rename(root, a, b('d'), p, b('full'), 0)), errno.ENOTEMPTY);
  assert.is(errnoOf(() => fs.rename(root, a, b('d'), p, b('file'), 0)), errno.ENOTDIR);
  assert.is(errnoOf(() => fs.rename(root, p, b('file'), p, b('empty'), 0)), errno.EISDIR);
  // a has d; p has empty and full: nlinks 3 and 4.
  assert.equal([fs.getattr(root, a).attr.nlink, fs.getattr(root, p).attr.nlink], [3, 4]);
  fs.rename(root, a, b('d'), p, b('empty'), 0);
  assert.equal([fs.getattr(root, a).attr.nlink, fs.getattr(root, p).attr.nlink], [2, 4]);
  assert.is(fs.getattr(root, empty).attr.nlink, 0);
  assert.is(fs.lookup(root, d, b('..')).nodeid, p, '".." follows the move');
});

test('rename: a directory into its own subtree is EINVAL; onto an ancestor of the source ENOTEMPTY', () => {
  const { fs } = make();
  const a = fs.mkdir(root, 1, b('a'), 0o755, 0).nodeid;
  const bb = fs.mkdir(root, a, b('b'), 0o755, 0).nodeid;
  touch(fs, bb, 'f');
  assert.is(errnoOf(() => fs.rename(root, 1, b('a'), bb, b('c'), 0)), errno.EINVAL);
  assert.is(errnoOf(() => fs.rename(root, 1, b('a'), a, b('c'), 0)), errno.EINVAL);
  assert.is(errnoOf(() => fs.rename(root, bb, b('f'), 1, b('a'), 0)), errno.ENOTEMPTY);
  assert.is(errnoOf(() => fs.rename(root, a, b('b'), 1, b('a'), 0)), errno.ENOTEMPTY);
  assert.is(errnoOf(() => fs.rename(root, a, b('b'), 1, b('a'), RENAME_EXCHANGE)), errno.EINVAL);
});

test('rename flags: NOREPLACE EEXIST, EXCHANGE needs both (ENOENT), bad combinations EINVAL, dots EBUSY', () => {
  const { fs } = make();
  touch(fs, 1, 'x');
  touch(fs, 1, 'y');
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('y'), RENAME_NOREPLACE)), errno.EEXIST);
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('z'), RENAME_EXCHANGE)), errno.ENOENT);
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('y'), RENAME_EXCHANGE | RENAME_NOREPLACE)), errno.EINVAL);
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('y'), 8)), errno.EINVAL);
  assert.is(errnoOf(() => fs.rename(root, 1, b('.'), 1, b('z'), 0)), errno.EBUSY);
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('..'), 0)), errno.EBUSY);
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('.'), RENAME_NOREPLACE)), errno.EEXIST);
  assert.is(errnoOf(() => fs.rename(root, 1, b('missing'), 1, b('z'), 0)), errno.ENOENT);
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('z'.repeat(256)), 0)), errno.ENAMETOOLONG);
  fs.rename(root, 1, b('x'), 1, b('z'), RENAME_NOREPLACE);
  assert.equal(namesIn(fs, 1).sort(), ['y', 'z']);
});

test('RENAME_EXCHANGE of a file and a directory across parents swaps them and fixes nlink and ".."', () => {
  const { fs, clock } = make();
  const p = fs.mkdir(root, 1, b('p'), 0o755, 0).nodeid;
  const q = fs.mkdir(root, 1, b('q'), 0o755, 0).nodeid;
  const f = touch(fs, p, 'f');
  const d = fs.mkdir(root, q, b('d'), 0o755, 0).nodeid;
  const t = ts(clock.tick());
  fs.rename(root, p, b('f'), q, b('d'), RENAME_EXCHANGE);
  assert.is(fs.lookup(root, p, b('f')).nodeid, d);
  assert.is(fs.lookup(root, q, b('d')).nodeid, f);
  assert.is(fs.getattr(root, p).attr.nlink, 3);
  assert.is(fs.getattr(root, q).attr.nlink, 2);
  assert.is(fs.lookup(root, d, b('..')).nodeid, p);
  assert.is(times(fs, f).ctime, t);
  assert.is(times(fs, d).ctime, t);
  assert.is(times(fs, p).mtime, t);
  assert.is(times(fs, q).mtime, t);
});

test('rename between two names of one inode does nothing, not even a time update', () => {
  const { fs, clock } = make();
  const f = touch(fs, 1, 'x');
  fs.link(root, f, 1, b('y'));
  const before = [times(fs, f), times(fs, 1)];
  clock.tick();
  fs.rename(root, 1, b('x'), 1, b('y'), 0);
  fs.rename(root, 1, b('x'), 1, b('x'), 0);
  assert.equal([times(fs, f), times(fs, 1)], before);
  assert.equal(namesIn(fs, 1).sort(), ['x', 'y']);
  assert.is(fs.getattr(root, f).attr.nlink, 2);
  assert.is(errnoOf(() => fs.rename(root, 1, b('x'), 1, b('y'), RENAME_NOREPLACE)), errno.EEXIST);
});

test('RENAME_WHITEOUT leaves a 0/0 character device at the old name', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'x');
  fs.rename(root, 1, b('x'), 1, b('y'), RENAME_WHITEOUT);
  assert.is(fs.lookup(root, 1, b('y')).nodeid, f);
  const w = fs.lookup(root, 1, b('x')).attr;
  assert.is(w.mode, S_IFCHR);
  assert.is(w.rdev, 0);
  assert.is(errnoOf(() => fs.rename(root, 1, b('y'), 1, b('x'), RENAME_WHITEOUT | RENAME_EXCHANGE)), errno.EINVAL);
});

test('names are bytes: a non-UTF-8 name round-trips through lookup and readdir exactly', () => {
  const { fs } = make();
  const raw = Buffer.from([0x66, 0xff, 0xfe, 0x80, 0x00 + 0x41]);
  const e = fs.mknod(root, 1, raw, S_IFREG | 0o644, 0, 0);
  assert.is(fs.lookup(root, 1, Buffer.from(raw)).nodeid, e.nodeid);
  let seen: Uint8Array | undefined;
  const fh = fs.opendir(root, 1, 0).fh;
  fs.readdir(root, 1, fh, 2n, {
    add(name) {
      seen = typeof name === 'string' ? Buffer.from(name) : name;
      return true;
    },
  });
  assert.ok(seen !== undefined && Buffer.compare(Buffer.from(seen), raw) === 0);
  assert.is(errnoOf(() => fs.lookup(root, 1, Buffer.from('f\xff', 'utf8'))), errno.ENOENT, 'different bytes');
});

checkInvariantsAfterEach(test);
test.run();
