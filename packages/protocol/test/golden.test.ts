// Golden byte vectors: every struct of the 7.45 ABI, encoders compared with
// bytes spelled out field by field (test/bytes.ts), decoders fed such bytes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bytes, attrBytes, hex, sampleAttr } from './bytes.js';
import {
  WireReader,
  WireWriter,
  ProtocolError,
  StructSize,
  decodeInHeader,
  decodeOutHeader,
  encodeAttr,
  encodeAttrOut,
  encodeEntryOut,
  encodeNegativeEntryOut,
  decodeGetattrIn,
  decodeSetattrIn,
  decodeMknodIn,
  decodeMkdirIn,
  decodeRenameIn,
  decodeRename2In,
  decodeLinkIn,
  decodeOpenIn,
  decodeCreateIn,
  encodeOpenOut,
  decodeReadIn,
  decodeWriteIn,
  encodeWriteOut,
  decodeReleaseIn,
  decodeFlushIn,
  decodeFsyncIn,
  encodeStatfsOut,
  decodeSetxattrIn,
  decodeGetxattrIn,
  encodeGetxattrOut,
  decodeLkIn,
  encodeLkOut,
  decodeAccessIn,
  decodeInitIn,
  encodeInitOut,
  initOutSize,
  decodeInterruptIn,
  decodeBmapIn,
  encodeBmapOut,
  decodeIoctlIn,
  encodeIoctlOut,
  decodePollIn,
  encodePollOut,
  decodeFallocateIn,
  DirentPacker,
  EncodedDirents,
  DirentPlusPacker,
  direntSize,
  direntPlusSize,
  decodeReaddirIn,
  encodeInvalInodeOut,
  encodeInvalEntryOut,
  encodeDeleteOut,
  encodeStoreOut,
  encodeRetrieveOut,
  decodeNotifyRetrieveIn,
  encodePruneOut,
  encodePollWakeupOut,
  decodeLseekIn,
  encodeLseekOut,
  decodeCopyFileRangeIn,
  encodeCopyFileRangeOut,
  decodeSyncfsIn,
  decodeStatxIn,
  encodeStatxOut,
  parseExtensions,
  decodeForgetIn,
  decodeBatchForgetIn,
  InitFlags,
  FATTR_ATIME,
  FATTR_FH,
  FATTR_SIZE,
  FATTR_MODE,
  FUSE_GETATTR_FH,
  errno,
  type Attr,
  type Statx,
} from '../src/index.js';

/** Run an encoder into a fresh writer; return the body it wrote. */
function enc(fn: (w: WireWriter) => void): Uint8Array {
  const w = new WireWriter(64).begin();
  fn(w);
  return w.buf.slice(16, w.pos);
}

/** A reader over bytes built by the test. */
function rd(b: Uint8Array): WireReader {
  return new WireReader().reset(b, new DataView(b.buffer, b.byteOffset, b.byteLength), 0, b.length);
}

function same(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.is(hex(actual), hex(expected), what);
}

const attr: Attr = { ...sampleAttr };

test('fuse_in_header: 40 bytes decoded field by field', () => {
  const b = new Bytes()
    .u32(52) // len
    .u32(1) // opcode LOOKUP
    .u64(0x8000000000000002n) // unique (resend bit set)
    .u64(0x1_0000_0001n) // nodeid
    .u32(1000) // uid
    .u32(1001) // gid
    .u32(4242) // pid
    .u16(1) // total_extlen
    .u16(0) // padding
    .zero(12)
    .done();
  const h = decodeInHeader(b);
  assert.equal(h, { len: 52, opcode: 1, unique: 0x8000000000000002n, nodeid: 0x100000001n, uid: 1000, gid: 1001, pid: 4242, totalExtlen: 1, padding: 0 });
  assert.throws(() => decodeInHeader(b.subarray(0, 39)), (e: unknown) => e instanceof ProtocolError);
});

test('fuse_out_header: finish() fills len, -errno, unique last', () => {
  const w = new WireWriter(64).begin();
  w.u32(0xdeadbeef);
  const f = w.finish(-2, 0x89abcdef, 0x01234567);
  same(f, new Bytes().u32(20).i32(-2).u32(0x89abcdef).u32(0x01234567).u32(0xdeadbeef).done(), 'out header');
  assert.equal(decodeOutHeader(f), { len: 20, error: -2, unique: 0x0123456789abcdefn });
});

test('fuse_attr: 88 bytes, and 80 before 7.9', () => {
  same(enc((w) => encodeAttr(w, attr, 45)), attrBytes(sampleAttr), 'attr 7.45');
  assert.is(enc((w) => encodeAttr(w, attr, 45)).length, StructSize.fuse_attr);
  same(enc((w) => encodeAttr(w, attr, 8)), attrBytes(sampleAttr, true), 'attr 7.8');
});

