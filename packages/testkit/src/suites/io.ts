/**
 * File contents: read/write at every interesting size and offset, sparse
 * files and SEEK_DATA/SEEK_HOLE, truncate and extend, O_APPEND and O_TRUNC,
 * files kept alive by an open handle, fallocate, copy_file_range.
 */
import { FALLOC_FL_KEEP_SIZE, FALLOC_FL_PUNCH_HOLE, O, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET } from '../client/abi.js';
import { FsError } from '../client/errors.js';
import { check, checkBytes, checkEqual, expectErrno, patternBytes, requireSupport, type Scenario, type ScenarioContext } from './context.js';

const decoder = new TextDecoder();
const zeros = (n: number): Uint8Array => new Uint8Array(n);

async function writeAll(ctx: ScenarioContext, fd: number, data: Uint8Array, position: number): Promise<void> {
  const n = await ctx.fs.write(fd, data, position);
  checkEqual(n, data.length, `bytes written at ${position}`);
}

const writeReadRoundTrip: Scenario = async (ctx) => {
  const maxWrite = ctx.client.negotiated.maxWrite;
  const sizes = [0, 1, 7, 4095, 4096, 4097, 65536 + 3, 131072, maxWrite, maxWrite + 1, 3 * 1024 * 1024 + 17];
  for (const [i, size] of sizes.entries()) {
    const path = `/rt-${i}`;
    const data = patternBytes(size, i + 1);
    await ctx.fs.writeFile(path, data);
    checkEqual((await ctx.fs.stat(path)).size, size, `size after writing ${size} bytes`);
    checkBytes(await ctx.fs.readFile(path), data, `read back ${size} bytes`);
  }
  // Odd reads at odd offsets of the biggest file.
  const big = patternBytes(3 * 1024 * 1024 + 17, sizes.length);
  const fd = await ctx.fs.open(`/rt-${sizes.length - 1}`, O.RDONLY);
  try {
    for (const [off, len] of [[0, 1], [1, 4096], [4095, 2], [123457, 200001], [big.length - 10, 100], [big.length, 10], [big.length + 4096, 1]] as const) {
      const got = await ctx.fs.read(fd, len, off);
      checkBytes(got, big.subarray(Math.min(off, big.length), Math.min(off + len, big.length)), `read of ${len} at ${off}`);
    }
  } finally {
    await ctx.fs.close(fd);
  }
};

const overwriteInPlace: Scenario = async (ctx) => {
  const base = patternBytes(20000, 9);
  await ctx.fs.writeFile('/o', base);
  const fd = await ctx.fs.open('/o', O.RDWR);
  try {
    const patch = patternBytes(5000, 10);
    await writeAll(ctx, fd, patch, 7777);
    const expected = base.slice();
    expected.set(patch, 7777);
    checkBytes(await ctx.fs.read(fd, 30000, 0), expected, 'content after an overwrite in the middle');
    checkEqual((await ctx.fs.fstat(fd)).size, 20000, 'size after an overwrite inside the file');
    // Sequential writes advance the file position.
    await ctx.fs.lseek(fd, 0, SEEK_SET);
    await ctx.fs.write(fd, 'ab');
    await ctx.fs.write(fd, 'cd');
    checkEqual(decoder.decode(await ctx.fs.read(fd, 4, 0)), 'abcd', 'two sequential writes');
  } finally {
    await ctx.fs.close(fd);
  }
};

