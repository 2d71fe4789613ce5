// MemoryBackend: file contents and metadata — open/read/write with flags,
// sparse storage, SEEK_DATA/SEEK_HOLE, fallocate, copy_file_range, truncate,
// setattr and kill-priv, statfs and ENOSPC, xattrs, tmpfile, access, atime.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errno } from '@tsfuse/protocol';
import type { MemoryBackend } from '../src/index.js';
import { checkInvariantsAfterEach, b, ctx, errnoOf, make, root, setattrIn, times, touch, ts } from './memory-backend-fixture.js';

const S_IFREG = 0o100000;
const S_IFIFO = 0o010000;
const O_RDONLY = 0;
const O_WRONLY = 1;
const O_RDWR = 2;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_EXCL = 0o200;
const FATTR_MODE = 1, FATTR_UID = 2, FATTR_GID = 4, FATTR_SIZE = 8, FATTR_ATIME = 16, FATTR_MTIME = 32;
const FATTR_ATIME_NOW = 128, FATTR_MTIME_NOW = 256, FATTR_KILL_SUIDGID = 2048;
const FUSE_WRITE_KILL_SUIDGID = 4;
const SEEK_DATA = 3, SEEK_HOLE = 4;
const KEEP_SIZE = 1, PUNCH_HOLE = 2, ZERO_RANGE = 0x10, COLLAPSE_RANGE = 0x08;
const TiB = 2 ** 40;
const MiB = 2 ** 20;

/** Creates `name` and returns its node id and an O_RDWR handle. */
function openNew(fs: MemoryBackend, name: string, flags = O_RDWR, parent = 1) {
  const r = fs.create(root, parent, b(name), S_IFREG | 0o644, 0, flags);
  return { id: r.entry.nodeid, fh: r.fh };
}
const str = (u: Uint8Array) => Buffer.from(u).toString();

test('write then read round-trips at any offset; size grows; mtime/ctime stamp on write', () => {
  const { fs, clock } = make();
  const { id, fh } = openNew(fs, 'f');
  const t = ts(clock.tick());
  assert.is(fs.write(root, id, fh, 0, b('hello world'), 0, O_RDWR), 11);
  assert.is(fs.getattr(root, id).attr.size, 11);
  assert.is(times(fs, id).mtime, t);
  assert.is(times(fs, id).ctime, t);
  assert.is(str(fs.read(root, id, fh, 6, 100, 0)), 'world');
  assert.is(fs.read(root, id, fh, 11, 100, 0).length, 0, 'at EOF: empty');
  assert.is(fs.read(root, id, fh, 500, 100, 0).length, 0, 'past EOF: empty');
  // A write spanning chunk boundaries, read back in one piece and in pieces.
  const big = Buffer.alloc(300_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
  assert.is(fs.write(root, id, fh, 60_000, big, 0, O_RDWR), big.length);
  assert.ok(Buffer.from(fs.read(root, id, fh, 60_000, big.length, 0)).equals(big));
  assert.ok(Buffer.from(fs.read(root, id, fh, 65_000, 70_000, 0)).equals(big.subarray(5_000, 75_000)));
  assert.is(fs.write(root, id, fh, 3, Buffer.alloc(0), 0, O_RDWR), 0, 'empty write');
});

test('O_APPEND writes at the end whatever the offset; O_TRUNC empties and stamps even an empty file', () => {
  const { fs, clock } = make();
  const { id, fh } = openNew(fs, 'f');
  fs.write(root, id, fh, 0, b('abc'), 0, O_RDWR);
  const app = fs.open(root, id, O_WRONLY | O_APPEND).fh;
  fs.write(root, id, app, 0, b('def'), 0, O_WRONLY | O_APPEND);
  assert.is(str(fs.read(root, id, fh, 0, 10, 0)), 'abcdef');
  const t = ts(clock.tick());
  fs.open(root, id, O_WRONLY | O_TRUNC);
  assert.is(fs.getattr(root, id).attr.size, 0);
  assert.is(fs.getattr(root, id).attr.blocks, 0, 'data freed');
  assert.is(times(fs, id).mtime, t);
  const t2 = ts(clock.tick());
  fs.open(root, id, O_RDWR | O_TRUNC);
  assert.is(times(fs, id).mtime, t2, 'already empty, stamped anyway');
  assert.is(times(fs, id).ctime, t2);
});

test('handles are checked: EBADF for unknown, foreign, read-only writes and write-only reads', () => {
  const { fs } = make();
  const { id, fh } = openNew(fs, 'f');
  const other = openNew(fs, 'g');
  const ro = fs.open(root, id, O_RDONLY).fh;
  const wo = fs.open(root, id, O_WRONLY).fh;
  assert.is(errnoOf(() => fs.write(root, id, ro, 0, b('x'), 0, O_RDONLY)), errno.EBADF);
  assert.is(errnoOf(() => fs.read(root, id, wo, 0, 1, 0)), errno.EBADF);
  assert.is(errnoOf(() => fs.read(root, id, 9999, 0, 1, 0)), errno.EBADF);
  assert.is(errnoOf(() => fs.read(root, id, other.fh, 0, 1, 0)), errno.EBADF);
  assert.is(errnoOf(() => fs.flush(root, id, 9999, 0n)), errno.EBADF);
  assert.is(errnoOf(() => fs.fsync(root, id, 9999, false)), errno.EBADF);
  fs.flush(root, id, fh, 0n);
  fs.fsync(root, id, fh, true);
  fs.release(root, id, fh, 0, 0, 0n);
  assert.is(errnoOf(() => fs.release(root, id, fh, 0, 0, 0n)), errno.EBADF, 'released twice');
  const dfh = fs.opendir(root, 1, 0).fh;
  assert.is(errnoOf(() => fs.read(root, 1, dfh, 0, 1, 0)), errno.EBADF, 'a directory handle is not a file handle');
});

test('open of a directory is EISDIR, of a symlink ELOOP, of a FIFO ENXIO (the kernel serves those itself)', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const l = fs.symlink(root, 1, b('l'), b('d')).nodeid;
  const p = fs.mknod(root, 1, b('p'), S_IFIFO | 0o644, 0, 0).nodeid;
  assert.is(errnoOf(() => fs.open(root, d, O_RDONLY)), errno.EISDIR);
  assert.is(errnoOf(() => fs.open(root, l, O_RDONLY)), errno.ELOOP);
  assert.is(errnoOf(() => fs.open(root, p, O_RDONLY)), errno.ENXIO);
  const f = touch(fs, 1, 'f');
  assert.is(errnoOf(() => fs.opendir(root, f, 0)), errno.ENOTDIR);
});

