import { createSession, type Attr } from '../src/index.js';
const attr: Attr = { ino: 1, size: 4096, blocks: 8, atime: 1, mtime: 1, ctime: 1, atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o40755, nlink: 2, uid: 0, gid: 0, rdev: 0, blksize: 4096 };
const rep = { attr, attrTimeout: 1 };
function frame(op: number, u: number, n: number, body: Uint8Array) { const b = new Uint8Array(40 + body.length); const v = new DataView(b.buffer); v.setUint32(0, b.length, true); v.setUint32(4, op, true); v.setUint32(8, u, true); v.setUint32(16, n, true); b.set(body, 40); return b; }
const s = createSession({ getattr: () => rep }, { logger: { error() {} }, latencyStats: false });
const init = new Uint8Array(64); const iv = new DataView(init.buffer); iv.setUint32(0, 7, true); iv.setUint32(4, 45, true); iv.setUint32(12, 0x40000000, true);
await s.handle(frame(26, 1, 0, init));
const req = frame(3, 2, 1, new Uint8Array(16)); const view = new DataView(req.buffer);
let u = 2; let sink: unknown;
async function seq(n: number) { for (let i = 0; i < n; i++) { u += 2; view.setUint32(8, u, true); sink = await s.handle(req); } }
await seq(5_000_000);