const sparseAndSeek: Scenario = async (ctx) => {
  const MiB = 1024 * 1024;
  const fd = await ctx.fs.open('/sparse', O.CREAT | O.RDWR, 0o644);
  try {
    await writeAll(ctx, fd, new Uint8Array([0x41]), 0);
    await writeAll(ctx, fd, new Uint8Array([0x42]), 4 * MiB);
    const size = 4 * MiB + 1;
    const st = await ctx.fs.fstat(fd);
    checkEqual(st.size, size, 'size of the sparse file');
    checkBytes(await ctx.fs.read(fd, 8192, 100000), zeros(8192), 'a hole reads as zeros');
    checkBytes(await ctx.fs.read(fd, 2, 4 * MiB - 1), new Uint8Array([0, 0x42]), 'the byte after the hole');
    checkEqual(await ctx.fs.lseek(fd, 0, SEEK_DATA), 0, 'SEEK_DATA from 0');
    const hole = await ctx.fs.lseek(fd, 0, SEEK_HOLE);
    check(hole >= 1 && hole <= size, `SEEK_HOLE from 0 gave ${hole}, outside [1, ${size}]`);
    const data = await ctx.fs.lseek(fd, 2 * MiB, SEEK_DATA);
    check(data >= 2 * MiB && data <= 4 * MiB, `SEEK_DATA from the middle of the hole gave ${data}, outside [2 MiB, 4 MiB]`);
    checkEqual(await ctx.fs.lseek(fd, size - 1, SEEK_HOLE), size, 'SEEK_HOLE from the last byte (the implicit hole at EOF)');
    await expectErrno(ctx.fs.lseek(fd, size, SEEK_DATA), 'ENXIO', 'SEEK_DATA at end of file');
    await expectErrno(ctx.fs.lseek(fd, size + 100, SEEK_HOLE), 'ENXIO', 'SEEK_HOLE beyond end of file');
    if (hole < size) {
      // The backend reports holes: they must be real.
      check(hole <= 4 * MiB, `a hole reported at ${hole} after the data at 4 MiB`);
      checkBytes(await ctx.fs.read(fd, Math.min(4096, 4 * MiB - hole), hole), zeros(Math.min(4096, 4 * MiB - hole)), 'bytes at the reported hole');
      check(st.blocks * 512 < size, `st_blocks ${st.blocks} covers the whole ${size}-byte file though it has holes`);
    } else {
      ctx.note('holes not reported (the whole file is data)');
    }
    checkEqual(await ctx.fs.lseek(fd, -1, SEEK_END), size - 1, 'SEEK_END');
  } finally {
    await ctx.fs.close(fd);
  }
};

const truncateAndExtend: Scenario = async (ctx) => {
  const data = patternBytes(10000, 3);
  await ctx.fs.writeFile('/t', data);
  await ctx.fs.truncate('/t', 5000);
  checkEqual((await ctx.fs.stat('/t')).size, 5000, 'size after truncating down');
  checkBytes(await ctx.fs.readFile('/t'), data.subarray(0, 5000), 'content after truncating down');
  await ctx.fs.truncate('/t', 20000);
  const expected = new Uint8Array(20000);
  expected.set(data.subarray(0, 5000));
  checkBytes(await ctx.fs.readFile('/t'), expected, 'content after extending: old bytes must not come back');
  const fd = await ctx.fs.open('/t', O.RDWR);
  try {
    await ctx.fs.ftruncate(fd, 3);
    checkEqual((await ctx.fs.fstat(fd)).size, 3, 'size after ftruncate');
    await ctx.fs.ftruncate(fd, 4096 * 3 + 1);
    checkBytes(await ctx.fs.read(fd, 4096 * 4, 0), (() => { const e = new Uint8Array(4096 * 3 + 1); e.set(data.subarray(0, 3)); return e; })(), 'content after ftruncate up');
    await ctx.fs.ftruncate(fd, 0);
    checkEqual((await ctx.fs.read(fd, 10, 0)).length, 0, 'read of an empty file');
  } finally {
    await ctx.fs.close(fd);
  }
  await ctx.fs.mkdir('/dir');
  await expectErrno(ctx.fs.truncate('/dir', 0), 'EISDIR', 'truncate of a directory');
};

const oAppend: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/log', 'start;');
  const app = await ctx.fs.open('/log', O.WRONLY | O.APPEND);
  const plain = await ctx.fs.open('/log', O.RDWR);
  try {
    await ctx.fs.write(app, 'one;');
    await ctx.fs.write(plain, 'XXXXXXXXXXXXXXXX', 0); // extends the file behind the appender's back
    await ctx.fs.lseek(app, 0, SEEK_SET);
    await ctx.fs.write(app, 'two;');
    checkEqual(decoder.decode(await ctx.fs.read(plain, 100, 0)), 'XXXXXXXXXXXXXXXXtwo;', 'O_APPEND writes land at the end, whatever the position');
  } finally {
    await ctx.fs.close(app);
    await ctx.fs.close(plain);
  }
};

