// INIT negotiation matrix: kernels offering 7.27, 7.31, 7.36, 7.45 and 8.0,
// versions we refuse, requests before INIT, and the flag intersection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bytes, request } from './bytes.js';
import { ALL_KERNEL_FLAGS, Driver, initBody, recordingBackend, type Call } from './harness.js';
import { decodeOutHeader, errno, InitFlags as F, Opcode, type Backend } from '../src/index.js';

/** Decode a 64-byte fuse_init_out reply body. */
function initOut(reply: Uint8Array) {
  const v = new DataView(reply.buffer, reply.byteOffset + 16);
  const flags = BigInt(v.getUint32(12, true)) | (BigInt(v.getUint32(32, true)) << 32n);
  return {
    size: reply.length - 16,
    major: v.getUint32(0, true),
    minor: v.getUint32(4, true),
    maxReadahead: v.getUint32(8, true),
    flags,
    maxBackground: v.getUint16(16, true),
    congestionThreshold: v.getUint16(18, true),
    maxWrite: v.getUint32(20, true),
    timeGran: v.getUint32(24, true),
    maxPages: v.getUint16(28, true),
  };
}

/** Flags a kernel of each version offers (all defined bits up to its newest). */
const offered: Record<string, bigint> = {
  '7.27': (1n << 22n) - 1n, // up to ABORT_ERROR
  '7.31': (1n << 27n) - 1n, // up to MAP_ALIGNMENT
  '7.36': ((1n << 31n) - 1n) | F.SECURITY_CTX | F.HAS_INODE_DAX, // INIT_EXT and the first flags2 bits
  '7.45': ALL_KERNEL_FLAGS,
};

async function negotiateWith(minor: number, flags: bigint, backend: Backend = recordingBackend([]), options = {}) {
  const d = new Driver(backend, options);
  const r = await d.session.handle(request(Opcode.INIT, 1, 0, initBody(7, minor, flags)));
  assert.is(decodeOutHeader(r!).error, 0);
  return { d, out: initOut(r!) };
}

for (const [version, flags] of Object.entries(offered)) {
  const minor = Number(version.split('.')[1]);
  test(`kernel ${version}: answers 7.${minor}'s minor, flags within the offer, full init_out`, async () => {
    const { d, out } = await negotiateWith(minor, flags);
    assert.is(out.size, 64, 'init_out is 64 bytes for kernels from 7.23');
    assert.is(out.major, 7);
    assert.is(out.minor, Math.min(minor, 45), 'we answer min(kernel minor, 45), as the issue and the header say');
    assert.is(d.session.negotiated!.minor, minor);
    assert.is(out.flags & ~flags, 0n, 'never a flag the kernel did not offer');
    assert.ok(out.flags & F.ASYNC_READ, 'ASYNC_READ');
    assert.ok(out.flags & F.BIG_WRITES, 'BIG_WRITES');
    assert.ok(out.flags & F.PARALLEL_DIROPS, 'PARALLEL_DIROPS');
    assert.ok(out.flags & F.ATOMIC_O_TRUNC, 'ATOMIC_O_TRUNC');
    assert.not.ok(out.flags & F.DONT_MASK, 'DONT_MASK only on request');
    assert.not.ok(out.flags & F.WRITEBACK_CACHE, 'WRITEBACK_CACHE only on request');
    assert.not.ok(out.flags & F.EXPORT_SUPPORT, 'EXPORT_SUPPORT only on request');
    assert.is(out.timeGran, 1);
    assert.is(out.maxReadahead, 131072, 'min(kernel, option)');
    assert.is(out.maxBackground, 64);
    assert.is(out.congestionThreshold, 48);
    if (minor >= 28) {
      assert.ok(out.flags & F.MAX_PAGES);
      assert.is(out.maxPages, 256);
      assert.is(out.maxWrite, 1 << 20);
    } else {
      assert.not.ok(out.flags & F.MAX_PAGES);
      assert.is(out.maxPages, 0);
      assert.is(out.maxWrite, 32 * 4096, 'without MAX_PAGES a request carries 32 pages');
    }
    if (minor >= 36) {
      assert.ok(out.flags & F.INIT_EXT, 'INIT_EXT so that flags2 counts');
    } else {
      assert.is(out.flags >> 32n, 0n, 'no flags2 before 7.36');
    }
    if (minor >= 38) assert.ok(out.flags & F.CREATE_SUPP_GROUP);
    if (minor >= 40) assert.ok(out.flags & F.NO_EXPORT_SUPPORT);
    // And requests work afterwards.
    assert.is(await d.errno(Opcode.GETATTR, 1, new Bytes().zero(16).done()), 0);
  });
}

