/**
 * Per-request garbage on the hot path: bytes allocated on the V8 heap per
 * GETATTR, LOOKUP, READ, WRITE and READDIR round trip through session.dispatch (and
 * handle for GETATTR), with a synchronous backend whose answers are prebuilt
 * (so what is counted is the engine's own allocation), and the approximate
 * number of scavenges per million requests that implies.
 *
 * Method: after warm-up and a full GC, new-space usage is read before and
 * after a run of 10,000 requests, and every 500 requests in between; a run in
 * which usage ever drops (a scavenge happened) is repeated. Off-heap
 * ArrayBuffer backing stores are not counted here.
 *
 *   node --expose-gc --conditions=source --import tsx packages/protocol/bench/alloc.ts [--no-latency]
 */
import v8 from 'node:v8';
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
/** 20 directory entries, names prebuilt (as a backend with a cached listing has them). */
const names = Array.from({ length: 20 }, (_, i) => Buffer.from(`entry-${i}`));
const cookies = names.map((_, i) => BigInt(i + 1));

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
  // fuse_read_in as READDIR: fh 1, offset 0, size 4096.
  READDIR: frame(28, 1, body((v) => { v.setUint32(0, 1, true); v.setUint32(16, 4096, true); }, 40)),
};

async function newSession(): Promise<Session> {
  const s = createSession(
    {
      getattr: () => attrReply,
      lookup: () => entry,
      read: () => data,
      write: (_c, _n, _f, _o, d) => d.length,
      readdir: (_c, _n, _f, off, sink) => {
        for (let i = Number(off); i < names.length; i++) if (!sink.add(names[i]!, i + 2, 8, cookies[i]!)) break;
      },
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

function newSpace(): { used: number; size: number } {
  const s = v8.getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')!;
  return { used: s.space_used_size, size: s.space_size };
}

/** Bytes per request over `n` requests, from a run with no scavenge in it (NaN if none could be had). */
function bytesPerRequest(run: (n: number) => void, n: number): number {
  for (let attempt = 0; attempt < 10; attempt++) {
    gc!();
    const before = newSpace().used;
    let last = before;
    let clean = true;
    for (let done = 0; done < n; done += 500) {
      run(500);
      const now = newSpace().used;
      if (now < last) clean = false;
      last = now;
    }
    if (clean) return (last - before) / n;
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
  const semi = newSpace().size;
  const line = (label: string, per: number): void => {
    const scavenges = (per * 1e6) / semi;
    console.log(`${label.padEnd(17)} ${per.toFixed(1).padStart(7)} B/request  (~${scavenges.toFixed(0)} scavenges of a ${(semi / 2 ** 20).toFixed(0)} MiB new space per 1e6)`);
  };
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
    line(`dispatch ${name}`, bytesPerRequest(run, 10_000));
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
  line('handle GETATTR', bytesPerRequest(runHandle, 10_000));
  console.log('  (handle: includes the reply copy the caller owns and the Promise it gets)');
  if (replies === 0) throw new Error('no replies');
}

await main();