test('fuse_entry_out: 128 bytes (120 before 7.9); timeouts split into sec + nsec', () => {
  const e = { nodeid: 0x1fffffffffffff, generation: 9, attr, entryTimeout: 1.5, attrTimeout: 0.25 };
  const expected = new Bytes()
    .u64(0x1fffffffffffff) // nodeid (2^53 - 1: both halves used)
    .u64(9) // generation
    .u64(1) // entry_valid
    .u64(0) // attr_valid
    .u32(500_000_000) // entry_valid_nsec
    .u32(250_000_000) // attr_valid_nsec
    .raw(attrBytes(sampleAttr))
    .done();
  same(enc((w) => encodeEntryOut(w, e, 7, 7, 45)), expected, 'entry_out');
  assert.is(expected.length, StructSize.fuse_entry_out);
  const compat = enc((w) => encodeEntryOut(w, e, 7, 7, 8));
  assert.is(compat.length, StructSize.FUSE_COMPAT_ENTRY_OUT_SIZE);
  same(compat, new Bytes().raw(expected.subarray(0, 40)).raw(attrBytes(sampleAttr, true)).done(), 'compat entry_out');
  // Defaults come from the session options when the entry has none.
  const d = enc((w) => encodeEntryOut(w, { nodeid: 2, attr }, 3, 4, 45));
  same(d.subarray(16, 40), new Bytes().u64(3).u64(4).u32(0).u32(0).done(), 'default timeouts');
  // A 64-bit field never takes a value it would change: no rounding, no wrap-around.
  for (const bad of [2 ** 53, 2 ** 64, 1.5, NaN, Infinity, -(2 ** 53)]) {
    assert.throws(() => enc((w) => encodeEntryOut(w, { nodeid: bad, attr }, 1, 1, 45)), RangeError, `nodeid ${bad}`);
  }
  assert.throws(() => enc((w) => encodeEntryOut(w, { nodeid: 2, attr: { ...attr, ino: 2n ** 64n } }, 1, 1, 45)), RangeError, 'ino 2^64');
  assert.throws(() => enc((w) => encodeEntryOut(w, { nodeid: 2, attr: { ...attr, ino: -(2n ** 63n) - 1n } }, 1, 1, 45)), RangeError);
  const maxIno = enc((w) => encodeEntryOut(w, { nodeid: 2, attr: { ...attr, ino: 2n ** 64n - 1n } }, 1, 1, 45));
  same(maxIno.subarray(40, 48), new Bytes().u64(2n ** 64n - 1n).done(), 'ino 2^64 - 1 as a bigint');
});

test('negative entry: nodeid 0, entry_valid = timeout, attr zero', () => {
  const expected = new Bytes().u64(0).u64(0).u64(2).u64(0).u32(100_000_000).u32(0).zero(88).done();
  same(enc((w) => encodeNegativeEntryOut(w, 2.1, 45)), expected, 'negative entry');
});

test('fuse_attr_out: 104 bytes (96 before 7.9)', () => {
  const expected = new Bytes().u64(2).u32(0).u32(0).raw(attrBytes(sampleAttr)).done();
  same(enc((w) => encodeAttrOut(w, { attr, attrTimeout: 2 }, 9, 45)), expected, 'attr_out');
  assert.is(expected.length, StructSize.fuse_attr_out);
  assert.is(enc((w) => encodeAttrOut(w, { attr }, 1, 8)).length, StructSize.FUSE_COMPAT_ATTR_OUT_SIZE);
});

test('fuse_getattr_in: fh only with FUSE_GETATTR_FH', () => {
  const withFh = new Bytes().u32(FUSE_GETATTR_FH).u32(0).u64(77).done();
  assert.equal(decodeGetattrIn(rd(withFh)), { getattrFlags: 1, fh: 77 });
  const without = new Bytes().u32(0).u32(0).u64(77).done();
  assert.equal(decodeGetattrIn(rd(without)), { getattrFlags: 0, fh: undefined });
  const huge = new Bytes().u32(FUSE_GETATTR_FH).u32(0).u64(2n ** 53n).done();
  try {
    decodeGetattrIn(rd(huge));
    assert.unreachable('fh >= 2^53 must be refused');
  } catch (e) {
    assert.instance(e, ProtocolError);
    assert.is((e as ProtocolError).errno, errno.EBADF);
  }
});

