import type { Attr, AttrReply, SetattrIn, Statx, StatxReply } from '../backend.js';
import { errno } from '../abi/errno.js';
import { FATTR_ATIME, FATTR_CTIME, FATTR_FH, FATTR_MTIME, FATTR_SIZE, FUSE_GETATTR_FH } from '../abi/constants.js';
import { ProtocolError } from '../wire/protocol-error.js';
import type { WireReader } from '../wire/reader.js';
import { put64, type WireWriter } from '../wire/writer.js';
import { timeoutNanos, timeoutSeconds } from './timeout.js';

/**
 * fuse_attr: 88 bytes, or 80 before 7.9 (no blksize, no flags).
 * ino size blocks atime mtime ctime (u64) atimensec mtimensec ctimensec mode
 * nlink uid gid rdev blksize flags (u32).
 */
export function encodeAttr(w: WireWriter, a: Attr, minor: number): void {
  const compat = minor < 9;
  const n = compat ? 80 : 88;
  w.ensure(n);
  const v = w.view;
  const p = w.pos;
  put64(v, p, a.ino);
  put64(v, p + 8, a.size);
  put64(v, p + 16, a.blocks);
  put64(v, p + 24, a.atime);
  put64(v, p + 32, a.mtime);
  put64(v, p + 40, a.ctime);
  v.setUint32(p + 48, a.atimensec, true);
  v.setUint32(p + 52, a.mtimensec, true);
  v.setUint32(p + 56, a.ctimensec, true);
  v.setUint32(p + 60, a.mode, true);
  v.setUint32(p + 64, a.nlink, true);
  v.setUint32(p + 68, a.uid, true);
  v.setUint32(p + 72, a.gid, true);
  v.setUint32(p + 76, a.rdev, true);
  if (!compat) {
    v.setUint32(p + 80, a.blksize, true);
    v.setUint32(p + 84, a.flags ?? 0, true);
  }
  w.pos = p + n;
}

/** fuse_attr_out: attr_valid u64, attr_valid_nsec u32, dummy u32, fuse_attr (104 B; 96 before 7.9). */
export function encodeAttrOut(w: WireWriter, r: AttrReply, defaultTimeout: number, minor: number): void {
  const t = r.attrTimeout ?? defaultTimeout;
  w.u64(timeoutSeconds(t));
  w.u32(timeoutNanos(t));
  w.u32(0);
  encodeAttr(w, r.attr, minor);
}

/** fuse_getattr_in: getattr_flags u32, dummy u32, fh u64. fh is undefined unless FUSE_GETATTR_FH. */
export function decodeGetattrIn(r: WireReader): { getattrFlags: number; fh: number | undefined } {
  const getattrFlags = r.u32();
  r.skip(4);
  if (getattrFlags & FUSE_GETATTR_FH) return { getattrFlags, fh: r.u64('fh', errno.EBADF) };
  r.skip(8);
  return { getattrFlags, fh: undefined };
}

/**
 * fuse_setattr_in (88 B): valid, padding, fh, size, lock_owner, atime, mtime,
 * ctime, atimensec, mtimensec, ctimensec, mode, unused4, uid, gid, unused5.
 * A size beyond 2^53-1 is EFBIG, as truncate(2) beyond the maximum file size.
 */
