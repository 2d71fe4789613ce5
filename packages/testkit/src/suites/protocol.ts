/**
 * Hostile and unusual requests straight on the wire: what a buggy or
 * malicious kernel side (a virtio-fs guest) may send. The answer must be an
 * error reply (or, for no-reply messages, silence), never a crash, a hang or
 * a success, and the session must keep working afterwards.
 */
import { AssertionError } from 'node:assert';
import { O, Op, S } from '../client/abi.js';
import * as req from '../client/requests.js';
import { check, checkEqual, type Scenario, type ScenarioContext } from './context.js';

/** Fails unless the raw reply is an error; returns its errno. */
function expectErrorReply(r: { error: number; bytes: Uint8Array | undefined }, what: string, allowed?: readonly number[]): number {
  if (r.bytes === undefined) throw new AssertionError({ message: `${what}: no reply` });
  if (r.error === 0) throw new AssertionError({ message: `${what}: succeeded` });
  if (allowed && !allowed.includes(r.error)) throw new AssertionError({ message: `${what}: errno ${r.error}, expected one of ${allowed.join(', ')}` });
  return r.error;
}

/** The session still answers ordinary requests. */
async function stillAlive(ctx: ScenarioContext, what: string): Promise<void> {
  const st = await ctx.client.getattr(1);
  check((st.attr.mode & S.IFMT) === S.IFDIR, `root is not a directory after ${what}`);
}

const EIO = 5;
const ENOSYS = 38;
const EINVAL = 22;

const unknownOpcodes: Scenario = async (ctx) => {
  for (const opcode of [0, 7, 19, 54, 99, 1000, 4096, 0xffffffff]) {
    const r = await ctx.client.sendRaw(opcode, 1, (h) => req.raw(h, opcode, new Uint8Array(64)));
    expectErrorReply(r, `opcode ${opcode}`, opcode === 4096 ? undefined : [ENOSYS]);
  }
  await stillAlive(ctx, 'unknown opcodes');
};

const truncatedBodies: Scenario = async (ctx) => {
  // Each opcode with a body one byte too short for its fixed part.
  const cases: [number, number][] = [
    [Op.GETATTR, 15], [Op.SETATTR, 87], [Op.OPEN, 7], [Op.READ, 39], [Op.WRITE, 39], [Op.RELEASE, 23],
    [Op.FSYNC, 15], [Op.FLUSH, 23], [Op.MKNOD, 15], [Op.MKDIR, 7], [Op.RENAME, 7], [Op.LINK, 7],
    [Op.CREATE, 15], [Op.READDIR, 39], [Op.ACCESS, 7], [Op.LSEEK, 23], [Op.FALLOCATE, 31],
    [Op.COPY_FILE_RANGE, 55], [Op.GETXATTR, 7], [Op.SETXATTR, 7], [Op.RENAME2, 15], [Op.GETLK, 47],
  ];
  for (const [opcode, len] of cases) {
    const r = await ctx.client.sendRaw(opcode, 1, (h) => req.raw(h, opcode, new Uint8Array(len)));
    expectErrorReply(r, `${opcode} with a ${len}-byte body`);
  }
  // Names without their NUL terminator.
  for (const opcode of [Op.LOOKUP, Op.UNLINK, Op.RMDIR, Op.MKDIR, Op.SYMLINK]) {
    const body = opcode === Op.MKDIR ? new Uint8Array([0o755, 1, 0, 0, 0x12, 0, 0, 0, 0x61, 0x62]) : new Uint8Array([0x61, 0x62]);
    const r = await ctx.client.sendRaw(opcode, 1, (h) => req.raw(h, opcode, body));
    expectErrorReply(r, `opcode ${opcode} with an unterminated name`);
  }
  // A RENAME with only one name.
  const oneName = await ctx.client.sendRaw(Op.RENAME, 1, (h) => {
    const w = new Uint8Array(8 + 2);
    w[0] = 1;
    w[8] = 0x61;
    return req.raw(h, Op.RENAME, w);
  });
  expectErrorReply(oneName, 'RENAME with a single name');
  await stillAlive(ctx, 'truncated requests');
  const listing = await ctx.fs.readdir('/');
  checkEqual(listing.length, 0, 'entries created by malformed requests');
};