test('fuse_setattr_in: 88 bytes, every field', () => {
  const b = new Bytes()
    .u32(FATTR_MODE | FATTR_SIZE | FATTR_FH) // valid
    .u32(0) // padding
    .u64(5) // fh
    .u64(1234) // size
    .u64(0xabcdef0123456789n) // lock_owner
    .u64(11) // atime
    .u64(12) // mtime
    .u64(-13) // ctime
    .u32(14) // atimensec
    .u32(15) // mtimensec
    .u32(16) // ctimensec
    .u32(0o755) // mode
    .u32(0) // unused4
    .u32(17) // uid
    .u32(18) // gid
    .u32(0) // unused5
    .done();
  assert.is(b.length, StructSize.fuse_setattr_in);
  assert.equal(decodeSetattrIn(rd(b)), {
    valid: FATTR_MODE | FATTR_SIZE | FATTR_FH,
    fh: 5,
    size: 1234,
    lockOwner: 0xabcdef0123456789n,
    atime: 11,
    atimensec: 14,
    mtime: 12,
    mtimensec: 15,
    ctime: -13,
    ctimensec: 16,
    mode: 0o755,
    uid: 17,
    gid: 18,
  });
  // A time beyond 2^53 is refused only when its FATTR_* bit says it is meant.
  const farTime = b.slice();
  new DataView(farTime.buffer).setBigInt64(32, -(2n ** 60n), true); // atime
  assert.is(decodeSetattrIn(rd(farTime)).atime, 0, 'unused atime that does not fit reads as 0');
  new DataView(farTime.buffer).setUint32(0, FATTR_ATIME, true);
  assert.throws(() => decodeSetattrIn(rd(farTime)), (e: unknown) => (e as ProtocolError).errno === errno.EINVAL, 'used atime beyond 2^53');
  const big = b.slice();
  new DataView(big.buffer).setBigUint64(16, 2n ** 60n, true);
  try {
    decodeSetattrIn(rd(big));
    assert.unreachable();
  } catch (e) {
    assert.is((e as ProtocolError).errno, errno.EFBIG, 'truncate beyond 2^53-1 is EFBIG');
  }
});

test('fuse_mknod_in: 16 bytes, 8 before 7.12; mkdir/rename/rename2/link', () => {
  const m = new Bytes().u32(0o20644).u32(0x0103).u32(0o22).u32(0).done();
  assert.equal(decodeMknodIn(rd(m), 45), { mode: 0o20644, rdev: 0x0103, umask: 0o22 });
  const old = new Bytes().u32(0o20644).u32(0x0103).done();
  assert.equal(decodeMknodIn(rd(old), 11), { mode: 0o20644, rdev: 0x0103, umask: 0 });
  assert.equal(decodeMkdirIn(rd(new Bytes().u32(0o755).u32(0o27).done())), { mode: 0o755, umask: 0o27 });
  assert.equal(decodeRenameIn(rd(new Bytes().u64(99).done())), { newdir: 99 });
  assert.equal(decodeRename2In(rd(new Bytes().u64(99).u32(2).u32(0).done())), { newdir: 99, flags: 2 });
  assert.equal(decodeLinkIn(rd(new Bytes().u64(42).done())), { oldnodeid: 42 });
});

test('fuse_open_in, fuse_create_in, fuse_open_out (with backing_id)', () => {
  assert.equal(decodeOpenIn(rd(new Bytes().u32(0o102).u32(1).done())), { flags: 0o102, openFlags: 1 });
  assert.equal(decodeCreateIn(rd(new Bytes().u32(0o1101).u32(0o100600).u32(0o22).u32(1).done())), {
    flags: 0o1101,
    mode: 0o100600,
    umask: 0o22,
    openFlags: 1,
  });
  same(
    enc((w) => encodeOpenOut(w, { fh: 2 ** 40 + 3, openFlags: 1, backingId: -7 }, 2)),
    new Bytes().u64(2 ** 40 + 3).u32(3).i32(-7).done(),
    'open_out',
  );
});

test('fuse_read_in: 40 bytes (24 before 7.9)', () => {
  const b = new Bytes().u64(3).u64(4096).u32(8192).u32(2).u64(0x55n).u32(0o2).u32(0).done();
  assert.equal(decodeReadIn(rd(b), 45), { fh: 3, offset: 4096, size: 8192, readFlags: 2, lockOwner: 0x55n, flags: 0o2 });
  const old = new Bytes().u64(3).u64(4096).u32(8192).u32(0).done();
  assert.equal(decodeReadIn(rd(old), 8), { fh: 3, offset: 4096, size: 8192, readFlags: 0, lockOwner: 0n, flags: 0 });
});

