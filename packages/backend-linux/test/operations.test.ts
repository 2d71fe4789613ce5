import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import {
  FATTR_ATIME, FATTR_ATIME_NOW, FATTR_FH, FATTR_GID, FATTR_KILL_SUIDGID, FATTR_MODE, FATTR_MTIME, FATTR_SIZE, FATTR_UID,
  FUSE_OPEN_KILL_SUIDGID, FUSE_WRITE_KILL_SUIDGID, O_TRUNC, O_WRONLY, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, errno,
} from '@tsfuse/protocol';
import { b, backend, ctx, errnoOf, sandbox, setattrIn } from './helpers.js';

const box = sandbox();
const { src } = box;
const lines: string[] = [];
const be = backend(src, {}, lines);
const C = ctx();
test.after(() => {
  be.destroy();
  box.cleanup();
});


test('lookup and getattr of host files, exact stat fields', () => {
  fs.writeFileSync(path.join(src, 'hello'), 'hello world');
  const e = be.lookup(C, 1, b('hello'));
  const st = fs.lstatSync(path.join(src, 'hello'), { bigint: true });
  assert.is(e.attr.ino, Number(st.ino));
  assert.is(e.attr.size, 11);
  assert.is(e.attr.mtime * 1e9 + e.attr.mtimensec, Number(st.mtimeNs));
  assert.is(e.nodeid, be.lookup(C, 1, b('hello')).nodeid, 'same file, same nodeid');
  assert.is(be.getattr(C, e.nodeid, undefined).attr.size, 11);
  assert.is(errnoOf(() => be.lookup(C, 1, b('missing'))), errno.ENOENT);
  assert.is(errnoOf(() => be.lookup(C, e.nodeid, b('x'))), errno.ENOTDIR, 'a file as parent');
  assert.is(errnoOf(() => be.getattr(C, 987654, undefined)), errno.ESTALE, 'an unknown nodeid');
  const root = be.lookup(C, 1, b('.'));
  assert.is(root.nodeid, 1);
  assert.is(be.lookup(C, 1, b('..')).nodeid, 1, '".." of the root is the root');
});

test('names are refused with Linux errnos before any host call', () => {
  assert.is(errnoOf(() => be.lookup(C, 1, b(''))), errno.ENOENT);
  assert.is(errnoOf(() => be.lookup(C, 1, b('a/b'))), errno.EINVAL);
  assert.is(errnoOf(() => be.lookup(C, 1, b('a\0'))), errno.EINVAL);
  assert.is(errnoOf(() => be.lookup(C, 1, Buffer.alloc(256, 0x61))), errno.ENAMETOOLONG);
  assert.is(errnoOf(() => be.mkdir(C, 1, b('..'), 0o755, 0)), errno.EEXIST);
  assert.is(errnoOf(() => be.unlink(C, 1, b('.'))), errno.EISDIR);
  assert.is(errnoOf(() => be.rmdir(C, 1, b('..'))), errno.ENOTEMPTY);
  assert.is(errnoOf(() => be.rmdir(C, 1, b('.'))), errno.EINVAL);
  assert.is(errnoOf(() => be.rename(C, 1, b('hello'), 1, b('..'), 0)), errno.EBUSY);
  assert.is(errnoOf(() => be.create(C, 1, b('x/y'), 0o644, 0, 0o101)), errno.EINVAL);
  assert.is(errnoOf(() => be.symlink(C, 1, b('a/b'), b('t'))), errno.EINVAL);
  assert.ok(fs.existsSync(path.join(src, 'hello')));
});

