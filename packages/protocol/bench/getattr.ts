/**
 * Micro-benchmark: in-process GETATTR round trips per second through
 * session.dispatch with a trivial synchronous backend (one core, no I/O).
 *
 *   node --conditions=source --import tsx packages/protocol/bench/getattr.ts [seconds]
 */
import { createSession, type Attr, type SessionOptionsInput } from '../src/index.js';

const seconds = Number(process.argv[2] ?? 2);
const attr: Attr = {
  ino: 1, size: 4096, blocks: 8, atime: 1_700_000_000, mtime: 1_700_000_000, ctime: 1_700_000_000,
  atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o40755, nlink: 2, uid: 0, gid: 0, rdev: 0, blksize: 4096,
};
const reply = { attr, attrTimeout: 1 };

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

function run(label: string, options: SessionOptionsInput): number {
  const session = createSession({ getattr: () => reply }, { logger: { error() {} }, ...options });
  const init = new Uint8Array(64);
  const iv = new DataView(init.buffer);
  iv.setUint32(0, 7, true);
  iv.setUint32(4, 45, true);
  iv.setUint32(12, 0x40000000, true); // INIT_EXT
  let replies = 0;
  let bytes = 0;
  const respond = (r: Uint8Array): void => {
    replies++;
    bytes += r.length;
  };
  session.dispatch(frame(26, 1, 0, init), respond);
  const req = frame(3, 2, 1, new Uint8Array(16));
  const view = new DataView(req.buffer);
  // Warm up, then measure in batches until the time is up.
  for (let i = 0; i < 200_000; i++) session.dispatch(req, respond);
  let n = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  let now = start;
  let unique = 2;
  while (now < until) {
    for (let i = 0; i < 100_000; i++) {
      unique += 2;
      view.setUint32(8, unique, true);
      session.dispatch(req, respond);
    }
    n += 100_000;
    now = performance.now();
  }
  const rate = n / ((now - start) / 1000);
  if (bytes === 0) throw new Error('no replies');
  console.log(`${label.padEnd(28)} ${Math.round(rate).toLocaleString('en-US')} GETATTR/s`);
  return rate;
}

run('latencyStats on (default)', {});
run('latencyStats off', { latencyStats: false });
