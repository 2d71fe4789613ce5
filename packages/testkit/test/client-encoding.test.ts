/**
 * Request encodings, byte by byte, against fixtures written row by row from
 * the layouts in include/uapi/linux/fuse.h (7.45), and the header fields the
 * client fills in as Linux does (unique stepping by 2, no credentials on
 * RELEASE/FORGET/INIT).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuseClient } from '../src/client/client.js';
import * as req from '../src/client/requests.js';
import { KERNEL_INIT_FLAGS, Init } from '../src/client/abi.js';
import { FakeServer, bytes, cstr, entryRows, reply, u16, u32, u64, zeros } from './client-fixtures.js';

const h = { unique: 10n, nodeid: 5, uid: 1000, gid: 100, pid: 4242 };

/** The 40-byte fuse_in_header rows. */
function header(len: number, opcode: number, unique = 10n, nodeid: number | bigint = 5, uid = 1000, gid = 100, pid = 4242, extlen = 0): number[][] {
  return [
    u32(len), // len
    u32(opcode), // opcode
    u64(unique), // unique
    u64(nodeid), // nodeid
    u32(uid), u32(gid), u32(pid), // uid, gid, pid
    u16(extlen), u16(0), // total_extlen (8-byte units), padding
  ];
}

function same(actual: Uint8Array, expected: Uint8Array): void {
  assert.equal(Buffer.from(actual).toString('hex'), Buffer.from(expected).toString('hex'));
}

test('INIT: fuse_init_in with the flags a 6.18 kernel offers', () => {
  // flags: bits 0,1,3-25,28,29,30 (everything up to INIT_EXT except FILE_OPS, MAP_ALIGNMENT, SUBMOUNTS)
  // flags2: SECURITY_CTX(0) CREATE_SUPP_GROUP(2) HAS_EXPIRE_ONLY(3) DIRECT_IO_ALLOW_MMAP(4) PASSTHROUGH(5)
  //         NO_EXPORT_SUPPORT(6) HAS_RESEND(7) ALLOW_IDMAP(8) REQUEST_TIMEOUT(10)
  const expected = bytes(
    ...header(104, 26, 2n, 0, 0, 0, 0),
    u32(7), // major
    u32(45), // minor
    u32(131072), // max_readahead
    u32(0x73fffffb), // flags
    u32(0x5fd), // flags2
    zeros(44), // unused[11]
  );
  same(req.init({ unique: 2n, nodeid: 0, uid: 0, gid: 0, pid: 0 }, { major: 7, minor: 45, maxReadahead: 131072, flags: KERNEL_INIT_FLAGS }), expected);
});

test('INIT for a kernel before 7.36: the 16-byte fuse_init_in', () => {
  same(req.init({ unique: 2n, nodeid: 0, uid: 0, gid: 0, pid: 0 }, { major: 7, minor: 31, maxReadahead: 65536, flags: 0x1n | (1n << 33n) }), bytes(
    ...header(56, 26, 2n, 0, 0, 0, 0),
    u32(7), u32(31), u32(65536), // major, minor, max_readahead
    u32(1), // flags (no flags2 before INIT_EXT)
  ));
});

test('LOOKUP: the name, NUL-terminated', () => {
  same(req.lookup(h, 'hello'), bytes(...header(46, 1), cstr('hello')));
});

test('GETATTR: fuse_getattr_in with GETATTR_FH', () => {
  same(req.getattr(h, { getattrFlags: 1, fh: 7 }), bytes(
    ...header(56, 3),
    u32(1), u32(0), // getattr_flags, dummy
    u64(7), // fh
  ));
});

test('SETATTR: the 88-byte fuse_setattr_in', () => {
  const got = req.setattr(h, { valid: 0x1 | 0x8 | 0x40, mode: 0o100644, size: 4096, fh: 9, atime: 1, mtime: 2, ctime: 3, atimensec: 4, mtimensec: 5, ctimensec: 6, uid: 7, gid: 8, lockOwner: 99n });
  same(got, bytes(
    ...header(128, 4),
    u32(0x49), u32(0), // valid, padding
    u64(9), u64(4096), u64(99), // fh, size, lock_owner
    u64(1), u64(2), u64(3), // atime, mtime, ctime
    u32(4), u32(5), u32(6), // atimensec, mtimensec, ctimensec
    u32(0o100644), u32(0), // mode, unused4
    u32(7), u32(8), u32(0), // uid, gid, unused5
  ));
});