test('sparse files: a byte at 1 TiB costs one page; holes read as zeros; st_blocks counts pages', () => {
  const { fs } = make();
  const { id, fh } = openNew(fs, 'sparse');
  fs.write(root, id, fh, TiB, b('x'), 0, O_RDWR);
  const a = fs.getattr(root, id).attr;
  assert.is(a.size, TiB + 1);
  assert.is(a.blocks, 8, 'one 4 KiB page');
  assert.is(fs.bytesUsed, 4096);
  assert.ok(fs.read(root, id, fh, 123_456_789, 4096, 0).every((x) => x === 0));
  const edge = fs.read(root, id, fh, TiB - 3, 10, 0);
  assert.equal([...edge], [0, 0, 0, 0x78]);
  fs.write(root, id, fh, 0, Buffer.alloc(10_000, 1), 0, O_RDWR);
  assert.is(fs.getattr(root, id).attr.blocks, 8 + 24, 'plus three pages');
});

test('SEEK_DATA/SEEK_HOLE follow the allocation; ENXIO at and past EOF', () => {
  const { fs } = make();
  const { id, fh } = openNew(fs, 'f');
  fs.write(root, id, fh, 0, Buffer.alloc(100, 1), 0, O_RDWR);
  fs.write(root, id, fh, 10 * MiB, Buffer.alloc(100, 2), 0, O_RDWR);
  const size = 10 * MiB + 100;
  assert.is(fs.lseek(root, id, fh, 0, SEEK_DATA), 0);
  assert.is(fs.lseek(root, id, fh, 0, SEEK_HOLE), 4096, 'data ends with the first page');
  assert.is(fs.lseek(root, id, fh, 5000, SEEK_DATA), 10 * MiB);
  assert.is(fs.lseek(root, id, fh, 5000, SEEK_HOLE), 5000, 'already in a hole');
  assert.is(fs.lseek(root, id, fh, 10 * MiB + 10, SEEK_HOLE), size, 'the virtual hole at EOF');
  assert.is(errnoOf(() => fs.lseek(root, id, fh, size, SEEK_DATA)), errno.ENXIO);
  assert.is(errnoOf(() => fs.lseek(root, id, fh, size, SEEK_HOLE)), errno.ENXIO);
  assert.is(errnoOf(() => fs.lseek(root, id, fh, -1, SEEK_DATA)), errno.ENXIO);
  fs.setattr(root, id, setattrIn({ valid: FATTR_SIZE, size: 20 * MiB }));
  assert.is(errnoOf(() => fs.lseek(root, id, fh, 11 * MiB, SEEK_DATA)), errno.ENXIO, 'only a hole up to EOF');
  const empty = openNew(fs, 'e');
  fs.setattr(root, empty.id, setattrIn({ valid: FATTR_SIZE, size: 1000 }));
  assert.is(fs.lseek(root, empty.id, empty.fh, 0, SEEK_HOLE), 0);
  assert.is(errnoOf(() => fs.lseek(root, empty.id, empty.fh, 0, SEEK_DATA)), errno.ENXIO);
});