test('create, write, read, fsync, release; sizes and offsets up to 1 MiB', () => {
  const r = be.create(C, 1, b('f'), 0o100644, 0o022, 0o102 /* O_RDWR|O_CREAT */);
  assert.is(r.entry.attr.mode, 0o100644);
  const big = Buffer.alloc(1 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  assert.is(be.write(C, r.entry.nodeid, r.fh, 1 << 20, big, 0, 0), 1 << 20);
  const back = be.read(C, r.entry.nodeid, r.fh, 1 << 20, 1 << 20, 0);
  assert.ok(Buffer.from(back).equals(big));
  assert.is(be.read(C, r.entry.nodeid, r.fh, 2 << 20, 4096, 0).length, 0, 'EOF');
  be.fsync(C, r.entry.nodeid, r.fh, false);
  be.fsync(C, r.entry.nodeid, r.fh, true);
  assert.is((be as { flush?: unknown }).flush, undefined, 'no flush(): the kernel gets ENOSYS once and stops sending FLUSH');
  assert.is(be.getattr(C, r.entry.nodeid, r.fh).attr.size, 2 << 20);
  be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
  assert.is(fs.statSync(path.join(src, 'f')).size, 2 << 20);
  assert.is(errnoOf(() => be.read(C, r.entry.nodeid, r.fh, 0, 1, 0)), errno.EBADF, 'released');
  assert.is(errnoOf(() => be.create(C, 1, b('f'), 0o100644, 0, 0o302 /* O_EXCL */)), errno.EEXIST);
});

test('create applies the request umask exactly, whatever the daemon umask', () => {
  const r = be.create(C, 1, b('masked'), 0o100777, 0o027, 0o101);
  be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
  assert.is(fs.statSync(path.join(src, 'masked')).mode & 0o7777, 0o750);
  const d = be.mkdir(C, 1, b('dmask'), 0o777, 0o002);
  assert.is(d.attr.mode & 0o7777, 0o775);
  assert.is(fs.statSync(path.join(src, 'dmask')).mode & 0o7777, 0o775);
  const s = be.create(C, 1, b('setuid'), 0o104755, 0o022, 0o101);
  be.release(C, s.entry.nodeid, s.fh, 0, 0, 0n);
  assert.is(fs.statSync(path.join(src, 'setuid')).mode & 0o7777, 0o4755);
});

test('open honours flags: O_TRUNC, O_APPEND, O_RDONLY refuses writes', () => {
  fs.writeFileSync(path.join(src, 'o'), 'abcdef');
  const e = be.lookup(C, 1, b('o'));
  const ro = be.open(C, e.nodeid, 0);
  assert.is(Buffer.from(be.read(C, e.nodeid, ro.fh, 2, 10, 0)).toString(), 'cdef');
  assert.is(errnoOf(() => be.write(C, e.nodeid, ro.fh, 0, b('x'), 0, 0)), errno.EBADF);
  be.release(C, e.nodeid, ro.fh, 0, 0, 0n);
  const ap = be.open(C, e.nodeid, 0o2001 /* O_WRONLY|O_APPEND */);
  be.write(C, e.nodeid, ap.fh, 0, b('XY'), 0, 0);
  be.release(C, e.nodeid, ap.fh, 0, 0, 0n);
  assert.is(fs.readFileSync(path.join(src, 'o'), 'utf8'), 'abcdefXY');
  const tr = be.open(C, e.nodeid, 0o1001 /* O_WRONLY|O_TRUNC */);
  be.release(C, e.nodeid, tr.fh, 0, 0, 0n);
  assert.is(fs.readFileSync(path.join(src, 'o'), 'utf8'), '');
  const d = be.lookup(C, 1, b('dmask'));
  assert.is(errnoOf(() => be.open(C, d.nodeid, 0)), errno.EISDIR);
});

test('open files survive unlink and rename-over on the host', () => {
  fs.writeFileSync(path.join(src, 'victim'), 'old data');
  const e = be.lookup(C, 1, b('victim'));
  const h = be.open(C, e.nodeid, 2);
  fs.unlinkSync(path.join(src, 'victim'));
  assert.is(Buffer.from(be.read(C, e.nodeid, h.fh, 0, 100, 0)).toString(), 'old data');
  be.write(C, e.nodeid, h.fh, 0, b('new'), 0, 0);
  const a = be.getattr(C, e.nodeid, undefined).attr;
  assert.is(a.nlink, 0, 'fstat through the open file, not ESTALE');
  assert.is(a.size, 8);
  be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_MODE, mode: 0o600 }));
  assert.is(be.getattr(C, e.nodeid, h.fh).attr.mode & 0o777, 0o600);
  be.release(C, e.nodeid, h.fh, 0, 0, 0n);

  fs.writeFileSync(path.join(src, 'over'), 'first');
  const o = be.lookup(C, 1, b('over'));
  const oh = be.open(C, o.nodeid, 0);
  fs.writeFileSync(path.join(src, 'tmp'), 'second');
  fs.renameSync(path.join(src, 'tmp'), path.join(src, 'over'));
  assert.is(Buffer.from(be.read(C, o.nodeid, oh.fh, 0, 100, 0)).toString(), 'first');
  assert.is(be.getattr(C, o.nodeid, undefined).attr.size, 5);
  be.release(C, o.nodeid, oh.fh, 0, 0, 0n);
  // Closed: the inode is still the replaced file (its O_PATH descriptor holds it), not the new one.
  assert.is(be.getattr(C, o.nodeid, undefined).attr.nlink, 0);
  const fresh = be.lookup(C, 1, b('over'));
  assert.is(fresh.attr.size, 6);
  assert.is.not(fresh.nodeid, o.nodeid);
});

