// The one-reply guarantee under injected failures: every request whose unique
// is readable and that needs a reply gets exactly one, even when the engine
// itself fails (a throwing trace hook or logger, backend values that break the
// encoders or cannot even be printed, misbehaving thenables, a bug in an
// opcode handler or in the stats recorder). dispatch never throws, handle
// never rejects.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bytes, request, view } from './bytes.js';
import { attr, initBody, recordingBackend } from './harness.js';
import { createSession, errno, FuseError, Opcode, opSpec, type Backend, type Session, type SessionOptionsInput } from '../src/index.js';
import { StatsRecorder } from '../src/stats.js';

const getattrBody = () => new Bytes().zero(16).done();
const lookupBody = (name = 'f') => new Bytes().cstr(name).done();
const readBody = (size = 16) => new Bytes().u64(1).u64(0).u32(size).u32(0).u64(0).u32(0).u32(0).done();
const readdirBody = () => new Bytes().u64(1).u64(0).u32(4096).u32(0).u64(0).u32(0).u32(0).done();
const openBody = () => new Bytes().u32(0).u32(0).done();
const createBody = () => new Bytes().u32(0).u32(0o100644).u32(0).u32(0).cstr('n').done();
const lkBody = () => new Bytes().u64(1).u64(2).u64(0).u64(9).u32(1).u32(0).u32(0).u32(0).done();
const statxBody = () => new Bytes().zero(24).done();

/** A short description of a test value (some cannot go through String()). */
function describe(v: unknown): string {
  if (typeof v === 'symbol' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' || typeof x === 'symbol' ? String(x) : x)) ?? String(v);
  } catch {
    return typeof v;
  }
}

/** A throwing logger: every call throws. */
const throwingLogger = {
  error(): void {
    throw new Error('logger is broken');
  },
  warn(): void {
    throw new Error('logger is broken');
  },
};

/** Drives a session through dispatch and counts replies per unique. */
class Counter {
  readonly session: Session;
  readonly replies = new Map<bigint, number[]>();
  private next = 100n;

  constructor(backend: Backend, options: SessionOptionsInput = {}) {
    this.session = createSession(backend, { logger: { error() {}, warn() {} }, ...options });
  }

  private readonly respond = (r: Uint8Array): void => {
    const v = view(r);
    assert.ok(r.length >= 16, 'a reply has a header');
    assert.is(v.getUint32(0, true), r.length, 'len field matches');
    const u = v.getBigUint64(8, true);
    const list = this.replies.get(u) ?? [];
    list.push(-v.getInt32(4, true));
    this.replies.set(u, list);
  };

  init(): void {
    this.send(Opcode.INIT, 0, initBody(7, 45));
  }

  /** Dispatch one frame; returns its unique. dispatch must not throw. */
  send(opcode: number, nodeid: number, body: Uint8Array): bigint {
    const u = this.next++;
    let threw: unknown;
    try {
      this.session.dispatch(request(opcode, u, nodeid, body), this.respond);
    } catch (e) {
      threw = e;
    }
    assert.is(threw, undefined, `dispatch of opcode ${opcode} threw`);
    return u;
  }

  /** The errnos of the replies to `u` (exactly one expected). */
  only(u: bigint, what: string): number {
    const list = this.replies.get(u) ?? [];
    assert.is(list.length, 1, `${what}: exactly one reply (got ${list.length})`);
    return list[0]!;
  }

  /** Wait until nothing is in flight. */
  async settled(): Promise<void> {
    for (let i = 0; i < 100 && this.session.stats().inFlight > 0; i++) await new Promise((r) => setTimeout(r, 1));
    assert.is(this.session.stats().inFlight, 0, 'nothing left in flight');
  }
}

/** Requests that exercise every reply path: sync/async success, sync/async failure, malformed, before INIT. */
async function everyPath(c: Counter): Promise<void> {
  const before = c.send(Opcode.GETATTR, 1, getattrBody());
  assert.is(c.only(before, 'GETATTR before INIT'), errno.EIO);
  c.init();
  const cases: [string, bigint, number][] = [
    ['sync ok', c.send(Opcode.GETATTR, 1, getattrBody()), 0],
    ['sync FuseError', c.send(Opcode.GETATTR, 2, getattrBody()), errno.ENOENT],
    ['sync Error', c.send(Opcode.GETATTR, 3, getattrBody()), errno.EIO],
    ['async ok', c.send(Opcode.GETATTR, 4, getattrBody()), 0],
    ['async rejection', c.send(Opcode.GETATTR, 5, getattrBody()), errno.EACCES],
    ['bad name', c.send(Opcode.LOOKUP, 1, lookupBody('a/b')), errno.EINVAL],
    ['short body', c.send(Opcode.READ, 1, new Uint8Array(3)), errno.EIO],
    ['unknown opcode', c.send(99, 1, new Uint8Array(0)), errno.ENOSYS],
    ['missing method', c.send(Opcode.MKDIR, 1, new Bytes().zero(8).cstr('d').done()), errno.ENOSYS],
  ];
  await c.settled();
  for (const [what, u, e] of cases) assert.is(c.only(u, what), e, what);
}

