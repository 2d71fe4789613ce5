// Session behaviour: read-only, remembered ENOSYS, names, ranges, malformed
// frames, negative entries, the readdirplus sink, stats, trace, options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Bytes, request, view } from './bytes.js';
import { Driver, attr, recordingBackend, initBody, captureLogger, type Call } from './harness.js';
import {
  createSession,
  decodeOutHeader,
  errno,
  FuseError,
  Opcode,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  type Backend,
  type DirentPlusSink,
} from '../src/index.js';

const getattrBody = () => new Bytes().zero(16).done();

test('read-only: every mutating opcode is EROFS before the backend; open for writing and access(W_OK) too', async () => {
  const calls: Call[] = [];
  const d = new Driver(recordingBackend(calls), { readOnly: true });
  await d.init();
  const mutating: [number, Uint8Array][] = [
    [Opcode.SETATTR, new Bytes().zero(88).done()],
    [Opcode.SYMLINK, new Bytes().cstr('a').cstr('b').done()],
    [Opcode.MKNOD, new Bytes().zero(16).cstr('a').done()],
    [Opcode.MKDIR, new Bytes().zero(8).cstr('a').done()],
    [Opcode.UNLINK, new Bytes().cstr('a').done()],
    [Opcode.RMDIR, new Bytes().cstr('a').done()],
    [Opcode.RENAME, new Bytes().u64(1).cstr('a').cstr('b').done()],
    [Opcode.RENAME2, new Bytes().u64(1).u32(0).u32(0).cstr('a').cstr('b').done()],
    [Opcode.LINK, new Bytes().u64(2).cstr('a').done()],
    [Opcode.WRITE, new Bytes().u64(1).u64(0).u32(1).u32(0).u64(0).u32(0).u32(0).raw('x').done()],
    [Opcode.SETXATTR, new Bytes().u32(1).u32(0).u32(0).u32(0).cstr('user.a').raw('x').done()],
    [Opcode.REMOVEXATTR, new Bytes().cstr('user.a').done()],
    [Opcode.CREATE, new Bytes().zero(16).cstr('a').done()],
    [Opcode.FALLOCATE, new Bytes().zero(32).done()],
    [Opcode.COPY_FILE_RANGE, new Bytes().zero(56).done()],
    [Opcode.COPY_FILE_RANGE_64, new Bytes().zero(56).done()],
    [Opcode.TMPFILE, new Bytes().zero(16).cstr('/').done()],
    [Opcode.OPEN, new Bytes().u32(O_WRONLY).u32(0).done()],
    [Opcode.OPEN, new Bytes().u32(O_RDWR).u32(0).done()],
    [Opcode.OPEN, new Bytes().u32(O_RDONLY | O_TRUNC).u32(0).done()],
    [Opcode.ACCESS, new Bytes().u32(2).u32(0).done()],
  ];
  for (const [op, body] of mutating) assert.is(await d.errno(op, 1, body), errno.EROFS, `opcode ${op}`);
  assert.equal(calls, [], 'the backend saw none of them');
  assert.is(await d.errno(Opcode.OPEN, 1, new Bytes().u32(O_RDONLY).u32(0).done()), 0);
  assert.is(await d.errno(Opcode.ACCESS, 1, new Bytes().u32(4).u32(0).done()), 0);
  assert.is(await d.errno(Opcode.GETATTR, 1, getattrBody()), 0);
});

