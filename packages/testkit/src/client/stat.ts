import { S } from './abi.js';
import type { FuseAttr } from './replies.js';

/** A timestamp as the kernel keeps it. */
export interface Timespec {
  sec: number;
  nsec: number;
}

/** stat(2) as the facade returns it: the attributes of a node, plus its node id. */
export interface Stat {
  nodeid: number;
  ino: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  size: number;
  blocks: number;
  blksize: number;
  atime: Timespec;
  mtime: Timespec;
  ctime: Timespec;
}

/** Builds a Stat from a decoded fuse_attr. */
export function statFromAttr(nodeid: number, a: FuseAttr): Stat {
  return {
    nodeid, ino: a.ino, mode: a.mode, nlink: a.nlink, uid: a.uid, gid: a.gid, rdev: a.rdev, size: a.size,
    blocks: a.blocks, blksize: a.blksize,
    atime: { sec: a.atime, nsec: a.atimensec },
    mtime: { sec: a.mtime, nsec: a.mtimensec },
    ctime: { sec: a.ctime, nsec: a.ctimensec },
  };
}

export const isDir = (mode: number): boolean => (mode & S.IFMT) === S.IFDIR;
export const isFile = (mode: number): boolean => (mode & S.IFMT) === S.IFREG;
export const isSymlink = (mode: number): boolean => (mode & S.IFMT) === S.IFLNK;

/** Orders two timestamps: negative, zero or positive. */
export function compareTime(a: Timespec, b: Timespec): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nsec - b.nsec;
}