function pathBackend(): Backend {
  return {
    getattr: (_c, n) => {
      if (n === 2) throw new FuseError('ENOENT');
      if (n === 3) throw new Error('backend bug');
      if (n === 4) return Promise.resolve({ attr });
      if (n === 5) return Promise.reject(new FuseError('EACCES'));
      return { attr };
    },
    lookup: () => ({ nodeid: 2, attr }),
    read: () => new Uint8Array(4),
  };
}

test('a trace hook that throws on every line costs no reply', async () => {
  let calls = 0;
  const c = new Counter(pathBackend(), {
    trace: () => {
      calls++;
      throw new Error('trace hook is broken');
    },
  });
  await everyPath(c);
  assert.ok(calls > 10, 'the hook was called');
});

test('a logger that throws on every call costs no reply', async () => {
  const c = new Counter(pathBackend(), { logger: throwingLogger });
  await everyPath(c);
  // Frames too short to carry a unique are dropped with a log line: no throw either.
  assert.not.throws(() => c.session.dispatch(new Uint8Array(10), () => assert.unreachable('no reply to a 10-byte frame')));
});

test('backend values that break the encoders: EIO, exactly once, sync and async', async () => {
  const broken: [string, number, Uint8Array, (b: Backend, v: unknown) => void, unknown[]][] = [
    ['getattr', Opcode.GETATTR, getattrBody(), (b, v) => (b.getattr = () => v as never), [null, { attr: null }, { attr: { ...attr, ino: 'x' } }, { attr: { ...attr, size: 2n ** 70n * -1n } }]],
    ['lookup', Opcode.LOOKUP, lookupBody(), (b, v) => (b.lookup = () => v as never), [undefined, { nodeid: {}, attr }, { nodeid: 2, attr: undefined }]],
    ['read', Opcode.READ, readBody(), (b, v) => (b.read = () => v as never), [42, null, new Uint8Array(17), { length: 3 }]],
    ['open', Opcode.OPEN, openBody(), (b, v) => (b.open = () => v as never), [undefined, { fh: Symbol('fh') }]],
    ['create', Opcode.CREATE, createBody(), (b, v) => (b.create = () => v as never), [{ fh: 1 }, { fh: 1, entry: { nodeid: 2 } }]],
    ['statfs', Opcode.STATFS, new Uint8Array(0), (b, v) => (b.statfs = () => v as never), [{}, null]],
    ['getlk', Opcode.GETLK, lkBody(), (b, v) => (b.getlk = () => v as never), [{ start: 'x' }, undefined]],
    ['statx', Opcode.STATX, statxBody(), (b, v) => (b.statx = () => v as never), [{ statx: null }, {}]],
    ['readlink', Opcode.READLINK, new Uint8Array(0), (b, v) => (b.readlink = () => v as never), [{}, 7]],
  ];
  for (const asPromise of [false, true]) {
    for (const [name, opcode, body, install, values] of broken) {
      for (const value of values) {
        const b: Backend = { setlk: () => {}, getattr: () => ({ attr }) };
        install(b, asPromise ? Promise.resolve(value) : value);
        const c = new Counter(b);
        c.init();
        const u = c.send(opcode, 2, body);
        await c.settled();
        const label = `${name} returning ${describe(value)}${asPromise ? ' (async)' : ''}`;
        assert.is(c.only(u, label), errno.EIO, label);
        if (name !== 'getattr') {
          // The session is still healthy afterwards.
          assert.is(c.only(c.send(Opcode.GETATTR, 1, getattrBody()), 'getattr after'), 0);
        }
      }
    }
  }
});

test('thrown values that cannot be printed, and FuseErrors whose errno getter throws: EIO', async () => {
  const unprintable = Object.create(null) as object; // String() of it throws
  const weird = (): FuseError =>
    Object.defineProperty(new FuseError('EPERM'), 'errno', {
      get() {
        throw new Error('errno getter is broken');
      },
    });
  const throwers: [string, () => unknown][] = [
    ['null-prototype object', () => { throw unprintable; }],
    ['rejected with a null-prototype object', () => Promise.reject(unprintable)],
    ['FuseError with a throwing errno', () => { throw weird(); }],
    ['rejected with such a FuseError', () => Promise.reject(weird())],
    ['an Error whose message getter throws', () => { throw Object.defineProperty(new Error(), 'message', { get() { throw new Error('no'); } }); }],
  ];
  for (const logger of [{ error() {}, warn() {} }, throwingLogger]) {
    for (const [what, fn] of throwers) {
      const c = new Counter({ getattr: fn as Backend['getattr'] }, { logger });
      c.init();
      const u = c.send(Opcode.GETATTR, 1, getattrBody());
      await c.settled();
      assert.is(c.only(u, what), errno.EIO, what);
    }
  }
});