test('fuse_write_in: 40 bytes (24 before 7.9) + data; size must match; EFBIG past 2^53', () => {
  const b = new Bytes().u64(3).u64(10).u32(3).u32(1).u64(9).u32(0o1).u32(0).raw('abc').done();
  const wi = decodeWriteIn(rd(b), 45);
  assert.is(Buffer.from(wi.data).toString(), 'abc');
  assert.equal({ ...wi, data: undefined }, { fh: 3, offset: 10, size: 3, readFlags: 0, writeFlags: 1, lockOwner: 9n, flags: 1, data: undefined });
  const old = new Bytes().u64(3).u64(10).u32(2).u32(0).raw('xy').done();
  assert.is(Buffer.from(decodeWriteIn(rd(old), 8).data).toString(), 'xy');
  const short = new Bytes().u64(3).u64(10).u32(5).u32(0).u64(0).u32(0).u32(0).raw('abc').done();
  assert.throws(() => decodeWriteIn(rd(short), 45), (e: unknown) => (e as ProtocolError).kind === 'short');
  const far = new Bytes().u64(3).u64(2 ** 53 - 2).u32(3).u32(0).u64(0).u32(0).u32(0).raw('abc').done();
  assert.throws(() => decodeWriteIn(rd(far), 45), (e: unknown) => (e as ProtocolError).errno === errno.EFBIG);
  same(enc((w) => encodeWriteOut(w, 4096)), new Bytes().u32(4096).u32(0).done(), 'write_out');
});

test('fuse_release_in, fuse_flush_in, fuse_fsync_in', () => {
  assert.equal(decodeReleaseIn(rd(new Bytes().u64(8).u32(0o2).u32(3).u64(0x77n).done())), {
    fh: 8,
    flags: 2,
    releaseFlags: 3,
    lockOwner: 0x77n,
  });
  assert.equal(decodeFlushIn(rd(new Bytes().u64(8).u32(0).u32(0).u64(0x77n).done())), { fh: 8, lockOwner: 0x77n });
  assert.equal(decodeFsyncIn(rd(new Bytes().u64(8).u32(1).u32(0).done())), { fh: 8, fsyncFlags: 1 });
});

test('fuse_kstatfs: 80 bytes (48 before 7.4)', () => {
  const s = { blocks: 1, bfree: 2, bavail: 3, files: 4, ffree: 5, bsize: 4096, namelen: 255, frsize: 512 };
  const expected = new Bytes().u64(1).u64(2).u64(3).u64(4).u64(5).u32(4096).u32(255).u32(512).u32(0).zero(24).done();
  same(enc((w) => encodeStatfsOut(w, s, 45)), expected, 'kstatfs');
  assert.is(expected.length, StructSize.fuse_kstatfs);
  assert.is(enc((w) => encodeStatfsOut(w, s, 3)).length, StructSize.FUSE_COMPAT_STATFS_SIZE);
});

test('fuse_setxattr_in: 8 bytes, 16 with SETXATTR_EXT; getxattr in/out', () => {
  assert.equal(decodeSetxattrIn(rd(new Bytes().u32(5).u32(1).done()), false), { size: 5, flags: 1, setxattrFlags: 0 });
  assert.equal(decodeSetxattrIn(rd(new Bytes().u32(5).u32(1).u32(1).u32(0).done()), true), { size: 5, flags: 1, setxattrFlags: 1 });
  assert.equal(decodeGetxattrIn(rd(new Bytes().u32(300).u32(0).done())), { size: 300 });
  same(enc((w) => encodeGetxattrOut(w, 12)), new Bytes().u32(12).u32(0).done(), 'getxattr_out');
});

test('fuse_lk_in (48 B) and fuse_lk_out (24 B): lock ranges stay bigint', () => {
  const b = new Bytes().u64(6).u64(0xfeedn).u64(0).u64(0x7fffffffffffffffn).u32(1).u32(321).u32(1).u32(0).done();
  assert.is(b.length, StructSize.fuse_lk_in);
  assert.equal(decodeLkIn(rd(b)), { fh: 6, owner: 0xfeedn, lock: { start: 0n, end: 0x7fffffffffffffffn, type: 1, pid: 321 }, lkFlags: 1 });
  same(
    enc((w) => encodeLkOut(w, { start: 10n, end: 0x7fffffffffffffffn, type: 2, pid: 9 })),
    new Bytes().u64(10).u64(0x7fffffffffffffffn).u32(2).u32(9).done(),
    'lk_out',
  );
});

