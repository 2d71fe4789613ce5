import { ProtocolError } from '../wire/protocol-error.js';

/** Byte offsets of fuse_in_header fields. */
export const IN = {
  len: 0,
  opcode: 4,
  unique: 8,
  nodeid: 16,
  uid: 24,
  gid: 28,
  pid: 32,
  total_extlen: 36,
  padding: 38,
  SIZE: 40,
} as const;

/** Byte offsets of fuse_out_header fields. */
export const OUT = { len: 0, error: 4, unique: 8, SIZE: 16 } as const;

/** fuse_in_header, decoded exactly (u64s as bigint). */
export interface InHeader {
  len: number;
  opcode: number;
  unique: bigint;
  nodeid: bigint;
  uid: number;
  gid: number;
  pid: number;
  /** Length of the extension trailer in units of 8 bytes. */
  totalExtlen: number;
  padding: number;
}

/** Decode the 40-byte in-header at the start of `frame` (cold path: tests, traces, tools). */
export function decodeInHeader(frame: Uint8Array): InHeader {
  if (frame.length < IN.SIZE) throw new ProtocolError('short', `frame of ${frame.length} bytes is shorter than fuse_in_header`);
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return {
    len: v.getUint32(IN.len, true),
    opcode: v.getUint32(IN.opcode, true),
    unique: v.getBigUint64(IN.unique, true),
    nodeid: v.getBigUint64(IN.nodeid, true),
    uid: v.getUint32(IN.uid, true),
    gid: v.getUint32(IN.gid, true),
    pid: v.getUint32(IN.pid, true),
    totalExtlen: v.getUint16(IN.total_extlen, true),
    padding: v.getUint16(IN.padding, true),
  };
}

/** fuse_out_header, decoded. `error` is 0, a negative errno, or a positive notify code. */
export interface OutHeader {
  len: number;
  error: number;
  unique: bigint;
}

/** Decode the 16-byte out-header at the start of a reply or notification. */
export function decodeOutHeader(frame: Uint8Array): OutHeader {
  if (frame.length < OUT.SIZE) throw new ProtocolError('short', `frame of ${frame.length} bytes is shorter than fuse_out_header`);
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  return { len: v.getUint32(0, true), error: v.getInt32(4, true), unique: v.getBigUint64(8, true) };
}