test('MKDIR with an empty security context extension', () => {
  same(req.mkdir(h, { mode: 0o755, umask: 0o022 }, 'd', { emptySecurityContext: true }), bytes(
    ...header(58, 9, 10n, 5, 1000, 100, 4242, 1),
    u32(0o755), u32(0o022), // mode, umask
    cstr('d'), // name
    u32(8), u32(0), // fuse_secctx_header: size 8, nr_secctx 0
  ));
});

test('CREATE with security context and supplementary group extensions', () => {
  same(req.create(h, { flags: 0o100101, mode: 0o100644, umask: 0o022 }, 'f', { emptySecurityContext: true, groups: [4000] }), bytes(
    ...header(82, 35, 10n, 5, 1000, 100, 4242, 3),
    u32(0o100101), u32(0o100644), u32(0o022), u32(0), // flags, mode, umask, open_flags
    cstr('f'), // name
    u32(8), u32(0), // empty fuse_secctx_header
    u32(16), u32(32), // fuse_ext_header: size 16, type FUSE_EXT_GROUPS
    u32(1), u32(4000), // fuse_supp_groups: nr_groups, groups[0]
  ));
});

test('SYMLINK: name then target; LINK: fuse_link_in then name', () => {
  same(req.symlink(h, 'l', '../t'), bytes(...header(47, 6), cstr('l'), cstr('../t')));
  same(req.link(h, 77, 'n'), bytes(...header(50, 13), u64(77), cstr('n')));
});

test('RENAME and RENAME2', () => {
  same(req.rename(h, 6, 'a', 'bb'), bytes(...header(53, 12), u64(6), cstr('a'), cstr('bb')));
  same(req.rename2(h, 6, 2, 'a', 'b'), bytes(
    ...header(60, 45),
    u64(6), u32(2), u32(0), // newdir, flags (RENAME_EXCHANGE), padding
    cstr('a'), cstr('b'),
  ));
});

test('READ, READDIR and WRITE: fuse_read_in / fuse_write_in', () => {
  const readIn = [u64(3), u64(8192), u32(4096), u32(0), u64(0), u32(0o100002), u32(0)]; // fh, offset, size, read_flags, lock_owner, flags, padding
  same(req.read(h, { fh: 3, offset: 8192, size: 4096, flags: 0o100002 }), bytes(...header(80, 15), ...readIn));
  same(req.readdir(h, { fh: 3, offset: 8192, size: 4096, flags: 0o100002 }), bytes(...header(80, 28), ...readIn));
  same(req.readdir(h, { fh: 3, offset: 8192, size: 4096, flags: 0o100002 }, true), bytes(...header(80, 44), ...readIn));
  same(req.write(h, { fh: 3, offset: 2n ** 40n, flags: 0o102001, writeFlags: 4 }, Uint8Array.of(1, 2, 3)), bytes(
    ...header(83, 16),
    u64(3), u64(2n ** 40n), u32(3), u32(4), // fh, offset, size, write_flags (KILL_SUIDGID)
    u64(0), u32(0o102001), u32(0), // lock_owner, flags, padding
    [1, 2, 3], // data
  ));
});

test('BATCH_FORGET: count, dummy, then fuse_forget_one entries', () => {
  same(req.batchForget({ ...h, nodeid: 0, uid: 0, gid: 0, pid: 0 }, [{ nodeid: 2, nlookup: 3 }, { nodeid: 9, nlookup: 1 }]), bytes(
    ...header(80, 42, 10n, 0, 0, 0, 0),
    u32(2), u32(0), // count, dummy
    u64(2), u64(3), // nodeid, nlookup
    u64(9), u64(1),
  ));
});