test('ENOSYS: missing methods answer ENOSYS; ENOSYS thrown by an opcode the kernel remembers is remembered', async () => {
  let opens = 0;
  let getattrs = 0;
  const d = new Driver({
    open: () => {
      opens++;
      throw new FuseError('ENOSYS');
    },
    getattr: () => {
      getattrs++;
      throw new FuseError('ENOSYS');
    },
  });
  await d.init();
  const openBody = new Bytes().u32(0).u32(0).done();
  assert.is(await d.errno(Opcode.OPEN, 2, openBody), errno.ENOSYS);
  assert.is(await d.errno(Opcode.OPEN, 2, openBody), errno.ENOSYS);
  assert.is(opens, 1, 'OPEN: the backend is asked once');
  assert.is(await d.errno(Opcode.GETATTR, 2, getattrBody()), errno.ENOSYS);
  assert.is(await d.errno(Opcode.GETATTR, 2, getattrBody()), errno.ENOSYS);
  assert.is(getattrs, 2, 'GETATTR is not remembered (the kernel does not remember it either)');
  assert.is(await d.errno(Opcode.MKDIR, 1, new Bytes().zero(8).cstr('x').done()), errno.ENOSYS, 'no mkdir method');
  assert.is(await d.errno(Opcode.RELEASE, 1, new Bytes().zero(24).done()), errno.ENOSYS, 'no release method');
  const { reply } = await d.send(Opcode.FORGET, 5, new Bytes().u64(1).done());
  assert.is(reply, undefined, 'FORGET without forget(): still no reply');
});

test('names: empty, "/", NUL inside, too long, and "." / ".." outside LOOKUP', async () => {
  const calls: Call[] = [];
  const d = new Driver(recordingBackend(calls));
  await d.init();
  const name = (s: string | Uint8Array) => new Bytes().raw(s).u8(0).done();
  assert.is(await d.errno(Opcode.LOOKUP, 1, name('')), errno.ENOENT);
  assert.is(await d.errno(Opcode.UNLINK, 1, name('')), errno.EINVAL);
  assert.is(await d.errno(Opcode.LOOKUP, 1, name('a/b')), errno.EINVAL);
  assert.is(await d.errno(Opcode.LOOKUP, 1, new Bytes().raw('a').u8(0).raw('b').u8(0).done()), errno.EINVAL, 'NUL inside');
  assert.is(await d.errno(Opcode.LOOKUP, 1, new Bytes().raw('abc').done()), errno.EIO, 'no terminator');
  assert.is(await d.errno(Opcode.LOOKUP, 1, name('x'.repeat(256))), errno.ENAMETOOLONG);
  assert.is(await d.errno(Opcode.MKDIR, 1, new Bytes().zero(8).raw('y'.repeat(300)).u8(0).done()), errno.ENAMETOOLONG);
  assert.is(await d.errno(Opcode.MKDIR, 1, new Bytes().zero(8).cstr('.').done()), errno.EEXIST);
  assert.is(await d.errno(Opcode.UNLINK, 1, name('..')), errno.EISDIR);
  assert.is(await d.errno(Opcode.RMDIR, 1, name('.')), errno.EINVAL);
  assert.is(await d.errno(Opcode.RMDIR, 1, name('..')), errno.ENOTEMPTY);
  assert.is(await d.errno(Opcode.RENAME, 1, new Bytes().u64(1).cstr('a').cstr('..').done()), errno.EBUSY);
  assert.is(await d.errno(Opcode.CREATE, 1, new Bytes().zero(16).cstr('.').done()), errno.EISDIR);
  assert.is(await d.errno(Opcode.SYMLINK, 1, new Bytes().cstr('s').cstr('').done()), errno.ENOENT, 'empty symlink target');
  assert.equal(calls, [], 'no bad name reached the backend');
  assert.is(await d.errno(Opcode.LOOKUP, 1, name('..')), 0, '".." passes for LOOKUP');
  assert.is(await d.errno(Opcode.LOOKUP, 1, name('x'.repeat(255))), 0, '255 bytes is fine');
  assert.is(await d.errno(Opcode.LOOKUP, 1, name(Uint8Array.of(0xff, 0xfe))), 0, 'non-UTF-8 bytes are a valid name');
  assert.equal(calls.map((c) => c[0]), ['lookup', 'lookup', 'lookup']);
  assert.is(calls[2]![2], 'b:\xff\xfe', 'exact bytes reach the backend');
});

