// Operations on real temp directories with exact Linux errnos, in both table
// modes; open files that survive unlink and rename-over (the dpkg case);
// nothing ever reaches outside the root.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errno } from '@tsfuse/protocol';
import { TABLE_MODES, backendOn, caller, ctx, errnoOf, name, rmTemp, tempDir, walk } from './helpers.js';

const O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0o100, O_EXCL = 0o200, O_TRUNC = 0o1000, O_APPEND = 0o2000;
const FATTR_MODE = 1, FATTR_UID = 2, FATTR_GID = 4, FATTR_SIZE = 8, FATTR_ATIME = 16, FATTR_MTIME = 32, FATTR_FH = 64, FATTR_MTIME_NOW = 256;

function setattrIn(over: Record<string, unknown>) {
  return { valid: 0, fh: undefined, size: 0, lockOwner: 0n, atime: 0, atimensec: 0, mtime: 0, mtimensec: 0, ctime: 0, ctimensec: 0, mode: 0, uid: 0, gid: 0, ...over } as never;
}

for (const mode of TABLE_MODES) {
  const T = (title: string, fn: (root: string, outside: string) => void) =>
    test(`[${mode}] ${title}`, () => {
      const base = tempDir();
      const root = path.join(base, 'share');
      const outside = path.join(base, 'outside');
      fs.mkdirSync(root);
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, 'secret'), 'secret');
      try {
        fn(root, outside);
      } finally {
        rmTemp(base);
      }
    });

  T('lookup, getattr: attributes are the host stat; errors are exact', (root) => {
    fs.writeFileSync(path.join(root, 'f'), 'hello');
    fs.mkdirSync(path.join(root, 'd'));
    const b = backendOn(root, mode);
    const e = b.lookup(ctx, 1, name('f'));
    const st = fs.lstatSync(path.join(root, 'f'), { bigint: true });
    assert.is(BigInt(e.attr.ino), st.ino);
    assert.is(e.attr.size, 5);
    assert.is(e.attr.mode, Number(st.mode));
    assert.is(e.attr.mtimensec, Number(st.mtimeNs % 1_000_000_000n));
    assert.equal(b.getattr(ctx, e.nodeid, undefined).attr, e.attr);
    assert.is(errnoOf(() => b.lookup(ctx, 1, name('missing'))), errno.ENOENT);
    assert.is(errnoOf(() => b.lookup(ctx, e.nodeid, name('x'))), errno.ENOTDIR, 'a file as parent');
    assert.is(errnoOf(() => b.getattr(ctx, 999, undefined)), errno.ESTALE);
    assert.is(errnoOf(() => b.lookup(ctx, 1, name('a/b'))), errno.EINVAL);
    assert.is(errnoOf(() => b.lookup(ctx, 1, Buffer.alloc(256, 0x61))), errno.ENAMETOOLONG);
    // "." and ".." never climb above the root.
    assert.is(b.lookup(ctx, 1, name('..')).nodeid, 1);
    assert.is(b.lookup(ctx, 1, name('.')).nodeid, 1);
    const d = walk(b, 'd');
    assert.is(b.lookup(ctx, d, name('..')).nodeid, 1);
  });

  T('create, write, read, setattr size and times, release', (root) => {
    const b = backendOn(root, mode);
    const c = b.create(ctx, 1, name('f'), 0o100640, 0o022, O_RDWR | O_CREAT);
    assert.is(c.entry.attr.mode, 0o100640);
    assert.is(b.write(ctx, c.entry.nodeid, c.fh, 0, Buffer.from('hello world'), 0, 0), 11);
    assert.is(Buffer.from(b.read(ctx, c.entry.nodeid, c.fh, 6, 100, 0)).toString(), 'world');
    assert.is(b.read(ctx, c.entry.nodeid, c.fh, 100, 10, 0).length, 0);
    const r = b.setattr(ctx, c.entry.nodeid, setattrIn({ valid: FATTR_SIZE | FATTR_FH, fh: c.fh, size: 5 }));
    assert.is(r.attr.size, 5);
    const t = b.setattr(ctx, c.entry.nodeid, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME, atime: 1000, atimensec: 500_000_000, mtime: 2000, mtimensec: 250_000 }));
    assert.is(t.attr.atime, 1000);
    assert.is(t.attr.atimensec, 500_000_000);
    assert.is(t.attr.mtime, 2000);
    assert.is(t.attr.mtimensec, 250_000);
    // mtime only (atime omitted): atime stays.
    const m = b.setattr(ctx, c.entry.nodeid, setattrIn({ valid: FATTR_MTIME | FATTR_MTIME_NOW }));
    assert.is(m.attr.atime, 1000);
    assert.ok(m.attr.mtime > 2000);
    b.release(ctx, c.entry.nodeid, c.fh, 0, 0, 0n);
    assert.is(fs.readFileSync(path.join(root, 'f'), 'utf8'), 'hello');
    assert.is(b.stats.openHandles, 0);
    // O_EXCL on an existing name.
    assert.is(errnoOf(() => b.create(ctx, 1, name('f'), 0o100644, 0, O_WRONLY | O_CREAT | O_EXCL)), errno.EEXIST);
    // Without O_EXCL: the existing file is opened (a race with the kernel's lookup), truncated on O_TRUNC.
    const again = b.create(ctx, 1, name('f'), 0o100644, 0, O_WRONLY | O_CREAT | O_TRUNC);
    assert.is(again.entry.attr.size, 0);
    assert.is(again.entry.nodeid, c.entry.nodeid);
    b.release(ctx, again.entry.nodeid, again.fh, 0, 0, 0n);
  });

  T('the requested mode is exact whatever the daemon umask; umask from the request applies', (root) => {
    const b = backendOn(root, mode);
    const old = process.umask(0o077);
    try {
      assert.is(b.mkdir(ctx, 1, name('d'), 0o777, 0o022).attr.mode, 0o40755);
      assert.is(b.mknod(ctx, 1, name('n'), 0o100666, 0, 0o002).attr.mode, 0o100664);
      const c = b.create(ctx, 1, name('c'), 0o100666, 0, O_WRONLY | O_CREAT);
      assert.is(c.entry.attr.mode, 0o100666);
      b.release(ctx, c.entry.nodeid, c.fh, 0, 0, 0n);
      assert.is(fs.statSync(path.join(root, 'c')).mode & 0o7777, 0o666);
    } finally {
      process.umask(old);
    }
  });

  T('new objects belong to the caller when the daemon is root; setgid directories pass their group', (root) => {
    if (process.geteuid!() !== 0) return;
    const b = backendOn(root, mode);
    const who = caller(1234, 5678);
    const d = b.mkdir(who, 1, name('d'), 0o2775, 0);
    assert.is(d.attr.uid, 1234);
    assert.is(d.attr.gid, 5678);
    const f = b.mknod(caller(4321, 8765), d.nodeid, name('f'), 0o100644, 0, 0);
    assert.is(f.attr.uid, 4321);
    assert.is(f.attr.gid, 5678, 'group of the setgid directory');
    const s = b.symlink(who, 1, name('s'), name('target'));
    assert.is(s.attr.uid, 1234);
    const sub = b.mkdir(caller(1, 1), d.nodeid, name('sub'), 0o755, 0);
    assert.ok(sub.attr.mode & 0o2000, 'S_ISGID inherited by a subdirectory');
  });

  T('unlink, rmdir, rename: exact errnos', (root) => {
    fs.mkdirSync(path.join(root, 'd'));
    fs.writeFileSync(path.join(root, 'd', 'f'), '');
    fs.mkdirSync(path.join(root, 'e'));
    fs.writeFileSync(path.join(root, 'f'), '');
    const b = backendOn(root, mode);
    const d = walk(b, 'd');
    assert.is(errnoOf(() => b.unlink(ctx, 1, name('d'))), errno.EISDIR);
    assert.is(errnoOf(() => b.unlink(ctx, 1, name('none'))), errno.ENOENT);
    assert.is(errnoOf(() => b.rmdir(ctx, 1, name('f'))), errno.ENOTDIR);
    assert.is(errnoOf(() => b.rmdir(ctx, 1, name('d'))), errno.ENOTEMPTY);
    assert.is(errnoOf(() => b.rmdir(ctx, 1, name('.'))), errno.EINVAL);
    assert.is(errnoOf(() => b.rmdir(ctx, 1, name('..'))), errno.ENOTEMPTY);
    assert.is(errnoOf(() => b.unlink(ctx, 1, name('..'))), errno.EISDIR);
    assert.is(errnoOf(() => b.rename(ctx, 1, name('..'), 1, name('x'), 0)), errno.EBUSY);
    assert.is(errnoOf(() => b.mkdir(ctx, 1, name('d'), 0o755, 0)), errno.EEXIST);
    assert.is(errnoOf(() => b.mkdir(ctx, 1, name('..'), 0o755, 0)), errno.EEXIST);
    assert.is(errnoOf(() => b.rename(ctx, 1, name('d'), d, name('inside'), 0)), errno.EINVAL, 'directory into itself');
    assert.is(errnoOf(() => b.rename(ctx, 1, name('f'), 1, name('e'), 0)), errno.EISDIR, 'file over directory');
    assert.is(errnoOf(() => b.rename(ctx, 1, name('e'), 1, name('f'), 0)), errno.ENOTDIR, 'directory over file');
    assert.is(errnoOf(() => b.rename(ctx, 1, name('e'), 1, name('d'), 0)), errno.ENOTEMPTY, 'over a non-empty directory');
    // RENAME_NOREPLACE: EEXIST when the target exists; otherwise a rename.
    assert.is(errnoOf(() => b.rename(ctx, 1, name('f'), d, name('f'), 1)), errno.EEXIST);
    b.rename(ctx, 1, name('f'), 1, name('g'), 1);
    assert.ok(fs.existsSync(path.join(root, 'g')));
    assert.not.ok(fs.existsSync(path.join(root, 'f')));
    b.rename(ctx, 1, name('e'), 1, name('e2'), 1); // a directory
    assert.ok(fs.existsSync(path.join(root, 'e2')));
    // RENAME_EXCHANGE cannot be done atomically from Node: EINVAL, as Linux answers a filesystem without it.
    assert.is(errnoOf(() => b.rename(ctx, 1, name('g'), 1, name('e2'), 2)), errno.EINVAL);
    assert.is(errnoOf(() => b.rename(ctx, 1, name('g'), 1, name('h'), 4)), errno.EINVAL, 'WHITEOUT');
    assert.ok(fs.existsSync(path.join(root, 'g')));
  });

  T('names are bytes: a name that is not UTF-8 round-trips exactly', (root) => {
    const b = backendOn(root, mode);
    const raw = Buffer.from([0x66, 0xff, 0xfe, 0x80, 0x2e]);
    const e = b.mknod(ctx, 1, raw, 0o100644, 0, 0);
    const onHost = fs.readdirSync(Buffer.from(root), { encoding: 'buffer' });
    assert.equal(onHost.map((n) => [...n]), [[...raw]]);
    const { fh } = b.opendir(ctx, 1, 0);
    const got: Buffer[] = [];
    b.readdir(ctx, 1, fh, 0n, { add: (n) => { got.push(Buffer.from(n as Uint8Array)); return true; } });
    assert.ok(got.some((n) => n.equals(raw)));
    assert.is(b.lookup(ctx, 1, raw).nodeid, e.nodeid);
    b.rename(ctx, 1, raw, 1, Buffer.from([0xc3, 0x28]), 0);
    assert.equal(fs.readdirSync(Buffer.from(root), { encoding: 'buffer' }).map((n) => [...n]), [[0xc3, 0x28]]);
  });

  T('link, symlink, readlink', (root) => {
    fs.writeFileSync(path.join(root, 'f'), 'x');
    fs.mkdirSync(path.join(root, 'd'));
    const b = backendOn(root, mode);
    const f = walk(b, 'f');
    const l = b.link(ctx, f, 1, name('hard'));
    assert.is(l.nodeid, f);
    assert.is(l.attr.nlink, 2);
    assert.is(errnoOf(() => b.link(ctx, walk(b, 'd'), 1, name('dl'))), errno.EPERM);
    assert.is(errnoOf(() => b.link(ctx, f, 1, name('hard'))), errno.EEXIST);
    const s = b.symlink(ctx, 1, name('s'), name('../outside/secret'));
    assert.is(Buffer.from(b.readlink(ctx, s.nodeid)).toString(), '../outside/secret');
    assert.is(errnoOf(() => b.readlink(ctx, f)), errno.EINVAL);
    // A symlink node is never followed: open gives ELOOP, and (darwin) it cannot be hard-linked.
    assert.is(errnoOf(() => b.open(ctx, s.nodeid, O_RDONLY)), errno.ELOOP);
    if (mode === 'darwin') assert.is(errnoOf(() => b.link(ctx, s.nodeid, 1, name('s2'))), errno.EPERM);
  });

  T('a file open when it is unlinked keeps working: fstat, fchmod, read, write, ftruncate', (root) => {
    fs.writeFileSync(path.join(root, 'f'), 'data');
    const b = backendOn(root, mode);
    const f = walk(b, 'f');
    const { fh } = b.open(ctx, f, O_RDWR);
    b.unlink(ctx, 1, name('f'));
    assert.not.ok(fs.existsSync(path.join(root, 'f')));
    const a = b.getattr(ctx, f, fh).attr;
    assert.is(a.nlink, 0);
    assert.is(a.size, 4);
    // No fh (fchmod sends none): the open descriptor still reaches the file.
    assert.is(b.getattr(ctx, f, undefined).attr.nlink, 0);
    assert.is(b.setattr(ctx, f, setattrIn({ valid: FATTR_MODE, mode: 0o600 })).attr.mode & 0o7777, 0o600);
    assert.is(b.write(ctx, f, fh, 4, Buffer.from('more'), 0, 0), 4);
    assert.is(Buffer.from(b.read(ctx, f, fh, 0, 100, 0)).toString(), 'datamore');
    assert.is(b.setattr(ctx, f, setattrIn({ valid: FATTR_SIZE | FATTR_FH, fh, size: 2 })).attr.size, 2);
    assert.is(b.setattr(ctx, f, setattrIn({ valid: FATTR_SIZE, size: 1 })).attr.size, 1, 'size without fh: another open descriptor');
    b.release(ctx, f, fh, 0, 0, 0n);
    assert.is(errnoOf(() => b.getattr(ctx, f, undefined)), errno.ESTALE);
  });

  T('a file open when another is renamed over it keeps working (the apt/dpkg case)', (root) => {
    fs.writeFileSync(path.join(root, 'lib.so'), 'old');
    fs.writeFileSync(path.join(root, 'lib.so.dpkg-new'), 'new!');
    const b = backendOn(root, mode);
    const old = walk(b, 'lib.so');
    const { fh } = b.open(ctx, old, O_RDONLY);
    b.rename(ctx, 1, name('lib.so.dpkg-new'), 1, name('lib.so'), 0);
    assert.is(Buffer.from(b.read(ctx, old, fh, 0, 100, 0)).toString(), 'old');
    assert.is(b.getattr(ctx, old, fh).attr.size, 3);
    assert.is(b.getattr(ctx, old, fh).attr.nlink, 0);
    assert.is(b.setattr(ctx, old, setattrIn({ valid: FATTR_MODE, mode: 0o755 })).attr.mode & 0o777, 0o755);
    // The name now leads to the new file, a different node.
    const fresh = b.lookup(ctx, 1, name('lib.so'));
    assert.is.not(fresh.nodeid, old);
    assert.is(fresh.attr.size, 4);
    b.release(ctx, old, fh, 0, 0, 0n);
  });

  T('an unlinked file the kernel still holds answers GETATTR by node id until FORGET; no descriptor leaks', (root) => {
    fs.writeFileSync(path.join(root, 'f'), 'four');
    fs.writeFileSync(path.join(root, 'g'), 'gg');
    fs.writeFileSync(path.join(root, 'h'), 'h');
    const fdsBefore = fs.readdirSync('/proc/self/fd').length;
    const b = backendOn(root, mode);
    const f = walk(b, 'f');
    const g = walk(b, 'g');
    b.unlink(ctx, 1, name('f'));
    const a = b.getattr(ctx, f, undefined).attr;
    assert.is(a.nlink, 0);
    assert.is(a.size, 4);
    // Renamed over: the replaced file too.
    b.rename(ctx, 1, name('h'), 1, name('g'), 0);
    assert.is(b.getattr(ctx, g, undefined).attr.nlink, 0);
    assert.is(b.getattr(ctx, g, undefined).attr.size, 2);
    b.forget(f, 1);
    assert.is(b.lookupCount(f), undefined);
    assert.is(errnoOf(() => b.getattr(ctx, f, undefined)), errno.ESTALE);
    // A file the kernel never looked up gets nothing kept.
    fs.writeFileSync(path.join(root, 'unseen'), '');
    b.unlink(ctx, 1, name('unseen'));
    b.destroy();
    assert.is(fs.readdirSync('/proc/self/fd').length, fdsBefore);
  });

  T('READDIR of a directory removed while open: ENOENT (glibc: end of directory)', (root) => {
    fs.mkdirSync(path.join(root, 'gone'));
    const b = backendOn(root, mode);
    const d = walk(b, 'gone');
    const { fh } = b.opendir(ctx, d, 0);
    b.rmdir(ctx, 1, name('gone'));
    assert.is(errnoOf(() => b.readdir(ctx, d, fh, 0n, { add: () => true })), errno.ENOENT);
    b.releasedir(ctx, d, fh, 0);
    assert.is(b.stats.openHandles, 0);
  });

  T('the same on the host side: unlinked and renamed-over files stay readable through their handle', (root) => {
    fs.writeFileSync(path.join(root, 'a'), 'AAA');
    fs.writeFileSync(path.join(root, 'b'), 'BB');
    const b = backendOn(root, mode);
    const a = walk(b, 'a');
    const bb = walk(b, 'b');
    const ha = b.open(ctx, a, O_RDWR).fh;
    const hb = b.open(ctx, bb, O_RDONLY).fh;
    fs.renameSync(path.join(root, 'a'), path.join(root, 'b')); // host: a over b
    fs.writeFileSync(path.join(root, 'c'), 'C');
    assert.is(Buffer.from(b.read(ctx, bb, hb, 0, 10, 0)).toString(), 'BB');
    assert.is(b.getattr(ctx, bb, hb).attr.nlink, 0);
    assert.is(b.write(ctx, a, ha, 3, Buffer.from('!'), 0, 0), 1);
    assert.is(fs.readFileSync(path.join(root, 'b'), 'utf8'), 'AAA!');
    b.release(ctx, a, ha, 0, 0, 0n);
    b.release(ctx, bb, hb, 0, 0, 0n);
    // In path mode the old name of `a` is gone: ESTALE, and a new lookup finds it.
    assert.is(b.lookup(ctx, 1, name('b')).nodeid, a);
  });

  T('open: exact errnos; O_APPEND; O_DIRECT answered with FOPEN_DIRECT_IO', (root) => {
    fs.writeFileSync(path.join(root, 'f'), 'abc');
    fs.mkdirSync(path.join(root, 'd'));
    const b = backendOn(root, mode);
    assert.is(errnoOf(() => b.open(ctx, walk(b, 'd'), O_RDONLY)), errno.EISDIR);
    const f = walk(b, 'f');
    const direct = b.open(ctx, f, O_RDONLY | 0o40000);
    assert.is(direct.openFlags, 1);
    b.release(ctx, f, direct.fh, 0, 0, 0n);
    const ap = b.open(ctx, f, O_WRONLY | O_APPEND);
    b.write(ctx, f, ap.fh, 0, Buffer.from('Z'), 0, 0);
    b.release(ctx, f, ap.fh, 0, 0, 0n);
    assert.is(fs.readFileSync(path.join(root, 'f'), 'utf8'), 'abcZ');
    const ro = b.open(ctx, f, O_RDONLY);
    assert.is(errnoOf(() => b.write(ctx, f, ro.fh, 0, Buffer.from('x'), 0, 0)), errno.EBADF);
    b.release(ctx, f, ro.fh, 0, 0, 0n);
    assert.is(errnoOf(() => b.read(ctx, f, 12345, 0, 1, 0)), errno.EBADF);
    const big = b.open(ctx, f, O_RDONLY);
    assert.is(errnoOf(() => b.read(ctx, f, big.fh, 0, 2 ** 40, 0)), errno.EINVAL, 'absurd size refused, not allocated');
    b.release(ctx, f, big.fh, 0, 0, 0n);
    assert.is(errnoOf(() => b.opendir(ctx, f, 0)), errno.ENOTDIR);
  });

  T('lseek SEEK_DATA/SEEK_HOLE in Linux numbers; copy_file_range in the daemon', (root) => {
    fs.writeFileSync(path.join(root, 'f'), 'x'.repeat(5000));
    const b = backendOn(root, mode);
    const f = walk(b, 'f');
    const { fh } = b.open(ctx, f, O_RDWR);
    assert.is(b.lseek(ctx, f, fh, 100, 3), 100); // SEEK_DATA
    assert.is(b.lseek(ctx, f, fh, 100, 4), 5000); // SEEK_HOLE
    assert.is(errnoOf(() => b.lseek(ctx, f, fh, 5000, 3)), errno.ENXIO);
    assert.is(errnoOf(() => b.lseek(ctx, f, fh, 6000, 4)), errno.ENXIO);
    assert.is(b.lseek(ctx, f, fh, -10, 2), 4990);
    assert.is(errnoOf(() => b.lseek(ctx, f, fh, 0, 9)), errno.EINVAL);
    const c = b.create(ctx, 1, name('g'), 0o100644, 0, O_WRONLY | O_CREAT);
    assert.is(b.copyFileRange(ctx, f, fh, 1000, c.entry.nodeid, c.fh, 10, 3000, 0), 3000);
    assert.is(b.copyFileRange(ctx, f, fh, 4500, c.entry.nodeid, c.fh, 3010, 3000, 0), 500, 'stops at end of file');
    assert.is(errnoOf(() => b.copyFileRange(ctx, f, fh, 0, c.entry.nodeid, c.fh, 0, 1, 1)), errno.EINVAL);
    assert.is(fs.statSync(path.join(root, 'g')).size, 3510);
    b.release(ctx, f, fh, 0, 0, 0n);
    b.release(ctx, c.entry.nodeid, c.fh, 0, 0, 0n);
  });

  T('statfs and access', (root) => {
    const b = backendOn(root, mode);
    const s = b.statfs(ctx, 1);
    const host = fs.statfsSync(root);
    assert.is(s.blocks, host.blocks);
    assert.is(s.bsize, host.bsize);
    assert.is(s.namelen, 255);
    fs.writeFileSync(path.join(root, 'f'), '');
    fs.chmodSync(path.join(root, 'f'), 0o640);
    const f = walk(b, 'f');
    b.access(ctx, f, 6);
    if (process.geteuid!() === 0) {
      const owner = fs.statSync(path.join(root, 'f'));
      assert.is(errnoOf(() => b.access(caller(owner.uid + 1, owner.gid + 1), f, 4)), errno.EACCES);
      b.access(caller(owner.uid + 1, owner.gid), f, 4);
      assert.is(errnoOf(() => b.access(caller(owner.uid + 1, owner.gid), f, 2)), errno.EACCES);
    }
  });

  T('mknod: regular files, FIFOs, sockets and (as root) device nodes are made for real', (root) => {
    const b = backendOn(root, mode);
    assert.is(b.mknod(ctx, 1, name('r'), 0o100600, 0, 0).attr.mode, 0o100600);
    const p = b.mknod(ctx, 1, name('p'), 0o010640, 0, 0);
    assert.is(p.attr.mode, 0o010640);
    assert.ok(fs.lstatSync(path.join(root, 'p')).isFIFO());
    const s = b.mknod(ctx, 1, name('s'), 0o140755, 0, 0o022);
    assert.is(s.attr.mode, 0o140755);
    assert.ok(fs.lstatSync(path.join(root, 's')).isSocket());
    if (process.geteuid!() === 0) {
      const c = b.mknod(ctx, 1, name('c'), 0o020600, (1 << 8) | 3, 0); // 1:3 in new_encode_dev, like /dev/null
      assert.is(c.attr.mode, 0o020600);
      assert.is(c.attr.rdev, (1 << 8) | 3);
      assert.is(fs.lstatSync(path.join(root, 'c')).rdev, fs.statSync('/dev/null').rdev);
      const bigDev = (259 << 8) | 0x10 | (0x123 << 20); // major 259: more than darwin's 8 bits
      if (mode === 'darwin') assert.is(errnoOf(() => b.mknod(ctx, 1, name('blk'), 0o060600, bigDev, 0)), errno.EINVAL);
      else assert.is(b.mknod(ctx, 1, name('blk'), 0o060600, bigDev, 0).attr.rdev, bigDev);
      const blk = b.mknod(ctx, 1, name('blk2'), 0o060600, (8 << 8) | 1 | (0x456 << 20), 0); // 8:0x45601 fits both
      assert.is(blk.attr.rdev, (8 << 8) | 1 | (0x456 << 20));
    } else {
      assert.is(errnoOf(() => b.mknod(ctx, 1, name('c'), 0o020644, 0x103, 0)), errno.EPERM);
    }
    assert.is(errnoOf(() => b.mknod(ctx, 1, name('r'), 0o100600, 0, 0)), errno.EEXIST);
    assert.is(errnoOf(() => b.mknod(ctx, 1, name('r'), 0o010600, 0, 0)), errno.EEXIST);
    assert.is(errnoOf(() => b.mknod(ctx, 1, name('s'), 0o140600, 0, 0)), errno.EEXIST);
    assert.is(errnoOf(() => b.mknod(ctx, 1, name('x'), 0o170600, 0, 0)), errno.EINVAL);
    // No temporary names are left behind.
    assert.equal(fs.readdirSync(root).filter((n) => n.startsWith('.tsfuse')), []);
  });

  T('ownership: chown through setattr', (root) => {
    if (process.geteuid!() !== 0) return;
    fs.writeFileSync(path.join(root, 'f'), '');
    fs.symlinkSync('f', path.join(root, 'l'));
    const b = backendOn(root, mode);
    const f = walk(b, 'f');
    assert.is(b.setattr(ctx, f, setattrIn({ valid: FATTR_UID | FATTR_GID, uid: 77, gid: 88 })).attr.uid, 77);
    assert.is(fs.statSync(path.join(root, 'f')).gid, 88);
    const l = walk(b, 'l');
    b.setattr(ctx, l, setattrIn({ valid: FATTR_UID, uid: 99 }));
    assert.is(fs.lstatSync(path.join(root, 'l')).uid, 99, 'the link itself');
    assert.is(fs.statSync(path.join(root, 'f')).uid, 77, 'not its target');
    assert.is(b.setattr(ctx, f, setattrIn({ valid: FATTR_GID, gid: 5 })).attr.uid, 77, 'uid unchanged');
  });

  T('chmod never follows a symlink; special files change mode without being opened', (root) => {
    fs.writeFileSync(path.join(root, 'target'), '');
    fs.chmodSync(path.join(root, 'target'), 0o600);
    fs.symlinkSync('target', path.join(root, 'l'));
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    const b = backendOn(root, mode);
    const l = walk(b, 'l');
    // Linux cannot change a symlink's mode (darwin's lchmod could; the emulation runs on Linux).
    assert.is(errnoOf(() => b.setattr(ctx, l, setattrIn({ valid: FATTR_MODE, mode: 0o777 }))), errno.EOPNOTSUPP);
    assert.is(fs.statSync(path.join(root, 'target')).mode & 0o777, 0o600);
    const fifo = walk(b, 'fifo');
    assert.is(b.setattr(ctx, fifo, setattrIn({ valid: FATTR_MODE, mode: 0o640 })).attr.mode, 0o010640);
    // Opening a FIFO from the daemon could block it: refused (the kernel never sends OPEN for one).
    assert.is(errnoOf(() => b.open(ctx, fifo, O_RDONLY)), errno.EACCES);
  });

  T('never outside the root: symlinks inside the share are never followed', (root, outside) => {
    fs.symlinkSync(outside, path.join(root, 'escape'));
    fs.symlinkSync(path.join(outside, 'secret'), path.join(root, 'secretlink'));
    const b = backendOn(root, mode);
    const esc = b.lookup(ctx, 1, name('escape'));
    assert.is(esc.attr.mode & 0o170000, 0o120000, 'the link itself');
    assert.is(errnoOf(() => b.lookup(ctx, esc.nodeid, name('secret'))), errno.ENOTDIR);
    assert.is(errnoOf(() => b.opendir(ctx, esc.nodeid, 0)), errno.ENOTDIR);
    assert.is(errnoOf(() => b.create(ctx, esc.nodeid, name('x'), 0o100644, 0, O_WRONLY | O_CREAT)), errno.ENOTDIR);
    const sl = walk(b, 'secretlink');
    assert.is(errnoOf(() => b.open(ctx, sl, O_RDONLY)), errno.ELOOP);
    assert.is(errnoOf(() => b.setattr(ctx, sl, setattrIn({ valid: FATTR_SIZE, size: 0 }))), errno.EINVAL);
    b.setattr(ctx, sl, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME, atime: 5, mtime: 5 }));
    assert.is(fs.lstatSync(path.join(root, 'secretlink')).mtimeMs, 5000);
    assert.is(fs.readFileSync(path.join(outside, 'secret'), 'utf8'), 'secret');
    assert.ok(fs.statSync(path.join(outside, 'secret')).mtimeMs > 5000);
  });

  T('a directory swapped for a symlink on the host: its node goes stale, nothing outside is touched', (root, outside) => {
    fs.mkdirSync(path.join(root, 'd'));
    fs.writeFileSync(path.join(root, 'd', 'secret'), 'inside');
    const b = backendOn(root, mode);
    const d = walk(b, 'd');
    const f = walk(b, 'd', 'secret');
    fs.renameSync(path.join(root, 'd'), path.join(root, 'd.old'));
    fs.symlinkSync(outside, path.join(root, 'd'));
    assert.is(errnoOf(() => b.lookup(ctx, d, name('secret'))), errno.ESTALE);
    assert.is(errnoOf(() => b.create(ctx, d, name('new'), 0o100644, 0, O_WRONLY | O_CREAT)), errno.ESTALE);
    assert.is(errnoOf(() => b.unlink(ctx, d, name('secret'))), errno.ESTALE);
    assert.is(errnoOf(() => b.setattr(ctx, f, setattrIn({ valid: FATTR_MODE, mode: 0o777 }))), errno.ESTALE);
    assert.is(errnoOf(() => b.opendir(ctx, d, 0)), errno.ESTALE);
    assert.is(errnoOf(() => b.open(ctx, f, O_RDWR | O_TRUNC)), errno.ESTALE);
    assert.equal(fs.readdirSync(outside), ['secret']);
    assert.is(fs.readFileSync(path.join(outside, 'secret'), 'utf8'), 'secret');
    assert.is(fs.statSync(path.join(outside, 'secret')).mode & 0o777, 0o644);
  });
}

test('mapOwnerToRoot: the daemon user is shown as root and chown to 0 maps back', () => {
  const root = tempDir();
  try {
    fs.writeFileSync(path.join(root, 'mine'), '');
    const b = backendOn(root, 'darwin', { mapOwnerToRoot: true });
    const uid = process.geteuid!();
    const gid = process.getegid!();
    const e = b.lookup(ctx, 1, name('mine'));
    assert.is(e.attr.uid, 0);
    assert.is(e.attr.gid, 0);
    if (uid === 0) {
      fs.chownSync(path.join(root, 'mine'), 4242, 4343);
      assert.is(b.getattr(ctx, e.nodeid, undefined).attr.uid, 4242);
      b.setattr(ctx, e.nodeid, setattrIn({ valid: FATTR_UID | FATTR_GID, uid: 0, gid: 0 }));
      assert.is(fs.statSync(path.join(root, 'mine')).uid, uid);
      assert.is(fs.statSync(path.join(root, 'mine')).gid, gid);
    }
  } finally {
    rmTemp(root);
  }
});

test.run();
