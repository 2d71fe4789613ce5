// In-process benchmark: GETATTR and LOOKUP round trips through the session with
// the memory backend, and READDIR of a 100,000-entry directory. No kernel involved:
// this measures the engine (decode → dispatch → backend → encode) alone.
// Prints one JSON line per workload on stdout.
import { createSession } from '@tsfuse/protocol';
import { MemoryBackend } from '@tsfuse/testkit';

const IN_HEADER = 40;
let unique = 0n;

function request(opcode: number, nodeid: number, body: Uint8Array): Uint8Array {
  const buf = new Uint8Array(IN_HEADER + body.length);
  const v = new DataView(buf.buffer);
  v.setUint32(0, buf.length, true);
  v.setUint32(4, opcode, true);
  v.setBigUint64(8, (unique += 2n), true);
  v.setBigUint64(16, BigInt(nodeid), true);
  buf.set(body, IN_HEADER);
  return buf;
}

function initRequest(): Uint8Array {
  const body = new Uint8Array(64);
  const v = new DataView(body.buffer);
  v.setUint32(0, 7, true);
  v.setUint32(4, 45, true);
  v.setUint32(8, 131072, true);
  v.setUint32(12, 0x73fffffb, true); // what a 6.x kernel offers in flags (INIT_EXT set)
  v.setUint32(16, 0x0000007f, true);
  return request(26, 0, body);
}

function replyError(reply: Uint8Array): number {
  return new DataView(reply.buffer, reply.byteOffset).getInt32(4, true);
}

function timeLoop(name: string, n: number, fn: () => void, extra: Record<string, unknown> = {}) {
  for (let i = 0; i < Math.min(n / 10, 50_000); i++) fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(JSON.stringify({ workload: name, ops: n, seconds: ns / 1e9, perSecond: Math.round(n / (ns / 1e9)), ...extra }));
}

async function main() {
  const backend = new MemoryBackend();
  const session = createSession(backend, { attrTimeout: 0, entryTimeout: 0 });
  const initReply = await session.handle(initRequest());
  if (!initReply || replyError(initReply) !== 0) throw new Error('INIT failed');

  const enc = new TextEncoder();
  const mkdirBody = (name: string) => {
    const n = enc.encode(name);
    const b = new Uint8Array(8 + n.length + 1);
    new DataView(b.buffer).setUint32(0, 0o755, true);
    b.set(n, 8);
    return b;
  };
  const mk = await session.handle(request(9, 1, mkdirBody('big')));
  if (!mk || replyError(mk) !== 0) throw new Error('MKDIR failed');
  const bigId = Number(new DataView(mk.buffer, mk.byteOffset).getBigUint64(16, true));

  // GETATTR on the root, the cheapest daemon-bound request there is.
  const getattr = request(3, 1, new Uint8Array(16));
  let sink = 0;
  const respond = (r: Uint8Array) => { sink += r.length; };
  timeLoop('getattr (dispatch, sync)', 2_000_000, () => session.dispatch(getattr, respond));

  // LOOKUP of an existing name, followed by nothing: the kernel would FORGET later.
  const lookup = request(1, 1, enc.encode('big\0'));
  timeLoop('lookup (dispatch, sync)', 1_000_000, () => session.dispatch(lookup, respond));

  // The Promise API, as a VMM's virtio-fs device would call it.
  {
    const n = 300_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await session.handle(getattr);
    const ns = Number(process.hrtime.bigint() - t0);
    console.log(JSON.stringify({ workload: 'getattr (handle, Promise)', ops: n, seconds: ns / 1e9, perSecond: Math.round(n / (ns / 1e9)) }));
  }

  // READDIR of 100,000 entries in 4 KiB replies, as the kernel asks for them.
  const N = 100_000;
  for (let i = 0; i < N; i++) {
    const name = enc.encode(`file-${i.toString().padStart(6, '0')}\0`);
    const b = new Uint8Array(16 + name.length);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0x8000 | 0o644, true);
    b.set(name, 16);
    const r = await session.handle(request(8, bigId, b)); // MKNOD regular file
    if (!r || replyError(r) !== 0) throw new Error('MKNOD failed');
  }
  const opendir = await session.handle(request(27, bigId, new Uint8Array(8)));
  if (!opendir || replyError(opendir) !== 0) throw new Error('OPENDIR failed');
  const fh = new DataView(opendir.buffer, opendir.byteOffset).getBigUint64(16, true);
  const t0 = process.hrtime.bigint();
  let offset = 0n, entries = 0, calls = 0;
  for (;;) {
    const body = new Uint8Array(40);
    const v = new DataView(body.buffer);
    v.setBigUint64(0, fh, true);
    v.setBigUint64(8, offset, true);
    v.setUint32(16, 4096, true);
    const r = await session.handle(request(28, bigId, body));
    calls++;
    if (!r || replyError(r) !== 0) throw new Error('READDIR failed');
    if (r.length === 16) break;
    const rv = new DataView(r.buffer, r.byteOffset, r.length);
    let p = 16;
    while (p < r.length) {
      offset = rv.getBigUint64(p + 8, true);
      const namelen = rv.getUint32(p + 16, true);
      p += (24 + namelen + 7) & ~7;
      entries++;
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(JSON.stringify({ workload: 'readdir 100,000 entries (4 KiB replies)', ops: entries, seconds: ns / 1e9, perSecond: Math.round(entries / (ns / 1e9)), calls }));
  if (entries !== N + 2) throw new Error(`listed ${entries} entries, expected ${N + 2}`);
  if (sink < 0) console.log(sink);
}

main().catch((e) => { console.error(e); process.exit(1); });