test('wire ranges: nodeid and fh >= 2^53 are refused, offsets past 2^53 are EFBIG/EINVAL, dir offsets stay bigint', async () => {
  const calls: Call[] = [];
  const d = new Driver(recordingBackend(calls));
  await d.init();
  assert.is(await d.errno(Opcode.GETATTR, 2n ** 53n, getattrBody()), errno.EINVAL);
  assert.is(await d.errno(Opcode.GETATTR, 1, new Bytes().u32(1).u32(0).u64(2n ** 60n).done()), errno.EBADF);
  assert.is(await d.errno(Opcode.READ, 1, new Bytes().u64(1).u64(2n ** 53n).u32(10).u32(0).u64(0).u32(0).u32(0).done()), errno.EINVAL);
  assert.is(await d.errno(Opcode.WRITE, 1, new Bytes().u64(1).u64(2 ** 53 - 1).u32(1).u32(0).u64(0).u32(0).u32(0).raw('x').done()), errno.EFBIG);
  assert.is(await d.errno(Opcode.LINK, 1, new Bytes().u64(2n ** 63n).cstr('a').done()), errno.EINVAL);
  assert.is(await d.errno(Opcode.RENAME, 1, new Bytes().u64(2n ** 53n).cstr('a').cstr('b').done()), errno.EINVAL);
  assert.equal(calls, []);
  const big = 0xfffffffffffffff0n;
  assert.is(await d.errno(Opcode.READDIR, 1, new Bytes().u64(1).u64(big).u32(4096).u32(0).u64(0).u32(0).u32(0).done()), 0);
  assert.is(calls[0]![3], big, 'directory offset passed exactly');
  const { reply } = await d.send(Opcode.FORGET, 2n ** 60n, new Bytes().u64(1).done());
  assert.is(reply, undefined);
  assert.is(calls.length, 1, 'FORGET of an impossible nodeid is dropped');
});

test('malformed frames: short frames dropped, bad lengths and short bodies EIO, bad extensions EIO', async () => {
  const log = captureLogger();
  const s = createSession(recordingBackend([]), { logger: log });
  await s.handle(request(Opcode.INIT, 1, 0, initBody(7, 45)));
  assert.is(await s.handle(new Uint8Array(39)), undefined, 'shorter than the header: dropped');
  assert.ok(log.lines.some((l) => l.includes('shorter than fuse_in_header')), 'with a log line');
  const ok = request(Opcode.GETATTR, 3, 1, getattrBody());
  const errOf = async (f: Uint8Array) => -decodeOutHeader((await s.handle(f))!).error;
  assert.is(await errOf(request(Opcode.GETATTR, 5, 1, getattrBody(), { len: 57 })), errno.EIO, 'len field != frame length');
  assert.is(await errOf(Uint8Array.from([...ok, 0])), errno.EIO, 'trailing byte');
  assert.is(await errOf(request(Opcode.GETATTR, 7, 1, new Bytes().zero(8).done())), errno.EIO, 'body too short');
  assert.is(await errOf(request(Opcode.GETATTR, 9, 1, getattrBody(), { extlen: 10 })), errno.EIO, 'extlen beyond the frame');
  assert.is(await errOf(request(Opcode.MKDIR, 11, 1, new Bytes().zero(8).cstr('a').done(), { ext: new Bytes().u32(4).u32(32).done() })), errno.EIO, 'bad extension size');
  const unknownExt = new Bytes().u32(16).u32(77).zero(8).done();
  assert.is(await errOf(request(Opcode.MKDIR, 13, 1, new Bytes().zero(8).cstr('a').done(), { ext: unknownExt })), 0, 'unknown extension skipped');
  assert.is(await errOf(ok), 0, 'session still serves');
});

test('a reply is never sent twice for one unique, and a duplicate in-flight unique is dropped', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const d = new Driver({ getattr: async () => (await gate, { attr }) });
  await d.init();
  const f = request(Opcode.GETATTR, 100, 1, getattrBody());
  const first = d.session.handle(f);
  const second = await d.session.handle(f);
  assert.is(second, undefined, 'duplicate of an in-flight unique dropped');
  release();
  const r = await first;
  assert.is(decodeOutHeader(r!).error, 0);
  assert.is(d.session.stats().dropped, 1);
});

