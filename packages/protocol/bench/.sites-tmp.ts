// Allocation sites of the hot path, by the sampling heap profiler (including objects already collected).
import { Session as Inspector } from 'node:inspector/promises';
import { createSession, type Attr } from '/work/main/packages/protocol/src/index.js';
const which = process.argv[2] ?? 'GETATTR';
const mode = process.argv[3] ?? 'dispatch';
const attr: Attr = { ino: 2, size: 4096, blocks: 8, atime: 1, mtime: 1, ctime: 1, atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o100644, nlink: 1, uid: 0, gid: 0, rdev: 0, blksize: 4096 };
const attrReply = { attr, attrTimeout: 1 };
const entry = { nodeid: 2, generation: 1, attr, entryTimeout: 1, attrTimeout: 1 };
const data = new Uint8Array(4096).fill(7);
function frame(opcode: number, nodeid: number, body: Uint8Array): Uint8Array {
  const b = new Uint8Array(40 + body.length); const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true); v.setUint32(4, opcode, true); v.setUint32(8, 2, true); v.setUint32(16, nodeid, true); b.set(body, 40); return b;
}
const rw = (extra = 0) => { const b = new Uint8Array(40 + extra); const v = new DataView(b.buffer); v.setUint32(0, 1, true); v.setUint32(16, 4096, true); return b; };
const reqs: Record<string, Uint8Array> = { GETATTR: frame(3, 1, new Uint8Array(16)), LOOKUP: frame(1, 1, new TextEncoder().encode('file.txt\0')), READ: frame(15, 2, rw()), WRITE: frame(16, 2, rw(4096)) };
const s = createSession({ getattr: () => attrReply, lookup: () => entry, read: () => data, write: (_c, _n, _f, _o, d) => d.length }, { logger: { error() {} }, latencyStats: !process.argv.includes('--no-latency') });
const init = new Uint8Array(64); const iv = new DataView(init.buffer); iv.setUint32(0, 7, true); iv.setUint32(4, 45, true); iv.setUint32(12, 0x40000000, true);
await s.handle(frame(26, 0, init));
const req = reqs[which]!; const view = new DataView(req.buffer); let u = 2; let n = 0;
const respond = (r: Uint8Array) => { n += r.length; };
const run = async (k: number) => { for (let i = 0; i < k; i++) { u += 2; view.setUint32(8, u, true); if (mode === 'dispatch') s.dispatch(req, respond); else void s.handle(req); } };
await run(300000);
const ins = new Inspector(); ins.connect();
await ins.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as any);
await run(200000);
const { profile } = await ins.post('HeapProfiler.stopSampling') as any;
const sites = new Map<string, number>();
const walk = (node: any, stack: string[]) => {
  const f = node.callFrame; const here = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
  const st = [...stack, here];
  if (node.selfSize > 0) { const key = st.slice(-3).join(' < '); sites.set(key, (sites.get(key) ?? 0) + node.selfSize); }
  for (const c of node.children) walk(c, st);
};
walk(profile.head, []);
const total = [...sites.values()].reduce((a, b) => a + b, 0);
console.log(`${which} ${mode}: ~${(total / 200000).toFixed(1)} B/request sampled`);
for (const [k, v] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${(v / 200000).toFixed(1).padStart(7)}  ${k.split(' < ').reverse().join(' < ')}`);
