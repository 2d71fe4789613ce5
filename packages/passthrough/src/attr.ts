import type { BigIntStats, BigIntStatsFs, StatsFs } from 'node:fs';
import type { Attr, StatfsReply } from '@tsfuse/protocol';
import { wireRdev, type DevDecoder } from './dev.js';

const NS_PER_S = 1_000_000_000n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Whole seconds of a nanosecond time, rounded toward minus infinity (so nsec is never negative). */
function secondsOf(ns: bigint): number {
  const s = ns / NS_PER_S;
  return Number(ns < 0n && s * NS_PER_S !== ns ? s - 1n : s);
}

/** The nanosecond part, 0..999999999. */
function nanosOf(ns: bigint): number {
  const r = Number(ns % NS_PER_S);
  return r < 0 ? r + 1_000_000_000 : r;
}

/** An inode number as the wire's `number | bigint`: a number whenever it is exact. */
export function inoOf(ino: bigint): number | bigint {
  return ino <= MAX_SAFE ? Number(ino) : ino;
}

/**
 * fs.BigIntStats → fuse_attr. Times keep their nanoseconds (negative times
 * included), the inode number stays exact, rdev is converted exactly to the
 * kernel's new_encode_dev form: from glibc's dev_t layout (Linux hosts), or
 * through `decodeDev` for another host's layout (darwin's 8/24 bits).
 */
export function statToAttr(st: BigIntStats, decodeDev?: DevDecoder): Attr {
  const atimeNs = st.atimeNs;
  const mtimeNs = st.mtimeNs;
  const ctimeNs = st.ctimeNs;
  return {
    ino: inoOf(st.ino),
    size: Number(st.size),
    blocks: Number(st.blocks),
    atime: secondsOf(atimeNs),
    mtime: secondsOf(mtimeNs),
    ctime: secondsOf(ctimeNs),
    atimensec: nanosOf(atimeNs),
    mtimensec: nanosOf(mtimeNs),
    ctimensec: nanosOf(ctimeNs),
    mode: Number(st.mode),
    nlink: Number(st.nlink),
    uid: Number(st.uid),
    gid: Number(st.gid),
    rdev: wireRdev(st.rdev, decodeDev),
    blksize: Number(st.blksize),
  };
}

/** As statToAttr, then `present` may adjust the result (e.g. show the daemon's own files as root:root). */
export function statToAttrWith(st: BigIntStats, present: (attr: Attr) => void): Attr {
  const attr = statToAttr(st);
  present(attr);
  return attr;
}

/**
 * Host statfs → fuse_kstatfs. Node does not expose f_namelen or f_frsize:
 * namelen is reported as 255 (NAME_MAX, what every Linux filesystem we pass
 * through allows) and frsize as bsize (equal on Linux local filesystems).
 */
export function statfsToReply(s: StatsFs | BigIntStatsFs): StatfsReply {
  const bsize = Number(s.bsize);
  return {
    blocks: Number(s.blocks),
    bfree: Number(s.bfree),
    bavail: Number(s.bavail),
    files: Number(s.files),
    ffree: Number(s.ffree),
    bsize,
    namelen: 255,
    frsize: bsize,
  };
}