test('fuse_access_in, fuse_interrupt_in, fuse_bmap, fuse_forget, fuse_batch_forget_in, fuse_syncfs_in', () => {
  assert.equal(decodeAccessIn(rd(new Bytes().u32(6).u32(0).done())), { mask: 6 });
  assert.equal(decodeInterruptIn(rd(new Bytes().u64(0x8000000100000002n).done())), { uniqueLo: 2, uniqueHi: 0x80000001 });
  assert.equal(decodeBmapIn(rd(new Bytes().u64(123).u32(512).u32(0).done())), { block: 123, blocksize: 512 });
  same(enc((w) => encodeBmapOut(w, 456)), new Bytes().u64(456).done(), 'bmap_out');
  assert.equal(decodeForgetIn(rd(new Bytes().u64(3).done())), { nlookup: 3 });
  assert.equal(decodeForgetIn(rd(new Bytes().u64(2n ** 63n).done())), { nlookup: Number.MAX_SAFE_INTEGER });
  assert.equal(decodeBatchForgetIn(rd(new Bytes().u32(2).u32(0).done())), { count: 2 });
  const s = rd(new Bytes().u64(0).done());
  decodeSyncfsIn(s);
  assert.is(s.remaining, 0);
});

test('fuse_init_in: 16 bytes before 7.36, 64 with flags2 (counted only with INIT_EXT)', () => {
  const old = new Bytes().u32(7).u32(31).u32(131072).u32(0x3fffffff).done();
  assert.equal(decodeInitIn(rd(old)), { major: 7, minor: 31, maxReadahead: 131072, flags: 0x3fffffffn });
  const ext = new Bytes().u32(7).u32(45).u32(131072).u32(0x40000001).u32(0x5).zero(44).done();
  assert.is(ext.length, StructSize.fuse_init_in);
  assert.equal(decodeInitIn(rd(ext)), { major: 7, minor: 45, maxReadahead: 131072, flags: 0x40000001n | (5n << 32n) });
  const noExt = new Bytes().u32(7).u32(45).u32(0).u32(1).u32(0x5).zero(44).done();
  assert.is(decodeInitIn(rd(noExt)).flags, 1n, 'flags2 ignored without INIT_EXT');
});

test('fuse_init_out: 64 bytes; 24 for kernels before 7.23; 8 before 7.5', () => {
  const out = {
    major: 7,
    minor: 45,
    maxReadahead: 0x20000,
    flags: InitFlags.ASYNC_READ | InitFlags.INIT_EXT | InitFlags.CREATE_SUPP_GROUP,
    maxBackground: 64,
    congestionThreshold: 48,
    maxWrite: 1 << 20,
    timeGran: 1,
    maxPages: 256,
    mapAlignment: 0,
    maxStackDepth: 2,
    requestTimeout: 30,
  };
  const full = new Bytes()
    .u32(7) // major
    .u32(45) // minor
    .u32(0x20000) // max_readahead
    .u32(0x40000001) // flags (ASYNC_READ | INIT_EXT)
    .u16(64) // max_background
    .u16(48) // congestion_threshold
    .u32(1 << 20) // max_write
    .u32(1) // time_gran
    .u16(256) // max_pages
    .u16(0) // map_alignment
    .u32(1 << 2) // flags2 (CREATE_SUPP_GROUP = bit 34)
    .u32(2) // max_stack_depth
    .u16(30) // request_timeout
    .zero(22) // unused[11]
    .done();
  same(enc((w) => encodeInitOut(w, out, 45)), full, 'init_out 7.45');
  assert.is(full.length, StructSize.fuse_init_out);
  same(enc((w) => encodeInitOut(w, out, 22)), full.subarray(0, 24), 'init_out for 7.22');
  same(enc((w) => encodeInitOut(w, out, 4)), full.subarray(0, 8), 'init_out for 7.4');
  assert.equal([initOutSize(4), initOutSize(5), initOutSize(22), initOutSize(23)], [8, 24, 24, 64]);
  // Without INIT_EXT flags2 stays zero.
  const noExt = enc((w) => encodeInitOut(w, { ...out, flags: InitFlags.ASYNC_READ | InitFlags.CREATE_SUPP_GROUP }, 45));
  assert.is(new DataView(noExt.buffer).getUint32(32, true), 0);
});

test('fuse_ioctl_in (32 B) / fuse_ioctl_out (16 B + data)', () => {
  assert.equal(decodeIoctlIn(rd(new Bytes().u64(4).u32(16).u32(0x5401).u64(0xdeadn).u32(8).u32(16).done())), {
    fh: 4,
    flags: 16,
    cmd: 0x5401,
    arg: 0xdeadn,
    inSize: 8,
    outSize: 16,
  });
  same(enc((w) => encodeIoctlOut(w, { result: -1, data: Uint8Array.of(1, 2, 3) })), new Bytes().i32(-1).u32(0).u32(0).u32(0).raw([1, 2, 3]).done(), 'ioctl_out');
});

