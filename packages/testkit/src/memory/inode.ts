import type { Attr } from '@tsfuse/protocol';
import type { Timespec } from './clock.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './constants.js';
import { DirectoryEntries } from './directory.js';
import { PAGE_SIZE, type SparseData } from './file-data.js';

/** tmpfs's bogus directory entry size: a directory's st_size is 20 * (entries + 2). */
const BOGO_DIRENT_SIZE = 20;

/**
 * What every object in the filesystem has: the stat fields, the kernel's
 * lookup count, the number of open handles, and extended attributes. The
 * node id is the inode number and is never reused, so generation is always 0.
 */
export abstract class Inode {
  /** Lookups the kernel holds (entries replied minus forgets). */
  lookups = 0;
  /** Open file or directory handles. */
  opens = 0;
  nlink = 1;
  size = 0;
  rdev = 0;
  xattrs: Map<string, Uint8Array> | undefined = undefined;
  atimeSec: number;
  atimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  ctimeSec: number;
  ctimeNsec: number;
  readonly btimeSec: number;
  readonly btimeNsec: number;

  constructor(
    readonly ino: number,
    public mode: number,
    public uid: number,
    public gid: number,
    now: Timespec,
  ) {
    this.atimeSec = this.mtimeSec = this.ctimeSec = this.btimeSec = now.sec;
    this.atimeNsec = this.mtimeNsec = this.ctimeNsec = this.btimeNsec = now.nsec;
  }

  /** Data changed: mtime and ctime. */
  modified(now: Timespec): void {
    this.mtimeSec = this.ctimeSec = now.sec;
    this.mtimeNsec = this.ctimeNsec = now.nsec;
  }

  /** Metadata changed: ctime. */
  changed(now: Timespec): void {
    this.ctimeSec = now.sec;
    this.ctimeNsec = now.nsec;
  }

  /** Read: atime. */
  accessed(now: Timespec): void {
    this.atimeSec = now.sec;
    this.atimeNsec = now.nsec;
  }
}

/** A regular file. Its bytes live in `data`, created on first allocation. */
export class RegularInode extends Inode {
  data: SparseData | undefined = undefined;
  /** An O_TMPFILE file opened without O_EXCL: linkat() may give it a name while nlink is 0. */
  linkable = false;
}

/** A directory: its names, and its parent (the root is its own parent). */
export class DirectoryInode extends Inode {
  readonly entries = new DirectoryEntries<Inode>();
  parent: DirectoryInode;

  constructor(ino: number, mode: number, uid: number, gid: number, now: Timespec, parent?: DirectoryInode) {
    super(ino, mode, uid, gid, now);
    this.nlink = 2;
    this.size = 2 * BOGO_DIRENT_SIZE;
    this.parent = parent ?? this;
  }

  /** Keeps st_size in step with the number of names, as tmpfs does. */
  resized(): void {
    this.size = (this.entries.size + 2) * BOGO_DIRENT_SIZE;
  }
}

/** A symbolic link; st_size is the target's length. */
export class SymlinkInode extends Inode {
  constructor(ino: number, uid: number, gid: number, now: Timespec, readonly target: Buffer) {
    super(ino, S_IFLNK | 0o777, uid, gid, now);
    this.size = target.length;
  }
}

/** A FIFO, socket, or device node: metadata only (the kernel serves their I/O itself). */
export class SpecialInode extends Inode {}

/** True for a directory inode. */
export function isDirectory(node: Inode): node is DirectoryInode {
  return (node.mode & S_IFMT) === S_IFDIR;
}

/** True for a regular file inode. */
export function isRegular(node: Inode): node is RegularInode {
  return (node.mode & S_IFMT) === S_IFREG;
}

/** The fuse_attr of an inode. st_blocks counts allocated pages in 512-byte units. */
export function attrOf(node: Inode): Attr {
  const data = node instanceof RegularInode ? node.data : undefined;
  return {
    ino: node.ino,
    size: node.size,
    blocks: data === undefined ? 0 : data.allocated / 512,
    atime: node.atimeSec,
    mtime: node.mtimeSec,
    ctime: node.ctimeSec,
    atimensec: node.atimeNsec,
    mtimensec: node.mtimeNsec,
    ctimensec: node.ctimeNsec,
    mode: node.mode,
    nlink: node.nlink,
    uid: node.uid,
    gid: node.gid,
    rdev: node.rdev,
    blksize: PAGE_SIZE,
  };
}
