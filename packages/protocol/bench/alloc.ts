/**
 * Per-request garbage on the hot path: bytes allocated on the V8 heap per
 * GETATTR, LOOKUP, READ and WRITE round trip through session.dispatch (and
 * handle for GETATTR), with a synchronous backend whose answers are prebuilt
 * (so what is counted is the engine's own allocation), plus the number of
 * scavenges per million requests.
 *
 * Method: after warm-up and a full GC, new-space usage is read before and after
 * a run small enough to fit in new space (no scavenge in between; checked).
 * Off-heap ArrayBuffer backing stores are not counted here.
 *
 *   node --expose-gc --conditions=source --import tsx packages/protocol/bench/alloc.ts [--no-latency]
 */
import v8 from 'node:v8';
import { PerformanceObserver } from 'node:perf_hooks';
import { createSession, type Attr, type Session, type SessionOptionsInput } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const options: SessionOptionsInput = process.argv.includes('--no-latency') ? { latencyStats: false } : {};

const attr: Attr = {
  ino: 2, size: 4096, blocks: 8, atime: 1_700_000_000, mtime: 1_700_000_000, ctime: 1_700_000_000,
  atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o100644, nlink: 1, uid: 0, gid: 0, rdev: 0, blksize: 4096,
};
const attrReply = { attr, attrTimeout: 1 };
const entry = { nodeid: 2, generation: 1, attr, entryTimeout: 1, attrTimeout: 1 };
const data = new Uint8Array(4096).fill(7);

function frame(opcode: number, nodeid: number, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + body.length);
  const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true);
  v.setUint32(4, opcode, true);
  v.setUint32(8, 2, true);
  v.setUint32(16, nodeid, true);
  b.set(body, 40);
  return b;
}

function body(fill: (v: DataView) => void, size: number, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const b = new Uint8Array(size + tail.length);
  fill(new DataView(b.buffer));
  b.set(tail, size);
  return b;
}

const requests: Record<string, Uint8Array> = {
  GETATTR: frame(3, 1, new Uint8Array(16)),
  LOOKUP: frame(1, 1, new TextEncoder().encode('file.txt\0')),
  // fuse_read_in: fh 1, offset 0, size 4096.
  READ: frame(15, 2, body((v) => { v.setUint32(0, 1, true); v.setUint32(16, 4096, true); }, 40)),
  // fuse_write_in: fh 1, offset 0, size 4096, then the data.
  WRITE: frame(16, 2, body((v) => { v.setUint32(0, 1, true); v.setUint32(16, 4096, true); }, 40, data)),
};

async function newSession(): Promise<Session> {
  const s = createSession(
    {
      getattr: () => attrReply,
      lookup: () => entry,
      read: () => data,
      write: (_c, _n, _f, _o, d) => d.length,
    },
    { logger: { error() {} }, ...options },
  );
  const init = new Uint8Array(64);
  const iv = new DataView(init.buffer);
  iv.setUint32(0, 7, true);
  iv.setUint32(4, 45, true);
  iv.setUint32(12, 0x40000000, true);
  await s.handle(frame(26, 0, init));
  return s;
}

let scavenges = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e as unknown as { detail?: { kind?: number } }).detail?.kind === 1) scavenges++;
}).observe({ entryTypes: ['gc'] });

function newSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
}

/** Bytes per request, measured over `n` requests that fit in new space; retried if a scavenge intervened. */
function bytesPerRequest(run: (n: number) => void, n: number): number {
  for (let attempt = 0; attempt < 5; attempt++) {
    gc!();
    const before = newSpaceUsed();
    run(n);
    const after = newSpaceUsed();
    if (after >= before) return (after - before) / n;
  }
  return NaN;
}

async function main(): Promise<void> {
  const s = await newSession();
  let replies = 0;
  const respond = (r: Uint8Array): void => {
    replies += r.length > 0 ? 1 : 0;
  };
  console.log(`latencyStats ${options.latencyStats === false ? 'off' : 'on (default)'}, node ${process.version}`);
  for (const [name, req] of Object.entries(requests)) {
    const view = new DataView(req.buffer);
    let u = 2;
    const run = (n: number): void => {
      for (let i = 0; i < n; i++) {
        u += 2;
        view.setUint32(8, u, true);
        s.dispatch(req, respond);
      }
    };
    run(300_000);
    const per = bytesPerRequest(run, 20_000);
    const sc0 = scavenges;
    run(1_000_000);
    await new Promise((r) => setImmediate(r)); // let the gc observer report
    console.log(`dispatch ${name.padEnd(8)} ${per.toFixed(1).padStart(7)} B/request  ${String(scavenges - sc0).padStart(4)} scavenges per 1e6`);
  }
  const req = requests.GETATTR!;
  const view = new DataView(req.buffer);
  let u = 1_000_000_000;
  const runHandle = (n: number): void => {
    for (let i = 0; i < n; i++) {
      u += 2;
      view.setUint32(8, u, true);
      void s.handle(req);
    }
  };
  runHandle(300_000);
  await new Promise((r) => setImmediate(r));
  const per = bytesPerRequest(runHandle, 20_000);
  console.log(`handle   GETATTR  ${per.toFixed(1).padStart(7)} B/request (includes the reply copy and the Promise the caller gets)`);
  if (replies === 0) throw new Error('no replies');
}

await main();