test('fuse_poll_in (24 B) / fuse_poll_out (8 B) / poll wakeup', () => {
  assert.equal(decodePollIn(rd(new Bytes().u64(4).u64(0xffffffffffffffffn).u32(1).u32(0x19).done())), {
    fh: 4,
    kh: 0xffffffffffffffffn,
    flags: 1,
    events: 0x19,
  });
  same(enc((w) => encodePollOut(w, 0x41)), new Bytes().u32(0x41).u32(0).done(), 'poll_out');
  same(enc((w) => encodePollWakeupOut(w, 0xffffffffffffffffn)), new Bytes().u64(0xffffffffffffffffn).done(), 'poll wakeup');
});

test('fuse_fallocate_in (32 B), fuse_lseek_in/out, fuse_copy_file_range_in/out', () => {
  assert.equal(decodeFallocateIn(rd(new Bytes().u64(1).u64(4096).u64(8192).u32(3).u32(0).done())), { fh: 1, offset: 4096, length: 8192, mode: 3 });
  assert.throws(
    () => decodeFallocateIn(rd(new Bytes().u64(1).u64(2 ** 52).u64(2 ** 52).u32(0).u32(0).done())),
    (e: unknown) => (e as ProtocolError).errno === errno.EFBIG,
  );
  assert.equal(decodeLseekIn(rd(new Bytes().u64(1).u64(77).u32(3).u32(0).done())), { fh: 1, offset: 77, whence: 3 });
  same(enc((w) => encodeLseekOut(w, 2 ** 50)), new Bytes().u64(2 ** 50).done(), 'lseek_out');
  const c = new Bytes().u64(1).u64(2).u64(3).u64(4).u64(5).u64(0xffffffffffffffffn).u64(0).done();
  assert.is(c.length, StructSize.fuse_copy_file_range_in);
  assert.equal(decodeCopyFileRangeIn(rd(c)), { fhIn: 1, offIn: 2, nodeidOut: 3, fhOut: 4, offOut: 5, len: Number.MAX_SAFE_INTEGER, flags: 0 });
  same(enc((w) => encodeCopyFileRangeOut(w, 2 ** 33)), new Bytes().u64(2 ** 33).done(), 'copy_file_range_out');
});

test('fuse_statx_in (24 B) and fuse_statx_out (288 B)', () => {
  assert.equal(decodeStatxIn(rd(new Bytes().u32(1).u32(0).u64(9).u32(0x100).u32(0x7ff).done())), {
    getattrFlags: 1,
    fh: 9,
    sxFlags: 0x100,
    sxMask: 0x7ff,
  });
  assert.equal(decodeStatxIn(rd(new Bytes().u32(0).u32(0).u64(9).u32(0).u32(1).done())).fh, undefined);
  const sx: Statx = {
    mask: 0x7ff,
    blksize: 4096,
    attributes: 0x20n,
    nlink: 2,
    uid: 3,
    gid: 4,
    mode: 0o100600,
    ino: 5,
    size: 6,
    blocks: 7,
    attributesMask: 0x30n,
    atime: { sec: 8, nsec: 9 },
    btime: { sec: -10, nsec: 11 },
    ctime: { sec: 12, nsec: 13 },
    mtime: { sec: 14, nsec: 15 },
    rdevMajor: 16,
    rdevMinor: 17,
    devMajor: 18,
    devMinor: 19,
  };
  const expected = new Bytes()
    .u64(1) // attr_valid
    .u32(500_000_000) // attr_valid_nsec
    .u32(0) // flags
    .u64(0) // spare[0]
    .u64(0) // spare[1]
    .u32(0x7ff) // stat.mask
    .u32(4096) // blksize
    .u64(0x20) // attributes
    .u32(2) // nlink
    .u32(3) // uid
    .u32(4) // gid
    .u16(0o100600) // mode
    .u16(0) // __spare0
    .u64(5) // ino
    .u64(6) // size
    .u64(7) // blocks
    .u64(0x30) // attributes_mask
    .u64(8).u32(9).u32(0) // atime
    .u64(-10).u32(11).u32(0) // btime
    .u64(12).u32(13).u32(0) // ctime
    .u64(14).u32(15).u32(0) // mtime
    .u32(16).u32(17) // rdev_major, rdev_minor
    .u32(18).u32(19) // dev_major, dev_minor
    .zero(112) // __spare2[14]
    .done();
  assert.is(expected.length, StructSize.fuse_statx_out);
  same(enc((w) => encodeStatxOut(w, { statx: sx, attrTimeout: 1.5 }, 0)), expected, 'statx_out');
});

