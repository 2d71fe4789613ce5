// A round trip for every opcode: request bytes in through session.handle, the
// backend call it caused, and the exact reply bytes out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bytes, attrBytes, hex, reply, request, sampleAttr, view } from './bytes.js';
import { Driver, recordingBackend, initBody, type Call } from './harness.js';
import { Opcode, errno } from '../src/index.js';

const calls: Call[] = [];
const ctxs: any[] = [];
const d = new Driver(recordingBackend(calls, ctxs), { entryTimeout: 1, attrTimeout: 1 });

/** entry_out as the recording backend answers it: nodeid, generation 1, timeouts 2 and 3. */
function entryBytes(nodeid: number): Uint8Array {
  return new Bytes().u64(nodeid).u64(1).u64(2).u64(3).u32(0).u32(0).raw(attrBytes(sampleAttr)).done();
}

/** Send, then check the backend call and the reply bytes. */
async function trip(opcode: number, nodeid: number, body: Uint8Array, call: Call | undefined, replyBody: Uint8Array | undefined): Promise<void> {
  const before = calls.length;
  const { unique, reply: r } = await d.send(opcode, nodeid, body, { uid: 1000, gid: 100, pid: 4321 });
  if (call) {
    assert.is(calls.length, before + 1, `one backend call for opcode ${opcode}`);
    assert.equal(calls[calls.length - 1], call);
  } else {
    assert.is(calls.length, before, `no backend call for opcode ${opcode}`);
  }
  if (replyBody === undefined) {
    assert.is(r, undefined, `opcode ${opcode} has no reply`);
  } else {
    assert.ok(r, `reply for opcode ${opcode}`);
    assert.is(hex(r!), hex(reply(unique, 0, replyBody)), `reply bytes of opcode ${opcode}`);
  }
}

const none = new Uint8Array(0);

test('INIT 7.45', async () => {
  await d.init(45);
  assert.is(d.session.negotiated?.minor, 45);
});

test('LOOKUP (1)', async () => {
  await trip(Opcode.LOOKUP, 1, new Bytes().cstr('file').done(), ['lookup', 1, 'b:file'], entryBytes(10));
  const c = ctxs[ctxs.length - 1];
  assert.equal([c.uid, c.gid, c.pid, c.groups], [1000, 100, 4321, undefined], 'caller identity reaches the backend');
});

test('FORGET (2): no reply', async () => {
  await trip(Opcode.FORGET, 10, new Bytes().u64(3).done(), ['forget', 10, 3], undefined);
});

test('GETATTR (3) with and without fh', async () => {
  await trip(Opcode.GETATTR, 5, new Bytes().u32(1).u32(0).u64(100).done(), ['getattr', 5, 100], new Bytes().u64(4).u32(0).u32(0).raw(attrBytes(sampleAttr)).done());
  await trip(Opcode.GETATTR, 5, new Bytes().u32(0).u32(0).u64(100).done(), ['getattr', 5, undefined], new Bytes().u64(4).u32(0).u32(0).raw(attrBytes(sampleAttr)).done());
});

test('SETATTR (4)', async () => {
  const body = new Bytes().u32(0x48).u32(0).u64(100).u64(4096).u64(0).u64(0).u64(0).u64(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).done();
  await trip(Opcode.SETATTR, 5, body, ['setattr', 5, {
    valid: 0x48, fh: 100, size: 4096, lockOwner: 0n, atime: 0, atimensec: 0, mtime: 0, mtimensec: 0, ctime: 0, ctimensec: 0, mode: 0, uid: 0, gid: 0,
  }], new Bytes().u64(4).u32(0).u32(0).raw(attrBytes(sampleAttr)).done());
});

test('READLINK (5)', async () => {
  await trip(Opcode.READLINK, 11, none, ['readlink', 11], new Bytes().raw('target').done());
});

test('SYMLINK (6): name then target', async () => {
  await trip(Opcode.SYMLINK, 1, new Bytes().cstr('ln').cstr('../a/b').done(), ['symlink', 1, 'b:ln', 'b:../a/b'], entryBytes(11));
});

test('MKNOD (8)', async () => {
  await trip(Opcode.MKNOD, 1, new Bytes().u32(0o10644).u32(0).u32(0o22).u32(0).cstr('fifo').done(), ['mknod', 1, 'b:fifo', 0o10644, 0, 0o22], entryBytes(12));
});

test('MKDIR (9)', async () => {
  await trip(Opcode.MKDIR, 1, new Bytes().u32(0o755).u32(0o22).cstr('dir').done(), ['mkdir', 1, 'b:dir', 0o755, 0o22], entryBytes(13));
});