const oTrunc: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/t', 'some content');
  const fd = await ctx.fs.open('/t', O.WRONLY | O.TRUNC);
  checkEqual((await ctx.fs.fstat(fd)).size, 0, 'size after open O_TRUNC');
  await ctx.fs.write(fd, 'new');
  await ctx.fs.close(fd);
  checkEqual(decoder.decode(await ctx.fs.readFile('/t')), 'new', 'content after O_TRUNC and a write');
  const again = await ctx.fs.open('/t', O.WRONLY | O.CREAT | O.TRUNC, 0o600);
  await ctx.fs.close(again);
  checkEqual((await ctx.fs.stat('/t')).size, 0, 'size after O_CREAT|O_TRUNC of an existing file');
  checkEqual((await ctx.fs.stat('/t')).mode & 0o777, 0o644, 'O_CREAT on an existing file keeps its mode');
};

const readPastEof: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/small', 'abc');
  const fd = await ctx.fs.open('/small', O.RDONLY);
  try {
    checkEqual(decoder.decode(await ctx.fs.read(fd, 100, 0)), 'abc', 'a read larger than the file');
    checkEqual((await ctx.fs.read(fd, 100, 3)).length, 0, 'a read at end of file');
    checkEqual((await ctx.fs.read(fd, 100, 2 ** 40)).length, 0, 'a read at 1 TiB');
    checkEqual((await ctx.fs.read(fd, 0, 0)).length, 0, 'a read of 0 bytes');
    await expectErrno(ctx.fs.write(fd, 'x'), 'EBADF', 'write(2) on a read-only fd');
  } finally {
    await ctx.fs.close(fd);
  }
};

const largeOffsets: Scenario = async (ctx) => {
  const fd = await ctx.fs.open('/large', O.CREAT | O.RDWR, 0o644);
  try {
    const off = 2 ** 40; // 1 TiB: sparse, and beyond 32-bit arithmetic
    await requireSupport(ctx, 'a write at 1 TiB', () => writeAll(ctx, fd, new Uint8Array([1, 2, 3]), off), ['EFBIG', 'ENOSPC']);
    checkEqual((await ctx.fs.fstat(fd)).size, off + 3, 'size after a write at 1 TiB');
    checkBytes(await ctx.fs.read(fd, 4, off - 1), new Uint8Array([0, 1, 2, 3]), 'read around 1 TiB');
    const f = ctx.fs.describe(fd);
    // Offsets no JS number holds exactly are refused, never rounded.
    for (const bad of [2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n]) {
      await expectErrno(ctx.client.write(f.nodeid, f.fh ?? 0, bad, new Uint8Array([9]), f.flags), ['EFBIG', 'EINVAL'], `WRITE at ${bad}`);
      try {
        const got = await ctx.client.read(f.nodeid, f.fh ?? 0, bad, 16, f.flags);
        checkEqual(got.length, 0, `READ at ${bad}`);
      } catch (e) {
        if (!(e instanceof FsError && ['EFBIG', 'EINVAL'].includes(e.code))) throw e;
      }
    }
    checkEqual((await ctx.fs.fstat(fd)).size, off + 3, 'size after refused writes');
  } finally {
    await ctx.fs.close(fd);
  }
};

/** An unlinked file lives on while open (the dpkg/apt case). */
const unlinkOpenFile: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/u', 'still here');
  const fd = await ctx.fs.open('/u', O.RDWR);
  try {
    await ctx.fs.unlink('/u');
    await expectErrno(ctx.fs.stat('/u'), 'ENOENT', 'stat of the unlinked name');
    checkEqual(decoder.decode(await ctx.fs.read(fd, 100, 0)), 'still here', 'read through the open fd');
    await ctx.fs.write(fd, '!', 10);
    checkEqual(decoder.decode(await ctx.fs.read(fd, 100, 0)), 'still here!', 'write then read through the open fd');
    const st = await ctx.fs.fstat(fd);
    checkEqual(st.nlink, 0, 'nlink of the unlinked open file');
    checkEqual(st.size, 11, 'size of the unlinked open file');
    await ctx.fs.fchmod(fd, 0o600);
    checkEqual((await ctx.fs.fstat(fd)).mode & 0o777, 0o600, 'fchmod of the unlinked open file');
    await ctx.fs.ftruncate(fd, 5);
    checkEqual(decoder.decode(await ctx.fs.read(fd, 100, 0)), 'still', 'ftruncate of the unlinked open file');
    await ctx.fs.writeFile('/u', 'a new file');
    checkEqual(decoder.decode(await ctx.fs.read(fd, 100, 0)), 'still', 'the old file is not the new one of the same name');
  } finally {
    await ctx.fs.close(fd);
  }
  checkEqual(decoder.decode(await ctx.fs.readFile('/u')), 'a new file', 'the new file');
};

