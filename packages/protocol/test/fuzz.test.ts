// Fuzz: random, truncated and mutated request frames (>= 100,000 per run)
// through dispatch. The session must never throw, never hang, answer every
// readable unique at most once (exactly once when a reply is due), keep every
// reply well-formed, and hold no memory once the dust settles.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Bytes, request } from './bytes.js';
import { attr, initBody } from './harness.js';
import { createSession, FuseError, Opcode, opSpec, type Backend, type Session } from '../src/index.js';

const FRAMES = Number(process.env.FUZZ_FRAMES ?? 120_000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

/** xorshift32: reproducible from FUZZ_SEED. */
let state = SEED >>> 0 || 1;
function rnd(): number {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  return state / 4294967296;
}
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;

/** A backend answering everything, sometimes async, sometimes failing, sometimes misbehaving. */
function fuzzBackend(): Backend {
  const entry = (n: number) => ({ nodeid: n + 1, attr });
  const maybe = <T>(nodeid: number, v: () => T): T | Promise<T> => {
    switch (nodeid % 11) {
      case 3:
        return Promise.resolve().then(v);
      case 5:
        throw new FuseError('ENOENT');
      case 6:
        return Promise.reject(new FuseError('EACCES'));
      case 7:
        throw new Error('backend bug');
      case 8:
        return undefined as T; // a result the encoder cannot use
      default:
        return v();
    }
  };
  return {
    lookup: (_c, p) => maybe(p, () => entry(p)),
    forget: () => {},
    getattr: (_c, n) => maybe(n, () => ({ attr })),
    setattr: (_c, n) => maybe(n, () => ({ attr })),
    readlink: (_c, n) => maybe(n, () => 'x'.repeat(n % 5000)),
    symlink: (_c, p) => maybe(p, () => entry(p)),
    mknod: (_c, p) => maybe(p, () => entry(p)),
    mkdir: (_c, p) => maybe(p, () => entry(p)),
    unlink: (_c, p) => maybe(p, () => undefined),
    rmdir: (_c, p) => maybe(p, () => undefined),
    rename: (_c, p) => maybe(p, () => undefined),
    link: (_c, n) => maybe(n, () => entry(n)),
    open: (_c, n) => maybe(n, () => ({ fh: n })),
    create: (_c, p) => maybe(p, () => ({ fh: 1, entry: entry(p) })),
    read: (_c, n, _fh, _off, size) => maybe(n, () => new Uint8Array(Math.min(size, 64) + (n % 13 === 0 ? 1 : 0))),
    write: (_c, n, _fh, _off, data) => maybe(n, () => data.length),
    flush: (_c, n) => maybe(n, () => undefined),
    release: (_c, n) => maybe(n, () => undefined),
    fsync: (_c, n) => maybe(n, () => undefined),
    opendir: (_c, n) => maybe(n, () => ({ fh: n })),
    readdir: (_c, n, _fh, _off, sink) =>
      maybe(n, () => {
        for (let i = 0; i < n % 40; i++) if (!sink.add(`e${i}`, i, 8, BigInt(i + 1))) break;
      }),
    readdirplus: (_c, n, _fh, _off, sink) =>
      maybe(n, () => {
        for (let i = 0; i < n % 20; i++) if (!sink.add(i === 0 ? '.' : `e${i}`, entry(i), 8, BigInt(i + 1))) break;
      }),
    releasedir: (_c, n) => maybe(n, () => undefined),
    fsyncdir: (_c, n) => maybe(n, () => undefined),
    statfs: (_c, n) => maybe(n, () => ({ blocks: 1, bfree: 1, bavail: 1, files: 1, ffree: 1, bsize: 4096, namelen: 255, frsize: 4096 })),
    access: (_c, n) => maybe(n, () => undefined),
    setxattr: (_c, n) => maybe(n, () => undefined),
    getxattr: (_c, n, _name, size) => maybe(n, () => (size === 0 ? 4 : new Uint8Array(Math.min(size, 4) + (n % 2)))),
    listxattr: (_c, n, size) => maybe(n, () => (size === 0 ? 4 : new Uint8Array(Math.min(size, 4)))),
    removexattr: (_c, n) => maybe(n, () => undefined),
    getlk: (_c, n, _fh, _o, lock) => maybe(n, () => lock),
    setlk: (_c, n) => maybe(n, () => undefined),
    lseek: (_c, n, _fh, off) => maybe(n, () => off),
    fallocate: (_c, n) => maybe(n, () => undefined),
    copyFileRange: (_c, n, _a, _b, _d, _e, _f, len) => maybe(n, () => Math.min(len, 4096)),
    syncfs: (_c, n) => maybe(n, () => undefined),
    tmpfile: (_c, p) => maybe(p, () => ({ fh: 1, entry: entry(p) })),
    bmap: (_c, n, block) => maybe(n, () => block),
    ioctl: (_c, n, _fh, _f, _cmd, _arg, _in, outSize) => maybe(n, () => ({ result: 0, data: new Uint8Array(Math.min(outSize, 8)) })),
    poll: (_c, n) => maybe(n, () => 1),
  };
}

const name = () => pick(['a', 'file.txt', '.', '..', '', 'a/b', 'x'.repeat(256), 'ü']);

/** A plausible body for an opcode (the seed the mutations start from). */
function body(opcode: number): Uint8Array {
  const b = new Bytes();
  const u64 = () => b.u64(pick([0, 1, 100, int(1e6), 2 ** 53 - 1, 2n ** 53n, 2n ** 64n - 1n]));
  switch (opcode) {
    case Opcode.LOOKUP: case Opcode.UNLINK: case Opcode.RMDIR: case Opcode.REMOVEXATTR:
      return b.cstr(name()).done();
    case Opcode.SYMLINK:
      return b.cstr(name()).cstr(pick(['t', '', '/etc/passwd'])).done();
    case Opcode.MKNOD: return b.u32(0o100644).u32(0).u32(0o22).u32(0).cstr(name()).done();
    case Opcode.MKDIR: return b.u32(0o755).u32(0o22).cstr(name()).done();
    case Opcode.RENAME: u64(); return b.cstr(name()).cstr(name()).done();
    case Opcode.RENAME2: u64(); return b.u32(int(8)).u32(0).cstr(name()).cstr(name()).done();
    case Opcode.LINK: u64(); return b.cstr(name()).done();
    case Opcode.CREATE: case Opcode.TMPFILE: return b.u32(int(0o4000)).u32(0o100644).u32(0o22).u32(0).cstr(name()).done();
    case Opcode.OPEN: case Opcode.OPENDIR: return b.u32(int(0o4000)).u32(0).done();
    case Opcode.READ: case Opcode.READDIR: case Opcode.READDIRPLUS:
      u64(); u64(); return b.u32(pick([0, 1, 100, 4096, 0xffffffff])).u32(0).u64(0).u32(0).u32(0).done();
    case Opcode.WRITE: {
      const n = int(64);
      u64(); u64(); return b.u32(pick([n, n + 1, 0xffffffff])).u32(0).u64(0).u32(0).u32(0).zero(n).done();
    }
    case Opcode.GETATTR: return b.u32(int(2)).u32(0).u64(int(10)).done();
    case Opcode.SETATTR: return b.u32(int(0x1000)).u32(0).zero(80).done();
    case Opcode.SETXATTR: {
      const n = int(10);
      return b.u32(pick([n, n + 3, 1 << 20])).u32(0).u32(0).u32(0).cstr(pick(['user.a', '', '\xff'])).zero(n).done();
    }
    case Opcode.GETXATTR: return b.u32(pick([0, 2, 100])).u32(0).cstr(pick(['user.a', ''])).done();
    case Opcode.LISTXATTR: return b.u32(pick([0, 2, 100])).u32(0).done();
    case Opcode.GETLK: case Opcode.SETLK: case Opcode.SETLKW: return b.u64(1).u64(2).u64(0).u64(9).u32(1).u32(1).u32(int(2)).u32(0).done();
    case Opcode.INTERRUPT: return b.u64(int(2000)).done();
    case Opcode.FORGET: return b.u64(int(5)).done();
    case Opcode.BATCH_FORGET: {
      const n = int(5);
      b.u32(pick([n, n + 2, 0xffffffff])).u32(0);
      for (let i = 0; i < n; i++) b.u64(int(100)).u64(1);
      return b.done();
    }
    case Opcode.IOCTL: {
      const n = int(8);
      return b.u64(1).u32(int(32)).u32(int(1e6)).u64(0).u32(pick([n, n + 1])).u32(int(16)).zero(n).done();
    }
    case Opcode.NOTIFY_REPLY: return b.zero(40).zero(int(8)).done();
    case Opcode.INIT: return initBody(pick([6, 7, 8]), pick([0, 26, 27, 36, 45, 99]));
    default: {
      const spec = opSpec(opcode);
      const n = spec ? spec.minBody(45, true) : int(64);
      for (let i = 0; i < n; i++) b.u8(int(256));
      return b.done();
    }
  }
}

const opcodes = [...Array.from({ length: 56 }, (_, i) => i), 4096, 99999];

/** One fuzz frame: valid, truncated, mutated, or noise. */
function makeFrame(unique: bigint): Uint8Array {
  const op = pick(opcodes);
  const nodeid = pick([0, 1, 2, 3, 5, 6, 7, 8, 14, 17, int(1000), 2 ** 53 - 1]) as number;
  const ext = rnd() < 0.05 ? new Bytes().u32(pick([8, 12, 16, 24, 4, 1000])).u32(pick([0, 31, 32, 77])).u32(int(3)).u32(int(100)).done() : undefined;
  let f = request(op, unique, nodeid, body(op), { uid: int(2000), ext });
  const kind = rnd();
  if (kind < 0.35) {
    // valid as built
  } else if (kind < 0.55) {
    // truncated: cut short, with the len field either stale or fixed up
    f = f.slice(0, int(f.length + 1));
    if (f.length >= 4 && rnd() < 0.5) new DataView(f.buffer).setUint32(0, f.length, true);
  } else if (kind < 0.85) {
    // mutated: flip a few bytes anywhere, header included
    f = f.slice();
    const n = 1 + int(6);
    for (let i = 0; i < n && f.length; i++) f[int(f.length)] = int(256);
    if (rnd() < 0.5 && f.length >= 4) new DataView(f.buffer).setUint32(0, f.length, true);
  } else {
    // noise with a header-shaped start
    f = new Uint8Array(int(200));
    for (let i = 0; i < f.length; i++) f[i] = int(256);
    const v = new DataView(f.buffer);
    if (f.length >= 8 && rnd() < 0.7) {
      v.setUint32(0, f.length, true);
      v.setUint32(4, pick(opcodes), true);
    }
  }
  // Distinct uniques, so "at most once" is checkable per frame.
  if (f.length >= 16) new DataView(f.buffer, f.byteOffset).setBigUint64(8, unique, true);
  return f;
}

interface Expect {
  opcode: number;
  replyDue: boolean;
}

function gc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

test(`fuzz: ${FRAMES} random, truncated and mutated frames`, async () => {
  const started = performance.now();
  let logLines = 0;
  const logger = { error: () => void logLines++, warn: () => void logLines++ };
  // Some sessions get a logger and a trace hook that count, then throw: the
  // one-reply guarantee must hold through them.
  const broken = {
    logger: {
      error: () => {
        logLines++;
        throw new Error('logger is broken');
      },
    },
    trace: () => {
      throw new Error('trace hook is broken');
    },
  };
  const backend = fuzzBackend();
  const sent = new Map<bigint, Expect>();
  const replies = new Map<bigint, number>();
  let bad = '';
  let session: Session = createSession(backend, { logger, negativeTimeout: 1 });
  const sessions: Session[] = [session];
  let unique = 100n;

  const respond = (r: Uint8Array): void => {
    const v = new DataView(r.buffer, r.byteOffset, r.byteLength);
    if (r.length < 16) {
      bad ||= `reply of ${r.length} bytes`;
      return;
    }
    const len = v.getUint32(0, true);
    const error = v.getInt32(4, true);
    const u = v.getBigUint64(8, true);
    if (len !== r.length) bad ||= `reply len ${len} != ${r.length}`;
    if (error > 0 || error < -4095) bad ||= `reply error ${error}`;
    if (error !== 0 && r.length !== 16) bad ||= `error reply with a body (${r.length} bytes)`;
    if (!sent.has(u)) bad ||= `reply for a unique never sent: ${u}`;
    replies.set(u, (replies.get(u) ?? 0) + 1);
  };

  const init = () => {
    const u = unique++;
    sent.set(u, { opcode: Opcode.INIT, replyDue: true });
    session.dispatch(request(Opcode.INIT, u, 0, initBody(7, pick([27, 31, 36, 45]))), respond);
  };
  init();

  for (let i = 0; i < FRAMES; i++) {
    if (i % 5000 === 4999) {
      // A fresh session now and then, some fuzzed before INIT.
      session = createSession(backend, { logger, readOnly: rnd() < 0.3, ...(rnd() < 0.3 ? broken : {}) });
      sessions.push(session);
      if (rnd() < 0.7) init();
    }
    const u = unique++;
    const f = makeFrame(u);
    const opcode = f.length >= 8 ? new DataView(f.buffer, f.byteOffset).getUint32(4, true) : -1;
    const spec = opSpec(opcode);
    const replyDue = f.length >= 40 && !(spec?.noReply ?? false) && opcode !== Opcode.DESTROY;
    sent.set(u, { opcode, replyDue });
    let threw: unknown;
    try {
      session.dispatch(f, respond);
    } catch (e) {
      threw = e;
    }
    assert.is(threw, undefined, 'dispatch never throws');
    if (opcode === Opcode.DESTROY) {
      // A DESTROY (when it got through) ends the session: continue on a new one.
      session = createSession(backend, { logger });
      sessions.push(session);
      init();
    }
    if (bad) break;
  }

  // Let async answers land; a hang shows as in-flight requests that never settle.
  const deadline = performance.now() + 5000;
  while (sessions.some((s) => s.stats().inFlight > 0) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.is(bad, '', bad);
  for (const s of sessions) assert.is(s.stats().inFlight, 0, 'nothing left in flight');

  let missing = 0;
  for (const [u, e] of sent) {
    const n = replies.get(u) ?? 0;
    if (n > 1) assert.unreachable(`unique ${u} (opcode ${e.opcode}) answered ${n} times`);
    if (e.replyDue && n === 0) missing++;
    if (!e.replyDue && n !== 0 && e.opcode !== Opcode.DESTROY) {
      const spec = opSpec(e.opcode);
      if (spec?.noReply) assert.unreachable(`no-reply opcode ${e.opcode} got a reply`);
    }
  }
  // Frames due a reply may only go unanswered when a DESTROY closed their session first.
  const destroys = [...sent.values()].filter((e) => e.opcode === Opcode.DESTROY).length;
  assert.ok(missing === 0, `${missing} frames due a reply got none (${destroys} DESTROY frames sent)`);
  assert.ok(logLines > 0, 'malformed frames were logged');

  const secs = (performance.now() - started) / 1000;
  console.log(`  ${FRAMES} frames in ${secs.toFixed(1)} s, ${replies.size} replies, ${logLines} log lines`);
  assert.ok(secs < 30, `fuzz took ${secs.toFixed(1)} s`);
});

test('memory stays bounded: 100,000 more frames do not grow the heap', async () => {
  const logger = { error: () => {}, warn: () => {} };
  const s = createSession(fuzzBackend(), { logger });
  s.dispatch(request(Opcode.INIT, 1, 0, initBody(7, 45)), () => {});
  const run = (n: number, base: bigint) => {
    for (let i = 0; i < n; i++) s.dispatch(makeFrame(base + BigInt(i)), () => {});
  };
  run(20_000, 10n);
  await new Promise((r) => setTimeout(r, 20));
  gc();
  const before = process.memoryUsage().heapUsed;
  run(100_000, 1_000_000n);
  await new Promise((r) => setTimeout(r, 20));
  gc();
  const after = process.memoryUsage().heapUsed;
  assert.is(s.stats().inFlight, 0);
  const grewMiB = (after - before) / 2 ** 20;
  console.log(`  heap before ${(before / 2 ** 20).toFixed(1)} MiB, after ${(after / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(grewMiB < 8, `heap grew ${grewMiB.toFixed(1)} MiB`);
});

test.run();
