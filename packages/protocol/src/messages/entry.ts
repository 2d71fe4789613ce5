import type { Entry } from '../backend.js';
import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';
import { encodeAttr } from './attr.js';
import { timeoutNanos, timeoutSeconds } from './timeout.js';

/**
 * fuse_entry_out (128 B; 120 before 7.9): nodeid, generation, entry_valid,
 * attr_valid (u64), entry_valid_nsec, attr_valid_nsec (u32), fuse_attr.
 */
export function encodeEntryOut(w: WireWriter, e: Entry, entryTimeout: number, attrTimeout: number, minor: number): void {
  const et = e.entryTimeout ?? entryTimeout;
  const at = e.attrTimeout ?? attrTimeout;
  w.u64(e.nodeid);
  w.u64(e.generation ?? 0);
  w.u64(timeoutSeconds(et));
  w.u64(timeoutSeconds(at));
  w.u32(timeoutNanos(et));
  w.u32(timeoutNanos(at));
  encodeAttr(w, e.attr, minor);
}

/**
 * A negative entry: nodeid 0 tells the kernel "no such name" and lets it cache
 * that answer for `timeout` seconds.
 */
export function encodeNegativeEntryOut(w: WireWriter, timeout: number, minor: number): void {
  w.u64(0);
  w.u64(0);
  w.u64(timeoutSeconds(timeout));
  w.u64(0);
  w.u32(timeoutNanos(timeout));
  w.u32(0);
  w.zeros(minor < 9 ? 80 : 88);
}

/** fuse_mknod_in: mode, rdev, umask, padding (16 B); before 7.12 only mode, rdev (8 B). */
export function decodeMknodIn(r: WireReader, minor: number): { mode: number; rdev: number; umask: number } {
  const mode = r.u32();
  const rdev = r.u32();
  if (minor < 12) return { mode, rdev, umask: 0 };
  const umask = r.u32();
  r.skip(4);
  return { mode, rdev, umask };
}

/** fuse_mkdir_in: mode, umask (8 B). */
export function decodeMkdirIn(r: WireReader): { mode: number; umask: number } {
  const mode = r.u32();
  const umask = r.u32();
  return { mode, umask };
}

/** fuse_rename_in: newdir u64 (8 B). */
export function decodeRenameIn(r: WireReader): { newdir: number } {
  return { newdir: r.u64('newdir') };
}

/** fuse_rename2_in: newdir u64, flags u32, padding u32 (16 B). */
export function decodeRename2In(r: WireReader): { newdir: number; flags: number } {
  const newdir = r.u64('newdir');
  const flags = r.u32();
  r.skip(4);
  return { newdir, flags };
}

/** fuse_link_in: oldnodeid u64 (8 B). */
export function decodeLinkIn(r: WireReader): { oldnodeid: number } {
  return { oldnodeid: r.u64('oldnodeid') };
}
