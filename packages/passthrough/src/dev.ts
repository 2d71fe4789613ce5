/**
 * Device numbers (st_rdev) between the host's dev_t layout and the FUSE wire.
 * The wire carries a 32-bit rdev in the kernel's new_encode_dev form; glibc's
 * 64-bit dev_t (what Node's st_rdev holds on Linux) spreads major and minor
 * over both halves, so masking it to 32 bits is right only for majors below
 * 4096 and minors below 2^20. These conversions are exact for all 32-bit
 * majors and minors.
 */

/** A device number split into its parts. */
export interface DevNumbers {
  major: number;
  minor: number;
}

/** Splits a host st_rdev (darwinDecodeDev and glibcDecodeDev have this shape). */
export type DevDecoder = (dev: number) => DevNumbers;

const TWO_32 = 0x1_0000_0000;

/**
 * The wire rdev for a major and minor: new_encode_dev() exactly,
 * `(minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)` in 32-bit
 * arithmetic (parts beyond 12/20 bits lose their high bits as in the kernel).
 */
export function linuxEncodeDev(major: number, minor: number): number {
  return ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;
}

/** The inverse of linuxEncodeDev (new_decode_dev): 12-bit major, 20-bit minor. */
export function linuxDecodeDev(dev: number): DevNumbers {
  return { major: (dev & 0xfff00) >>> 8, minor: ((dev & 0xff) | ((dev >>> 12) & 0xfff00)) >>> 0 };
}

/** Major and minor of glibc's dev_t halves (gnu_dev_major / gnu_dev_minor in sys/sysmacros.h). */
function glibcSplit(lo: number, hi: number): DevNumbers {
  // major: dev bits 8-19 and 44-63; minor: bits 0-7 and 20-43.
  return { major: (((lo >>> 8) & 0xfff) | (hi & 0xfffff000)) >>> 0, minor: ((lo & 0xff) | ((lo >>> 12) & 0xfff00) | ((hi & 0xfff) << 20)) >>> 0 };
}

/** glibc's dev_t split, for a double-valued st_rdev (exact up to 2^53, i.e. majors below 2^21). */
export function glibcDecodeDev(dev: number): DevNumbers {
  return glibcSplit(dev % TWO_32, Math.floor(dev / TWO_32));
}

/** glibc's dev_t split, exact for every 64-bit st_rdev (fs.*Sync(..., { bigint: true })). */
export function glibcDecodeDevBig(dev: bigint): DevNumbers {
  return glibcSplit(Number(dev & 0xffffffffn), Number((dev >> 32n) & 0xffffffffn));
}

/** makedev() of glibc, as a double (exact while the major is below 2^21). */
export function glibcEncodeDev(major: number, minor: number): number {
  const lo = (((major & 0xfff) << 8) | (minor & 0xff) | ((minor & 0xfff00) << 12)) >>> 0;
  const hi = ((major & 0xfffff000) | ((minor >>> 20) & 0xfff)) >>> 0;
  return hi * TWO_32 + lo;
}

/**
 * A host st_rdev → the wire rdev. Without `decode`, the host's dev_t is
 * glibc's (Linux), split exactly from the bigint; with it (e.g. darwin's
 * 8/24-bit layout), `decode` splits Number(rdev).
 */
export function wireRdev(rdev: bigint, decode?: DevDecoder): number {
  if (rdev === 0n) return 0;
  const d = decode === undefined ? glibcDecodeDevBig(rdev) : decode(Number(rdev));
  return linuxEncodeDev(d.major, d.minor);
}