export function decodeSetattrIn(r: WireReader): SetattrIn {
  const valid = r.u32();
  r.skip(4);
  const fhBig = r.u64Big();
  const sizeBig = r.u64Big();
  const lockOwner = r.u64Big();
  const atime = timeField(r, (valid & FATTR_ATIME) !== 0, 'atime');
  const mtime = timeField(r, (valid & FATTR_MTIME) !== 0, 'mtime');
  const ctime = timeField(r, (valid & FATTR_CTIME) !== 0, 'ctime');
  const atimensec = r.u32();
  const mtimensec = r.u32();
  const ctimensec = r.u32();
  const mode = r.u32();
  r.skip(4);
  const uid = r.u32();
  const gid = r.u32();
  r.skip(4);
  let fh: number | undefined;
  if (valid & FATTR_FH) {
    if (fhBig > BigInt(Number.MAX_SAFE_INTEGER)) throw rangeError('fh', errno.EBADF);
    fh = Number(fhBig);
  }
  let size = 0;
  if (valid & FATTR_SIZE) {
    if (sizeBig > BigInt(Number.MAX_SAFE_INTEGER)) throw rangeError('size', errno.EFBIG);
    size = Number(sizeBig);
  } else if (sizeBig <= BigInt(Number.MAX_SAFE_INTEGER)) {
    size = Number(sizeBig);
  }
  return { valid, fh, size, lockOwner, atime, atimensec, mtime, mtimensec, ctime, ctimensec, mode, uid, gid };
}

/**
 * A signed 64-bit time of fuse_setattr_in. Only a time whose FATTR_* bit is
 * set must fit 53 bits (else EINVAL); an unused one that does not fit reads
 * as 0, so a field the kernel did not mean never fails the request.
 */
function timeField(r: WireReader, used: boolean, what: string): number {
  if (used) return r.i64(what);
  r.need(8, what);
  const hi = r.view.getInt32(r.pos + 4, true);
  if (hi > 0x1fffff || hi < -0x200000) {
    r.skip(8);
    return 0;
  }
  return r.i64(what);
}

function rangeError(what: string, e: number): ProtocolError {
  return new ProtocolError('range', `${what} does not fit 53 bits`, e);
}

/** fuse_statx_in (24 B): getattr_flags, reserved, fh, sx_flags, sx_mask. */
export interface StatxIn {
  getattrFlags: number;
  fh: number | undefined;
  sxFlags: number;
  sxMask: number;
}

export function decodeStatxIn(r: WireReader): StatxIn {
  const getattrFlags = r.u32();
  r.skip(4);
  let fh: number | undefined;
  if (getattrFlags & FUSE_GETATTR_FH) fh = r.u64('fh', errno.EBADF);
  else r.skip(8);
  const sxFlags = r.u32();
  const sxMask = r.u32();
  return { getattrFlags, fh, sxFlags, sxMask };
}

/** fuse_sx_time: tv_sec s64, tv_nsec u32, __reserved s32. */
function encodeSxTime(w: WireWriter, t: { sec: number; nsec: number }): void {
  w.u64(t.sec);
  w.u32(t.nsec);
  w.u32(0);
}

/** fuse_statx (256 B), field order as struct statx. */
export function encodeStatx(w: WireWriter, s: Statx): void {
  w.u32(s.mask);
  w.u32(s.blksize);
  w.u64(s.attributes);
  w.u32(s.nlink);
  w.u32(s.uid);
  w.u32(s.gid);
  w.u16(s.mode);
  w.u16(0);
  w.u64(s.ino);
  w.u64(s.size);
  w.u64(s.blocks);
  w.u64(s.attributesMask);
  encodeSxTime(w, s.atime);
  encodeSxTime(w, s.btime);
  encodeSxTime(w, s.ctime);
  encodeSxTime(w, s.mtime);
  w.u32(s.rdevMajor);
  w.u32(s.rdevMinor);
  w.u32(s.devMajor);
  w.u32(s.devMinor);
  w.zeros(14 * 8);
}

/** fuse_statx_out (288 B): attr_valid u64, attr_valid_nsec u32, flags u32, spare[2] u64, fuse_statx. */
export function encodeStatxOut(w: WireWriter, r: StatxReply, defaultTimeout: number): void {
  const t = r.attrTimeout ?? defaultTimeout;
  w.u64(timeoutSeconds(t));
  w.u32(timeoutNanos(t));
  w.u32(0);
  w.zeros(16);
  encodeStatx(w, r.statx);
}
