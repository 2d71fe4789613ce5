/**
 * Reply checking: every structural fault a server can commit is a
 * ProtocolViolation (never an errno, never accepted), errors surface as
 * FsError with errno and code, and lookup counts follow the kernel's rules.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuseClient } from '../src/client/client.js';
import { FsError, ProtocolViolation } from '../src/client/errors.js';
import { Init, Op } from '../src/client/abi.js';
import {
  FakeServer, attrRows, bytes, entryRows, i32, initOutRows, parseHeader, reply, u32, u64, zeros, type Recorded,
} from './client-fixtures.js';

async function clientWith(respond: (r: Recorded) => Uint8Array | undefined, flags: bigint = Init.DO_READDIRPLUS): Promise<{ client: FuseClient; server: FakeServer }> {
  const server = new FakeServer(respond, flags);
  const client = new FuseClient(server);
  await client.init();
  return { client, server };
}

async function violation(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, ProtocolViolation, `expected a ProtocolViolation, got ${e}`);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable('the reply was accepted');
}

const attrOut = (mode = 0o100644): number[][] => [u64(1), u32(0), u32(0), ...attrRows({ ino: 5, mode })];

test('an errno reply becomes FsError with errno and code', async () => {
  const { client } = await clientWith((r) => reply(r.unique, -2));
  try {
    await client.getattr(5);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FsError);
    assert.equal((e as FsError).errno, 2);
    assert.equal((e as FsError).code, 'ENOENT');
    assert.equal((e as FsError).opcode, Op.GETATTR);
  }
});

test('framing faults: wrong unique, wrong len, missing reply, error with a body, bad errno', async () => {
  await violation((await clientWith((r) => reply(r.unique + 2n, 0, ...attrOut()))).client.getattr(5), /unique/);
  await violation((await clientWith((r) => { const b = reply(r.unique, 0, ...attrOut()); b[0] = 99; return b; })).client.getattr(5), /len 99/);
  await violation((await clientWith(() => undefined)).client.getattr(5), /no reply/);
  await violation((await clientWith((r) => reply(r.unique, -2, u64(0)))).client.getattr(5), /carries 8 body bytes/);
  await violation((await clientWith((r) => reply(r.unique, 5))).client.getattr(5), /not 0 or a negative errno/);
  await violation((await clientWith((r) => reply(r.unique, -300))).client.getattr(5), /not a Linux errno/);
  await violation((await clientWith((r) => reply(r.unique, -600))).client.getattr(5), /not 0 or a negative errno/);
  await violation((await clientWith(() => new Uint8Array(10))).client.getattr(5), /shorter than fuse_out_header/);
  await violation((await clientWith(() => { throw new Error('boom'); })).client.getattr(5), /rejected/);
});

test('body sizes: exact for fixed replies, bounded for variable ones, empty where none is due', async () => {
  await violation((await clientWith((r) => reply(r.unique, 0, ...attrOut(), u32(0)))).client.getattr(5), /104/);
  await violation((await clientWith((r) => reply(r.unique, 0, zeros(100)))).client.getattr(5), /104/);
  await violation((await clientWith((r) => reply(r.unique, 0, zeros(11)))).client.read(5, 1, 0, 10, 0), /more than the 10/);
  await violation((await clientWith((r) => reply(r.unique, 0, u64(0)))).client.unlink(1, 'x'), /expected none/);
  await violation((await clientWith((r) => reply(r.unique, 0, u32(11), u32(0)))).client.write(5, 1, 0, new Uint8Array(10), 0), /11 bytes written of 10/);
  await violation((await clientWith((r) => reply(r.unique, 0, zeros(5000)))).client.readlink(5), /exceeds 4095/);
  await violation((await clientWith((r) => reply(r.unique, 0, [0x61, 0, 0, 0x62, 0]))).client.listxattr(5, 100), /empty name/);
  await violation((await clientWith((r) => reply(r.unique, 0, [0x61]))).client.listxattr(5, 100), /end with NUL/);
});

test('attribute faults: no file type, size above 2^53, nanoseconds of a second or more', async () => {
  await violation((await clientWith((r) => reply(r.unique, 0, ...attrOut(0o644)))).client.getattr(5), /no valid file type/);
  await violation((await clientWith((r) => {
    const b = reply(r.unique, 0, ...attrOut());
    new DataView(b.buffer).setBigUint64(16 + 16 + 8, 2n ** 60n, true); // attr.size
    return b;
  })).client.getattr(5), /size/);
  await violation((await clientWith((r) => {
    const b = reply(r.unique, 0, ...attrOut());
    new DataView(b.buffer).setUint32(16 + 16 + 48, 1_000_000_000, true); // attr.atimensec
    return b;
  })).client.getattr(5), /atimensec/);
});

test('entries: negative LOOKUP is ENOENT; created entries must have a node id, the asked type, not the root', async () => {
  const neg = await clientWith((r) => reply(r.unique, 0, ...entryRows(0, { mode: 0 })));
  try {
    await neg.client.lookup(1, 'x');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, FsError);
    assert.equal((e as FsError).code, 'ENOENT');
  }
  assert.equal(neg.client.lookupCounts().size, 0);
  await violation((await clientWith((r) => reply(r.unique, 0, ...entryRows(0, { mode: 0o40755 })))).client.mkdir(1, 'd'), /nodeid is 0/);
  await violation((await clientWith((r) => reply(r.unique, 0, ...entryRows(9, { mode: 0o100644 })))).client.mkdir(1, 'd'), /asked for 0o40000/);
  await violation((await clientWith((r) => reply(r.unique, 0, ...entryRows(1, { mode: 0o40755 })))).client.mkdir(1, 'd'), /root/);
  await violation((await clientWith((r) => reply(r.unique, 0, ...entryRows(9, { mode: 0o40755 }), u64(1), u32(0), i32(0)))).client.create(1, 'f', 0, 0o100644), /not a regular file/);
  const ok = await clientWith((r) => reply(r.unique, 0, ...entryRows(9, { mode: 0o100644 }), u64(1), u32(0), i32(0)));
  const made = await ok.client.create(1, 'f', 0, 0o100644);
  assert.equal([made.entry.nodeid, made.open.fh, ok.client.lookupCount(9)], [9, 1, 1]);
});

test('INIT: flags never offered, a wrong major, or a short reply are violations', async () => {
  const offeredOnly = async (out: Uint8Array): Promise<void> => {
    const server = { handle: async (b: Uint8Array) => { const r = parseHeader(b); const copy = out.slice(); new DataView(copy.buffer).setBigUint64(8, r.unique, true); return copy; } };
    await new FuseClient(server, { flags: Init.ASYNC_READ }).init();
  };
  await violation(offeredOnly(reply(0n, 0, ...initOutRows(Init.ASYNC_READ | Init.WRITEBACK_CACHE))), /never offered/);
  const major8 = reply(0n, 0, ...initOutRows(Init.ASYNC_READ));
  new DataView(major8.buffer).setUint32(16, 8, true);
  await violation(offeredOnly(major8), /major 8/);
  await violation(offeredOnly(reply(0n, 0, ...initOutRows(Init.ASYNC_READ)).subarray(0, 16 + 24).map((x, i) => (i === 0 ? 40 : x))), /expected 64/);
});

test('lookup counting: every entry reply +1, READDIRPLUS entries but "." and ".." +1, forgetAll sends them back', async () => {
  const dirents = (): number[][] => {
    const rec = (nodeid: number, name: string, off: number, mode: number): number[] => {
      const nb = [...Buffer.from(name)];
      const row = [...entryRows(nodeid, { mode }).flat(), ...u64(nodeid), ...u64(off), ...u32(nb.length), ...u32(mode >> 12), ...nb];
      while (row.length % 8) row.push(0);
      return row;
    };
    return [rec(3, '.', 1, 0o40755), rec(1, '..', 2, 0o40755), rec(7, 'a', 3, 0o100644), rec(8, 'b', 4, 0o100644), rec(0, 'c', 5, 0o100644)];
  };
  const { client, server } = await clientWith((r) => {
    if (r.opcode === Op.LOOKUP) return reply(r.unique, 0, ...entryRows(7, { mode: 0o100644 }));
    if (r.opcode === Op.READDIRPLUS) return reply(r.unique, 0, ...dirents());
    return undefined;
  });
  await client.lookup(3, 'a');
  await client.lookup(3, 'a');
  const list = await client.readdir(3, 1, 0n, 4096, true, 0);
  assert.equal(list.length, 5);
  assert.equal([...client.lookupCounts()].sort(), [[7, 3], [8, 1]]);
  await client.forgetAll();
  const batch = server.sent[server.sent.length - 1]!;
  assert.equal(batch.opcode, Op.BATCH_FORGET);
  assert.equal(Buffer.from(batch.bytes.subarray(40)).toString('hex'), Buffer.from(bytes(u32(2), u32(0), u64(7), u64(3), u64(8), u64(1))).toString('hex'));
  assert.equal(client.lookupCounts().size, 0);
});

test('a node id reused with another generation or type while still held is a violation', async () => {
  let gen = 0;
  const { client } = await clientWith((r) => reply(r.unique, 0, ...entryRows(7, { mode: 0o100644 }, gen)));
  await client.lookup(1, 'a');
  gen = 1;
  await violation(client.lookup(1, 'a'), /changed generation/);
});

test('FORGET must get no reply', async () => {
  const { client } = await clientWith((r) => (r.opcode === Op.LOOKUP ? reply(r.unique, 0, ...entryRows(7, { mode: 0o100644 })) : reply(r.unique, 0)));
  await client.lookup(1, 'a');
  await violation(client.forget(7), /reply to a request that has none/);
});

test('ENOSYS answers are remembered per opcode', async () => {
  const { client } = await clientWith((r) => reply(r.unique, -38));
  try {
    await client.flush(5, 1, 0n);
  } catch (e) {
    assert.equal((e as FsError).code, 'ENOSYS');
  }
  assert.ok(client.enosys.has(Op.FLUSH));
});

test.run();