test('UNLINK (10) and RMDIR (11)', async () => {
  await trip(Opcode.UNLINK, 1, new Bytes().cstr('f').done(), ['unlink', 1, 'b:f'], none);
  await trip(Opcode.RMDIR, 1, new Bytes().cstr('d').done(), ['rmdir', 1, 'b:d'], none);
});

test('RENAME (12) and RENAME2 (45)', async () => {
  await trip(Opcode.RENAME, 1, new Bytes().u64(2).cstr('a').cstr('b').done(), ['rename', 1, 'b:a', 2, 'b:b', 0], none);
  await trip(Opcode.RENAME2, 1, new Bytes().u64(2).u32(1).u32(0).cstr('a').cstr('b').done(), ['rename', 1, 'b:a', 2, 'b:b', 1], none);
});

test('LINK (13): header nodeid is the new parent', async () => {
  await trip(Opcode.LINK, 3, new Bytes().u64(10).cstr('hard').done(), ['link', 10, 3, 'b:hard'], entryBytes(14));
});

test('OPEN (14): flags and open_flags (FUSE_OPEN_KILL_SUIDGID)', async () => {
  await trip(Opcode.OPEN, 10, new Bytes().u32(0o1002).u32(1).done(), ['open', 10, 0o1002, 1], new Bytes().u64(100).u32(1).i32(0).done());
});

test('READ (15)', async () => {
  await trip(Opcode.READ, 10, new Bytes().u64(100).u64(0).u32(4096).u32(0).u64(0).u32(0).u32(0).done(), ['read', 10, 100, 0, 4096, 0], new Bytes().raw('hello').done());
});

test('WRITE (16)', async () => {
  await trip(Opcode.WRITE, 10, new Bytes().u64(100).u64(5).u32(3).u32(0).u64(0).u32(0o1).u32(0).raw('xyz').done(), ['write', 10, 100, 5, 'u8:xyz', 0, 1], new Bytes().u32(3).u32(0).done());
});

test('STATFS (17)', async () => {
  await trip(Opcode.STATFS, 1, none, ['statfs', 1], new Bytes().u64(1).u64(2).u64(3).u64(4).u64(5).u32(4096).u32(255).u32(4096).u32(0).zero(24).done());
});

test('RELEASE (18)', async () => {
  await trip(Opcode.RELEASE, 10, new Bytes().u64(100).u32(0o2).u32(1).u64(0xabn).done(), ['release', 10, 100, 2, 1, 0xabn], none);
});

test('FSYNC (20) and FSYNCDIR (30): datasync bit', async () => {
  await trip(Opcode.FSYNC, 10, new Bytes().u64(100).u32(1).u32(0).done(), ['fsync', 10, 100, true], none);
  await trip(Opcode.FSYNCDIR, 1, new Bytes().u64(200).u32(0).u32(0).done(), ['fsyncdir', 1, 200, false], none);
});

test('SETXATTR (21) with SETXATTR_EXT (16-byte header)', async () => {
  await trip(Opcode.SETXATTR, 10, new Bytes().u32(3).u32(1).u32(0).u32(0).cstr('user.k').raw('v\0w').done(), ['setxattr', 10, 'user.k', 'u8:v\0w', 1, 0], none);
});

test('GETXATTR (22): size probe and value', async () => {
  await trip(Opcode.GETXATTR, 10, new Bytes().u32(0).u32(0).cstr('user.k').done(), ['getxattr', 10, 'user.k', 0], new Bytes().u32(3).u32(0).done());
  await trip(Opcode.GETXATTR, 10, new Bytes().u32(64).u32(0).cstr('user.k').done(), ['getxattr', 10, 'user.k', 64], new Bytes().raw('val').done());
  const e = await d.errno(Opcode.GETXATTR, 10, new Bytes().u32(2).u32(0).cstr('user.k').done());
  assert.is(e, errno.ERANGE, 'value larger than size is ERANGE');
});

test('LISTXATTR (23) and REMOVEXATTR (24)', async () => {
  await trip(Opcode.LISTXATTR, 10, new Bytes().u32(0).u32(0).done(), ['listxattr', 10, 0], new Bytes().u32(9).u32(0).done());
  await trip(Opcode.LISTXATTR, 10, new Bytes().u32(100).u32(0).done(), ['listxattr', 10, 100], new Bytes().raw('user.a\0b\0').done());
  await trip(Opcode.REMOVEXATTR, 10, new Bytes().cstr('user.k').done(), ['removexattr', 10, 'user.k'], none);
});

test('FLUSH (25)', async () => {
  await trip(Opcode.FLUSH, 10, new Bytes().u64(100).u32(0).u32(0).u64(0x55n).done(), ['flush', 10, 100, 0x55n], none);
});