test('setattr: chmod, chown, truncate with and without fh, times with NOW and OMIT', () => {
  fs.writeFileSync(path.join(src, 's'), '0123456789');
  const e = be.lookup(C, 1, b('s'));
  let a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_MODE, mode: 0o100640 })).attr;
  assert.is(a.mode & 0o7777, 0o640);
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_UID | FATTR_GID, uid: 1234, gid: 4321 })).attr;
  assert.is(a.uid, 1234);
  assert.is(a.gid, 4321);
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_GID, gid: 55 })).attr;
  assert.is(a.uid, 1234, 'uid untouched when only gid is valid');
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_SIZE, size: 4 })).attr;
  assert.is(a.size, 4);
  assert.is(fs.readFileSync(path.join(src, 's'), 'utf8'), '0123');
  const h = be.open(C, e.nodeid, 2);
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_SIZE | FATTR_FH, fh: h.fh, size: 100 })).attr;
  assert.is(a.size, 100);
  be.release(C, e.nodeid, h.fh, 0, 0, 0n);
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME, atime: 1000, atimensec: 5000, mtime: -20, mtimensec: 123000 })).attr;
  assert.equal([a.atime, a.atimensec, a.mtime, a.mtimensec], [1000, 5000, -20, 123000]);
  // mtime only: atime is omitted and must stay.
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_MTIME, mtime: 2000, mtimensec: 0 })).attr;
  assert.equal([a.atime, a.atimensec, a.mtime], [1000, 5000, 2000]);
  const before = Date.now() / 1000;
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_ATIME_NOW })).attr;
  assert.ok(Math.abs(a.atime - before) < 5, 'now');
  assert.is(a.mtime, 2000, 'mtime omitted');
  const d = be.lookup(C, 1, b('dmask'));
  assert.is(errnoOf(() => be.setattr(C, d.nodeid, setattrIn({ valid: FATTR_SIZE, size: 0 }))), errno.EISDIR);
});

test('times to the nanosecond (utimensat helper on our descriptor), and UTIME_OMIT keeps the other exactly', () => {
  fs.writeFileSync(path.join(src, 'ns'), '');
  const e = be.lookup(C, 1, b('ns'));
  let a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME, atime: 1100000000, atimensec: 123456789, mtime: -7, mtimensec: 999999999 })).attr;
  assert.equal([a.atime, a.atimensec, a.mtime, a.mtimensec], [1100000000, 123456789, -7, 999999999]);
  a = be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_MTIME, mtime: 5, mtimensec: 1 })).attr;
  assert.equal([a.atime, a.atimensec, a.mtime, a.mtimensec], [1100000000, 123456789, 5, 1]);
  const st = fs.statSync(path.join(src, 'ns'), { bigint: true });
  assert.is(st.atimeNs, 1100000000123456789n);
  const coarse = backend(src, { exactTimes: false });
  try {
    const c = coarse.lookup(C, 1, b('ns'));
    a = coarse.setattr(C, c.nodeid, setattrIn({ valid: FATTR_ATIME, atime: 10, atimensec: 123456789 })).attr;
    assert.equal([a.atime, a.atimensec], [10, 123457000], 'exactTimes off: nearest microsecond');
  } finally {
    coarse.destroy();
  }
});

