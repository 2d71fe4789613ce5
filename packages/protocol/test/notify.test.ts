// Notifications: exact frames (unique 0, code in the error field), retrieve
// and NOTIFY_REPLY, prune batching, and refusal of misuse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bytes, hex, request } from './bytes.js';
import { ALL_KERNEL_FLAGS, captureLogger, initBody } from './harness.js';
import { createSession, FUSE_EXPIRE_ONLY, InitFlags, NotifyCode, Opcode, PRUNE_BATCH, type Session, type SessionOptionsInput } from '../src/index.js';
import { SessionNotifier, type NotifyHost } from '../src/notifier.js';
import type { WireWriter } from '../src/wire/writer.js';

/** A notification frame: out header (len, code, unique 0) + body. */
function frame(code: number, body: Bytes): Uint8Array {
  const b = body.done();
  return new Bytes().u32(16 + b.length).i32(code).u64(0).raw(b).done();
}

async function session(minor = 45, flags = ALL_KERNEL_FLAGS, options: SessionOptionsInput = {}): Promise<{ s: Session; sent: Uint8Array[] }> {
  const s = createSession({ getattr: () => ({ attr: undefined as never }) }, { logger: captureLogger(), ...options });
  await s.handle(request(Opcode.INIT, 1, 0, initBody(7, minor, flags)));
  const sent: Uint8Array[] = [];
  s.attach({ sendNotification: (f) => sent.push(f.slice()) });
  return { s, sent };
}

test('inval_inode, inval_entry, delete, store, poll wakeup, resend, inc_epoch: exact frames', async () => {
  const { s, sent } = await session();
  s.notify.invalInode(5);
  s.notify.invalInode(5, -1, 0);
  s.notify.invalEntry(1, 'name');
  s.notify.invalEntry(1, Buffer.from('x'), FUSE_EXPIRE_ONLY);
  s.notify.delete(1, 9, 'gone');
  s.notify.store(9, 4096, Uint8Array.of(1, 2, 3));
  s.notify.pollWakeup(0xabcdefn);
  s.notify.resend();
  s.notify.incEpoch();
  const expected = [
    frame(NotifyCode.INVAL_INODE, new Bytes().u64(5).u64(0).u64(0)),
    frame(NotifyCode.INVAL_INODE, new Bytes().u64(5).u64(-1).u64(0)),
    frame(NotifyCode.INVAL_ENTRY, new Bytes().u64(1).u32(4).u32(0).cstr('name')),
    frame(NotifyCode.INVAL_ENTRY, new Bytes().u64(1).u32(1).u32(1).cstr('x')),
    frame(NotifyCode.DELETE, new Bytes().u64(1).u64(9).u32(4).u32(0).cstr('gone')),
    frame(NotifyCode.STORE, new Bytes().u64(9).u64(4096).u32(3).u32(0).raw([1, 2, 3])),
    frame(NotifyCode.POLL, new Bytes().u64(0xabcdef)),
    frame(NotifyCode.RESEND, new Bytes()),
    frame(NotifyCode.INC_EPOCH, new Bytes()),
  ];
  assert.is(sent.length, expected.length);
  sent.forEach((f, i) => assert.is(hex(f), hex(expected[i]!), `notification ${i}`));
});

test('prune: fuse_notify_prune_out + node ids, in batches', async () => {
  const { s, sent } = await session();
  s.notify.prune([3, 4]);
  assert.is(hex(sent[0]!), hex(frame(NotifyCode.PRUNE, new Bytes().u32(2).u32(0).u64(0).u64(3).u64(4))));
  sent.length = 0;
  const ids = Array.from({ length: PRUNE_BATCH + 3 }, (_, i) => i + 2);
  s.notify.prune(ids);
  assert.is(sent.length, 2);
  assert.is(new DataView(sent[0]!.buffer).getUint32(16, true), PRUNE_BATCH);
  assert.is(new DataView(sent[1]!.buffer).getUint32(16, true), 3);
  assert.is(new DataView(sent[1]!.buffer).getBigUint64(32 + 16, true), BigInt(PRUNE_BATCH + 4));
});

test('retrieve: notify_retrieve_out out, FUSE_NOTIFY_REPLY resolves it; close() rejects the rest', async () => {
  const { s, sent } = await session();
  const p = s.notify.retrieve(9, 0, 3);
  const f = sent[0]!;
  const v = new DataView(f.buffer);
  assert.is(v.getInt32(4, true), NotifyCode.RETRIEVE);
  const notifyUnique = v.getBigUint64(16, true);
  assert.is(hex(f.subarray(24)), hex(new Bytes().u64(9).u64(0).u32(3).u32(0).done()));
  const replyBody = new Bytes().u64(0).u64(0).u32(3).u32(0).u64(0).u64(0).raw([7, 8, 9]).done();
  const r = await s.handle(request(Opcode.NOTIFY_REPLY, notifyUnique, 9, replyBody));
  assert.is(r, undefined, 'NOTIFY_REPLY has no reply');
  assert.equal([...(await p)], [7, 8, 9]);
  const pending = s.notify.retrieve(9, 0, 3);
  await s.close();
  await pending.then(
    () => assert.unreachable('should reject'),
    (e: Error) => assert.match(e.message, /closed/),
  );
});