const shortFrames: Scenario = async (ctx) => {
  for (const len of [0, 1, 16, 39]) {
    const frame = new Uint8Array(len);
    if (len >= 8) new DataView(frame.buffer).setUint32(0, len, true);
    let reply: Uint8Array | undefined;
    try {
      reply = await ctx.client.server.handle(frame);
    } catch (e) {
      throw new AssertionError({ message: `a ${len}-byte frame made handle() reject: ${e}` });
    }
    checkEqual(reply, undefined, `reply to a ${len}-byte frame (shorter than fuse_in_header)`);
  }
  // A header whose len disagrees with the frame.
  for (const claimed of [41, 30, 1_000_000]) {
    const r = await ctx.client.sendRaw(Op.GETATTR, 1, (h) => {
      const b = req.getattr(h, { getattrFlags: 0, fh: 0 });
      new DataView(b.buffer).setUint32(0, claimed, true);
      return b;
    }).catch((e: unknown) => ({ error: -1, bytes: undefined as Uint8Array | undefined, failure: e }));
    if (r.bytes !== undefined) expectErrorReply(r, `GETATTR whose header claims ${claimed} bytes`);
  }
  await stillAlive(ctx, 'short frames');
};

const nodeIdsAndHandles: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  for (const nodeid of [0n, 123_456_789n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n]) {
    const r = await ctx.client.sendRaw(Op.GETATTR, nodeid, (h) => req.getattr(h, { getattrFlags: 0, fh: 0 }));
    expectErrorReply(r, `GETATTR of node ${nodeid}`);
    const l = await ctx.client.sendRaw(Op.LOOKUP, nodeid, (h) => req.lookup(h, 'f'));
    expectErrorReply(l, `LOOKUP in node ${nodeid}`);
  }
  const f = await ctx.fs.resolve('/f');
  for (const fh of [0n, 987_654_321n, 2n ** 53n, 2n ** 64n - 1n]) {
    const r = await ctx.client.sendRaw(Op.READ, f.nodeid, (h) => req.read(h, { fh, offset: 0, size: 10, flags: O.RDONLY }));
    // fh 0 may be a valid handle of a backend that keeps none; then it must read the file, nothing else.
    if (r.error === 0) checkEqual(new TextDecoder().decode(r.body), 'x', `READ with fh ${fh}`);
    else expectErrorReply(r, `READ with fh ${fh}`);
    const w = await ctx.client.sendRaw(Op.RELEASE, f.nodeid, (h) => req.release(h, { fh, flags: 0 }));
    check(w.bytes !== undefined, `RELEASE of fh ${fh} got no reply`);
  }
  await stillAlive(ctx, 'bad node ids and handles');
};

const forgetsOfUnknownNodes: Scenario = async (ctx) => {
  for (const nodeid of [1n, 999_999n, 2n ** 64n - 1n]) {
    const r = await ctx.client.sendRaw(Op.FORGET, nodeid, (h) => req.forget(h, 5));
    checkEqual(r.bytes, undefined, `reply to FORGET of ${nodeid}`);
  }
  const batch = await ctx.client.sendRaw(Op.BATCH_FORGET, 0, (h) => {
    const b = req.batchForget(h, [{ nodeid: 424242, nlookup: 1 }, { nodeid: 2n ** 64n - 1n, nlookup: 2n ** 64n - 1n }]);
    new DataView(b.buffer).setUint32(40, 1000, true); // count claims more entries than the body holds
    return b;
  });
  checkEqual(batch.bytes, undefined, 'reply to a BATCH_FORGET with a lying count');
  await stillAlive(ctx, 'forgets of unknown nodes');
  await ctx.fs.mkdir('/still-works');
};