test('kill-priv: write and truncate flagged by the kernel clear set-ID bits', () => {
  fs.writeFileSync(path.join(src, 'suid'), 'x');
  fs.chmodSync(path.join(src, 'suid'), 0o6755);
  const e = be.lookup(C, 1, b('suid'));
  const h = be.open(C, e.nodeid, 1);
  be.write(C, e.nodeid, h.fh, 0, b('y'), 0, 0);
  assert.is(fs.statSync(path.join(src, 'suid')).mode & 0o7777, 0o6755, 'unflagged write (owner or CAP_FSETID) keeps them');
  be.write(C, e.nodeid, h.fh, 0, b('z'), FUSE_WRITE_KILL_SUIDGID, 0);
  assert.is(fs.statSync(path.join(src, 'suid')).mode & 0o7777, 0o0755);
  be.release(C, e.nodeid, h.fh, 0, 0, 0n);
  fs.chmodSync(path.join(src, 'suid'), 0o4755);
  be.setattr(C, e.nodeid, setattrIn({ valid: FATTR_SIZE | FATTR_KILL_SUIDGID, size: 0 }));
  assert.is(fs.statSync(path.join(src, 'suid')).mode & 0o7777, 0o0755);
  fs.chmodSync(path.join(src, 'suid'), 0o6775);
  be.release(C, e.nodeid, be.open(C, e.nodeid, O_WRONLY | O_TRUNC, 0).fh, 0, 0, 0n);
  assert.is(fs.statSync(path.join(src, 'suid')).mode & 0o7777, 0o6775, 'unflagged O_TRUNC open keeps them');
  be.release(C, e.nodeid, be.open(C, e.nodeid, O_WRONLY, FUSE_OPEN_KILL_SUIDGID).fh, 0, 0, 0n);
  assert.is(fs.statSync(path.join(src, 'suid')).mode & 0o7777, 0o6775, 'the flag without O_TRUNC changes nothing');
  fs.writeFileSync(path.join(src, 'suid'), 'data');
  be.release(C, e.nodeid, be.open(C, e.nodeid, O_WRONLY | O_TRUNC, FUSE_OPEN_KILL_SUIDGID).fh, 0, 0, 0n);
  assert.is(fs.statSync(path.join(src, 'suid')).mode & 0o7777, 0o0775, 'flagged O_TRUNC open clears set-user-ID and group-executable set-group-ID');
  assert.is(fs.statSync(path.join(src, 'suid')).size, 0);
  fs.chmodSync(path.join(src, 'suid'), 0o4755);
  const c = be.create(C, 1, b('suid'), 0o644, 0, O_WRONLY | O_TRUNC, FUSE_OPEN_KILL_SUIDGID);
  be.release(C, c.entry.nodeid, c.fh, 0, 0, 0n);
  assert.is(fs.statSync(path.join(src, 'suid')).mode & 0o7777, 0o0755, 'CREATE that finds the file existing, O_TRUNC, flagged');
});

test('ownership: as root, new objects belong to the caller; setgid directories pass their group', () => {
  const u = ctx(1001, 2002);
  const f = be.create(u, 1, b('owned'), 0o100644, 0, 0o101);
  be.release(u, f.entry.nodeid, f.fh, 0, 0, 0n);
  const d = be.mkdir(u, 1, b('odir'), 0o755, 0);
  const l = be.symlink(u, 1, b('olink'), b('owned'));
  const n = be.mknod(u, 1, b('onode'), 0o100600, 0, 0);
  for (const [name, e] of [['owned', f.entry], ['odir', d], ['olink', l], ['onode', n]] as const) {
    const st = fs.lstatSync(path.join(src, name));
    assert.is(st.uid, 1001, name);
    assert.is(st.gid, 2002, name);
    assert.is(e.attr.uid, 1001, name);
  }
  fs.mkdirSync(path.join(src, 'sgid'));
  fs.chownSync(path.join(src, 'sgid'), 0, 777);
  fs.chmodSync(path.join(src, 'sgid'), 0o2775);
  const sg = be.lookup(C, 1, b('sgid'));
  const inner = be.mkdir(u, sg.nodeid, b('inner'), 0o755, 0);
  assert.is(inner.attr.gid, 777);
  assert.is(inner.attr.mode & 0o7777, 0o2755, 'a directory inherits setgid');
  const file = be.create(u, sg.nodeid, b('file'), 0o100644, 0, 0o101);
  be.release(u, file.entry.nodeid, file.fh, 0, 0, 0n);
  assert.is(file.entry.attr.gid, 777);
  assert.is(file.entry.attr.uid, 1001);
});

