import type { OpenReply } from '../backend.js';
import { errno } from '../abi/errno.js';
import { ProtocolError } from '../wire/protocol-error.js';
import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';

/** fuse_open_in: flags, open_flags (FUSE_OPEN_*) (8 B). Also OPENDIR. */
export function decodeOpenIn(r: WireReader): { flags: number; openFlags: number } {
  const flags = r.u32();
  const openFlags = r.u32();
  return { flags, openFlags };
}

/** fuse_create_in: flags, mode, umask, open_flags (16 B). Also TMPFILE. */
export function decodeCreateIn(r: WireReader): { flags: number; mode: number; umask: number; openFlags: number } {
  const flags = r.u32();
  const mode = r.u32();
  const umask = r.u32();
  const openFlags = r.u32();
  return { flags, mode, umask, openFlags };
}

/** fuse_open_out: fh u64, open_flags u32, backing_id s32 (16 B). `extraFlags` is ORed in (keep-cache, cache-dir options). */
export function encodeOpenOut(w: WireWriter, o: OpenReply, extraFlags: number): void {
  w.u64(o.fh);
  w.u32((o.openFlags ?? 0) | extraFlags);
  w.i32(o.backingId ?? 0);
}

/** fuse_read_in (40 B; 24 before 7.9): fh, offset, size, read_flags, lock_owner, flags, padding. */
export interface ReadIn {
  fh: number;
  offset: number;
  size: number;
  readFlags: number;
  lockOwner: bigint;
  flags: number;
}

export function decodeReadIn(r: WireReader, minor: number): ReadIn {
  const fh = r.u64('fh', errno.EBADF);
  const offset = r.u64('offset', errno.EINVAL);
  const size = r.u32();
  const readFlags = r.u32();
  if (minor < 9) return { fh, offset, size, readFlags, lockOwner: 0n, flags: 0 };
  const lockOwner = r.u64Big();
  const flags = r.u32();
  r.skip(4);
  return { fh, offset, size, readFlags, lockOwner, flags };
}

/**
 * fuse_write_in (40 B; 24 before 7.9): fh, offset, size, write_flags,
 * lock_owner, flags, padding; then `size` bytes of data, which must be exactly
 * what follows. offset + size beyond 2^53-1 is EFBIG, as write(2) past the
 * maximum file size.
 */
export interface WriteIn extends ReadIn {
  writeFlags: number;
  data: Uint8Array;
}

export function decodeWriteIn(r: WireReader, minor: number): WriteIn {
  const fh = r.u64('fh', errno.EBADF);
  const offset = r.u64('offset', errno.EFBIG);
  const size = r.u32();
  const writeFlags = r.u32();
  let lockOwner = 0n;
  let flags = 0;
  if (minor >= 9) {
    lockOwner = r.u64Big();
    flags = r.u32();
    r.skip(4);
  }
  if (size !== r.remaining) throw new ProtocolError('short', `write size ${size} but ${r.remaining} data bytes`);
  if (offset + size > Number.MAX_SAFE_INTEGER) throw new ProtocolError('range', 'write beyond 2^53-1', errno.EFBIG);
  const data = r.bytes(size);
  return { fh, offset, size, readFlags: 0, writeFlags, lockOwner, flags, data };
}

/** fuse_write_out: size u32, padding u32 (8 B). */
export function encodeWriteOut(w: WireWriter, size: number): void {
  w.u32(size);
  w.u32(0);
}

/** fuse_release_in: fh, flags, release_flags, lock_owner (24 B). Also RELEASEDIR. */
export function decodeReleaseIn(r: WireReader): { fh: number; flags: number; releaseFlags: number; lockOwner: bigint } {
  const fh = r.u64('fh', errno.EBADF);
  const flags = r.u32();
  const releaseFlags = r.u32();
  const lockOwner = r.u64Big();
  return { fh, flags, releaseFlags, lockOwner };
}

/** fuse_flush_in: fh, unused, padding, lock_owner (24 B). */
export function decodeFlushIn(r: WireReader): { fh: number; lockOwner: bigint } {
  const fh = r.u64('fh', errno.EBADF);
  r.skip(8);
  const lockOwner = r.u64Big();
  return { fh, lockOwner };
}

/** fuse_fsync_in: fh, fsync_flags, padding (16 B). Also FSYNCDIR. */
export function decodeFsyncIn(r: WireReader): { fh: number; fsyncFlags: number } {
  const fh = r.u64('fh', errno.EBADF);
  const fsyncFlags = r.u32();
  r.skip(4);
  return { fh, fsyncFlags };
}

/** fuse_fallocate_in: fh, offset, length, mode, padding (32 B). offset + length beyond 2^53-1 is EFBIG. */
export function decodeFallocateIn(r: WireReader): { fh: number; offset: number; length: number; mode: number } {
  const fh = r.u64('fh', errno.EBADF);
  const offset = r.u64('offset', errno.EFBIG);
  const length = r.u64('length', errno.EFBIG);
  const mode = r.u32();
  r.skip(4);
  if (offset + length > Number.MAX_SAFE_INTEGER) throw new ProtocolError('range', 'fallocate beyond 2^53-1', errno.EFBIG);
  return { fh, offset, length, mode };
}

/** fuse_lseek_in: fh, offset, whence, padding (24 B). */
export function decodeLseekIn(r: WireReader): { fh: number; offset: number; whence: number } {
  const fh = r.u64('fh', errno.EBADF);
  const offset = r.u64('offset', errno.EINVAL);
  const whence = r.u32();
  r.skip(4);
  return { fh, offset, whence };
}

/** fuse_lseek_out: offset u64 (8 B). */
export function encodeLseekOut(w: WireWriter, offset: number): void {
  w.u64(offset);
}

/**
 * fuse_copy_file_range_in (56 B): fh_in, off_in, nodeid_out, fh_out, off_out,
 * len, flags. A len beyond 2^53-1 is clamped (a short copy is a correct
 * answer; cp(1) asks for huge lengths); offsets beyond it are EINVAL.
 */
export interface CopyFileRangeIn {
  fhIn: number;
  offIn: number;
  nodeidOut: number;
  fhOut: number;
  offOut: number;
  len: number;
  flags: number;
}

export function decodeCopyFileRangeIn(r: WireReader): CopyFileRangeIn {
  const fhIn = r.u64('fh_in', errno.EBADF);
  const offIn = r.u64('off_in', errno.EINVAL);
  const nodeidOut = r.u64('nodeid_out', errno.EINVAL);
  const fhOut = r.u64('fh_out', errno.EBADF);
  const offOut = r.u64('off_out', errno.EINVAL);
  const lenBig = r.u64Big();
  const flagsBig = r.u64Big();
  const len = lenBig > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(lenBig);
  if (flagsBig > 0xffffffffn) throw new ProtocolError('range', 'copy_file_range flags', errno.EINVAL);
  return { fhIn, offIn, nodeidOut, fhOut, offOut, len, flags: Number(flagsBig) };
}

/** fuse_copy_file_range_out: bytes_copied u64 (8 B), the reply of COPY_FILE_RANGE_64. */
export function encodeCopyFileRangeOut(w: WireWriter, bytesCopied: number): void {
  w.u64(bytesCopied);
}
