import type { WireReader } from '../wire/reader.js';
import type { WireWriter } from '../wire/writer.js';

/** fuse_notify_poll_wakeup_out: kh u64 (8 B). */
export function encodePollWakeupOut(w: WireWriter, kh: bigint): void {
  w.u64(kh);
}

/** fuse_notify_inval_inode_out: ino u64, off s64, len s64 (24 B). */
export function encodeInvalInodeOut(w: WireWriter, ino: number, off: number, len: number): void {
  w.u64(ino);
  w.u64(off);
  w.u64(len);
}

/** fuse_notify_inval_entry_out: parent u64, namelen u32, flags u32 (16 B), then the name and a NUL. */
export function encodeInvalEntryOut(w: WireWriter, parent: number, name: Uint8Array, flags: number): void {
  w.u64(parent);
  w.u32(name.length);
  w.u32(flags);
  w.bytes(name);
  w.u8(0);
}

/** fuse_notify_delete_out: parent u64, child u64, namelen u32, padding u32 (24 B), then the name and a NUL. */
export function encodeDeleteOut(w: WireWriter, parent: number, child: number, name: Uint8Array): void {
  w.u64(parent);
  w.u64(child);
  w.u32(name.length);
  w.u32(0);
  w.bytes(name);
  w.u8(0);
}

/** fuse_notify_store_out: nodeid u64, offset u64, size u32, padding u32 (24 B), then the data. */
export function encodeStoreOut(w: WireWriter, nodeid: number, offset: number, data: Uint8Array): void {
  w.u64(nodeid);
  w.u64(offset);
  w.u32(data.length);
  w.u32(0);
  w.bytes(data);
}

/** fuse_notify_retrieve_out: notify_unique, nodeid, offset (u64), size, padding (u32) (32 B). */
export function encodeRetrieveOut(w: WireWriter, notifyUnique: number, nodeid: number, offset: number, size: number): void {
  w.u64(notifyUnique);
  w.u64(nodeid);
  w.u64(offset);
  w.u32(size);
  w.u32(0);
}

/**
 * fuse_notify_retrieve_in (40 B, the body of FUSE_NOTIFY_REPLY): dummy1,
 * offset (u64), size, dummy2 (u32), dummy3, dummy4 (u64); then `size` bytes.
 */
export function decodeNotifyRetrieveIn(r: WireReader): { offset: number; size: number; data: Uint8Array } {
  r.skip(8);
  const offset = r.u64('offset');
  const size = r.u32();
  r.skip(4 + 16);
  const data = r.bytes(Math.min(size, r.remaining));
  return { offset, size, data };
}

/** fuse_notify_prune_out: count u32, padding u32, spare u64 (16 B), then count node ids (u64). */
export function encodePruneOut(w: WireWriter, nodeids: readonly number[]): void {
  w.u32(nodeids.length);
  w.u32(0);
  w.u64(0);
  for (const id of nodeids) w.u64(id);
}