test('truncate: shrinking frees and forgets data (growing again shows zeros); mtime/ctime always stamped', () => {
  const { fs, clock } = make();
  const { id, fh } = openNew(fs, 'f');
  fs.write(root, id, fh, 0, Buffer.alloc(200_000, 9), 0, O_RDWR);
  const used = fs.bytesUsed;
  fs.setattr(root, id, setattrIn({ valid: FATTR_SIZE, size: 10 }));
  assert.ok(fs.bytesUsed < used);
  fs.setattr(root, id, setattrIn({ valid: FATTR_SIZE, size: 200_000 }));
  const back = fs.read(root, id, fh, 0, 200_000, 0);
  assert.ok(back.subarray(0, 10).every((x) => x === 9));
  assert.ok(back.subarray(10).every((x) => x === 0), 'no stale bytes');
  const t = ts(clock.tick());
  fs.setattr(root, id, setattrIn({ valid: FATTR_SIZE, size: 200_000 }));
  assert.is(times(fs, id).mtime, t, 'same size, stamped anyway (as truncate(2) on Linux)');
  assert.is(times(fs, id).ctime, t);
  assert.is(errnoOf(() => fs.setattr(root, 1, setattrIn({ valid: FATTR_SIZE, size: 0 }))), errno.EISDIR);
  const l = fs.symlink(root, 1, b('l'), b('f')).nodeid;
  assert.is(errnoOf(() => fs.setattr(root, l, setattrIn({ valid: FATTR_SIZE, size: 0 }))), errno.EINVAL);
});

test('EFBIG beyond 2^53 - 1; writes are cut at the limit', () => {
  const { fs } = make();
  const { id, fh } = openNew(fs, 'f');
  const max = Number.MAX_SAFE_INTEGER;
  assert.is(errnoOf(() => fs.write(root, id, fh, max, b('x'), 0, O_RDWR)), errno.EFBIG);
  assert.is(fs.write(root, id, fh, max - 2, b('abcd'), 0, O_RDWR), 2);
  assert.is(fs.getattr(root, id).attr.size, max);
  assert.is(errnoOf(() => fs.setattr(root, id, setattrIn({ valid: FATTR_SIZE, size: 2 ** 60 }))), errno.EFBIG);
  assert.is(errnoOf(() => fs.fallocate(root, id, fh, max - 1, 10, 0)), errno.EFBIG);
});