const absurdSizes: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'abc');
  const fd = await ctx.fs.open('/f', O.RDWR);
  const f = ctx.fs.describe(fd);
  // A READ far larger than max_pages allows: an error, or at most the file.
  const big = await ctx.client.sendRaw(Op.READ, f.nodeid, (h) => req.read(h, { fh: f.fh ?? 0, offset: 0, size: 0xffffffff, flags: f.flags }));
  if (big.error === 0) check(big.body.length <= 3, `READ of 4 GiB returned ${big.body.length} bytes of a 3-byte file`);
  // A WRITE whose size field disagrees with its payload.
  const lying = await ctx.client.sendRaw(Op.WRITE, f.nodeid, (h) => {
    const b = req.write(h, { fh: f.fh ?? 0, offset: 0, flags: f.flags }, new Uint8Array([1, 2, 3, 4]));
    new DataView(b.buffer).setUint32(40 + 16, 4096, true); // write_in.size
    return b;
  });
  expectErrorReply(lying, 'WRITE whose size exceeds its payload', [EIO, EINVAL]);
  // GETXATTR/LISTXATTR with a huge size: answered within bounds.
  const gx = await ctx.client.sendRaw(Op.LISTXATTR, f.nodeid, (h) => req.listxattr(h, 0x7fffffff));
  check(gx.bytes !== undefined && gx.body.length < 1 << 20, 'LISTXATTR with a 2 GiB size');
  // READDIR with size 0 and with a huge size.
  const dir = await ctx.client.opendir(1, O.RDONLY | O.DIRECTORY);
  for (const size of [0, 1, 0xffffffff]) {
    const r = await ctx.client.sendRaw(Op.READDIR, 1, (h) => req.readdir(h, { fh: dir.fh, offset: 0, size, flags: 0 }));
    if (r.error === 0) check(r.body.length <= Math.max(size, 0) && r.body.length <= 1 << 20, `READDIR of size ${size} returned ${r.body.length} bytes`);
  }
  await ctx.client.releasedir(1, dir.fh, 0);
  await ctx.fs.close(fd);
  checkEqual(new TextDecoder().decode(await ctx.fs.readFile('/f')), 'abc', 'file after the absurd requests');
};

/** Many requests in flight at once: each answered once, with its own unique, in any order. */
const concurrentRequests: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/c');
  const c = (await ctx.fs.resolve('/c')).nodeid;
  const creates = Array.from({ length: 100 }, (_, i) => ctx.client.create(c, `f${i}`, O.CREAT | O.RDWR | O.LARGEFILE, S.IFREG | 0o644));
  const made = await Promise.all(creates);
  const writes = made.map((m, i) => ctx.client.write(m.entry.nodeid, m.open.fh, 0, new TextEncoder().encode(`content-${i}`), O.RDWR));
  await Promise.all(writes);
  const reads = made.map((m) => ctx.client.read(m.entry.nodeid, m.open.fh, 0, 100, O.RDWR));
  const got = await Promise.all(reads);
  got.forEach((g, i) => checkEqual(new TextDecoder().decode(g), `content-${i}`, `file ${i} read concurrently`));
  await Promise.all(made.map((m) => ctx.client.release(m.entry.nodeid, m.open.fh, O.RDWR)));
  const lookups = await Promise.all(Array.from({ length: 100 }, (_, i) => ctx.client.lookup(c, `f${i}`)));
  lookups.forEach((l, i) => checkEqual(l.nodeid, made[i]!.entry.nodeid, `LOOKUP f${i} in a concurrent batch`));
  checkEqual((await ctx.fs.readdir('/c')).length, 100, 'files created concurrently');
};

export const protocolScenarios: Record<string, Scenario> = {
  'proto.unknown-opcodes': unknownOpcodes,
  'proto.truncated-bodies': truncatedBodies,
  'proto.short-frames': shortFrames,
  'proto.bad-node-ids-and-handles': nodeIdsAndHandles,
  'proto.forgets-of-unknown-nodes': forgetsOfUnknownNodes,
  'proto.absurd-sizes': absurdSizes,
  'proto.concurrent-requests': concurrentRequests,
};
