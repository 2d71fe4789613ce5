import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';

/**
 * fuse_setxattr_in: size, flags (8 B), plus setxattr_flags, padding (16 B)
 * when FUSE_SETXATTR_EXT was negotiated. The name and `size` value bytes follow.
 */
export function decodeSetxattrIn(r: WireReader, ext: boolean): { size: number; flags: number; setxattrFlags: number } {
  const size = r.u32();
  const flags = r.u32();
  if (!ext) return { size, flags, setxattrFlags: 0 };
  const setxattrFlags = r.u32();
  r.skip(4);
  return { size, flags, setxattrFlags };
}

/** fuse_getxattr_in: size, padding (8 B). Also LISTXATTR. */
export function decodeGetxattrIn(r: WireReader): { size: number } {
  const size = r.u32();
  r.skip(4);
  return { size };
}

/** fuse_getxattr_out: size, padding (8 B): the answer to a size-0 probe. */
export function encodeGetxattrOut(w: WireWriter, size: number): void {
  w.u32(size);
  w.u32(0);
}
