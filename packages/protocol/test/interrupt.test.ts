// FUSE_INTERRUPT: the matching in-flight request's signal aborts; EINTR when the
// backend gives up, its real result when it finishes first. Many requests in
// flight, replies in any order, each unique answered exactly once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bytes, request } from './bytes.js';
import { Driver, attr, captureLogger, initBody } from './harness.js';
import { createSession, decodeOutHeader, errno, FuseError, Opcode, type RequestContext } from '../src/index.js';

const getattrBody = () => new Bytes().zero(16).done();
const interrupt = (u: bigint) => new Bytes().u64(u).done();

/** Resolves when the signal aborts, rejecting with its reason. */
function aborted(ctx: RequestContext): Promise<never> {
  return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true }));
}

test('backend that gives up on abort (AbortError) -> EINTR', async () => {
  const d = new Driver({ getattr: (ctx) => aborted(ctx) });
  await d.init();
  const p = d.send(Opcode.GETATTR, 1, getattrBody());
  const u = d.unique;
  const { reply: ir } = await d.send(Opcode.INTERRUPT, 0, interrupt(u));
  assert.is(ir, undefined, 'INTERRUPT has no reply');
  const { reply } = await p;
  assert.is(-decodeOutHeader(reply!).error, errno.EINTR);
  assert.is(decodeOutHeader(reply!).unique, u);
});

test('backend that throws FuseError(EINTR) on abort -> EINTR', async () => {
  const d = new Driver({
    getattr: async (ctx) => {
      await new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r()));
      throw new FuseError('EINTR');
    },
  });
  await d.init();
  const p = d.send(Opcode.GETATTR, 1, getattrBody());
  await d.send(Opcode.INTERRUPT, 0, interrupt(d.unique - 0n));
  assert.is(-decodeOutHeader((await p).reply!).error, errno.EINTR);
});

test('backend that finishes anyway -> its real result', async () => {
  let sawAbort = false;
  const d = new Driver({
    getattr: async (ctx) => {
      await new Promise((r) => setTimeout(r, 5));
      sawAbort = ctx.signal.aborted;
      return { attr };
    },
  });
  await d.init();
  const p = d.send(Opcode.GETATTR, 1, getattrBody());
  await d.send(Opcode.INTERRUPT, 0, interrupt(d.unique));
  const { reply } = await p;
  assert.is(decodeOutHeader(reply!).error, 0);
  assert.is(reply!.length, 16 + 104);
  assert.ok(sawAbort, 'the signal was aborted although the backend never listened before');
});

test('signal created lazily after the interrupt is already aborted', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let aborted = false;
  const d = new Driver({
    getattr: async (ctx) => {
      await gate;
      aborted = ctx.signal.aborted;
      ctx.signal.throwIfAborted();
      return { attr };
    },
  });
  await d.init();
  const p = d.send(Opcode.GETATTR, 1, getattrBody());
  await d.send(Opcode.INTERRUPT, 0, interrupt(d.unique));
  release();
  assert.is(-decodeOutHeader((await p).reply!).error, errno.EINTR);
  assert.ok(aborted);
});

test('INTERRUPT for an unknown or finished unique is ignored', async () => {
  const d = new Driver({ getattr: () => ({ attr }) });
  await d.init();
  assert.is(await d.errno(Opcode.GETATTR, 1, getattrBody()), 0);
  const { reply } = await d.send(Opcode.INTERRUPT, 0, interrupt(d.unique - 2n));
  assert.is(reply, undefined);
  const { reply: r2 } = await d.send(Opcode.INTERRUPT, 0, interrupt(123456789n));
  assert.is(r2, undefined);
  assert.is(await d.errno(Opcode.GETATTR, 1, getattrBody()), 0, 'session unaffected');
});

test('an INTERRUPT that overtakes its request (several reader threads) still interrupts it; only 64 are remembered', async () => {
  const d = new Driver({ getattr: (ctx) => (ctx.signal.aborted ? Promise.reject(ctx.signal.reason) : { attr }) });
  await d.init();
  await d.session.handle(request(Opcode.INTERRUPT, 2, 0, interrupt(1000n)));
  const r = await d.session.handle(request(Opcode.GETATTR, 1000n, 1, getattrBody()));
  assert.is(-decodeOutHeader(r!).error, errno.EINTR);
  const again = await d.session.handle(request(Opcode.GETATTR, 1002n, 1, getattrBody()));
  assert.is(decodeOutHeader(again!).error, 0, 'used once');
  for (let i = 0; i < 100; i++) await d.session.handle(request(Opcode.INTERRUPT, 4, 0, interrupt(BigInt(5000 + i))));
  const old = await d.session.handle(request(Opcode.GETATTR, 5000n, 1, getattrBody()));
  assert.is(decodeOutHeader(old!).error, 0, 'the oldest were forgotten');
  const recent = await d.session.handle(request(Opcode.GETATTR, 5099n, 1, getattrBody()));
  assert.is(-decodeOutHeader(recent!).error, errno.EINTR);
});

test('uniques with the resend bit (2^63) are matched exactly', async () => {
  const d = new Driver({ getattr: (ctx) => aborted(ctx) });
  await d.init();
  const u = (1n << 63n) | 42n;
  const p = d.session.handle(request(Opcode.GETATTR, u, 1, getattrBody()));
  await d.session.handle(request(Opcode.INTERRUPT, 2, 0, interrupt(u)));
  const r = await p;
  assert.is(decodeOutHeader(r!).unique, u);
  assert.is(-decodeOutHeader(r!).error, errno.EINTR);
});

test('200 requests in flight, answered in random order, each unique exactly once', async () => {
  const s = createSession(
    {
      getattr: async (_ctx, nodeid) => {
        await new Promise((r) => setTimeout(r, (nodeid * 7919) % 13));
        return { attr: { ...attr, ino: nodeid } };
      },
    },
    { logger: captureLogger() },
  );
  s.dispatch(request(Opcode.INIT, 1, 0, initBody(7, 45)), () => {});
  const got = new Map<bigint, number>();
  const inos = new Map<bigint, bigint>();
  const order: bigint[] = [];
  const all = new Promise<void>((resolve) => {
    for (let i = 0; i < 200; i++) {
      const u = BigInt(10 + 2 * i);
      const sync = s.dispatch(request(Opcode.GETATTR, u, i + 1, getattrBody()), (r) => {
        const v = new DataView(r.buffer, r.byteOffset);
        const unique = v.getBigUint64(8, true);
        got.set(unique, (got.get(unique) ?? 0) + 1);
        inos.set(unique, v.getBigUint64(16 + 16, true));
        order.push(unique);
        if (order.length === 200) resolve();
      });
      assert.is(sync, false);
    }
  });
  assert.is(s.stats().inFlight, 200);
  await all;
  assert.is(got.size, 200);
  for (const [u, n] of got) {
    assert.is(n, 1, `unique ${u} answered once`);
    assert.is(inos.get(u), (u - 10n) / 2n + 1n, 'each reply belongs to its request');
  }
  const sorted = [...order].sort((a, b) => (a < b ? -1 : 1));
  assert.not.equal(order, sorted, 'replies left out of order');
  assert.is(s.stats().inFlight, 0);
});

test.run();