test('fallocate: mode 0 allocates and extends, KEEP_SIZE only allocates, PUNCH_HOLE frees; the rest EOPNOTSUPP', () => {
  const { fs, clock } = make();
  const { id, fh } = openNew(fs, 'f');
  const t = ts(clock.tick());
  fs.fallocate(root, id, fh, 0, 100_000, 0);
  let a = fs.getattr(root, id).attr;
  assert.is(a.size, 100_000);
  assert.is(a.blocks, (100_000 / 4096 | 0) * 8 + 8);
  assert.is(times(fs, id).mtime, t);
  fs.fallocate(root, id, fh, 4 * 65536, 4096, KEEP_SIZE); // one page at a chunk start
  a = fs.getattr(root, id).attr;
  assert.is(a.size, 100_000, 'KEEP_SIZE');
  assert.is(a.blocks, (100_000 / 4096 | 0) * 8 + 8 + 8);
  fs.write(root, id, fh, 0, Buffer.alloc(100_000, 5), 0, O_RDWR);
  fs.fallocate(root, id, fh, 0, 65536, PUNCH_HOLE | KEEP_SIZE);
  assert.ok(fs.read(root, id, fh, 0, 65536, 0).every((x) => x === 0), 'punched bytes read as zeros');
  assert.ok(fs.read(root, id, fh, 65536, 100, 0).every((x) => x === 5), 'neighbours intact');
  assert.is(fs.lseek(root, id, fh, 0, SEEK_DATA), 65536, 'the hole is a hole');
  assert.is(fs.getattr(root, id).attr.size, 100_000);
  assert.is(errnoOf(() => fs.fallocate(root, id, fh, 0, 10, PUNCH_HOLE)), errno.EOPNOTSUPP);
  assert.is(errnoOf(() => fs.fallocate(root, id, fh, 0, 10, ZERO_RANGE)), errno.EOPNOTSUPP);
  assert.is(errnoOf(() => fs.fallocate(root, id, fh, 0, 10, COLLAPSE_RANGE)), errno.EOPNOTSUPP);
  assert.is(errnoOf(() => fs.fallocate(root, id, fh, 0, 0, 0)), errno.EINVAL);
  assert.is(errnoOf(() => fs.fallocate(root, id, fh, -1, 10, 0)), errno.EINVAL);
  const ro = fs.open(root, id, O_RDONLY).fh;
  assert.is(errnoOf(() => fs.fallocate(root, id, ro, 0, 10, 0)), errno.EBADF);
});

test('copy_file_range copies bytes, keeps holes, stops at EOF, and refuses overlap, flags and O_APPEND', () => {
  const { fs } = make();
  const src = openNew(fs, 'src');
  const dst = openNew(fs, 'dst');
  fs.write(root, src.id, src.fh, 0, b('head'), 0, O_RDWR);
  fs.write(root, src.id, src.fh, 5 * MiB, b('tail'), 0, O_RDWR);
  const n = fs.copyFileRange(root, src.id, src.fh, 0, dst.id, dst.fh, 0, 100 * MiB, 0);
  assert.is(n, 5 * MiB + 4, 'up to the end of the source');
  const a = fs.getattr(root, dst.id).attr;
  assert.is(a.size, 5 * MiB + 4);
  assert.is(a.blocks, 16, 'two pages: the hole stayed a hole');
  assert.is(str(fs.read(root, dst.id, dst.fh, 5 * MiB, 10, 0)), 'tail');
  assert.is(str(fs.read(root, dst.id, dst.fh, 0, 4, 0)), 'head');
  // Copying a hole over data zeroes it.
  fs.write(root, dst.id, dst.fh, 1000, b('junk'), 0, O_RDWR);
  fs.copyFileRange(root, src.id, src.fh, 1000, dst.id, dst.fh, 1000, 4, 0);
  assert.equal([...fs.read(root, dst.id, dst.fh, 1000, 4, 0)], [0, 0, 0, 0]);
  assert.is(fs.copyFileRange(root, src.id, src.fh, 6 * MiB, dst.id, dst.fh, 0, 10, 0), 0, 'past EOF: nothing');
  assert.is(fs.copyFileRange(root, src.id, src.fh, 0, src.id, src.fh, 100, 4, 0), 4, 'same file, no overlap');
  assert.is(str(fs.read(root, src.id, src.fh, 100, 4, 0)), 'head');
  assert.is(errnoOf(() => fs.copyFileRange(root, src.id, src.fh, 0, src.id, src.fh, 2, 4, 0)), errno.EINVAL);
  assert.is(errnoOf(() => fs.copyFileRange(root, src.id, src.fh, 0, dst.id, dst.fh, 0, 4, 1)), errno.EINVAL);
  const app = fs.open(root, dst.id, O_WRONLY | O_APPEND).fh;
  assert.is(errnoOf(() => fs.copyFileRange(root, src.id, src.fh, 0, dst.id, app, 0, 4, 0)), errno.EBADF);
  const wo = fs.open(root, src.id, O_WRONLY).fh;
  assert.is(errnoOf(() => fs.copyFileRange(root, src.id, wo, 0, dst.id, dst.fh, 0, 4, 0)), errno.EBADF);
});