test('misuse throws: no transport, before INIT, old kernels, bad names and ids', async () => {
  const bare = createSession({}, { logger: captureLogger() });
  assert.throws(() => bare.notify.invalInode(1), /not been initialised/);
  await bare.handle(request(Opcode.INIT, 1, 0, initBody(7, 45)));
  assert.throws(() => bare.notify.invalInode(1), /no transport attached/);
  const old = await session(44);
  assert.throws(() => old.s.notify.prune([1]), /needs protocol 7.45/);
  old.s.notify.incEpoch();
  const noExpire = await session(45, ALL_KERNEL_FLAGS & ~InitFlags.HAS_EXPIRE_ONLY & ~InitFlags.HAS_RESEND);
  assert.throws(() => noExpire.s.notify.invalEntry(1, 'a', FUSE_EXPIRE_ONLY), /HAS_EXPIRE_ONLY/);
  assert.throws(() => noExpire.s.notify.resend(), /HAS_RESEND/);
  const { s, sent } = await session();
  assert.throws(() => s.notify.invalEntry(1, 'a/b'), /name/);
  assert.throws(() => s.notify.invalEntry(1, ''), /name/);
  assert.throws(() => s.notify.delete(1, 2, 'x'.repeat(256)), /name/);
  assert.throws(() => s.notify.invalInode(2 ** 53), /nodeid/);
  assert.throws(() => s.notify.store(1, -1, new Uint8Array(1)), /offset/);
  assert.is(sent.length, 0, 'nothing half-sent');
  s.notify.invalInode(1);
  assert.is(sent.length, 1, 'the writer is usable after a refused call');
});

test('a notification sent from inside a reply callback gets its own buffer', async () => {
  const { s, sent } = await session();
  const replies: string[] = [];
  s.dispatch(request(Opcode.GETATTR, 9, 1, new Bytes().zero(16).done()), (r) => {
    const before = hex(r);
    s.notify.invalInode(7);
    replies.push(before, hex(r));
  });
  assert.is(replies[0], replies[1], 'the reply bytes were not overwritten by the notification');
  assert.is(sent.length, 1);
  assert.is(hex(sent[0]!), hex(frame(NotifyCode.INVAL_INODE, new Bytes().u64(7).u64(0).u64(0))));
});

/** The notify_unique of a retrieve notification. */
const notifyUniqueOf = (f: Uint8Array): bigint => new DataView(f.buffer, f.byteOffset).getBigUint64(16, true);

/** A NOTIFY_REPLY frame answering retrieve `u` with `data`. */
const retrieveReply = (u: bigint, data: number[]): Uint8Array =>
  request(Opcode.NOTIFY_REPLY, u, 9, new Bytes().u64(0).u64(0).u32(data.length).u32(0).u64(0).u64(0).raw(data).done());

/** How retrieve() settled: 'ok', or the error's name. */
const outcome = (p: Promise<Uint8Array>): Promise<string> =>
  p.then(
    () => 'ok',
    (e: Error) => e.name,
  );

const pendingOf = (s: Session): number => (s.notify as SessionNotifier).pendingRetrieves;

test('retrieve: a retrieve the kernel never answers times out; its late reply is ignored', async () => {
  const { s, sent } = await session(45, ALL_KERNEL_FLAGS, { retrieveTimeout: 0.05 });
  const started = performance.now();
  const p = s.notify.retrieve(9, 0, 3);
  assert.is(pendingOf(s), 1);
  const e = await p.then(
    (): Error => assert.unreachable('should time out') as never,
    (err: Error) => err,
  );
  assert.is(e.name, 'TimeoutError');
  assert.match(e.message, /0\.05 s/);
  assert.ok(performance.now() - started >= 45, 'not before its time');
  assert.is(pendingOf(s), 0, 'forgotten');
  // The kernel answers after all: no reply, nothing resolved, nothing thrown.
  assert.is(await s.handle(retrieveReply(notifyUniqueOf(sent[0]!), [1, 2, 3])), undefined);
  // A per-call timeout overrides the session's; 0 waits until answered.
  const q = s.notify.retrieve(9, 0, 1, { timeout: 0 });
  await new Promise((r) => setTimeout(r, 80));
  await s.handle(retrieveReply(notifyUniqueOf(sent[1]!), [5]));
  assert.equal([...(await q)], [5]);
  assert.is(await outcome(s.notify.retrieve(9, 0, 1, { timeout: 0.01 })), 'TimeoutError');
  assert.is(await outcome(s.notify.retrieve(9, 0, 1, { timeout: -1 })), 'RangeError');
});

