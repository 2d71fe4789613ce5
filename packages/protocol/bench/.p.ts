import { createSession, type Attr } from '../src/index.js';
const attr: Attr = { ino: 1, size: 4096, blocks: 8, atime: 1, mtime: 1, ctime: 1, atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o40755, nlink: 2, uid: 0, gid: 0, rdev: 0, blksize: 4096 };
const rep = { attr, attrTimeout: 1 };
function frame(op: number, u: number, n: number, body: Uint8Array) { const b = new Uint8Array(40 + body.length); const v = new DataView(b.buffer); v.setUint32(0, b.length, true); v.setUint32(4, op, true); v.setUint32(8, u, true); v.setUint32(16, n, true); b.set(body, 40); return b; }
const s = createSession({ getattr: () => rep }, { logger: { error() {} } });
const init = new Uint8Array(64); const iv = new DataView(init.buffer); iv.setUint32(0, 7, true); iv.setUint32(4, 45, true); iv.setUint32(12, 0x40000000, true);
await s.handle(frame(26, 1, 0, init));
const depth = 64;
const frames = Array.from({ length: depth }, (_, k) => frame(3, 2 + 2 * k, 1, new Uint8Array(16)));
const views = frames.map((f) => new DataView(f.buffer));
let u = 2, bytes = 0;
let left = 0; let wake: () => void = () => {};
const onReply = (r: Uint8Array | undefined) => { bytes += r!.length; if (--left === 0) wake(); };
async function roundThen() {
  left = depth;
  const done = new Promise<void>((r) => (wake = r));
  for (let k = 0; k < depth; k++) { views[k]!.setUint32(8, (u += 2), true); s.handle(frames[k]!).then(onReply); }
  await done;
}
const pending: Promise<Uint8Array | undefined>[] = new Array(depth);
async function roundAll() {
  for (let k = 0; k < depth; k++) { views[k]!.setUint32(8, (u += 2), true); pending[k] = s.handle(frames[k]!); }
  for (const r of await Promise.all(pending)) bytes += r!.length;
}
for (const [name, f] of [['then', roundThen], ['all', roundAll], ['then', roundThen], ['all', roundAll]] as const) {
  for (let i = 0; i < 5000; i++) await f();
  const c = process.cpuUsage(); const R = 20000;
  for (let i = 0; i < R; i++) await f();
  const cu = process.cpuUsage(c);
  console.log(name, ((R * depth) / ((cu.user + cu.system) / 1e6) / 1e6).toFixed(2), 'M/s per CPU-s');
}