test('OPENDIR (27), READDIR (28), RELEASEDIR (29)', async () => {
  await trip(Opcode.OPENDIR, 1, new Bytes().u32(0o200000).u32(0).done(), ['opendir', 1, 0o200000], new Bytes().u64(200).u32(0).i32(0).done());
  const rd = new Bytes().u64(200).u64(0).u32(4096).u32(0).u64(0).u32(0).u32(0).done();
  const { unique, reply: r } = await d.send(Opcode.READDIR, 1, rd);
  // The last argument is the sink object; compare the rest.
  assert.equal(calls[calls.length - 1]!.slice(0, 4), ['readdir', 1, 200, 0n]);
  assert.is(hex(r!), hex(reply(unique, 0, new Bytes().u64(20).u64(1).u32(1).u32(8).raw('a').pad8().done())));
  await trip(Opcode.RELEASEDIR, 1, new Bytes().u64(200).u32(0).u32(0).u64(0).done(), ['releasedir', 1, 200, 0], none);
});

test('READDIRPLUS (44)', async () => {
  const rd = new Bytes().u64(200).u64(7).u32(4096).u32(0).u64(0).u32(0).u32(0).done();
  const { unique, reply: r } = await d.send(Opcode.READDIRPLUS, 1, rd);
  assert.equal(calls[calls.length - 1]!.slice(0, 4), ['readdirplus', 1, 200, 7n]);
  const body = new Bytes().raw(entryBytes(20)).u64(sampleAttr.ino).u64(1).u32(1).u32(8).raw('a').pad8().done();
  assert.is(hex(r!), hex(reply(unique, 0, body)));
});

test('GETLK (31), SETLK (32), SETLKW (33)', async () => {
  const lk = new Bytes().u64(100).u64(0x99n).u64(0).u64(99).u32(1).u32(42).u32(0).u32(0).done();
  const lock = { start: 0n, end: 99n, type: 1, pid: 42 };
  await trip(Opcode.GETLK, 10, lk, ['getlk', 10, 100, 0x99n, lock, 0], new Bytes().u64(0).u64(99).u32(2).u32(0).done());
  await trip(Opcode.SETLK, 10, lk, ['setlk', 10, 100, 0x99n, lock, 0, false], none);
  await trip(Opcode.SETLKW, 10, lk, ['setlk', 10, 100, 0x99n, lock, 0, true], none);
});

test('ACCESS (34)', async () => {
  await trip(Opcode.ACCESS, 10, new Bytes().u32(4).u32(0).done(), ['access', 10, 4], none);
});

test('CREATE (35): entry_out + open_out', async () => {
  await trip(Opcode.CREATE, 1, new Bytes().u32(0o1101).u32(0o100644).u32(0o22).u32(1).cstr('new').done(), ['create', 1, 'b:new', 0o100644, 0o22, 0o1101, 1], new Bytes().raw(entryBytes(15)).u64(101).u32(0).i32(0).done());
});

test('INTERRUPT (36): no reply, unknown unique ignored', async () => {
  await trip(Opcode.INTERRUPT, 0, new Bytes().u64(999).done(), undefined, undefined);
});

test('BMAP (37)', async () => {
  await trip(Opcode.BMAP, 10, new Bytes().u64(5).u32(512).u32(0).done(), ['bmap', 10, 5, 512], new Bytes().u64(77).done());
});

test('IOCTL (39)', async () => {
  const body = new Bytes().u64(100).u32(0).u32(0x1234).u64(0xfeedn).u32(2).u32(8).raw([1, 2]).done();
  await trip(Opcode.IOCTL, 10, body, ['ioctl', 10, 100, 0, 0x1234, 0xfeedn, 'u8:\x01\x02', 8], new Bytes().i32(0).u32(0).u32(0).u32(0).raw([7, 7]).done());
});

test('POLL (40)', async () => {
  await trip(Opcode.POLL, 10, new Bytes().u64(100).u64(5).u32(1).u32(1).done(), ['poll', 10, 100, 5n, 1, 1], new Bytes().u32(1).u32(0).done());
});

test('NOTIFY_REPLY (41) for an unknown retrieve: no reply, no call', async () => {
  await trip(Opcode.NOTIFY_REPLY, 10, new Bytes().u64(0).u64(0).u32(0).u32(0).u64(0).u64(0).done(), undefined, undefined);
});

test('BATCH_FORGET (42): one forget per entry, no reply', async () => {
  const before = calls.length;
  const { reply: r } = await d.send(Opcode.BATCH_FORGET, 0, new Bytes().u32(2).u32(0).u64(10).u64(1).u64(11).u64(2).done());
  assert.is(r, undefined);
  assert.equal(calls.slice(before), [['forget', 10, 1], ['forget', 11, 2]]);
});

test('FALLOCATE (43)', async () => {
  await trip(Opcode.FALLOCATE, 10, new Bytes().u64(100).u64(0).u64(8192).u32(1).u32(0).done(), ['fallocate', 10, 100, 0, 8192, 1], none);
});

