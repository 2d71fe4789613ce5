import type { FileLock } from '../backend.js';
import { errno } from '../abi/errno.js';
import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';

/** fuse_file_lock: start u64, end u64, type u32, pid u32 (24 B). */
export function decodeFileLock(r: WireReader): FileLock {
  const start = r.u64Big();
  const end = r.u64Big();
  const type = r.u32();
  const pid = r.u32();
  return { start, end, type, pid };
}

export function encodeFileLock(w: WireWriter, l: FileLock): void {
  w.u64(l.start);
  w.u64(l.end);
  w.u32(l.type);
  w.u32(l.pid);
}

/** fuse_lk_in: fh, owner, fuse_file_lock, lk_flags, padding (48 B). GETLK, SETLK, SETLKW. */
export function decodeLkIn(r: WireReader): { fh: number; owner: bigint; lock: FileLock; lkFlags: number } {
  const fh = r.u64('fh', errno.EBADF);
  const owner = r.u64Big();
  const lock = decodeFileLock(r);
  const lkFlags = r.u32();
  r.skip(4);
  return { fh, owner, lock, lkFlags };
}

/** fuse_lk_out: fuse_file_lock (24 B). */
export function encodeLkOut(w: WireWriter, l: FileLock): void {
  encodeFileLock(w, l);
}