test('statfs reports the configured capacity; ENOSPC when data or inodes run out; space returns on free', () => {
  const { fs } = make({ capacity: MiB, maxInodes: 5 });
  let s = fs.statfs();
  assert.is(s.blocks, 256);
  assert.is(s.bfree, 256);
  assert.is(s.bsize, 4096);
  assert.is(s.namelen, 255);
  assert.is(s.files, 5);
  assert.is(s.ffree, 4);
  const { id, fh } = openNew(fs, 'f');
  fs.write(root, id, fh, 0, Buffer.alloc(512 * 1024), 0, O_RDWR);
  s = fs.statfs();
  assert.is(s.bfree, 128);
  assert.is(s.ffree, 3);
  assert.is(errnoOf(() => fs.write(root, id, fh, MiB, Buffer.alloc(600 * 1024), 0, O_RDWR)), errno.ENOSPC);
  assert.is(fs.getattr(root, id).attr.size, 512 * 1024, 'nothing written');
  assert.is(errnoOf(() => fs.fallocate(root, id, fh, 0, 10 * TiB, 0)), errno.ENOSPC);
  touch(fs, 1, 'a');
  touch(fs, 1, 'b');
  touch(fs, 1, 'c');
  assert.is(errnoOf(() => touch(fs, 1, 'd')), errno.ENOSPC);
  assert.is(errnoOf(() => fs.mkdir(root, 1, b('d'), 0o755, 0)), errno.ENOSPC);
  // Unlinked but open: space stays charged until the last reference goes.
  fs.unlink(root, 1, b('f'));
  assert.is(fs.statfs().bfree, 128);
  fs.release(root, id, fh, 0, 0, 0n);
  fs.forget(id, fs.lookupCount(id)!);
  assert.is(fs.statfs().bfree, 256);
  assert.is(fs.statfs().ffree, 1);
});

test('setattr: chmod stamps only ctime; explicit and NOW times; bad nanoseconds EINVAL', () => {
  const { fs, clock } = make();
  const f = touch(fs, 1, 'f');
  const before = times(fs, f);
  const t = ts(clock.tick());
  const a = fs.setattr(root, f, setattrIn({ valid: FATTR_MODE, mode: 0o600 })).attr;
  assert.is(a.mode, S_IFREG | 0o600);
  assert.equal(times(fs, f), { atime: before.atime, mtime: before.mtime, ctime: t });
  fs.setattr(root, f, setattrIn({ valid: FATTR_ATIME | FATTR_MTIME, atime: 12, atimensec: 34, mtime: 56, mtimensec: 78 }));
  assert.equal(times(fs, f), { atime: '12.34', mtime: '56.78', ctime: t });
  const t2 = ts(clock.tick());
  fs.setattr(root, f, setattrIn({ valid: FATTR_ATIME | FATTR_ATIME_NOW | FATTR_MTIME | FATTR_MTIME_NOW }));
  assert.equal(times(fs, f), { atime: t2, mtime: t2, ctime: t2 });
  assert.is(errnoOf(() => fs.setattr(root, f, setattrIn({ valid: FATTR_MTIME, mtime: 1, mtimensec: 1e9 }))), errno.EINVAL);
  assert.is(errnoOf(() => fs.setattr(root, f, setattrIn({ valid: FATTR_SIZE | 64, fh: 4242, size: 0 }))), errno.EBADF);
});

test('chown kills set-id bits (root too; S_ISGID only with group-exec); chmod by a non-member drops S_ISGID', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'f');
  fs.setattr(root, f, setattrIn({ valid: FATTR_MODE, mode: 0o6755 }));
  assert.is(fs.setattr(root, f, setattrIn({ valid: FATTR_UID, uid: 1000 })).attr.mode, S_IFREG | 0o755);
  fs.setattr(root, f, setattrIn({ valid: FATTR_MODE, mode: 0o6745 }));
  assert.is(fs.setattr(root, f, setattrIn({ valid: FATTR_GID, gid: 5 })).attr.mode, S_IFREG | 0o2745);
  const d = fs.mkdir(root, 1, b('d'), 0o2755, 0).nodeid;
  fs.setattr(root, d, setattrIn({ valid: FATTR_MODE, mode: 0o2755 }));
  assert.is(fs.setattr(root, d, setattrIn({ valid: FATTR_UID, uid: 7 })).attr.mode & 0o7777, 0o2755, 'directories keep them');
  // chown with an explicit mode: the mode the kernel computed wins.
  assert.is(fs.setattr(root, f, setattrIn({ valid: FATTR_UID | FATTR_MODE, uid: 0, mode: 0o4755 })).attr.mode, S_IFREG | 0o4755);
  // chmod g+s by uid 1000 whose groups do not include the file's group (5).
  fs.setattr(root, f, setattrIn({ valid: FATTR_UID, uid: 1000 }));
  assert.is(fs.setattr(ctx(1000, 100), f, setattrIn({ valid: FATTR_MODE, mode: 0o2755 })).attr.mode, S_IFREG | 0o755);
  assert.is(fs.setattr(ctx(1000, 100, [5]), f, setattrIn({ valid: FATTR_MODE, mode: 0o2755 })).attr.mode, S_IFREG | 0o2755);
});