test('retrieve: an AbortSignal cancels it; an aborted signal sends nothing', async () => {
  const { s, sent } = await session();
  const ac = new AbortController();
  const p = s.notify.retrieve(9, 0, 3, { signal: ac.signal });
  assert.is(sent.length, 1);
  ac.abort();
  assert.is(await outcome(p), 'AbortError');
  assert.is(pendingOf(s), 0);
  const reason = new Error('caller gave up');
  const p2 = s.notify.retrieve(9, 0, 3, { signal: AbortSignal.abort(reason) });
  await p2.then(
    () => assert.unreachable(),
    (e: unknown) => assert.is(e, reason, 'rejects with the signal reason'),
  );
  assert.is(sent.length, 1, 'nothing sent for an already-aborted signal');
  // An answered retrieve no longer listens to its signal.
  const ac3 = new AbortController();
  const p3 = s.notify.retrieve(9, 0, 1, { signal: ac3.signal });
  await s.handle(retrieveReply(notifyUniqueOf(sent[1]!), [4]));
  ac3.abort();
  assert.equal([...(await p3)], [4]);
});

test('retrieve: at most maxPendingRetrieves wait; memory stays bounded however many are asked', async () => {
  const { s, sent } = await session(45, ALL_KERNEL_FLAGS, { maxPendingRetrieves: 3, retrieveTimeout: 0 });
  const waiting = [0, 1, 2].map(() => s.notify.retrieve(9, 0, 1));
  assert.is(sent.length, 3);
  assert.is(await outcome(s.notify.retrieve(9, 0, 1)), 'Error', 'the fourth is refused at once');
  assert.is(sent.length, 3, 'and not sent');
  await s.handle(retrieveReply(notifyUniqueOf(sent[0]!), [1]));
  assert.equal([...(await waiting[0]!)], [1]);
  // 5,000 asks cancelled one by one: each is accepted, then forgotten.
  let max = 0;
  let aborted = 0;
  for (let i = 0; i < 5000; i++) {
    const ac = new AbortController();
    const p = s.notify.retrieve(9, 0, 1, { signal: ac.signal });
    max = Math.max(max, pendingOf(s));
    ac.abort();
    if ((await outcome(p)) === 'AbortError') aborted++;
  }
  assert.is(aborted, 5000);
  assert.is(max, 3);
  assert.is(pendingOf(s), 2, 'back where it began');
  const again = s.notify.retrieve(9, 0, 1);
  assert.is(pendingOf(s), 3);
  // Full again: 5,000 more asks are refused at once, none sent.
  const sentBefore = sent.length;
  let refused = 0;
  for (let i = 0; i < 5000; i++) if ((await outcome(s.notify.retrieve(9, 0, 1))) === 'Error') refused++;
  assert.is(refused, 5000);
  assert.is(sent.length, sentBefore);
  assert.is(pendingOf(s), 3);
  await s.close();
  assert.equal(await Promise.all([...waiting.slice(1), again].map(outcome)), ['Error', 'Error', 'Error'], 'close() rejects the rest');
  assert.is(pendingOf(s), 0);
  assert.is(await outcome(s.notify.retrieve(9, 0, 1)), 'Error', 'no retrieve after close');
});

test('retrieve: a notification that cannot be sent rejects and is forgotten', async () => {
  const s = createSession({}, { logger: captureLogger() });
  await s.handle(request(Opcode.INIT, 1, 0, initBody(7, 45)));
  await s.notify.retrieve(9, 0, 1).then(
    () => assert.unreachable(),
    (e: Error) => assert.match(e.message, /no transport attached/),
  );
  assert.is(pendingOf(s), 0);
});

test('retrieve: any NotifyHost gets the default policy; a timed-out retrieve is dropped from it', async () => {
  const table = new Map<number, unknown>();
  let next = 1;
  const host: NotifyHost = {
    negotiated: { minor: 45 } as never,
    sendNotification: (_code: number, encode: (w: WireWriter) => void) => void encode,
    addRetrieve: (resolve, reject) => {
      table.set(next, { resolve, reject });
      return next++;
    },
    dropRetrieve: (u) => void table.delete(u),
  };
  const n = new SessionNotifier(host);
  const p = n.retrieve(1, 0, 1, { timeout: 0.01 });
  assert.is(table.size, 1);
  assert.is(await outcome(p), 'TimeoutError');
  assert.is(table.size, 0, 'the host forgot it');
  assert.is(n.pendingRetrieves, 0);
});

test('retrieve options are validated with the session options', () => {
  assert.throws(() => createSession({}, { retrieveTimeout: -1 }), /retrieveTimeout must be >= 0/);
  assert.throws(() => createSession({}, { maxPendingRetrieves: 0 }), /maxPendingRetrieves must be at least 1/);
});

test.run();