test('misbehaving thenables: a throwing then getter, then() that throws, calls back at once or twice', async () => {
  const make = (result: () => unknown) => {
    const c = new Counter({ getattr: result as Backend['getattr'] });
    c.init();
    return c;
  };
  // A result whose `then` getter throws.
  const getterThrows = make(() => Object.defineProperty({ attr }, 'then', { get() { throw new Error('then getter'); } }));
  assert.is(getterThrows.only(getterThrows.send(Opcode.GETATTR, 1, getattrBody()), 'then getter throws'), errno.EIO);
  // then() throws synchronously: EIO, and nothing stays in flight.
  const thenThrows = make(() => ({ then() { throw new Error('then() is broken'); } }));
  assert.is(thenThrows.only(thenThrows.send(Opcode.GETATTR, 1, getattrBody()), 'then() throws'), errno.EIO);
  assert.is(thenThrows.session.stats().inFlight, 0);
  // then() calls back before returning, then again later: one reply, and dispatch says finished.
  let later: (() => void) | undefined;
  const eager = make(() => ({
    then(ok: (v: unknown) => void, fail: (e: unknown) => void) {
      ok({ attr });
      later = () => { ok({ attr }); fail(new FuseError('EIO')); };
    },
  }));
  const u = 500n;
  let done = false;
  const seen: number[] = [];
  done = eager.session.dispatch(request(Opcode.GETATTR, u, 1, getattrBody()), (r) => seen.push(view(r).getInt32(4, true)));
  assert.ok(done, 'answered before dispatch returned, and dispatch says so');
  later!();
  assert.equal(seen, [0], 'one reply, the first result');
  // The same through handle(): resolves with the reply, never rejects.
  const h = createSession({ getattr: (() => ({ then: (ok: (v: unknown) => void) => ok({ attr }) })) as never }, { logger: throwingLogger });
  await h.handle(request(Opcode.INIT, 1, 0, initBody(7, 45)));
  const r = await h.handle(request(Opcode.GETATTR, 3, 1, getattrBody()));
  assert.is(view(r!).getInt32(4, true), 0);
  assert.is(view(r!).getUint32(8, true), 3);
  // A thenable that never calls back and then throws: one EIO.
  const h2 = createSession({ getattr: (() => ({ then() { throw new Error('x'); } })) as never }, { logger: throwingLogger });
  await h2.handle(request(Opcode.INIT, 1, 0, initBody(7, 45)));
  const r2 = await h2.handle(request(Opcode.GETATTR, 3, 1, getattrBody()));
  assert.is(view(r2!).getInt32(4, true), -errno.EIO);
});

test('a bug in an opcode handler (run, reply, minBody) or in the stats recorder: EIO, exactly once', async () => {
  const spec = opSpec(Opcode.GETATTR)!;
  const saved = { run: spec.run, reply: spec.reply, minBody: spec.minBody };
  const record = StatsRecorder.prototype.record;
  const bug = (): never => {
    throw new TypeError('engine bug');
  };
  try {
    for (const [what, install] of [
      ['run', () => (spec.run = bug)],
      ['reply', () => (spec.reply = bug)],
      ['minBody', () => (spec.minBody = bug)],
      ['stats recorder', () => (StatsRecorder.prototype.record = bug)],
    ] as const) {
      for (const async of [false, true]) {
        const c = new Counter({ getattr: () => (async ? Promise.resolve({ attr }) : { attr }) }, { logger: throwingLogger });
        c.init();
        install();
        const u = c.send(Opcode.GETATTR, 1, getattrBody());
        await c.settled();
        assert.is(c.only(u, `${what} throws${async ? ' (async backend)' : ''}`), errno.EIO);
        Object.assign(spec, saved);
        StatsRecorder.prototype.record = record;
        const after = c.send(Opcode.GETATTR, 1, getattrBody());
        await c.settled();
        assert.is(c.only(after, `GETATTR after the ${what} bug`), 0);
      }
    }
  } finally {
    Object.assign(spec, saved);
    StatsRecorder.prototype.record = record;
  }
});

test('a transport that throws while taking a reply gets no second reply', async () => {
  const s = createSession(recordingBackend([]), { logger: throwingLogger });
  let calls = 0;
  const respond = () => {
    calls++;
    throw new Error('transport is broken');
  };
  s.dispatch(request(Opcode.INIT, 1, 0, initBody(7, 45)), respond);
  s.dispatch(request(Opcode.GETATTR, 3, 1, getattrBody()), respond);
  s.dispatch(request(Opcode.LOOKUP, 5, 1, lookupBody('a/b')), respond);
  s.dispatch(request(Opcode.READDIR, 7, 1, readdirBody()), respond);
  assert.is(calls, 4, 'one call per request, no retry with an error');
});

test.run();