test('fuse_dirent: 24-byte header, namelen without padding, 8-byte alignment, never past size', () => {
  const p = new DirentPacker(100);
  assert.ok(p.add('abc', 5, 8, 1n));
  assert.ok(p.add(Buffer.from('0123456789'), 2n ** 60n, 4, 0xffffffffffffffffn));
  // 72 + 32 = 104 > 100: the third does not fit and packs nothing.
  assert.not.ok(p.add('x', 6, 8, 3n));
  const expected = new Bytes()
    .u64(5).u64(1).u32(3).u32(8).raw('abc').pad8() // 32 bytes
    .u64(2n ** 60n).u64(0xffffffffffffffffn).u32(10).u32(4).raw('0123456789').pad8() // 40 bytes
    .done();
  assert.is(p.length, 72);
  same(p.close(), expected.subarray(0, 72), 'dirents');
  assert.equal([direntSize(1), direntSize(8), direntSize(9)], [32, 32, 40]);
  assert.not.ok(p.add('y', 1, 8, 1n), 'closed packer refuses');
  assert.throws(() => new DirentPacker(4096).add('a/b', 1, 8, 1n), /invalid directory entry name/);
  assert.throws(() => new DirentPacker(4096).add('', 1, 8, 1n), /invalid/);
  assert.throws(() => new DirentPacker(4096).add('x'.repeat(256), 1, 8, 1n), /invalid/);
  assert.ok(new DirentPacker(4096).add('x'.repeat(255), 1, 8, 1n));
});

test('EncodedDirents: the same bytes as add(), copied whole records at a time, from any index, never past size', () => {
  const names = ['abc', '0123456789', 'x', 'a-longer-name-of-24-byte', 'z'];
  const block = new EncodedDirents();
  const one = new DirentPacker(4096);
  names.forEach((n, i) => {
    block.add(n, 10 + i, 8, BigInt(100 + i));
    assert.ok(one.add(n, 10 + i, 8, BigInt(100 + i)));
  });
  assert.is(block.count, 5);
  assert.is(block.byteLength, one.length);
  const all = new DirentPacker(4096);
  assert.is(all.addEncoded(block, 0), 5);
  assert.is(all.count, 5);
  same(all.close(), one.close(), 'all records, byte for byte');
  // Records are 32, 40, 32, 48, 32 bytes: 100 bytes hold the first two (72), not the third (104).
  const small = new DirentPacker(100);
  assert.is(small.addEncoded(block, 0), 2);
  assert.is(small.addEncoded(block, 2), 2, 'nothing more fits: the index stays');
  assert.is(small.length, 72);
  // From index 3 on, into what is left after one add().
  const mid = new DirentPacker(32 + 48 + 32);
  assert.ok(mid.add('q', 1, 4, 9n));
  assert.is(mid.addEncoded(block, 3), 5);
  const expected = new Bytes()
    .u64(1).u64(9).u32(1).u32(4).raw('q').pad8()
    .u64(13).u64(103).u32(24).u32(8).raw('a-longer-name-of-24-byte').pad8()
    .u64(14).u64(104).u32(1).u32(8).raw('z').pad8()
    .done();
  same(mid.close(), expected, 'an add() then two copied records');
  assert.is(mid.addEncoded(block, 0), 0, 'a closed packer takes nothing');
  assert.is(new DirentPacker(4096).addEncoded(block, 5), 5, 'past the end: nothing');
  assert.throws(() => block.add('a/b', 1, 8, 1n), /invalid directory entry name/);
  assert.throws(() => block.add('', 1, 8, 1n), /invalid/);
  assert.is(block.count, 5, 'a refused name adds nothing');
});

test('fuse_direntplus: entry_out + dirent; "." and ".." get a zeroed entry (nodeid 0)', () => {
  const p = new DirentPlusPacker(4096, 1, 1, 45);
  const e = { nodeid: 9, generation: 1, attr, entryTimeout: 2, attrTimeout: 3 };
  assert.ok(p.add('.', e, 4, 1n, 1));
  assert.ok(p.add('f', e, 8, 2n));
  assert.ok(p.add('g', undefined, 8, 3n, 77));
  const expected = new Bytes()
    .zero(128).u64(1).u64(1).u32(1).u32(4).raw('.').pad8() // ".": nodeid 0, ino from the argument
    .u64(9).u64(1).u64(2).u64(3).u32(0).u32(0).raw(attrBytes(sampleAttr)) // entry_out of f
    .u64(sampleAttr.ino).u64(2).u32(1).u32(8).raw('f').pad8()
    .zero(128).u64(77).u64(3).u32(1).u32(8).raw('g').pad8()
    .done();
  same(p.close(), expected, 'direntplus');
  assert.is(direntPlusSize(1), 160);
  const small = new DirentPlusPacker(200, 1, 1, 45);
  assert.ok(small.add('a', e, 8, 1n));
  assert.not.ok(small.add('b', e, 8, 2n), 'second does not fit in 200 bytes');
  assert.is(small.count, 1);
});