test('mkdir, rmdir, unlink: exact errnos', () => {
  const d = be.mkdir(C, 1, b('dir'), 0o755, 0);
  assert.is(errnoOf(() => be.mkdir(C, 1, b('dir'), 0o755, 0)), errno.EEXIST);
  be.create(C, d.nodeid, b('child'), 0o644, 0, 0o101);
  assert.is(errnoOf(() => be.rmdir(C, 1, b('dir'))), errno.ENOTEMPTY);
  assert.is(errnoOf(() => be.unlink(C, 1, b('dir'))), errno.EISDIR);
  assert.is(errnoOf(() => be.rmdir(C, d.nodeid, b('child'))), errno.ENOTDIR);
  assert.is(errnoOf(() => be.unlink(C, 1, b('nope'))), errno.ENOENT);
  be.unlink(C, d.nodeid, b('child'));
  be.rmdir(C, 1, b('dir'));
  assert.not.ok(fs.existsSync(path.join(src, 'dir')));
  assert.is(errnoOf(() => be.mkdir(C, 1, b('a'.repeat(255)), 0o755, 0)), 0);
});

test('symlink and readlink keep target bytes; readlink of a non-symlink is EINVAL', () => {
  const target = Buffer.from([0x2e, 0x2e, 0x2f, 0xff, 0x61]);
  const l = be.symlink(C, 1, b('sym'), target);
  assert.is(l.attr.mode & 0o170000, 0o120000);
  assert.ok(Buffer.from(be.readlink(C, l.nodeid)).equals(target));
  assert.is(errnoOf(() => be.readlink(C, be.lookup(C, 1, b('hello')).nodeid)), errno.EINVAL);
  assert.is(errnoOf(() => be.symlink(C, 1, b('sym'), b('x'))), errno.EEXIST);
});

test('rename: plain, NOREPLACE for files and directories, EXCHANGE|WHITEOUT refused with EINVAL', () => {
  fs.writeFileSync(path.join(src, 'r1'), 'one');
  fs.writeFileSync(path.join(src, 'r2'), 'two');
  const r1 = be.lookup(C, 1, b('r1'));
  assert.is(errnoOf(() => be.rename(C, 1, b('r1'), 1, b('r2'), RENAME_NOREPLACE)), errno.EEXIST);
  assert.is(fs.readFileSync(path.join(src, 'r2'), 'utf8'), 'two');
  be.rename(C, 1, b('r1'), 1, b('r3'), RENAME_NOREPLACE);
  assert.not.ok(fs.existsSync(path.join(src, 'r1')));
  assert.is(fs.readFileSync(path.join(src, 'r3'), 'utf8'), 'one');
  assert.is(be.lookup(C, 1, b('r3')).nodeid, r1.nodeid, 'same inode, same nodeid');
  assert.is(fs.statSync(path.join(src, 'r3')).nlink, 1);
  be.rename(C, 1, b('r3'), 1, b('r2'), 0);
  assert.is(fs.readFileSync(path.join(src, 'r2'), 'utf8'), 'one');
  // EXCHANGE and WHITEOUT themselves: xattr.test.ts. Together they are invalid (the host's renameat2 says so).
  assert.is(errnoOf(() => be.rename(C, 1, b('r2'), 1, b('hello'), RENAME_EXCHANGE | RENAME_WHITEOUT)), errno.EINVAL);
  assert.is(fs.readFileSync(path.join(src, 'r2'), 'utf8'), 'one', 'nothing moved');
  assert.is(errnoOf(() => be.rename(C, 1, b('r2'), 1, b('zz'), 8)), errno.EINVAL);
  const d1 = be.mkdir(C, 1, b('rd1'), 0o755, 0);
  be.mkdir(C, 1, b('rd2'), 0o755, 0);
  be.mkdir(C, d1.nodeid, b('inside'), 0o755, 0);
  assert.is(errnoOf(() => be.rename(C, 1, b('rd1'), 1, b('rd2'), RENAME_NOREPLACE)), errno.EEXIST);
  assert.ok(fs.existsSync(path.join(src, 'rd1', 'inside')));
  be.rename(C, 1, b('rd1'), 1, b('rd3'), RENAME_NOREPLACE);
  assert.ok(fs.existsSync(path.join(src, 'rd3', 'inside')));
  assert.is(errnoOf(() => be.rename(C, 1, b('rd3'), d1.nodeid, b('loop'), RENAME_NOREPLACE)), errno.EINVAL, 'into itself');
  assert.not.ok(fs.existsSync(path.join(src, 'rd3', 'loop')), 'the placeholder was removed');
  assert.is(errnoOf(() => be.rename(C, 1, b('rd3'), 1, b('hello'), 0)), errno.ENOTDIR);
  assert.is(errnoOf(() => be.rename(C, 1, b('missing'), 1, b('x'), RENAME_NOREPLACE)), errno.ENOENT);
});