test('kernel 8.0: we answer 7.45 with everything else zero and wait for a 7.x INIT', async () => {
  const d = new Driver(recordingBackend([]));
  const r = await d.session.handle(request(Opcode.INIT, 1, 0, new Bytes().u32(8).u32(0).zero(56).done()));
  const h = decodeOutHeader(r!);
  assert.is(h.error, 0);
  const out = initOut(r!);
  assert.equal([out.size, out.major, out.minor, out.flags, out.maxWrite], [64, 7, 45, 0n, 0]);
  assert.is(d.session.negotiated, undefined);
  assert.is(await d.errno(Opcode.GETATTR, 1, new Bytes().zero(16).done()), errno.EIO, 'still not initialised');
  await d.init(45);
  assert.is(d.session.negotiated!.minor, 45);
});

test('kernel 7.46 (newer minor): we speak 7.45', async () => {
  const { d, out } = await negotiateWith(46, ALL_KERNEL_FLAGS);
  assert.is(out.minor, 45);
  assert.is(d.session.negotiated!.minor, 45);
  assert.is(d.session.negotiated!.kernelMinor, 46);
});

test('kernels older than 7.27, and major 6, get EPROTO', async () => {
  for (const [major, minor] of [[7, 26], [7, 8], [6, 99]] as const) {
    const d = new Driver(recordingBackend([]));
    const body = minor >= 36 ? initBody(major, minor) : new Bytes().u32(major).u32(minor).u32(0).u32(0).done();
    const r = await d.session.handle(request(Opcode.INIT, 1, 0, body));
    assert.is(-decodeOutHeader(r!).error, errno.EPROTO, `${major}.${minor}`);
    assert.is(d.session.negotiated, undefined);
  }
});

test('a 7.x INIT shorter than 16 bytes is EIO', async () => {
  const d = new Driver(recordingBackend([]));
  assert.is(await d.errno(Opcode.INIT, 0, new Bytes().u32(7).u32(45).done()), errno.EIO);
});

test('requests before INIT get EIO; no-reply ones are dropped; a second INIT is EIO', async () => {
  const calls: Call[] = [];
  const d = new Driver(recordingBackend(calls));
  assert.is(await d.errno(Opcode.LOOKUP, 1, new Bytes().cstr('a').done()), errno.EIO);
  assert.is(await d.errno(Opcode.GETATTR, 1, new Bytes().zero(16).done()), errno.EIO);
  const { reply: f } = await d.send(Opcode.FORGET, 1, new Bytes().u64(1).done());
  assert.is(f, undefined);
  assert.is(calls.length, 0, 'the backend saw nothing');
  await d.init();
  assert.is(await d.errno(Opcode.INIT, 0, initBody(7, 45)), errno.EIO);
});

test('READDIRPLUS: on, auto, off, and never without backend.readdirplus', async () => {
  const on = await negotiateWith(45, ALL_KERNEL_FLAGS, recordingBackend([]), { readdirplus: 'on' });
  assert.ok(on.out.flags & F.DO_READDIRPLUS);
  assert.not.ok(on.out.flags & F.READDIRPLUS_AUTO);
  const auto = await negotiateWith(45, ALL_KERNEL_FLAGS, recordingBackend([]), { readdirplus: 'auto' });
  assert.ok(auto.out.flags & F.DO_READDIRPLUS && auto.out.flags & F.READDIRPLUS_AUTO);
  const off = await negotiateWith(45, ALL_KERNEL_FLAGS, recordingBackend([]), { readdirplus: 'off' });
  assert.not.ok(off.out.flags & (F.DO_READDIRPLUS | F.READDIRPLUS_AUTO));
  const { readdirplus: _, ...noPlus } = recordingBackend([]);
  const missing = await negotiateWith(45, ALL_KERNEL_FLAGS, noPlus, { readdirplus: 'on' });
  assert.not.ok(missing.out.flags & F.DO_READDIRPLUS);
});