test('SETXATTR in both sizes, GETXATTR, COPY_FILE_RANGE_64, LSEEK, FALLOCATE, RELEASE, FLUSH', () => {
  same(req.setxattr(h, { flags: 1, ext: true }, 'user.a', Uint8Array.of(9, 8)), bytes(
    ...header(65, 21), u32(2), u32(1), u32(0), u32(0), cstr('user.a'), [9, 8], // size, flags, setxattr_flags, padding
  ));
  same(req.setxattr(h, { flags: 0, ext: false }, 'user.a', Uint8Array.of(9)), bytes(
    ...header(56, 21), u32(1), u32(0), cstr('user.a'), [9], // the 8-byte compat fuse_setxattr_in
  ));
  same(req.getxattr(h, 64, 'user.a'), bytes(...header(55, 22), u32(64), u32(0), cstr('user.a')));
  same(req.copyFileRange(h, { fhIn: 1, offIn: 2, nodeidOut: 3, fhOut: 4, offOut: 5, len: 6, flags: 0 }), bytes(
    ...header(96, 53), u64(1), u64(2), u64(3), u64(4), u64(5), u64(6), u64(0),
  ));
  same(req.lseek(h, { fh: 1, offset: 100, whence: 3 }), bytes(...header(64, 46), u64(1), u64(100), u32(3), u32(0)));
  same(req.fallocate(h, { fh: 1, offset: 0, length: 4096, mode: 3 }), bytes(...header(72, 43), u64(1), u64(0), u64(4096), u32(3), u32(0)));
  same(req.release(h, { fh: 8, flags: 0o100000 }), bytes(...header(64, 18), u64(8), u32(0o100000), u32(0), u64(0)));
  same(req.flush(h, 8, 0x1234n), bytes(...header(64, 25), u64(8), u32(0), u32(0), u64(0x1234)));
});

test('INTERRUPT: the request unique with the low bit set, no node, no credentials', async () => {
  const server = new FakeServer(() => undefined);
  const client = new FuseClient(server);
  await client.init();
  assert.equal(await client.interrupt(6n), undefined);
  same(server.sent[0]!.bytes, bytes(
    ...header(48, 36, 7n, 0, 0, 0, 0), // unique 6 | FUSE_INT_REQ_BIT
    u64(6), // fuse_interrupt_in.unique
  ));
});

test('the client numbers uniques 2, 4, 6 ... and sends credentials only where the kernel does', async () => {
  const server = new FakeServer((r) => {
    if (r.opcode === 1) return reply(r.unique, 0, ...entryRows(7, { mode: 0o100644 }));
    if (r.opcode === 18) return reply(r.unique, 0);
    return undefined;
  }, KERNEL_INIT_FLAGS);
  const client = new FuseClient(server, { credentials: { uid: 1000, gid: 100, pid: 4242 } });
  await client.init();
  await client.lookup(1, 'f');
  await client.release(7, 3, 0);
  await client.forget(7);
  const seen = server.requests.map((r) => [r.opcode, r.unique, r.uid, r.gid, r.pid]);
  assert.equal(seen, [
    [26, 2n, 0, 0, 0], // INIT: no credentials
    [1, 4n, 1000, 100, 4242], // LOOKUP: the caller's
    [18, 6n, 0, 0, 0], // RELEASE: nocreds
    [2, 8n, 0, 0, 0], // FORGET
  ]);
  assert.ok(client.has(Init.DO_READDIRPLUS));
});

test('umask: applied by the client unless DONT_MASK is negotiated', async () => {
  for (const dontMask of [false, true]) {
    const server = new FakeServer((r) => reply(r.unique, 0, ...entryRows(9, { mode: 0o40755 })), dontMask ? Init.DONT_MASK : 0n);
    const client = new FuseClient(server, { umask: 0o027 });
    await client.init();
    await client.mkdir(1, 'd', 0o777);
    const body = server.sent[0]!.bytes.subarray(40);
    const v = new DataView(body.buffer, body.byteOffset);
    assert.equal([v.getUint32(0, true), v.getUint32(4, true)], dontMask ? [0o777, 0o027] : [0o750, 0o027]);
  }
});

test.run();