test('kill-priv on write: a non-root writer or FUSE_WRITE_KILL_SUIDGID clears S_ISUID (and S_ISGID with g+x)', () => {
  const { fs } = make();
  const { id, fh } = openNew(fs, 'f');
  fs.setattr(root, id, setattrIn({ valid: FATTR_MODE, mode: 0o6755 }));
  fs.write(root, id, fh, 0, b('root'), 0, O_RDWR);
  assert.is(fs.getattr(root, id).attr.mode, S_IFREG | 0o6755, 'root (CAP_FSETID) keeps them');
  fs.write(ctx(1000, 100), id, fh, 0, b('user'), 0, O_RDWR);
  assert.is(fs.getattr(root, id).attr.mode, S_IFREG | 0o755);
  fs.setattr(root, id, setattrIn({ valid: FATTR_MODE, mode: 0o6745 }));
  fs.write(root, id, fh, 0, b('flag'), FUSE_WRITE_KILL_SUIDGID, O_RDWR);
  assert.is(fs.getattr(root, id).attr.mode, S_IFREG | 0o2745, 'S_ISGID without g+x is a locking mark: kept');
  fs.setattr(root, id, setattrIn({ valid: FATTR_MODE, mode: 0o4755 }));
  fs.setattr(root, id, setattrIn({ valid: FATTR_SIZE | FATTR_KILL_SUIDGID, size: 0 }));
  assert.is(fs.getattr(root, id).attr.mode, S_IFREG | 0o755, 'FATTR_KILL_SUIDGID on truncate');
});

test('xattrs: CREATE/REPLACE, size 0 and ERANGE, list, remove, namespaces, user.* only on files and dirs', () => {
  const { fs, clock } = make();
  const f = touch(fs, 1, 'f');
  assert.is(errnoOf(() => fs.setxattr(root, f, 'user.a', b('1'), 2)), errno.ENODATA, 'REPLACE of a missing name');
  const t = ts(clock.tick());
  fs.setxattr(root, f, 'user.a', b('one'), 0);
  assert.is(times(fs, f).ctime, t);
  assert.is(errnoOf(() => fs.setxattr(root, f, 'user.a', b('1'), 1)), errno.EEXIST, 'CREATE of an existing name');
  fs.setxattr(root, f, 'user.a', b('uno'), 2);
  fs.setxattr(root, f, 'trusted.t', b('x'), 1);
  assert.is(fs.getxattr(root, f, 'user.a', 0), 3);
  assert.is(str(fs.getxattr(root, f, 'user.a', 3) as Uint8Array), 'uno');
  assert.is(errnoOf(() => fs.getxattr(root, f, 'user.a', 2)), errno.ERANGE);
  assert.is(errnoOf(() => fs.getxattr(root, f, 'user.none', 10)), errno.ENODATA);
  const list = 'user.a\0trusted.t\0';
  assert.is(fs.listxattr(root, f, 0), list.length);
  assert.is(str(fs.listxattr(root, f, 100) as Uint8Array), list);
  assert.is(errnoOf(() => fs.listxattr(root, f, 5)), errno.ERANGE);
  fs.removexattr(root, f, 'user.a');
  assert.is(errnoOf(() => fs.removexattr(root, f, 'user.a')), errno.ENODATA);
  assert.is(fs.listxattr(root, f, 0), 'trusted.t\0'.length);
  assert.is(errnoOf(() => fs.setxattr(root, f, 'foo.bar', b('1'), 0)), errno.EOPNOTSUPP);
  assert.is(errnoOf(() => fs.setxattr(root, f, 'system.posix_acl_access', b('1'), 0)), errno.EOPNOTSUPP);
  assert.is(errnoOf(() => fs.setxattr(root, f, 'user.', b('1'), 0)), errno.EINVAL);
  assert.is(errnoOf(() => fs.setxattr(root, f, 'user.' + 'x'.repeat(251), b('1'), 0)), errno.ERANGE);
  assert.is(errnoOf(() => fs.setxattr(root, f, 'user.big', Buffer.alloc(65537), 0)), errno.E2BIG);
  const l = fs.symlink(root, 1, b('l'), b('f')).nodeid;
  assert.is(errnoOf(() => fs.setxattr(root, l, 'user.a', b('1'), 0)), errno.EPERM);
  assert.is(errnoOf(() => fs.getxattr(root, l, 'user.a', 0)), errno.ENODATA);
  fs.setxattr(root, l, 'trusted.ok', b('1'), 0);
  fs.setxattr(root, 1, 'user.dir', b('1'), 0);
  assert.is(fs.getxattr(root, 1, 'user.dir', 0), 1);
});

