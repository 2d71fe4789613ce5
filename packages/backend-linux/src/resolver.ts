import { fstatSync, lstatSync, openSync, closeSync, type BigIntStats } from 'node:fs';
import { errno } from '@tsfuse/protocol';
import {
  FdWorkingSet, InodeTable, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, fuseError, procChildPath, sameFile,
} from '@tsfuse/passthrough';
import type { LinuxInode } from './linux-inode.js';

const BIGINT = { bigint: true } as const;
/** The working set never shrinks below this on EMFILE. */
const MIN_CAPACITY = 16;
const BIGINT_NOTHROW = { bigint: true, throwIfNoEntry: false } as const;

function code(e: unknown): unknown {
  return e !== null && typeof e === 'object' ? (e as { code?: unknown }).code : undefined;
}

/**
 * Finds host inodes again without ever following a symlink: every inode is
 * reached through an O_PATH descriptor of itself (while in the bounded working
 * set) or from its nearest open ancestor, one component at a time with
 * O_NOFOLLOW, its (dev, ino, birth) checked at each step (ESTALE when the
 * host changed something underneath).
 */
export class Resolver {
  /** Descriptors taken during the current request (never evicted by EMFILE recovery). */
  private usedThisOp = 0;

  constructor(
    private readonly table: InodeTable<LinuxInode>,
    readonly workingSet: FdWorkingSet<LinuxInode>,
  ) {}

  /** Start of a request: trim the working set to capacity (nothing of this request is held yet). */
  begin(): void {
    this.usedThisOp = 0;
    if (this.workingSet.size > this.workingSet.capacity) this.workingSet.trim();
  }

  /** An O_PATH descriptor of `node` itself, re-opened from an ancestor if it was evicted. */
  fdOf(node: LinuxInode): number {
    if (node.fd >= 0) {
      if (!node.fdPinned) this.workingSet.touch(node);
      this.usedThisOp++;
      return node.fd;
    }
    const chain: LinuxInode[] = [];
    let n: LinuxInode = node;
    while (n.fd < 0) {
      const parent = n.parent as LinuxInode | undefined;
      if (parent === undefined || n.name === undefined) throw fuseError(errno.ESTALE);
      chain.push(n);
      n = parent;
    }
    let dirFd = this.fdOf(n);
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i]!;
      const fd = this.openReached(dirFd, c);
      this.workingSet.add(c, fd);
      this.usedThisOp++;
      dirFd = fd;
    }
    return node.fd;
  }

  /** The descriptor of a directory used as a parent; ENOTDIR for anything else. */
  dirFdOf(node: LinuxInode): number {
    if (!node.isDir) throw fuseError(errno.ENOTDIR);
    return this.fdOf(node);
  }

  /**
   * The current stat of `node`: through an open file of it, its own O_PATH
   * descriptor, or lstat of its name in its parent, verified to be the same file.
   */
  statOf(node: LinuxInode): BigIntStats {
    const open = node.openFds;
    let st: BigIntStats | undefined;
    if (open !== undefined && open.length > 0) st = fstatSync(open[0]!, BIGINT);
    else if (node.fd >= 0) {
      if (!node.fdPinned) this.workingSet.touch(node);
      st = fstatSync(node.fd, BIGINT);
    } else {
      const parent = node.parent as LinuxInode | undefined;
      if (parent === undefined || node.name === undefined) throw fuseError(errno.ESTALE);
      const pfd = this.fdOf(parent);
      st = lstatSync(procChildPath(pfd, node.name), BIGINT_NOTHROW);
      if (st === undefined || !sameFile(node, st)) throw fuseError(errno.ESTALE);
    }
    node.mode = Number(st.mode);
    return st;
  }

  /**
   * open(2) with EMFILE/ENFILE recovery: close least recently used working-set
   * descriptors not taken by this request, then try once more.
   */
  open(path: string | Buffer, flags: number, mode?: number): number {
    try {
      return openSync(path, flags, mode);
    } catch (e) {
      const c = code(e);
      if (c !== 'EMFILE' && c !== 'ENFILE') throw e;
      const spare = this.workingSet.size - this.usedThisOp;
      if (spare <= 0) throw e;
      const evicted = this.workingSet.evict(Math.min(spare, Math.max(16, this.workingSet.size >>> 2)));
      // Descriptors are scarcer than the limit suggested (open files, other users of the
      // process): keep the working set below where it hit the wall from now on.
      this.workingSet.capacity = Math.max(MIN_CAPACITY, Math.min(this.workingSet.capacity, this.workingSet.size + evicted - 16));
      return openSync(path, flags, mode);
    }
  }

  /** Open `c` beneath dirFd with O_PATH|O_NOFOLLOW and check it is the file the record names. */
  private openReached(dirFd: number, c: LinuxInode): number {
    let fd: number;
    try {
      fd = this.open(procChildPath(dirFd, c.name as string), O_PATH | O_NOFOLLOW | O_CLOEXEC | (c.isDir ? O_DIRECTORY : 0));
    } catch (e) {
      const x = code(e);
      // Gone, or replaced by a non-directory / symlink: not the inode we knew.
      if (x === 'ENOENT' || x === 'ENOTDIR' || x === 'ELOOP') throw fuseError(errno.ESTALE);
      throw e;
    }
    let st: BigIntStats;
    try {
      st = fstatSync(fd, BIGINT);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    if (!sameFile(c, st)) {
      closeSync(fd);
      throw fuseError(errno.ESTALE);
    }
    c.mode = Number(st.mode);
    return fd;
  }
}
