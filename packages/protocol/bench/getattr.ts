/**
 * Micro-benchmark: in-process GETATTR round trips per second through the
 * engine with a trivial synchronous backend (one core, no I/O), three ways:
 *
 * - dispatch: the transport fast path (reply bytes borrowed during a callback);
 * - handle, sequential: `await session.handle(frame)` one at a time;
 * - handle, pipelined: N requests in flight (`Promise.all` over N handle()
 *   calls), as a virtio-fs device delivers a virtqueue batch.
 *
 * Each line gives the rate per wall-clock second and per CPU second of this
 * process (user + system, from process.cpuUsage): on a shared machine the
 * second is the steadier measure of the engine's own cost.
 *
 *   node --conditions=source --import tsx packages/protocol/bench/getattr.ts [seconds] [--no-latency]
 */
import { createSession, type Attr, type Session, type SessionOptionsInput } from '../src/index.js';

const seconds = Number(process.argv.find((a) => /^\d+(\.\d+)?$/.test(a)) ?? 1);
const options: SessionOptionsInput = process.argv.includes('--no-latency') ? { latencyStats: false } : {};

const attr: Attr = {
  ino: 1, size: 4096, blocks: 8, atime: 1_700_000_000, mtime: 1_700_000_000, ctime: 1_700_000_000,
  atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o40755, nlink: 2, uid: 0, gid: 0, rdev: 0, blksize: 4096,
};
const getattrReply = { attr, attrTimeout: 1 };

/** A request frame: fuse_in_header + body. */
function frame(opcode: number, unique: number, nodeid: number, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + body.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true);
  v.setUint32(4, opcode, true);
  v.setUint32(8, unique, true);
  v.setUint32(16, nodeid, true);
  b.set(body, 40);
  return b;
}

function initFrame(): Uint8Array {
  const body = new Uint8Array(64);
  const v = new DataView(body.buffer);
  v.setUint32(0, 7, true);
  v.setUint32(4, 45, true);
  v.setUint32(12, 0x40000000, true); // INIT_EXT
  return frame(26, 1, 0, body);
}

async function newSession(): Promise<Session> {
  const s = createSession({ getattr: () => getattrReply }, { logger: { error() {} }, ...options });
  const r = await s.handle(initFrame());
  if (!r || new DataView(r.buffer, r.byteOffset).getInt32(4, true) !== 0) throw new Error('INIT failed');
  return s;
}

function getattrFrame(unique: number): Uint8Array {
  return frame(3, unique, 1, new Uint8Array(16));
}

/** A timed section: wall and CPU clocks started together. */
function clock(): { wall: number; cpu: NodeJS.CpuUsage } {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

function report(label: string, n: number, start: { wall: number; cpu: NodeJS.CpuUsage }): number {
  const wallMs = performance.now() - start.wall;
  const cpu = process.cpuUsage(start.cpu);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const rate = n / (wallMs / 1000);
  const fmt = (r: number) => Math.round(r).toLocaleString('en-US').padStart(11);
  console.log(`${label.padEnd(34)} ${fmt(rate)} GETATTR/s wall  ${fmt(n / (cpuMs / 1000))} per CPU-s`);
  return rate;
}

/** Unique of request i (even, never 0). */
const uniqueOf = (i: number): number => 2 + ((i * 2) % 0x7ffffff0);

async function benchDispatch(): Promise<number> {
  const s = await newSession();
  const req = getattrFrame(2);
  const view = new DataView(req.buffer);
  let bytes = 0;
  const respond = (r: Uint8Array): void => {
    bytes += r.length;
  };
  let i = 0;
  const round = (count: number): void => {
    for (let k = 0; k < count; k++) {
      view.setUint32(8, uniqueOf(i++), true);
      s.dispatch(req, respond);
    }
  };
  round(200_000);
  let n = 0;
  const start = clock();
  const until = start.wall + seconds * 1000;
  let now = start.wall;
  while (now < until) {
    round(100_000);
    n += 100_000;
    now = performance.now();
  }
  if (bytes !== 120 * (n + 200_000)) throw new Error(`dispatch: ${bytes} reply bytes, expected 120 per request`);
  return report('dispatch', n, start);
}

async function benchSequential(): Promise<number> {
  const s = await newSession();
  const req = getattrFrame(2);
  const view = new DataView(req.buffer);
  let bytes = 0;
  let i = 0;
  const round = async (count: number): Promise<void> => {
    for (let k = 0; k < count; k++) {
      view.setUint32(8, uniqueOf(i++), true);
      const r = await s.handle(req);
      bytes += r!.length;
    }
  };
  await round(200_000);
  let n = 0;
  const start = clock();
  const until = start.wall + seconds * 1000;
  let now = start.wall;
  while (now < until) {
    await round(50_000);
    n += 50_000;
    now = performance.now();
  }
  if (bytes !== 120 * (n + 200_000)) throw new Error('sequential handle: wrong reply bytes');
  return report('handle, sequential await', n, start);
}

async function benchPipelined(depth: number): Promise<number> {
  const s = await newSession();
  // One frame per slot, as a virtqueue holds one descriptor chain per request.
  const frames = Array.from({ length: depth }, (_, k) => getattrFrame(2 + 2 * k));
  const views = frames.map((f) => new DataView(f.buffer));
  const pending: Promise<Uint8Array | undefined>[] = new Array(depth);
  let bytes = 0;
  let i = 0;
  const round = async (): Promise<void> => {
    for (let k = 0; k < depth; k++) {
      views[k]!.setUint32(8, uniqueOf(i++), true);
      pending[k] = s.handle(frames[k]!);
    }
    const replies = await Promise.all(pending);
    for (const r of replies) bytes += r!.length;
  };
  const rounds = Math.ceil(50_000 / depth);
  for (let k = 0; k < 4 * rounds; k++) await round();
  let n = 0;
  const start = clock();
  const until = start.wall + seconds * 1000;
  let now = start.wall;
  while (now < until) {
    for (let k = 0; k < rounds; k++) await round();
    n += rounds * depth;
    now = performance.now();
  }
  if (bytes !== 120 * (n + 4 * rounds * depth)) throw new Error('pipelined handle: wrong reply bytes');
  return report(`handle, ${depth} in flight (Promise.all)`, n, start);
}

console.log(`latencyStats ${options.latencyStats === false ? 'off' : 'on (default)'}, ${seconds} s per line, node ${process.version}`);
await benchDispatch();
await benchSequential();
await benchPipelined(16);
await benchPipelined(64);
await benchPipelined(256);