test('rename through the mount keeps the inode reachable after its descriptor is evicted', () => {
  const small = backend(src, { maxPathFds: 16 });
  try {
    fs.writeFileSync(path.join(src, 'mv'), 'moving');
    const e = small.lookup(C, 1, b('mv'));
    const d = small.mkdir(C, 1, b('mvdir'), 0o755, 0);
    small.rename(C, 1, b('mv'), d.nodeid, b('moved'), 0);
    for (let i = 0; i < 40; i++) small.mkdir(C, 1, b(`pad${i}`), 0o755, 0);
    small.getattr(C, 1, undefined);
    assert.is(small.getattr(C, e.nodeid, undefined).attr.size, 6);
    assert.ok(small.resolver.workingSet.size <= 17);
  } finally {
    small.destroy();
  }
});

test('link: new name, same nodeid; directories refused with EPERM', () => {
  fs.writeFileSync(path.join(src, 'l1'), 'x');
  const e = be.lookup(C, 1, b('l1'));
  const l = be.link(C, e.nodeid, 1, b('l2'));
  assert.is(l.nodeid, e.nodeid);
  assert.is(l.attr.nlink, 2);
  assert.is(errnoOf(() => be.link(C, e.nodeid, 1, b('l2'))), errno.EEXIST);
  assert.is(errnoOf(() => be.link(C, be.lookup(C, 1, b('rd2')).nodeid, 1, b('dl'))), errno.EPERM);
  assert.is(errnoOf(() => be.link(C, e.nodeid, e.nodeid, b('x'))), errno.ENOTDIR);
});