test('tmpfile: an unlinked open file that linkat can name, unless opened O_EXCL; freed when dropped', () => {
  const { fs } = make();
  const t = fs.tmpfile(root, 1, S_IFREG | 0o600, 0, O_RDWR);
  assert.is(t.entry.attr.nlink, 0);
  assert.is(t.entry.attr.mode, S_IFREG | 0o600);
  fs.write(root, t.entry.nodeid, t.fh, 0, b('data'), 0, O_RDWR);
  assert.is(fs.lookupCount(t.entry.nodeid), 1);
  const named = fs.link(root, t.entry.nodeid, 1, b('named'));
  assert.is(named.attr.nlink, 1);
  assert.is(str(fs.read(root, t.entry.nodeid, t.fh, 0, 10, 0)), 'data');
  const x = fs.tmpfile(root, 1, S_IFREG | 0o600, 0, O_RDWR | O_EXCL);
  assert.is(errnoOf(() => fs.link(root, x.entry.nodeid, 1, b('nope'))), errno.ENOENT);
  const count = fs.inodeCount;
  fs.release(root, x.entry.nodeid, x.fh, 0, 0, 0n);
  fs.forget(x.entry.nodeid, 1);
  assert.is(fs.inodeCount, count - 1);
  // An unlinked regular file cannot be linked back either.
  const f = touch(fs, 1, 'f');
  fs.unlink(root, 1, b('f'));
  assert.is(errnoOf(() => fs.link(root, f, 1, b('again'))), errno.ENOENT);
});

test('access checks owner, group (supplementary too) and other bits; root needs an x bit to execute', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'f', 0o640);
  fs.setattr(root, f, setattrIn({ valid: FATTR_UID | FATTR_GID, uid: 1000, gid: 50 }));
  const R = 4, W = 2, X = 1;
  fs.access(ctx(1000, 1), f, R | W);
  assert.is(errnoOf(() => fs.access(ctx(1000, 1), f, X)), errno.EACCES);
  fs.access(ctx(2000, 50), f, R);
  fs.access(ctx(2000, 1, [7, 50]), f, R);
  assert.is(errnoOf(() => fs.access(ctx(2000, 50), f, W)), errno.EACCES);
  assert.is(errnoOf(() => fs.access(ctx(3000, 3), f, R)), errno.EACCES);
  fs.access(ctx(3000, 3), f, 0);
  fs.access(root, f, R | W);
  assert.is(errnoOf(() => fs.access(root, f, X)), errno.EACCES);
  fs.access(root, 1, X);
  assert.is(errnoOf(() => fs.access(root, f, 8)), errno.EINVAL);
});

test('atime: relatime updates when atime <= mtime or a day old; strictatime always; noatime never', () => {
  for (const [mode, expectSecond] of [['relatime', false], ['strictatime', true]] as const) {
    const { fs, clock } = make({ atime: mode });
    const { id, fh } = openNew(fs, 'f');
    fs.write(root, id, fh, 0, b('x'), 0, O_RDWR);
    const t1 = ts(clock.tick());
    fs.read(root, id, fh, 0, 1, 0);
    assert.is(times(fs, id).atime, t1, `${mode}: first read after a write`);
    const t2 = ts(clock.tick());
    fs.read(root, id, fh, 0, 1, 0);
    assert.is(times(fs, id).atime === t2, expectSecond, `${mode}: second read`);
    if (mode === 'relatime') {
      clock.sec += 86_400;
      const t3 = ts(clock.now());
      fs.read(root, id, fh, 0, 1, 0);
      assert.is(times(fs, id).atime, t3, 'a day later');
    }
  }
  const { fs, clock } = make({ atime: 'noatime' });
  const { id, fh } = openNew(fs, 'f');
  const before = times(fs, id).atime;
  clock.tick();
  fs.read(root, id, fh, 0, 1, 0);
  assert.is(times(fs, id).atime, before);
});

