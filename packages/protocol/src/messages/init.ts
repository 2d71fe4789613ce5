import { InitFlags } from '../abi/constants.js';
import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';

/**
 * fuse_init_in: major, minor, max_readahead, flags (16 B before 7.36); then
 * flags2 and unused[11] (64 B). flags2 counts only when flags has INIT_EXT.
 */
export interface InitIn {
  major: number;
  minor: number;
  maxReadahead: number;
  /** flags | flags2 << 32. */
  flags: bigint;
}

/** Decode an INIT body; a major other than 7 may send only major and minor. */
export function decodeInitIn(r: WireReader): InitIn {
  const major = r.u32();
  const minor = r.u32();
  if (r.remaining < 8) return { major, minor, maxReadahead: 0, flags: 0n };
  const maxReadahead = r.u32();
  let flags = BigInt(r.u32());
  if (flags & InitFlags.INIT_EXT && r.remaining >= 4) flags |= BigInt(r.u32()) << 32n;
  return { major, minor, maxReadahead, flags };
}

/** The reply to INIT, all fields of fuse_init_out. */
export interface InitOut {
  major: number;
  minor: number;
  maxReadahead: number;
  /** flags | flags2 << 32; flags2 is only sent when INIT_EXT is in flags. */
  flags: bigint;
  maxBackground: number;
  congestionThreshold: number;
  maxWrite: number;
  timeGran: number;
  maxPages: number;
  mapAlignment: number;
  maxStackDepth: number;
  requestTimeout: number;
}

/** Size of fuse_init_out a kernel of `kernelMinor` expects: 8 B before 7.5, 24 B before 7.23, else 64 B. */
export function initOutSize(kernelMinor: number): number {
  if (kernelMinor < 5) return 8;
  if (kernelMinor < 23) return 24;
  return 64;
}

/**
 * fuse_init_out (64 B): major, minor, max_readahead, flags (u32),
 * max_background, congestion_threshold (u16), max_write, time_gran (u32),
 * max_pages, map_alignment (u16), flags2, max_stack_depth (u32),
 * request_timeout (u16), unused[11] (u16). Truncated to what `kernelMinor` knows.
 */
export function encodeInitOut(w: WireWriter, o: InitOut, kernelMinor: number): void {
  const size = initOutSize(kernelMinor);
  const start = w.pos;
  w.u32(o.major);
  w.u32(o.minor);
  if (size > 8) {
    w.u32(o.maxReadahead);
    w.u32(Number(o.flags & 0xffffffffn));
    w.u16(o.maxBackground);
    w.u16(o.congestionThreshold);
    w.u32(o.maxWrite);
  }
  if (size > 24) {
    w.u32(o.timeGran);
    w.u16(o.maxPages);
    w.u16(o.mapAlignment);
    w.u32(o.flags & InitFlags.INIT_EXT ? Number((o.flags >> 32n) & 0xffffffffn) : 0);
    w.u32(o.maxStackDepth);
    w.u16(o.requestTimeout);
    w.zeros(22);
  }
  if (w.pos - start !== size) throw new Error(`init_out encoded ${w.pos - start} bytes, expected ${size}`);
}