test('negative entries: ENOENT from lookup becomes nodeid 0 cached negativeTimeout seconds', async () => {
  const d = new Driver({ lookup: () => { throw new FuseError('ENOENT'); } }, { negativeTimeout: 2.5 });
  await d.init();
  const { reply } = await d.send(Opcode.LOOKUP, 1, new Bytes().cstr('nope').done());
  assert.is(reply!.length, 16 + 128);
  const v = view(reply!);
  assert.equal([v.getInt32(4, true), v.getBigUint64(16, true), v.getBigUint64(32, true), v.getUint32(48, true)], [0, 0n, 2n, 500_000_000]);
  const plain = new Driver({ lookup: () => { throw new FuseError('ENOENT'); } });
  await plain.init();
  assert.is(await plain.errno(Opcode.LOOKUP, 1, new Bytes().cstr('nope').done()), errno.ENOENT, 'without the option: ENOENT');
});

test('errors: FuseError errno, AbortError -> EINTR, anything else EIO with a log line; bad results EIO', async () => {
  const d = new Driver({
    getattr: (_c, n) => {
      if (n === 2) throw new FuseError('EACCES');
      if (n === 3) throw new DOMException('stop', 'AbortError');
      if (n === 4) throw new TypeError('bug');
      if (n === 5) throw new FuseError(99999);
      return undefined as never;
    },
    read: () => Buffer.alloc(10),
    write: () => 7,
  });
  await d.init();
  assert.is(await d.errno(Opcode.GETATTR, 2, getattrBody()), errno.EACCES);
  assert.is(await d.errno(Opcode.GETATTR, 3, getattrBody()), errno.EINTR);
  assert.is(await d.errno(Opcode.GETATTR, 4, getattrBody()), errno.EIO);
  assert.ok(d.log.lines.some((l) => l.includes('TypeError: bug')));
  assert.is(await d.errno(Opcode.GETATTR, 5, getattrBody()), errno.EIO, 'errno out of range');
  assert.is(await d.errno(Opcode.GETATTR, 6, getattrBody()), errno.EIO, 'undefined result cannot be encoded');
  const read = new Bytes().u64(1).u64(0).u32(4).u32(0).u64(0).u32(0).u32(0).done();
  assert.is(await d.errno(Opcode.READ, 1, read), errno.EIO, 'read returning more than asked');
  const write = new Bytes().u64(1).u64(0).u32(3).u32(0).u64(0).u32(0).u32(0).raw('abc').done();
  assert.is(await d.errno(Opcode.WRITE, 1, write), errno.EIO, 'write claiming more than it got');
  // The writer was reset after each failure: a good reply is clean.
  assert.is(await d.errno(Opcode.GETATTR, 2, getattrBody()), errno.EACCES);
});

test('READDIRPLUS: entries accepted before a failure or an interrupt are still sent', async () => {
  let counted = 0;
  const d = new Driver({
    readdirplus: async (ctx, _n, _fh, _off, sink: DirentPlusSink) => {
      if (sink.add('.', { nodeid: 1, attr }, 4, 1n)) { /* never counted */ }
      if (sink.add('x', { nodeid: 7, attr }, 8, 2n)) counted++;
      await new Promise((r) => setTimeout(r, 5));
      ctx.signal.throwIfAborted();
      throw new FuseError('EIO');
    },
  });
  await d.init();
  const body = new Bytes().u64(1).u64(0).u32(4096).u32(0).u64(0).u32(0).u32(0).done();
  const p = d.send(Opcode.READDIRPLUS, 1, body);
  // Interrupt it while the backend waits.
  await d.send(Opcode.INTERRUPT, 0, new Bytes().u64(d.unique).done());
  const { reply } = await p;
  const v = view(reply!);
  assert.is(v.getInt32(4, true), 0, 'not EINTR: the entries were promised');
  assert.is(reply!.length, 16 + 160 + 160);
  assert.is(v.getBigUint64(16, true), 0n, '"." carries nodeid 0');
  assert.is(v.getBigUint64(16 + 160, true), 7n);
  assert.is(counted, 1);
});

test('READDIRPLUS: a sink add after the reply went out is refused', async () => {
  let late: boolean | undefined;
  let sinkRef: DirentPlusSink | undefined;
  const d = new Driver({
    readdirplus: (_c, _n, _fh, _off, sink) => {
      sinkRef = sink;
      sink.add('a', { nodeid: 5, attr }, 8, 1n);
    },
  });
  await d.init();
  await d.send(Opcode.READDIRPLUS, 1, new Bytes().u64(1).u64(0).u32(4096).u32(0).u64(0).u32(0).u32(0).done());
  late = sinkRef!.add('b', { nodeid: 6, attr }, 8, 2n);
  assert.is(late, false);
});