const renameOverOpenFile: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/target', 'old content');
  await ctx.fs.writeFile('/replacement', 'new content');
  const fd = await ctx.fs.open('/target', O.RDONLY);
  try {
    await ctx.fs.rename('/replacement', '/target');
    checkEqual(decoder.decode(await ctx.fs.readFile('/target')), 'new content', 'the name now holds the new file');
    checkEqual(decoder.decode(await ctx.fs.read(fd, 100, 0)), 'old content', 'the open fd still reads the replaced file');
    checkEqual((await ctx.fs.fstat(fd)).nlink, 0, 'nlink of the replaced, open file');
  } finally {
    await ctx.fs.close(fd);
  }
};

const handlesIndependent: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'abcdef');
  const a = await ctx.fs.open('/f', O.RDWR);
  const b = await ctx.fs.open('/f', O.RDONLY);
  const fa = ctx.fs.describe(a);
  const fb = ctx.fs.describe(b);
  if (fa.fh !== undefined && fb.fh !== undefined) check(fa.fh !== fb.fh, 'two opens returned the same file handle');
  checkEqual(decoder.decode(await ctx.fs.read(a, 3)), 'abc', 'first handle reads from its position');
  checkEqual(decoder.decode(await ctx.fs.read(b, 2)), 'ab', 'second handle has its own position');
  await ctx.fs.close(a);
  checkEqual(decoder.decode(await ctx.fs.read(b, 10)), 'cdef', 'second handle after the first closed');
  await ctx.fs.close(b);
  if (fa.fh !== undefined) {
    // A handle that was released is gone: using it again is an error, not someone else's file.
    await expectErrno(ctx.client.read(fa.nodeid, fa.fh, 0, 10, fa.flags), ['EBADF', 'EINVAL', 'ENOENT', 'ESTALE', 'EIO'], 'READ with a released handle');
  }
};

const fsyncAndFlush: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/d');
  const fd = await ctx.fs.open('/d/f', O.CREAT | O.RDWR, 0o644);
  await ctx.fs.write(fd, 'durable');
  await ctx.fs.fsync(fd);
  await ctx.fs.fsync(fd, true);
  await ctx.fs.close(fd);
  const dfd = await ctx.fs.open('/d', O.RDONLY | O.DIRECTORY);
  await ctx.fs.fsync(dfd);
  await ctx.fs.close(dfd);
  checkEqual(decoder.decode(await ctx.fs.readFile('/d/f')), 'durable', 'content after fsync');
};

function fallocateScenario(kind: 'allocate' | 'keep-size' | 'punch-hole'): Scenario {
  return async (ctx) => {
    const fd = await ctx.fs.open('/fa', O.CREAT | O.RDWR, 0o644);
    try {
      if (kind === 'allocate') {
        await requireSupport(ctx, 'fallocate mode 0', () => ctx.fs.fallocate(fd, 0, 0, 65536));
        checkEqual((await ctx.fs.fstat(fd)).size, 65536, 'size after fallocate');
        checkBytes(await ctx.fs.read(fd, 65536, 0), zeros(65536), 'fallocated range reads as zeros');
        await writeAll(ctx, fd, patternBytes(100, 4), 1000);
        await ctx.fs.fallocate(fd, 0, 0, 4096);
        checkBytes(await ctx.fs.read(fd, 100, 1000), patternBytes(100, 4), 'fallocate over data keeps it');
      } else if (kind === 'keep-size') {
        await writeAll(ctx, fd, patternBytes(1000, 5), 0);
        await requireSupport(ctx, 'fallocate FALLOC_FL_KEEP_SIZE', () => ctx.fs.fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1 << 20));
        checkEqual((await ctx.fs.fstat(fd)).size, 1000, 'size after FALLOC_FL_KEEP_SIZE beyond EOF');
        checkBytes(await ctx.fs.read(fd, 2000, 0), patternBytes(1000, 5), 'content after FALLOC_FL_KEEP_SIZE');
      } else {
        const data = patternBytes(3 * 4096, 6);
        await writeAll(ctx, fd, data, 0);
        await requireSupport(ctx, 'fallocate FALLOC_FL_PUNCH_HOLE', () => ctx.fs.fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096));
        const expected = data.slice();
        expected.fill(0, 4096, 8192);
        checkBytes(await ctx.fs.read(fd, 3 * 4096, 0), expected, 'content after punching a hole');
        checkEqual((await ctx.fs.fstat(fd)).size, 3 * 4096, 'size after punching a hole');
        await expectErrno(ctx.fs.fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096), ['EOPNOTSUPP', 'EINVAL'], 'PUNCH_HOLE without KEEP_SIZE');
      }
    } finally {
      await ctx.fs.close(fd);
    }
  };
}

