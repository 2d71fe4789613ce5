import type { IoctlReply, StatfsReply } from '../backend.js';
import { errno } from '../abi/errno.js';
import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';

/**
 * fuse_kstatfs (80 B; 48 before 7.4, which had no frsize): blocks bfree
 * bavail files ffree (u64) bsize namelen frsize padding (u32) spare[6] (u32).
 */
export function encodeStatfsOut(w: WireWriter, s: StatfsReply, minor: number): void {
  w.u64(s.blocks);
  w.u64(s.bfree);
  w.u64(s.bavail);
  w.u64(s.files);
  w.u64(s.ffree);
  w.u32(s.bsize);
  w.u32(s.namelen);
  if (minor < 4) return;
  w.u32(s.frsize);
  w.u32(0);
  w.zeros(24);
}

/** fuse_access_in: mask, padding (8 B). */
export function decodeAccessIn(r: WireReader): { mask: number } {
  const mask = r.u32();
  r.skip(4);
  return { mask };
}

/** fuse_forget_in: nlookup u64 (8 B). A count beyond 2^53-1 is capped (it means "all"). */
export function decodeForgetIn(r: WireReader): { nlookup: number } {
  const n = r.u64Big();
  return { nlookup: n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n) };
}

/** fuse_batch_forget_in: count, dummy (8 B), followed by count fuse_forget_one {nodeid, nlookup} (16 B each). */
export function decodeBatchForgetIn(r: WireReader): { count: number } {
  const count = r.u32();
  r.skip(4);
  return { count };
}

/** fuse_interrupt_in: unique u64 (8 B), as two u32 halves so no bigint is needed. */
export function decodeInterruptIn(r: WireReader): { uniqueLo: number; uniqueHi: number } {
  const uniqueLo = r.u32();
  const uniqueHi = r.u32();
  return { uniqueLo, uniqueHi };
}

/** fuse_bmap_in: block u64, blocksize u32, padding (16 B). */
export function decodeBmapIn(r: WireReader): { block: number; blocksize: number } {
  const block = r.u64('block', errno.EINVAL);
  const blocksize = r.u32();
  r.skip(4);
  return { block, blocksize };
}

/** fuse_bmap_out: block u64 (8 B). */
export function encodeBmapOut(w: WireWriter, block: number): void {
  w.u64(block);
}

/** fuse_ioctl_in: fh, flags, cmd, arg, in_size, out_size (32 B), then in_size bytes. */
export interface IoctlIn {
  fh: number;
  flags: number;
  cmd: number;
  arg: bigint;
  inSize: number;
  outSize: number;
}

export function decodeIoctlIn(r: WireReader): IoctlIn {
  const fh = r.u64('fh', errno.EBADF);
  const flags = r.u32();
  const cmd = r.u32();
  const arg = r.u64Big();
  const inSize = r.u32();
  const outSize = r.u32();
  return { fh, flags, cmd, arg, inSize, outSize };
}

/** fuse_ioctl_out: result s32, flags, in_iovs, out_iovs (16 B), then the output data. */
export function encodeIoctlOut(w: WireWriter, o: IoctlReply): void {
  w.i32(o.result);
  w.u32(0);
  w.u32(0);
  w.u32(0);
  if (o.data) w.bytes(o.data);
}

/** fuse_poll_in: fh, kh, flags, events (24 B). */
export function decodePollIn(r: WireReader): { fh: number; kh: bigint; flags: number; events: number } {
  const fh = r.u64('fh', errno.EBADF);
  const kh = r.u64Big();
  const flags = r.u32();
  const events = r.u32();
  return { fh, kh, flags, events };
}

/** fuse_poll_out: revents, padding (8 B). */
export function encodePollOut(w: WireWriter, revents: number): void {
  w.u32(revents);
  w.u32(0);
}

/** fuse_syncfs_in: padding u64 (8 B). */
export function decodeSyncfsIn(r: WireReader): Record<string, never> {
  r.skip(8);
  return {};
}