test('READDIR never exceeds the size asked for, and resumes where the sink said full', async () => {
  const names = Array.from({ length: 100 }, (_, i) => `entry-${i}`);
  const d = new Driver({
    readdir: (_c, _n, _fh, off, sink) => {
      for (let i = Number(off); i < names.length; i++) if (!sink.add(names[i]!, i + 10, 8, BigInt(i + 1))) break;
    },
  });
  await d.init();
  const seen: string[] = [];
  let off = 0n;
  for (;;) {
    const { reply } = await d.send(Opcode.READDIR, 1, new Bytes().u64(1).u64(off).u32(200).u32(0).u64(0).u32(0).u32(0).done());
    assert.ok(reply!.length - 16 <= 200, 'reply within size');
    if (reply!.length === 16) break;
    const v = view(reply!);
    for (let p = 16; p < reply!.length; ) {
      off = v.getBigUint64(p + 8, true);
      const nl = v.getUint32(p + 16, true);
      seen.push(Buffer.from(reply!.subarray(p + 24, p + 24 + nl)).toString());
      p += (24 + nl + 7) & ~7;
    }
  }
  assert.equal(seen, names, 'every name once, in order');
});

test('stats: per-opcode counts, errors, latency histogram with p50/p99, in-flight count', async () => {
  const d = new Driver({ getattr: (_c, n) => { if (n === 9) throw new FuseError('ENOENT'); return { attr }; } });
  await d.init();
  for (let i = 0; i < 10; i++) await d.send(Opcode.GETATTR, 1, getattrBody());
  await d.send(Opcode.GETATTR, 9, getattrBody());
  const s = d.session.stats();
  const g = s.ops.GETATTR!;
  assert.is(g.count, 11);
  assert.is(g.errors, 1);
  assert.is(g.histogram.reduce((a, b) => a + b, 0), 11);
  assert.ok(g.p50Us! >= 1 && g.p99Us! >= g.p50Us!);
  assert.is(s.ops.INIT!.count, 1);
  assert.is(s.inFlight, 0);
  const off = new Driver({ getattr: () => ({ attr }) }, { latencyStats: false });
  await off.init();
  await off.send(Opcode.GETATTR, 1, getattrBody());
  assert.equal(off.session.stats().ops.GETATTR!.histogram, [], 'no histograms when latency is off');
  assert.is(off.session.stats().ops.GETATTR!.count, 1, 'counters are always kept');
});

test('trace: one line per request and per reply, with opcode, nodeid, key args, result and µs', async () => {
  const lines: string[] = [];
  const d = new Driver(recordingBackend([]), { trace: (l) => lines.push(l) });
  await d.init();
  lines.length = 0;
  await d.send(Opcode.LOOKUP, 1, new Bytes().cstr('file').done(), { uid: 5, pid: 6 });
  await d.send(Opcode.UNLINK, 1, new Bytes().cstr('').done());
  assert.match(lines[0]!, /^→ \d+ LOOKUP nodeid=1 uid=5 gid=0 pid=6 name="file"$/);
  assert.match(lines[1]!, /^← \d+ LOOKUP ok 144 B [\d.]+ µs$/);
  assert.match(lines[3]!, /^← \d+ UNLINK EINVAL 16 B/);
});