test('READDIR body: offset stays a bigint', () => {
  const b = new Bytes().u64(3).u64(0xfffffffffffffff0n).u32(4096).u32(0).u64(0).u32(0o200000).u32(0).done();
  assert.equal(decodeReaddirIn(rd(b), 45), { fh: 3, offset: 0xfffffffffffffff0n, size: 4096, flags: 0o200000 });
});

test('notify bodies: inval_inode, inval_entry, delete, store, retrieve, retrieve reply, prune', () => {
  same(enc((w) => encodeInvalInodeOut(w, 5, -1, 0)), new Bytes().u64(5).u64(-1).u64(0).done(), 'inval_inode');
  same(
    enc((w) => encodeInvalEntryOut(w, 1, Buffer.from('name'), 1)),
    new Bytes().u64(1).u32(4).u32(1).cstr('name').done(),
    'inval_entry',
  );
  same(enc((w) => encodeDeleteOut(w, 1, 7, Buffer.from('n'))), new Bytes().u64(1).u64(7).u32(1).u32(0).cstr('n').done(), 'delete');
  same(enc((w) => encodeStoreOut(w, 7, 4096, Uint8Array.of(9, 8))), new Bytes().u64(7).u64(4096).u32(2).u32(0).raw([9, 8]).done(), 'store');
  same(enc((w) => encodeRetrieveOut(w, 3, 7, 0, 100)), new Bytes().u64(3).u64(7).u64(0).u32(100).u32(0).done(), 'retrieve');
  const rin = new Bytes().u64(0).u64(4096).u32(3).u32(0).u64(0).u64(0).raw([1, 2, 3]).done();
  assert.is(rin.length - 3, StructSize.fuse_notify_retrieve_in);
  const r = decodeNotifyRetrieveIn(rd(rin));
  assert.equal([r.offset, r.size, [...r.data]], [4096, 3, [1, 2, 3]]);
  same(enc((w) => encodePruneOut(w, [5, 6])), new Bytes().u32(2).u32(0).u64(0).u64(5).u64(6).done(), 'prune');
});

test('extension trailer: supplementary groups parsed; security context and unknown types skipped; bad sizes refused', () => {
  const ext = new Bytes()
    .u32(16).u32(1) // fuse_secctx_header: size 16, nr_secctx 1 (types 0..31)
    .zero(8)
    .u32(8).u32(99) // unknown type 99, header only
    .u32(24).u32(32) // FUSE_EXT_GROUPS, 24 bytes
    .u32(3).u32(10).u32(20).u32(30) // nr_groups, groups[3]
    .done();
  const v = new DataView(ext.buffer);
  assert.equal(parseExtensions(v, 0, ext.length), [10, 20, 30]);
  assert.is(parseExtensions(v, 0, 16), undefined);
  const bad = new Bytes().u32(4).u32(32).done();
  assert.throws(() => parseExtensions(new DataView(bad.buffer), 0, 8), (e: unknown) => e instanceof ProtocolError);
  const over = new Bytes().u32(64).u32(32).done();
  assert.throws(() => parseExtensions(new DataView(over.buffer), 0, 8), (e: unknown) => e instanceof ProtocolError);
  const lying = new Bytes().u32(16).u32(32).u32(100).u32(1).done();
  assert.throws(() => parseExtensions(new DataView(lying.buffer), 0, 16), (e: unknown) => e instanceof ProtocolError);
});

test('WireReader refuses u64 >= 2^53 and truncated fields instead of rounding or overrunning', () => {
  const b = new Bytes().u64(2n ** 53n - 1n).u64(2n ** 53n).u32(1).done();
  const r = rd(b);
  assert.is(r.u64(), Number.MAX_SAFE_INTEGER);
  assert.throws(() => r.u64(), (e: unknown) => (e as ProtocolError).kind === 'range');
  r.pos = 16;
  assert.throws(() => r.u64(), (e: unknown) => (e as ProtocolError).kind === 'short');
  const s = rd(Uint8Array.of(0x61, 0x62));
  assert.throws(() => s.cstring(), (e: unknown) => (e as ProtocolError).kind === 'short');
});

test('StructSize matches the kernel header', () => {
  assert.is(StructSize.fuse_in_header, 40);
  assert.is(StructSize.fuse_out_header, 16);
  assert.is(StructSize.fuse_direntplus, 152);
  assert.is(StructSize.fuse_statx, 256);
});

test.run();