test('mknod: regular file, FIFO, socket and (as root) device nodes, made for real', () => {
  const r = be.mknod(C, 1, b('nreg'), 0o100640, 0, 0);
  assert.ok(fs.lstatSync(path.join(src, 'nreg')).isFile());
  assert.is(r.attr.mode, 0o100640);
  const f = be.mknod(C, 1, b('nfifo'), 0o010644, 0, 0o022);
  assert.ok(fs.lstatSync(path.join(src, 'nfifo')).isFIFO());
  assert.is(f.attr.mode, 0o010644);
  const s = be.mknod(C, 1, Buffer.from([0x73, 0xe9]), 0o140755, 0, 0o022);
  const sockName = fs.readdirSync(src, { encoding: 'buffer' }).find((n) => n.length === 2 && n[0] === 0x73 && n[1] === 0xe9);
  assert.ok(sockName !== undefined);
  assert.ok(fs.lstatSync(Buffer.concat([Buffer.from(src + '/'), sockName])).isSocket());
  assert.is(s.attr.mode, 0o140755);
  const c = be.mknod(C, 1, b('nchr'), 0o020600, (1 << 8) | 3, 0);
  const st = fs.lstatSync(path.join(src, 'nchr'));
  assert.ok(st.isCharacterDevice());
  assert.is(st.rdev, fs.statSync('/dev/null').rdev);
  assert.is(c.attr.rdev, (1 << 8) | 3);
  assert.is(errnoOf(() => be.mknod(C, 1, b('nfifo'), 0o010644, 0, 0)), errno.EEXIST);
  assert.is(errnoOf(() => be.mknod(C, 1, b('nsock2'), 0o140644, 0, 0) && be.mknod(C, 1, b('nsock2'), 0o140644, 0, 0)), errno.EEXIST);
  assert.is(errnoOf(() => be.mknod(C, 1, b('ndir'), 0o040755, 0, 0)), errno.EPERM);
  assert.is(errnoOf(() => be.open(C, f.nodeid, 0)), errno.ENXIO, 'the kernel opens FIFOs itself');
  assert.equal(fs.readdirSync(src).filter((n) => n.startsWith('.tsfuse-')), [], 'no temporary names left');
});

test('GETATTR of an unlinked or replaced inode the kernel still holds: nlink 0, not ESTALE', () => {
  fs.writeFileSync(path.join(src, 'gone'), 'abc');
  const e = be.lookup(C, 1, b('gone'));
  be.unlink(C, 1, b('gone'));
  assert.is(be.getattr(C, e.nodeid, undefined).attr.nlink, 0);
  assert.is(be.getattr(C, e.nodeid, undefined).attr.size, 3);
  const d = be.mkdir(C, 1, b('gonedir'), 0o755, 0);
  be.rmdir(C, 1, b('gonedir'));
  assert.is(be.getattr(C, d.nodeid, undefined).attr.nlink, 0);
  assert.is(errnoOf(() => be.lookup(C, d.nodeid, b('x'))), errno.ENOENT, 'a removed directory is empty');
  fs.writeFileSync(path.join(src, 'target'), 'target');
  fs.writeFileSync(path.join(src, 'source'), 'source');
  const t = be.lookup(C, 1, b('target'));
  be.rename(C, 1, b('source'), 1, b('target'), 0);
  assert.is(be.getattr(C, t.nodeid, undefined).attr.size, 6);
  assert.is(be.getattr(C, t.nodeid, undefined).attr.nlink, 0);
  assert.is.not(be.lookup(C, 1, b('target')).nodeid, t.nodeid);
  be.forget(e.nodeid, 1);
  be.forget(d.nodeid, 1);
  be.forget(t.nodeid, 1);
  assert.is(be.table.get(e.nodeid), undefined);
  const failing = be.lookup(C, 1, b('dmask'));
  assert.is(errnoOf(() => be.unlink(C, 1, b('dmask'))), errno.EISDIR);
  assert.is(be.table.get(failing.nodeid)!.fdPinned, false, 'a failed removal gives the descriptor back to the working set');
});

test('a hostile READ size gets a bounded short read', () => {
  const e = be.lookup(C, 1, b('hello'));
  const h = be.open(C, e.nodeid, 0);
  assert.is(be.read(C, e.nodeid, h.fh, 0, 0xffffffff, 0).length, 11);
  assert.is(be.read(C, e.nodeid, h.fh, 0, 0, 0).length, 0);
  be.release(C, e.nodeid, h.fh, 0, 0, 0n);
});

test('statfs, access', () => {
  const s = be.statfs(C, 1);
  const host = fs.statfsSync(src);
  assert.is(s.bsize, host.bsize);
  assert.is(s.blocks, host.blocks);
  fs.writeFileSync(path.join(src, 'acc'), '');
  fs.chmodSync(path.join(src, 'acc'), 0o640);
  fs.chownSync(path.join(src, 'acc'), 1000, 1000);
  const e = be.lookup(C, 1, b('acc'));
  be.access(ctx(1000, 5), e.nodeid, 6);
  assert.is(errnoOf(() => be.access(ctx(1000, 5), e.nodeid, 1)), errno.EACCES);
  be.access(ctx(2000, 1000), e.nodeid, 4);
  assert.is(errnoOf(() => be.access(ctx(2000, 1000), e.nodeid, 2)), errno.EACCES);
  assert.is(errnoOf(() => be.access(ctx(2000, 2000, 0), e.nodeid, 4)), errno.EACCES);
  be.access(ctx(2000, 2000), e.nodeid, 0);
  be.access(C, e.nodeid, 6);
});

