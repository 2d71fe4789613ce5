/**
 * Test helpers for the client: a row-by-row little-endian byte builder (so
 * fixtures are written from the header's layout, not from the encoder under
 * test) and a scriptable fake server that records requests.
 */
import type { FuseServer } from '../src/client/client.js';

/** One row of a fixture. */
export const u8 = (v: number): number[] => [v & 0xff];
export const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];
export const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const i32 = (v: number): number[] => u32(v >>> 0);
export function u64(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(Number(x & 0xffn));
    x >>= 8n;
  }
  return out;
}
/** A string's UTF-8 bytes followed by NUL. */
export const cstr = (s: string): number[] => [...Buffer.from(s, 'utf8'), 0];
export const raw = (s: string): number[] => [...Buffer.from(s, 'utf8')];
export const zeros = (n: number): number[] => new Array<number>(n).fill(0);

/** Concatenates rows into bytes. */
export function bytes(...rows: number[][]): Uint8Array {
  return Uint8Array.from(rows.flat());
}

/** A fuse_out_header row set plus body: len is computed. */
export function reply(unique: bigint, error: number, ...body: number[][]): Uint8Array {
  const b = body.flat();
  return bytes(u32(16 + b.length), i32(error), u64(unique), b);
}

/** A fuse_attr of the given mode (88 bytes). */
export function attrRows(a: { ino: number; mode: number; size?: number; nlink?: number }): number[][] {
  return [
    u64(a.ino), u64(a.size ?? 0), u64(0), // ino, size, blocks
    u64(1_700_000_000), u64(1_700_000_000), u64(1_700_000_000), // atime, mtime, ctime
    u32(0), u32(0), u32(0), // atimensec, mtimensec, ctimensec
    u32(a.mode), u32(a.nlink ?? 1), u32(0), u32(0), // mode, nlink, uid, gid
    u32(0), u32(4096), u32(0), // rdev, blksize, flags
  ];
}

/** A fuse_entry_out (128 bytes). */
export function entryRows(nodeid: number, a: { ino?: number; mode: number; size?: number }, generation = 0): number[][] {
  return [u64(nodeid), u64(generation), u64(1), u64(1), u32(0), u32(0), ...attrRows({ ino: a.ino ?? nodeid, mode: a.mode, size: a.size })];
}

/** A fuse_init_out (64 bytes) accepting `flags`. */
export function initOutRows(flags: bigint, minor = 45, maxWrite = 1 << 20): number[][] {
  const low = Number(flags & 0xffffffffn) | (1 << 30); // INIT_EXT so flags2 counts
  return [
    u32(7), u32(minor), u32(131072), u32(low), // major, minor, max_readahead, flags
    u16(12), u16(9), u32(maxWrite), // max_background, congestion_threshold, max_write
    u32(1), u16(256), u16(0), // time_gran, max_pages, map_alignment
    u32(Number(flags >> 32n)), u32(0), u16(0), zeros(22), // flags2, max_stack_depth, request_timeout, unused
  ];
}

export interface Recorded {
  opcode: number;
  unique: bigint;
  nodeid: bigint;
  uid: number;
  gid: number;
  pid: number;
  bytes: Uint8Array;
}

/** Parses the in_header of a request. */
export function parseHeader(b: Uint8Array): Recorded {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    opcode: v.getUint32(4, true), unique: v.getBigUint64(8, true), nodeid: v.getBigUint64(16, true),
    uid: v.getUint32(24, true), gid: v.getUint32(28, true), pid: v.getUint32(32, true), bytes: b.slice(),
  };
}

/**
 * A fake server: INIT is answered with `initFlags`; every other request goes
 * to `respond`, which returns reply bytes (or undefined for none).
 */
export class FakeServer implements FuseServer {
  readonly requests: Recorded[] = [];
  constructor(
    public respond: (req: Recorded) => Uint8Array | undefined,
    readonly initFlags: bigint = 0n,
  ) {}

  async handle(request: Uint8Array): Promise<Uint8Array | undefined> {
    const r = parseHeader(request);
    this.requests.push(r);
    if (r.opcode === 26) return reply(r.unique, 0, ...initOutRows(this.initFlags));
    return this.respond(r);
  }

  /** Requests other than INIT. */
  get sent(): Recorded[] {
    return this.requests.filter((r) => r.opcode !== 26);
  }
}

/** A directory the fake server lists: names with cookie offsets 1..n, packed as fuse_dirent. */
export function packDirents(entries: readonly { name: string; ino: number; type: number; off: bigint }[], size: number, startAfter: bigint): { body: number[]; count: number } {
  const body: number[] = [];
  let count = 0;
  for (const e of entries) {
    if (e.off <= startAfter) continue;
    const name = Buffer.from(e.name);
    const rec = [...u64(e.ino), ...u64(e.off), ...u32(name.length), ...u32(e.type), ...name];
    while (rec.length % 8) rec.push(0);
    if (body.length + rec.length > size) break;
    body.push(...rec);
    count++;
  }
  return { body, count };
}