const copyFileRange: Scenario = async (ctx) => {
  const src = patternBytes(100 * 1024 + 3, 12);
  await ctx.fs.writeFile('/src', src);
  await ctx.fs.writeFile('/dst', 'prefix');
  const a = await ctx.fs.open('/src', O.RDONLY);
  const b = await ctx.fs.open('/dst', O.RDWR);
  try {
    const n = await requireSupport(ctx, 'copy_file_range', () => ctx.fs.copyFileRange(a, 0, b, 4096, src.length));
    checkEqual(n, src.length, 'bytes copied');
    const expected = new Uint8Array(4096 + src.length);
    expected.set(new TextEncoder().encode('prefix'));
    expected.set(src, 4096);
    checkBytes(await ctx.fs.read(b, expected.length + 10, 0), expected, 'destination after copy_file_range');
    checkEqual(await ctx.fs.copyFileRange(a, src.length, b, 0, 100), 0, 'copy from end of file copies nothing');
    const tail = await ctx.fs.copyFileRange(a, src.length - 10, b, 0, 100);
    checkEqual(tail, 10, 'copy across end of file is short');
  } finally {
    await ctx.fs.close(a);
    await ctx.fs.close(b);
  }
};

const accessChecks: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  const f = await ctx.fs.resolve('/f');
  await requireSupport(ctx, 'ACCESS', () => ctx.client.access(f.nodeid, 0));
  await ctx.client.access(f.nodeid, 4 | 2); // R_OK|W_OK as root
  await expectErrno(ctx.fs.access('/missing', 0), 'ENOENT', 'access of a missing name');
};

const statfsSane: Scenario = async (ctx) => {
  const st = await ctx.fs.statfs('/');
  check(st.bsize > 0, `f_bsize ${st.bsize}`);
  check(st.frsize > 0, `f_frsize ${st.frsize}`);
  check(st.blocks >= st.bfree, `f_blocks ${st.blocks} < f_bfree ${st.bfree}`);
  check(st.bfree >= st.bavail, `f_bfree ${st.bfree} < f_bavail ${st.bavail}`);
  check(st.files >= st.ffree, `f_files ${st.files} < f_ffree ${st.ffree}`);
  check(st.namelen >= 255, `f_namelen ${st.namelen} below 255 (the names this filesystem accepts)`);
  await ctx.fs.mkdir('/d');
  const sub = await ctx.fs.statfs('/d');
  checkEqual(sub.bsize, st.bsize, 'f_bsize is the same from a subdirectory');
};

export const ioScenarios: Record<string, Scenario> = {
  'io.write-read-round-trip': writeReadRoundTrip,
  'io.overwrite-in-place': overwriteInPlace,
  'io.sparse-file-seek-data-hole': sparseAndSeek,
  'io.truncate-and-extend': truncateAndExtend,
  'io.o-append': oAppend,
  'io.o-trunc': oTrunc,
  'io.read-past-eof': readPastEof,
  'io.large-offsets': largeOffsets,
  'io.unlink-open-file': unlinkOpenFile,
  'io.rename-over-open-file': renameOverOpenFile,
  'io.handles-independent': handlesIndependent,
  'io.fsync-fdatasync-fsyncdir': fsyncAndFlush,
  'io.fallocate-allocate': fallocateScenario('allocate'),
  'io.fallocate-keep-size': fallocateScenario('keep-size'),
  'io.fallocate-punch-hole': fallocateScenario('punch-hole'),
  'io.copy-file-range': copyFileRange,
  'io.access': accessChecks,
  'io.statfs-sane': statfsSane,
};