test('locks only with getlk/setlk; SETXATTR_EXT only with setxattr; options add their flags', async () => {
  const { getlk: _g, setlk: _s, setxattr: _x, ...noLocks } = recordingBackend([]);
  const a = await negotiateWith(45, ALL_KERNEL_FLAGS, noLocks);
  assert.not.ok(a.out.flags & (F.POSIX_LOCKS | F.FLOCK_LOCKS | F.SETXATTR_EXT));
  const b = await negotiateWith(45, ALL_KERNEL_FLAGS, recordingBackend([]), {
    writeback: true,
    cacheSymlinks: true,
    exportSupport: true,
    dontMask: true,
    handleKillprivV2: true,
    atomicOTrunc: false,
    autoInvalData: false,
  });
  for (const f of [F.POSIX_LOCKS, F.FLOCK_LOCKS, F.SETXATTR_EXT, F.WRITEBACK_CACHE, F.CACHE_SYMLINKS, F.EXPORT_SUPPORT, F.DONT_MASK, F.HANDLE_KILLPRIV_V2]) {
    assert.ok(b.out.flags & f, `flag 0x${f.toString(16)}`);
  }
  assert.not.ok(b.out.flags & (F.ATOMIC_O_TRUNC | F.AUTO_INVAL_DATA | F.NO_EXPORT_SUPPORT));
  // Nothing the kernel does not offer, whatever the options.
  const c = await negotiateWith(45, F.ASYNC_READ, recordingBackend([]), { writeback: true });
  assert.is(c.out.flags, F.ASYNC_READ);
});

test('HANDLE_KILLPRIV_V2: when the backend handles it, unless the option says no; the option alone asks for it too', async () => {
  const plain = await negotiateWith(45, ALL_KERNEL_FLAGS, recordingBackend([]));
  assert.not.ok(plain.out.flags & F.HANDLE_KILLPRIV_V2, 'a backend that does not say it clears set-ID bits');
  const handling = { ...recordingBackend([]), handlesKillprivV2: true };
  assert.ok((await negotiateWith(45, ALL_KERNEL_FLAGS, handling)).out.flags & F.HANDLE_KILLPRIV_V2);
  assert.not.ok((await negotiateWith(45, ALL_KERNEL_FLAGS, handling, { handleKillprivV2: false })).out.flags & F.HANDLE_KILLPRIV_V2);
  assert.ok((await negotiateWith(45, ALL_KERNEL_FLAGS, recordingBackend([]), { handleKillprivV2: true })).out.flags & F.HANDLE_KILLPRIV_V2);
});

test('maxWrite and maxReadahead options shape init_out', async () => {
  const { out, d } = await negotiateWith(45, ALL_KERNEL_FLAGS, recordingBackend([]), { maxWrite: 128 * 1024, maxReadahead: 4096 });
  assert.equal([out.maxWrite, out.maxPages, out.maxReadahead], [128 * 1024, 32, 4096]);
  assert.is(d.session.negotiated!.bufferSize, 128 * 1024 + 4096);
});

test('backend.init gets minor and flags; an async init delays the INIT reply; a failing init fails INIT', async () => {
  let info: unknown;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const d = new Driver({
    ...recordingBackend([]),
    init: async (i) => {
      info = i;
      await gate;
    },
  });
  let done = false;
  const p = d.session.handle(request(Opcode.INIT, 1, 0, initBody(7, 45))).then((r) => ((done = true), r));
  await new Promise((r) => setTimeout(r, 5));
  assert.not.ok(done, 'INIT reply waits for backend.init');
  release();
  const r = await p;
  assert.is(decodeOutHeader(r!).error, 0);
  assert.is((info as { minor: number }).minor, 45);
  assert.is((info as { flags: bigint }).flags, d.session.negotiated!.flags);

  const bad = new Driver({ ...recordingBackend([]), init: () => Promise.reject(new Error('no disk')) });
  const br = await bad.session.handle(request(Opcode.INIT, 1, 0, initBody(7, 45)));
  assert.is(-decodeOutHeader(br!).error, errno.EIO);
  assert.is(bad.session.negotiated, undefined);
  assert.is(await bad.errno(Opcode.GETATTR, 1, new Bytes().zero(16).done()), errno.EIO);
});

test.run();
