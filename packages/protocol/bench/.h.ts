import { createSession, type Attr } from '../src/index.js';
const attr: Attr = { ino: 1, size: 4096, blocks: 8, atime: 1, mtime: 1, ctime: 1, atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o40755, nlink: 2, uid: 0, gid: 0, rdev: 0, blksize: 4096 };
const rep = { attr, attrTimeout: 1 };
function frame(op: number, u: number, n: number, body: Uint8Array) { const b = new Uint8Array(40 + body.length); const v = new DataView(b.buffer); v.setUint32(0, b.length, true); v.setUint32(4, op, true); v.setUint32(8, u, true); v.setUint32(16, n, true); b.set(body, 40); return b; }
const s = createSession({ getattr: () => rep }, { logger: { error() {} }, latencyStats: process.argv.includes('--lat') });
const init = new Uint8Array(64); const iv = new DataView(init.buffer); iv.setUint32(0, 7, true); iv.setUint32(4, 45, true); iv.setUint32(12, 0x40000000, true);
await s.handle(frame(26, 1, 0, init));
const req = frame(3, 2, 1, new Uint8Array(16)); const view = new DataView(req.buffer);
let u = 2; let sink: unknown;
const N = 2_000_000;
function fire(n: number) { for (let i = 0; i < n; i++) { u += 2; view.setUint32(8, u, true); sink = s.handle(req); } }
let respondBytes = 0; const respond = (r: Uint8Array) => { respondBytes += r.length; };
function disp(n: number) { for (let i = 0; i < n; i++) { u += 2; view.setUint32(8, u, true); s.dispatch(req, respond); } }
for (const [name, f] of [['dispatch', disp], ['handle (not awaited)', fire], ['dispatch', disp], ['handle (not awaited)', fire]] as const) {
  f(300000); const t = performance.now(); f(N); const ms = performance.now() - t;
  console.log(name.padEnd(24), (N / ms / 1000).toFixed(2), 'M/s');
}
async function seq(n: number) { for (let i = 0; i < n; i++) { u += 2; view.setUint32(8, u, true); sink = await s.handle(req); } }
await seq(300000); let t = performance.now(); await seq(N); console.log('handle await'.padEnd(24), (N / (performance.now() - t) / 1000).toFixed(2), 'M/s');