test('lseek: SEEK_DATA/SEEK_HOLE as for a filesystem without holes; fallocate EOPNOTSUPP', () => {
  fs.writeFileSync(path.join(src, 'seek'), Buffer.alloc(1000));
  const e = be.lookup(C, 1, b('seek'));
  const h = be.open(C, e.nodeid, 2);
  assert.is(be.lseek(C, e.nodeid, h.fh, 10, 3), 10);
  assert.is(be.lseek(C, e.nodeid, h.fh, 10, 4), 1000);
  assert.is(errnoOf(() => be.lseek(C, e.nodeid, h.fh, 1000, 3)), errno.ENXIO);
  assert.is(errnoOf(() => be.lseek(C, e.nodeid, h.fh, 2000, 4)), errno.ENXIO);
  assert.is(errnoOf(() => be.fallocate(C, e.nodeid, h.fh, 0, 100, 0)), errno.EOPNOTSUPP);
  be.release(C, e.nodeid, h.fh, 0, 0, 0n);
});

test('copy_file_range copies in the daemon, refuses overlap and wrong modes', () => {
  const data = Buffer.alloc(3 << 20);
  for (let i = 0; i < data.length; i++) data[i] = (i * 13) & 0xff;
  fs.writeFileSync(path.join(src, 'cin'), data);
  const i = be.lookup(C, 1, b('cin'));
  const hin = be.open(C, i.nodeid, 0);
  const o = be.create(C, 1, b('cout'), 0o644, 0, 0o101);
  assert.is(be.copyFileRange(C, i.nodeid, hin.fh, 100, o.entry.nodeid, o.fh, 5, 3 << 20, 0), (3 << 20) - 100);
  be.release(C, o.entry.nodeid, o.fh, 0, 0, 0n);
  const out = fs.readFileSync(path.join(src, 'cout'));
  assert.ok(out.subarray(5).equals(data.subarray(100)));
  assert.is(out.length, 5 + (3 << 20) - 100);
  const rw = be.open(C, i.nodeid, 2);
  assert.is(errnoOf(() => be.copyFileRange(C, i.nodeid, rw.fh, 0, i.nodeid, rw.fh, 10, 100, 0)), errno.EINVAL, 'overlap');
  assert.is(be.copyFileRange(C, i.nodeid, rw.fh, 0, i.nodeid, rw.fh, 100, 100, 0), 100, 'same file, disjoint');
  assert.is(errnoOf(() => be.copyFileRange(C, i.nodeid, rw.fh, 0, i.nodeid, hin.fh, 5000, 10, 0)), errno.EBADF, 'read-only target');
  assert.is(errnoOf(() => be.copyFileRange(C, i.nodeid, rw.fh, 0, i.nodeid, rw.fh, 5000, 10, 1)), errno.EINVAL, 'flags');
  be.release(C, i.nodeid, rw.fh, 0, 0, 0n);
  be.release(C, i.nodeid, hin.fh, 0, 0, 0n);
});

test('forget drops inodes and their descriptors; lookups are counted exactly', () => {
  fs.writeFileSync(path.join(src, 'fg'), '');
  const e = be.lookup(C, 1, b('fg'));
  be.lookup(C, 1, b('fg'));
  const node = be.table.get(e.nodeid)!;
  assert.is(node.nlookup, 2);
  be.forget(e.nodeid, 1);
  assert.ok(be.table.get(e.nodeid));
  be.forget(e.nodeid, 1);
  assert.is(be.table.get(e.nodeid), undefined);
});

test('no unexpected error was logged', () => {
  assert.equal(lines, []);
});

test.run();
