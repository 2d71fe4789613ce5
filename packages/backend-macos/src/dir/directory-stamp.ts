/**
 * What a directory's own stat says about its entries. Any change to the set of
 * names in a directory moves its ctime and mtime (and usually its size, and its
 * link count when a subdirectory comes or goes), so an unchanged stamp means no
 * entry changed since the stamp was taken — provided the stamp is not "racy":
 * taken so soon after the last change that a further change could land in the
 * same timestamp tick (coarse kernel clocks, HFS+'s whole seconds, FAT's two).
 */

/** The fields of a directory's stat that move when its entries change. */
export interface DirectoryStamp {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly nlink: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** The stat shape a stamp is taken from (Node's BigIntStats has it). */
export interface StampSource {
  dev: bigint;
  ino: bigint;
  size: bigint;
  nlink: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** Take a stamp from a bigint stat. */
export function stampOf(st: StampSource): DirectoryStamp {
  return { dev: st.dev, ino: st.ino, size: st.size, nlink: st.nlink, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs };
}

/** True when nothing in the two stamps differs. */
export function sameStamp(a: DirectoryStamp, b: DirectoryStamp): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.ctimeNs === b.ctimeNs && a.mtimeNs === b.mtimeNs
    && a.nlink === b.nlink && a.size === b.size;
}

/**
 * True when a listing that began at `listStartMs` (wall clock, taken before the
 * stamp) cannot be trusted to stay current while the stamp stays the same: the
 * directory last changed within `windowMs` of the listing, so a later change
 * could carry the very same timestamps. Such a snapshot is served, but rebuilt
 * at the next rewind instead of reused (the "racy git" rule).
 */
export function isRacyStamp(stamp: DirectoryStamp, listStartMs: number, windowMs: number): boolean {
  const limitNs = BigInt(Math.floor(listStartMs - windowMs)) * 1_000_000n;
  return stamp.ctimeNs >= limitNs || stamp.mtimeNs >= limitNs;
}