test('LSEEK (46)', async () => {
  await trip(Opcode.LSEEK, 10, new Bytes().u64(100).u64(10).u32(3).u32(0).done(), ['lseek', 10, 100, 10, 3], new Bytes().u64(8192).done());
});

test('COPY_FILE_RANGE (47, u32 reply) and COPY_FILE_RANGE_64 (53, u64 reply)', async () => {
  const body = new Bytes().u64(100).u64(0).u64(11).u64(101).u64(4096).u64(1n << 40n).u64(0).done();
  await trip(Opcode.COPY_FILE_RANGE, 10, body, ['copyFileRange', 10, 100, 0, 11, 101, 4096, 0xfffff000, 0], new Bytes().u32(4096).u32(0).done());
  await trip(Opcode.COPY_FILE_RANGE_64, 10, body, ['copyFileRange', 10, 100, 0, 11, 101, 4096, 2 ** 40, 0], new Bytes().u64(4096).done());
});

test('SETUPMAPPING (48) and REMOVEMAPPING (49): ENOSYS', async () => {
  assert.is(await d.errno(Opcode.SETUPMAPPING, 10, new Bytes().zero(40).done()), errno.ENOSYS);
  assert.is(await d.errno(Opcode.REMOVEMAPPING, 10, new Bytes().zero(8).done()), errno.ENOSYS);
});

test('SYNCFS (50)', async () => {
  await trip(Opcode.SYNCFS, 1, new Bytes().u64(0).done(), ['syncfs', 1], none);
});

test('TMPFILE (51): create_in, the "/" placeholder name ignored', async () => {
  await trip(Opcode.TMPFILE, 1, new Bytes().u32(0o2).u32(0o100600).u32(0o22).u32(0).cstr('/').done(), ['tmpfile', 1, 0o100600, 0o22, 0o2], new Bytes().raw(entryBytes(16)).u64(102).u32(0).i32(0).done());
});

test('STATX (52)', async () => {
  const { unique, reply: r } = await d.send(Opcode.STATX, 10, new Bytes().u32(0).u32(0).u64(0).u32(0).u32(0xfff).done());
  assert.equal(calls[calls.length - 1], ['statx', 10, undefined, 0, 0xfff]);
  assert.is(r!.length, 16 + 288);
  assert.is(view(r!).getBigUint64(8, true), unique);
  assert.is(view(r!).getUint16(16 + 32 + 28, true), 0o100644, 'statx mode');
});

test('DESTROY (38): backend destroy once, then requests are dropped', async () => {
  let destroyed = 0;
  const calls2: Call[] = [];
  const d2 = new Driver({ ...recordingBackend(calls2), destroy: () => void destroyed++ });
  await d2.init();
  assert.is(await d2.errno(Opcode.DESTROY, 0), 0);
  assert.is(destroyed, 1);
  const { reply: after } = await d2.send(Opcode.GETATTR, 1, new Bytes().zero(16).done());
  assert.is(after, undefined, 'dropped after DESTROY');
  await d2.session.close();
  assert.is(destroyed, 1, 'close() after DESTROY does not destroy twice');
});

test('CUSE_INIT (4096): ENOSYS; unknown opcodes (7, 19, 54, 1000): ENOSYS', async () => {
  assert.is(await d.errno(Opcode.CUSE_INIT, 0, new Bytes().zero(16).done()), errno.ENOSYS);
  for (const op of [7, 19, 54, 1000, 0]) assert.is(await d.errno(op, 1, new Bytes().zero(8).done()), errno.ENOSYS, `opcode ${op}`);
});

test('every opcode 1..53 has a record and was exercised', async () => {
  const { allOps } = await import('../src/index.js');
  const codes = allOps.map((o) => o.opcode).filter((c) => c < 64);
  const expected = Array.from({ length: 53 }, (_, i) => i + 1).filter((c) => c !== 7 && c !== 19);
  assert.equal(codes.sort((a, b) => a - b), expected);
  const s = d.session.stats();
  for (const c of expected) {
    if (c === Opcode.DESTROY) continue;
    const name = allOps.find((o) => o.opcode === c)!.name;
    assert.ok(s.ops[name]?.count, `${name} was sent`);
  }
});

test('supplementary groups extension reaches ctx.groups', async () => {
  const ext = new Bytes().u32(24).u32(32).u32(2).u32(50).u32(60).u32(0).done(); // header, nr_groups, groups[2], pad
  const { reply: r } = await d.send(Opcode.MKDIR, 1, new Bytes().u32(0o755).u32(0).cstr('g').done(), { ext });
  assert.is(view(r!).getInt32(4, true), 0);
  assert.equal(ctxs[ctxs.length - 1].groups, [50, 60]);
});

test.run();