test('with the writeback cache negotiated, the kernel owns O_APPEND and may read through write-only handles', () => {
  const { fs } = make();
  fs.init({ minor: 45, flags: 1n << 16n /* FUSE_WRITEBACK_CACHE */ });
  const { id, fh } = openNew(fs, 'f');
  fs.write(root, id, fh, 0, b('abcdef'), 0, O_RDWR);
  const app = fs.open(root, id, O_WRONLY | O_APPEND).fh;
  fs.write(root, id, app, 1, b('X'), 1 /* FUSE_WRITE_CACHE */, O_WRONLY | O_APPEND);
  assert.is(str(fs.read(root, id, app, 0, 10, 0)), 'aXcdef', 'written where the kernel said, read through O_WRONLY');
});

test('random writes, truncates, punches, allocations and copies match a flat-buffer model; space = sum of st_blocks', () => {
  // mulberry32: a small seeded PRNG whose every output bit is usable.
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  const { fs } = make();
  const { id, fh } = openNew(fs, 'model');
  const other = openNew(fs, 'other');
  const LIMIT = 600_000;
  let model = Buffer.alloc(0);
  const setSize = (n: number) => {
    const next = Buffer.alloc(n);
    model.copy(next, 0, 0, Math.min(n, model.length));
    model = next;
  };
  for (let step = 0; step < 400; step++) {
    const op = rand(6);
    const off = rand(LIMIT);
    const len = 1 + rand(op === 0 ? 70_000 : 200_000);
    if (op === 0 || op === 1) {
      const data = Buffer.alloc(len, 1 + rand(250));
      fs.write(root, id, fh, off, data, 0, O_RDWR);
      if (off + len > model.length) setSize(off + len);
      data.copy(model, off);
    } else if (op === 2) {
      fs.setattr(root, id, setattrIn({ valid: FATTR_SIZE, size: off }));
      setSize(off);
    } else if (op === 3) {
      fs.fallocate(root, id, fh, off, len, PUNCH_HOLE | KEEP_SIZE);
      model.fill(0, Math.min(off, model.length), Math.min(off + len, model.length));
    } else if (op === 4) {
      fs.fallocate(root, id, fh, off, len, rand(2) === 0 ? 0 : KEEP_SIZE);
      // Mode 0 may extend the size; read the truth back for the model's length.
      setSize(fs.getattr(root, id).attr.size);
    } else {
      // Copy a range of this file into the other file and back to a non-overlapping place.
      const n = fs.copyFileRange(root, id, fh, off, other.id, other.fh, 0, len, 0);
      const dst = rand(LIMIT);
      const back = fs.copyFileRange(root, other.id, other.fh, 0, id, fh, dst, n, 0);
      assert.is(back, n);
      const piece = Buffer.from(model.subarray(off, off + n));
      if (n > 0 && dst + n > model.length) setSize(dst + n); // copying nothing extends nothing
      piece.copy(model, dst);
    }
    const a = fs.getattr(root, id).attr;
    assert.is(a.size, model.length, `size after step ${step} (op ${op})`);
    const got = Buffer.from(fs.read(root, id, fh, 0, model.length, 0));
    if (!got.equals(model)) assert.unreachable(`contents differ after step ${step} (op ${op})`);
    const blocks = a.blocks + fs.getattr(root, other.id).attr.blocks;
    assert.is(fs.bytesUsed, blocks * 512, `space accounting after step ${step}`);
    assert.equal(fs.checkInvariants(), [], `invariants after step ${step} (op ${op})`);
  }
});

test('statx reports btime, which never changes', () => {
  const { fs, clock } = make();
  const born = ts(clock.tick());
  const { id, fh } = openNew(fs, 'f');
  clock.tick();
  fs.write(root, id, fh, 0, b('x'), 0, O_RDWR);
  const s = fs.statx(root, id).statx;
  assert.is(`${s.btime.sec}.${s.btime.nsec}`, born);
  assert.ok(s.mtime.sec > s.btime.sec);
  assert.is(s.mask & 0xfff, 0xfff);
  assert.is(s.ino, id);
});

checkInvariantsAfterEach(test);
test.run();