test('options: zod validation with clear messages', () => {
  const msg = (o: unknown) => {
    try {
      createSession({}, o as never);
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  };
  assert.match(msg({ entryTimeout: -1 }), /entryTimeout must be >= 0/);
  assert.match(msg({ readdirplus: 'sometimes' }), /readdirplus must be 'on', 'auto' or 'off'/);
  assert.match(msg({ maxWrite: 100 }), /maxWrite must be at least 4096/);
  assert.match(msg({ trace: 'yes' }), /trace must be a function/);
  assert.match(msg({ bogus: 1 }), /bogus/);
  assert.match(msg({ maxBackground: 10, congestionThreshold: 20 }), /congestionThreshold must be <= maxBackground/);
  assert.is(msg({ entryTimeout: 0.5, readdirplus: 'off' }), '');
});

test('dispatch: sync replies arrive before it returns, in a reused buffer; handle returns fresh copies', async () => {
  const s = createSession({ getattr: () => ({ attr }) }, { logger: captureLogger() });
  const seen: Uint8Array[] = [];
  assert.ok(s.dispatch(request(Opcode.INIT, 1, 0, initBody(7, 45)), (r) => seen.push(r)));
  assert.is(seen.length, 1);
  const done = s.dispatch(request(Opcode.GETATTR, 3, 1, getattrBody()), (r) => seen.push(r));
  assert.ok(done, 'finished synchronously');
  assert.is(seen[1]!.buffer, seen[0]!.buffer, 'the writer buffer is reused');
  const a = await s.handle(request(Opcode.GETATTR, 5, 1, getattrBody()));
  const aBytes = Buffer.from(a!).toString('hex');
  const b = await s.handle(request(Opcode.GETATTR, 7, 1, getattrBody()));
  assert.is.not(a!.buffer, seen[1]!.buffer, 'handle copies out of the writer');
  const aEnd = a!.byteOffset + a!.length;
  const bEnd = b!.byteOffset + b!.length;
  assert.ok(a!.buffer !== b!.buffer || aEnd <= b!.byteOffset || bEnd <= a!.byteOffset, 'two replies never share bytes');
  // Thousands more replies (through both entry points) leave the first one intact.
  for (let u = 9; u < 20_000; u += 2) {
    if (u % 4 === 1) await s.handle(request(Opcode.GETATTR, u, 1, getattrBody()));
    else s.dispatch(request(Opcode.GETATTR, u, 1, getattrBody()), () => {});
  }
  assert.is(Buffer.from(a!).toString('hex'), aBytes, 'the caller owns its reply');
  assert.is(view(a!).getUint32(8, true), 5);
  assert.is(view(b!).getUint32(8, true), 7);
  assert.is(a!.byteOffset % 8, 0, 'replies are 8-byte aligned');
});

test('dispatch returns false while a request is in flight; respond is called once later', async () => {
  const s = createSession({ getattr: async () => ({ attr }) }, { logger: captureLogger() });
  s.dispatch(request(Opcode.INIT, 1, 0, initBody(7, 45)), () => {});
  let n = 0;
  const done = s.dispatch(request(Opcode.GETATTR, 3, 1, getattrBody()), () => n++);
  assert.is(done, false);
  assert.is(n, 0);
  assert.is(s.stats().inFlight, 1);
  await new Promise((r) => setTimeout(r, 1));
  assert.is(n, 1);
  assert.is(s.stats().inFlight, 0);
});

test('a transport whose respond throws does not break the session', async () => {
  const log = captureLogger();
  const s = createSession({ getattr: () => ({ attr }) }, { logger: log });
  s.dispatch(request(Opcode.INIT, 1, 0, initBody(7, 45)), () => {});
  assert.ok(s.dispatch(request(Opcode.GETATTR, 3, 1, getattrBody()), () => { throw new Error('EPIPE'); }));
  assert.ok(log.lines.some((l) => l.includes('EPIPE')));
  const r = await s.handle(request(Opcode.GETATTR, 5, 1, getattrBody()));
  assert.is(decodeOutHeader(r!).error, 0);
});

test('close(): destroy once, later requests dropped, async in-flight still answered', async () => {
  let destroyed = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const backend: Backend = { getattr: async () => (await gate, { attr }), destroy: () => void destroyed++ };
  const d = new Driver(backend);
  await d.init();
  const p = d.send(Opcode.GETATTR, 1, getattrBody());
  await d.session.close();
  await d.session.close();
  assert.is(destroyed, 1);
  const { reply } = await d.send(Opcode.GETATTR, 1, getattrBody());
  assert.is(reply, undefined);
  release();
  const { reply: late } = await p;
  assert.is(decodeOutHeader(late!).error, 0);
});

test.run();
