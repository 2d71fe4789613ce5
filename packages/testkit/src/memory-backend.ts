import { totalmem } from 'node:os';
import {
  FuseError,
  FATTR_ATIME,
  FATTR_ATIME_NOW,
  FATTR_CTIME,
  FATTR_FH,
  FATTR_GID,
  FATTR_KILL_SUIDGID,
  FATTR_MODE,
  FATTR_MTIME,
  FATTR_MTIME_NOW,
  FATTR_SIZE,
  FATTR_UID,
  FUSE_WRITE_KILL_SUIDGID,
  NAME_MAX,
  O_ACCMODE,
  O_APPEND,
  O_EXCL,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  PATH_MAX,
  RENAME_EXCHANGE,
  RENAME_NOREPLACE,
  RENAME_WHITEOUT,
  direntType,
  type AttrReply,
  type Backend,
  type CreateReply,
  type DirentPlusSink,
  type DirentSink,
  type Entry,
  type InitInfo,
  type OpenReply,
  type RequestContext,
  type SetattrIn,
  type StatfsReply,
  type StatxReply,
} from '@tsfuse/protocol';
import { wallClock, type Clock, type Timespec } from './memory/clock.js';
import {
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  MAX_FILE_SIZE,
  MAX_RW_COUNT,
  S_IALLUGO,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_IFSOCK,
  S_ISGID,
  S_ISUID,
  S_ISVTX,
  S_IXGRP,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_HOLE,
  SEEK_SET,
  STATX_BASIC_STATS,
  STATX_BTIME,
} from './memory/constants.js';
import { DOT_OFFSET, DOTDOT_OFFSET } from './memory/directory.js';
import { PAGE_SIZE, ScratchBuffer, SparseData } from './memory/file-data.js';
import { HandleTable, type OpenHandle } from './memory/handles.js';
import {
  attrOf,
  DirectoryInode,
  type Inode,
  isDirectory,
  isRegular,
  RegularInode,
  SpecialInode,
  SymlinkInode,
} from './memory/inode.js';
import { InodeTable, ROOT_ID } from './memory/inode-table.js';
import { findInconsistencies } from './memory/invariants.js';
import { checkName, isDotOrDotDot, nameKey, wireName } from './memory/names.js';
import { inGroup, mayAccess } from './memory/permissions.js';
import { SpaceAccount } from './memory/space.js';
import { getXattr, listXattrs, removeXattr, setXattr } from './memory/xattrs.js';

export type { Clock, Timespec } from './memory/clock.js';

/** When reads update atime, as the mount options of the same names. */
export type AtimeMode = 'relatime' | 'strictatime' | 'noatime';

/** Options of the memory backend; every one has a default. */
export interface MemoryBackendOptions {
  /** Permission bits of the root directory (default 0o755). */
  rootMode?: number;
  /** Owner of the root directory (default 0). */
  rootUid?: number;
  /** Group of the root directory (default 0). */
  rootGid?: number;
  /** Bytes of file data the filesystem may hold; ENOSPC beyond (default: half the machine's memory, as tmpfs). */
  capacity?: number;
  /** Inodes the filesystem may hold, the root included; ENOSPC beyond (default: capacity / 4096, as tmpfs). */
  maxInodes?: number;
  /** atime policy for read, readlink and readdir (default 'relatime'). */
  atime?: AtimeMode;
  /** Source of the current time (default: the wall clock, sub-microsecond). */
  clock?: Clock;
}

const FUSE_WRITEBACK_CACHE = 1n << 16n;
const FUSE_WRITE_CACHE = 1 << 0;
const DT_DIR = direntType(S_IFDIR);
const ONE_DAY = 86_400;
const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);

function checkOptions(o: MemoryBackendOptions): void {
  const natural = (v: unknown, name: string, min = 0) => {
    if (v !== undefined && (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)) {
      throw new TypeError(`MemoryBackend: ${name} must be an integer >= ${min}, got ${String(v)}`);
    }
  };
  natural(o.rootMode, 'rootMode');
  if (o.rootMode !== undefined && o.rootMode > S_IALLUGO) throw new TypeError('MemoryBackend: rootMode must be permission bits (<= 0o7777)');
  natural(o.rootUid, 'rootUid');
  natural(o.rootGid, 'rootGid');
  natural(o.capacity, 'capacity');
  natural(o.maxInodes, 'maxInodes', 1);
  if (o.atime !== undefined && !['relatime', 'strictatime', 'noatime'].includes(o.atime)) {
    throw new TypeError(`MemoryBackend: atime must be relatime, strictatime or noatime, got ${String(o.atime)}`);
  }
  if (o.clock !== undefined && typeof o.clock !== 'function') throw new TypeError('MemoryBackend: clock must be a function');
}

/** Clears S_ISUID, and S_ISGID when group-exec is set (should_remove_suid): what a write or chown kills. */
function killSuidSgid(mode: number): number {
  let m = mode & ~S_ISUID;
  if ((m & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP)) m &= ~S_ISGID;
  return m;
}

/** a <= b for two timespecs. */
function notAfter(aSec: number, aNsec: number, bSec: number, bNsec: number): boolean {
  return aSec < bSec || (aSec === bSec && aNsec <= bNsec);
}

function checkNsec(nsec: number): void {
  if (!Number.isInteger(nsec) || nsec < 0 || nsec > 999_999_999) throw new FuseError('EINVAL');
}

/** A file offset from the wire that must be a safe non-negative integer. */
function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new FuseError('EINVAL');
}

/**
 * The reference in-memory filesystem: complete POSIX/Linux semantics (those
 * of tmpfs wherever Linux leaves a choice), every method synchronous. Other
 * backends are compared against it, and the demo serves it by default.
 *
 * What to know:
 * - Lookup counts are exact (see Backend): every Entry replied counts one,
 *   "." and ".." lookups included (the kernel takes a reference for them too);
 *   READDIRPLUS counts only entries the sink accepted, never "." and "..".
 *   An inode dies when it has no names, no open handles and no lookups.
 * - Readdir offsets are per-directory cookies that survive every mutation:
 *   "." is 1, ".." is 2, real names start at 3 and are never reused. Names
 *   created during a listing appear later in it (as on tmpfs), removed ones
 *   vanish, nothing is listed twice. An overwriting rename keeps the target
 *   name's cookie; RENAME_EXCHANGE keeps both.
 * - Times have nanoseconds. Reads, readlink and readdir update atime under
 *   relatime rules by default (atime <= mtime or ctime, or a day old).
 * - Permission checks are the kernel's (mount with default_permissions);
 *   `access` answers honestly for the caller's uid/gid/groups.
 * - File data is stored sparsely in 64 KiB chunks, charged in 4 KiB pages;
 *   st_blocks, statfs and SEEK_DATA/SEEK_HOLE all describe that allocation.
 *   Only file data counts against `capacity`; names, xattrs and metadata are
 *   not charged (they are limited by maxInodes and the xattr size limits).
 * - A read may return a view of internal memory or of a reused buffer: valid
 *   until the next call on this backend (the session copies it at once).
 */
export class MemoryBackend implements Backend {
  private readonly clock: Clock;
  private readonly atimeMode: AtimeMode;
  private readonly space: SpaceAccount;
  private readonly table: InodeTable;
  private readonly handles = new HandleTable();
  private readonly scratch = new ScratchBuffer();
  /** With the kernel's writeback cache, the kernel owns O_APPEND and reads on write-only handles. */
  private writeback = false;

  constructor(options: MemoryBackendOptions = {}) {
    checkOptions(options);
    this.clock = options.clock ?? wallClock;
    this.atimeMode = options.atime ?? 'relatime';
    const capacity = options.capacity ?? Math.floor(totalmem() / 2 / PAGE_SIZE) * PAGE_SIZE;
    this.space = new SpaceAccount(capacity);
    const root = new DirectoryInode(
      ROOT_ID,
      S_IFDIR | (options.rootMode ?? 0o755),
      options.rootUid ?? 0,
      options.rootGid ?? 0,
      this.clock(),
    );
    this.table = new InodeTable(root, options.maxInodes ?? Math.max(1, Math.floor(capacity / PAGE_SIZE)), this.space);
  }

  // ---- introspection (tests, tools) ----

  /** Live inodes, the root included. */
  get inodeCount(): number {
    return this.table.count;
  }

  /** Open file and directory handles. */
  get openHandleCount(): number {
    return this.handles.size;
  }

  /** Bytes of file data allocated. */
  get bytesUsed(): number {
    return this.space.used;
  }

  /** The kernel's lookup count on a node id, or undefined once the inode is freed. */
  lookupCount(nodeid: number): number | undefined {
    return this.table.find(nodeid)?.lookups;
  }

  /**
   * Re-derives every link count, directory size, parent pointer and byte of
   * space charged, and returns what disagrees (empty when all is consistent).
   * O(size of the filesystem): for tests and fuzzers.
   */
  checkInvariants(): string[] {
    return findInconsistencies(this.table, this.space, this.handles.size);
  }

  // ---- session lifecycle ----

  init(info: InitInfo): void {
    this.writeback = (info.flags & FUSE_WRITEBACK_CACHE) !== 0n;
  }

  /** The kernel is gone: every lookup and handle it held is dropped; the tree itself stays. */
  destroy(): void {
    this.handles.clear();
    this.table.forgetAll();
  }

  // ---- names ----

  lookup(_ctx: RequestContext, parent: number, name: Buffer): Entry {
    const dir = this.directory(parent);
    const key = nameKey(name);
    let node: Inode | undefined;
    if (key === '.') node = dir;
    else if (key === '..') node = dir.parent;
    else {
      checkName(key);
      node = dir.entries.get(key);
    }
    if (dir.nlink === 0 || node === undefined) throw new FuseError('ENOENT');
    return this.entryOf(node);
  }

  forget(nodeid: number, nlookup: number): void {
    const node = this.table.find(nodeid);
    if (node === undefined) return;
    node.lookups = Math.max(0, node.lookups - nlookup);
    this.table.release(node);
  }

  getattr(_ctx: RequestContext, nodeid: number, _fh?: number): AttrReply {
    return { attr: attrOf(this.table.get(nodeid)) };
  }

  setattr(ctx: RequestContext, nodeid: number, a: SetattrIn): AttrReply {
    const node = this.table.get(nodeid);
    const valid = a.valid;
    // Validate everything before changing anything: no half-applied setattr.
    if ((valid & FATTR_FH) !== 0 && a.fh !== undefined) this.handles.get(a.fh, nodeid, isDirectory(node));
    if ((valid & FATTR_SIZE) !== 0) {
      if (isDirectory(node)) throw new FuseError('EISDIR');
      if (!isRegular(node)) throw new FuseError('EINVAL');
      if (!Number.isSafeInteger(a.size) || a.size < 0) throw new FuseError(a.size > MAX_FILE_SIZE ? 'EFBIG' : 'EINVAL');
    }
    if ((valid & (FATTR_ATIME | FATTR_ATIME_NOW)) === FATTR_ATIME) checkNsec(a.atimensec);
    if ((valid & (FATTR_MTIME | FATTR_MTIME_NOW)) === FATTR_MTIME) checkNsec(a.mtimensec);
    if ((valid & FATTR_CTIME) !== 0) checkNsec(a.ctimensec);

    const now = this.clock();
    let mode = node.mode;
    if ((valid & FATTR_SIZE) !== 0 && isRegular(node)) {
      this.resize(node, a.size);
      // truncate(2) and ftruncate(2) both update mtime and ctime, even when the size does not change.
      node.modified(now);
      // A truncate by an unprivileged caller kills set-id bits, unless the kernel sent the new mode itself.
      if ((valid & FATTR_MODE) === 0 && ((valid & FATTR_KILL_SUIDGID) !== 0 || ctx.uid !== 0)) mode = killSuidSgid(mode);
    }
    if ((valid & (FATTR_UID | FATTR_GID)) !== 0) {
      if ((valid & FATTR_UID) !== 0) node.uid = a.uid;
      if ((valid & FATTR_GID) !== 0) node.gid = a.gid;
      // chown kills set-id bits of non-directories, whoever does it (root too, since Linux 2.2.13).
      if ((valid & FATTR_MODE) === 0 && !isDirectory(node)) mode = killSuidSgid(mode);
    }
    if ((valid & FATTR_MODE) !== 0) {
      mode = (node.mode & S_IFMT) | (a.mode & S_IALLUGO);
      // setattr_prepare: S_ISGID stays only for a member of the (new) group, or root.
      if (ctx.uid !== 0 && !inGroup(ctx, node.gid)) mode &= ~S_ISGID;
    }
    node.mode = mode;
    if ((valid & FATTR_ATIME_NOW) !== 0) node.accessed(now);
    else if ((valid & FATTR_ATIME) !== 0) {
      node.atimeSec = a.atime;
      node.atimeNsec = a.atimensec;
    }
    if ((valid & FATTR_MTIME_NOW) !== 0) {
      node.mtimeSec = now.sec;
      node.mtimeNsec = now.nsec;
    } else if ((valid & FATTR_MTIME) !== 0) {
      node.mtimeSec = a.mtime;
      node.mtimeNsec = a.mtimensec;
    }
    if ((valid & FATTR_CTIME) !== 0) {
      node.ctimeSec = a.ctime;
      node.ctimeNsec = a.ctimensec;
    } else if ((valid & (FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE | FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) !== 0) {
      node.changed(now);
    }
    return { attr: attrOf(node) };
  }

  readlink(_ctx: RequestContext, nodeid: number): Buffer {
    const node = this.table.get(nodeid);
    if (!(node instanceof SymlinkInode)) throw new FuseError('EINVAL');
    this.touchAtime(node);
    return node.target;
  }

  symlink(ctx: RequestContext, parent: number, name: Buffer, target: Buffer): Entry {
    const { dir, key } = this.newName(parent, name);
    if (target.length === 0) throw new FuseError('ENOENT');
    if (target.length >= PATH_MAX) throw new FuseError('ENAMETOOLONG');
    const now = this.clock();
    const node = new SymlinkInode(this.table.allocate(), ctx.uid, this.groupFor(ctx, dir), now, Buffer.from(target));
    return this.addChild(dir, key, node, now);
  }

  mknod(ctx: RequestContext, parent: number, name: Buffer, mode: number, rdev: number, umask: number): Entry {
    const { dir, key } = this.newName(parent, name);
    let type = mode & S_IFMT;
    if (type === 0) type = S_IFREG;
    if (type === S_IFDIR) throw new FuseError('EPERM');
    if (type !== S_IFREG && type !== S_IFCHR && type !== S_IFBLK && type !== S_IFIFO && type !== S_IFSOCK) {
      throw new FuseError('EINVAL');
    }
    const now = this.clock();
    const perm = this.newFileMode(ctx, dir, mode & S_IALLUGO & ~umask);
    const ino = this.table.allocate();
    let node: Inode;
    if (type === S_IFREG) node = new RegularInode(ino, type | perm, ctx.uid, this.groupFor(ctx, dir), now);
    else {
      node = new SpecialInode(ino, type | perm, ctx.uid, this.groupFor(ctx, dir), now);
      if (type === S_IFCHR || type === S_IFBLK) node.rdev = rdev;
    }
    return this.addChild(dir, key, node, now);
  }

  mkdir(ctx: RequestContext, parent: number, name: Buffer, mode: number, umask: number): Entry {
    const { dir, key } = this.newName(parent, name);
    const now = this.clock();
    // mkdir keeps only permission and sticky bits; S_ISGID comes from a set-gid parent.
    let perm = mode & (0o777 | S_ISVTX) & ~umask;
    if ((dir.mode & S_ISGID) !== 0) perm |= S_ISGID;
    const node = new DirectoryInode(this.table.allocate(), S_IFDIR | perm, ctx.uid, this.groupFor(ctx, dir), now, dir);
    dir.nlink++;
    return this.addChild(dir, key, node, now);
  }

  unlink(_ctx: RequestContext, parent: number, name: Buffer): void {
    const dir = this.liveDirectory(parent);
    const key = nameKey(name);
    if (isDotOrDotDot(key)) throw new FuseError('EISDIR');
    checkName(key);
    const node = dir.entries.get(key);
    if (node === undefined) throw new FuseError('ENOENT');
    if (isDirectory(node)) throw new FuseError('EISDIR');
    const now = this.clock();
    dir.entries.remove(key);
    dir.resized();
    dir.modified(now);
    node.nlink--;
    node.changed(now);
    this.table.release(node);
  }

  rmdir(_ctx: RequestContext, parent: number, name: Buffer): void {
    const dir = this.liveDirectory(parent);
    const key = nameKey(name);
    if (key === '.') throw new FuseError('EINVAL');
    if (key === '..') throw new FuseError('ENOTEMPTY');
    checkName(key);
    const node = dir.entries.get(key);
    if (node === undefined) throw new FuseError('ENOENT');
    if (!isDirectory(node)) throw new FuseError('ENOTDIR');
    if (node === this.table.root) throw new FuseError('EBUSY');
    if (node.entries.size > 0) throw new FuseError('ENOTEMPTY');
    const now = this.clock();
    dir.entries.remove(key);
    dir.resized();
    dir.nlink--;
    dir.modified(now);
    node.nlink = 0;
    node.changed(now);
    this.table.release(node);
  }

  rename(ctx: RequestContext, parent: number, name: Buffer, newParent: number, newName: Buffer, flags: number): void {
    if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) !== 0) throw new FuseError('EINVAL');
    if ((flags & RENAME_EXCHANGE) !== 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) !== 0) throw new FuseError('EINVAL');
    const oldDir = this.directory(parent);
    const newDir = this.directory(newParent);
    const oldKey = nameKey(name);
    const newKey = nameKey(newName);
    // do_renameat2: "." or ".." on either side is EBUSY (EEXIST for a NOREPLACE target).
    if (isDotOrDotDot(oldKey)) throw new FuseError('EBUSY');
    if (isDotOrDotDot(newKey)) throw new FuseError((flags & RENAME_NOREPLACE) !== 0 ? 'EEXIST' : 'EBUSY');
    checkName(oldKey);
    checkName(newKey);
    if (oldDir.nlink === 0 || newDir.nlink === 0) throw new FuseError('ENOENT');
    const source = oldDir.entries.entry(oldKey);
    if (source === undefined) throw new FuseError('ENOENT');
    const target = newDir.entries.entry(newKey);
    if ((flags & RENAME_NOREPLACE) !== 0 && target !== undefined) throw new FuseError('EEXIST');
    if ((flags & RENAME_EXCHANGE) !== 0 && target === undefined) throw new FuseError('ENOENT');
    const moved = source.target!;
    const replaced = target?.target;
    const exchange = (flags & RENAME_EXCHANGE) !== 0;
    // lock_rename's checks come first: the source may not be an ancestor of the
    // target's directory (EINVAL), nor the target an ancestor of the source's (ENOTEMPTY; EINVAL when exchanging).
    if (isDirectory(moved) && this.isAncestorOrSelf(moved, newDir)) throw new FuseError('EINVAL');
    if (replaced !== undefined && isDirectory(replaced) && this.isAncestorOrSelf(replaced, oldDir)) {
      throw new FuseError(exchange ? 'EINVAL' : 'ENOTEMPTY');
    }
    if (moved === replaced) return; // two names of one inode: POSIX says do nothing
    if (!exchange && replaced !== undefined) {
      if (isDirectory(moved)) {
        if (!isDirectory(replaced)) throw new FuseError('ENOTDIR');
        if (replaced.entries.size > 0) throw new FuseError('ENOTEMPTY');
      } else if (isDirectory(replaced)) throw new FuseError('EISDIR');
    }
    const whiteout = (flags & RENAME_WHITEOUT) !== 0 ? this.table.allocate() : 0;
    const now = this.clock();

    if (exchange) {
      source.target = replaced;
      target!.target = moved;
      if (oldDir !== newDir) {
        this.reparent(moved, oldDir, newDir);
        this.reparent(replaced!, newDir, oldDir);
      }
      replaced!.changed(now);
    } else {
      if (target !== undefined) {
        target.target = moved; // the name keeps its cookie: readers neither lose nor repeat it
        const victim = replaced!;
        if (isDirectory(victim)) {
          victim.nlink = 0;
          newDir.nlink--;
        } else victim.nlink--;
        victim.changed(now);
      } else {
        newDir.entries.insert(newKey, moved);
      }
      if (whiteout !== 0) {
        // A whiteout is a 0/0 character device left where the source was (overlayfs uses them).
        const node = new SpecialInode(whiteout, S_IFCHR, ctx.uid, this.groupFor(ctx, oldDir), now);
        this.table.add(node);
        source.target = node;
      } else {
        oldDir.entries.remove(oldKey);
      }
      if (oldDir !== newDir) this.reparent(moved, oldDir, newDir);
      if (replaced !== undefined) this.table.release(replaced);
    }
    moved.changed(now);
    oldDir.resized();
    newDir.resized();
    oldDir.modified(now);
    newDir.modified(now);
  }

  link(_ctx: RequestContext, nodeid: number, newParent: number, newName: Buffer): Entry {
    const node = this.table.get(nodeid);
    const { dir, key } = this.newName(newParent, newName);
    if (isDirectory(node)) throw new FuseError('EPERM');
    // vfs_link: an inode without names can only get one back if it is a linkable O_TMPFILE.
    if (node.nlink === 0 && !(node instanceof RegularInode && node.linkable)) throw new FuseError('ENOENT');
    if (node instanceof RegularInode) node.linkable = false;
    const now = this.clock();
    dir.entries.insert(key, node);
    dir.resized();
    dir.modified(now);
    node.nlink++;
    node.changed(now);
    return this.entryOf(node);
  }

  // ---- files ----

  open(ctx: RequestContext, nodeid: number, flags: number): OpenReply {
    const node = this.table.get(nodeid);
    return { fh: this.openFile(ctx, node, flags) };
  }

  create(ctx: RequestContext, parent: number, name: Buffer, mode: number, umask: number, flags: number): CreateReply {
    const dir = this.liveDirectory(parent);
    const key = nameKey(name);
    if (isDotOrDotDot(key)) throw new FuseError('EISDIR');
    checkName(key);
    const existing = dir.entries.get(key);
    if (existing !== undefined) {
      // The kernel looks up first, so this is a race it lost: behave like open(O_CREAT).
      if ((flags & O_EXCL) !== 0) throw new FuseError('EEXIST');
      const fh = this.openFile(ctx, existing, flags);
      return { fh, entry: this.entryOf(existing) };
    }
    const type = mode & S_IFMT;
    if (type !== 0 && type !== S_IFREG) throw new FuseError('EINVAL');
    const now = this.clock();
    const perm = this.newFileMode(ctx, dir, mode & S_IALLUGO & ~umask);
    const node = new RegularInode(this.table.allocate(), S_IFREG | perm, ctx.uid, this.groupFor(ctx, dir), now);
    const entry = this.addChild(dir, key, node, now);
    return { fh: this.handles.open(node, flags & ~O_TRUNC, false), entry };
  }

  tmpfile(ctx: RequestContext, parent: number, mode: number, umask: number, flags: number): CreateReply {
    const dir = this.liveDirectory(parent);
    const type = mode & S_IFMT;
    if (type !== 0 && type !== S_IFREG) throw new FuseError('EINVAL');
    const now = this.clock();
    const perm = this.newFileMode(ctx, dir, mode & S_IALLUGO & ~umask);
    const node = new RegularInode(this.table.allocate(), S_IFREG | perm, ctx.uid, this.groupFor(ctx, dir), now);
    node.nlink = 0;
    node.linkable = (flags & O_EXCL) === 0;
    this.table.add(node);
    const fh = this.handles.open(node, flags, false);
    return { fh, entry: this.entryOf(node) };
  }

  read(_ctx: RequestContext, nodeid: number, fh: number, offset: number, size: number, _flags?: number): Uint8Array {
    const handle = this.handles.get(fh, nodeid, false);
    if ((handle.flags & O_ACCMODE) === O_WRONLY && !this.writeback) throw new FuseError('EBADF');
    checkOffset(offset);
    const node = handle.node as RegularInode;
    const length = Math.min(size, MAX_RW_COUNT, Math.max(0, node.size - offset));
    this.touchAtime(node);
    if (length <= 0) return new Uint8Array(0);
    if (node.data === undefined) return this.scratch.take(length).fill(0);
    return node.data.read(offset, length, this.scratch);
  }

  write(ctx: RequestContext, nodeid: number, fh: number, offset: number, data: Uint8Array, writeFlags: number, flags: number): number {
    const handle = this.writable(fh, nodeid);
    checkOffset(offset);
    const node = handle.node as RegularInode;
    // O_APPEND (at open or through fcntl) writes at the end, unless the kernel's writeback cache owns the file size.
    const append = ((handle.flags | flags) & O_APPEND) !== 0 && !this.writeback && (writeFlags & FUSE_WRITE_CACHE) === 0;
    const pos = append ? node.size : offset;
    if (data.length === 0) return 0;
    if (pos >= MAX_FILE_SIZE) throw new FuseError('EFBIG');
    const length = Math.min(data.length, MAX_FILE_SIZE - pos, MAX_RW_COUNT);
    (node.data ??= new SparseData()).write(pos, data.subarray(0, length), this.space);
    if (pos + length > node.size) node.size = pos + length;
    node.modified(this.clock());
    if ((writeFlags & FUSE_WRITE_KILL_SUIDGID) !== 0 || ctx.uid !== 0) node.mode = killSuidSgid(node.mode);
    return length;
  }

  flush(_ctx: RequestContext, nodeid: number, fh: number, _lockOwner?: bigint): void {
    this.handles.get(fh, nodeid, false);
  }

  fsync(_ctx: RequestContext, nodeid: number, fh: number, _datasync?: boolean): void {
    this.handles.get(fh, nodeid, false);
  }

  release(_ctx: RequestContext, nodeid: number, fh: number, _flags?: number, _releaseFlags?: number, _lockOwner?: bigint): void {
    this.table.release(this.handles.close(fh, nodeid, false).node);
  }

  lseek(_ctx: RequestContext, nodeid: number, fh: number, offset: number, whence: number): number {
    const node = this.handles.get(fh, nodeid, false).node as RegularInode;
    if (!Number.isSafeInteger(offset)) throw new FuseError('EINVAL');
    switch (whence) {
      case SEEK_SET:
        if (offset < 0) throw new FuseError('EINVAL');
        return offset;
      case SEEK_END: {
        const pos = node.size + offset;
        if (pos < 0) throw new FuseError('EINVAL');
        if (pos > MAX_FILE_SIZE) throw new FuseError('EOVERFLOW');
        return pos;
      }
      case SEEK_DATA: {
        if (offset < 0 || offset >= node.size) throw new FuseError('ENXIO');
        const pos = node.data === undefined ? -1 : node.data.nextData(offset);
        if (pos === -1 || pos >= node.size) throw new FuseError('ENXIO');
        return pos;
      }
      case SEEK_HOLE:
        if (offset < 0 || offset >= node.size) throw new FuseError('ENXIO');
        return node.data === undefined ? offset : node.data.nextHole(offset, node.size);
      case SEEK_CUR: // the kernel owns the file position and never sends this
      default:
        throw new FuseError('EINVAL');
    }
  }

  fallocate(ctx: RequestContext, nodeid: number, fh: number, offset: number, length: number, mode: number): void {
    const node = this.writable(fh, nodeid).node as RegularInode;
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length <= 0) throw new FuseError('EINVAL');
    // tmpfs's set: plain allocation, KEEP_SIZE, and PUNCH_HOLE (which must come with KEEP_SIZE).
    if (mode !== 0 && mode !== FALLOC_FL_KEEP_SIZE && mode !== (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
      throw new FuseError('EOPNOTSUPP');
    }
    if (offset + length > MAX_FILE_SIZE) throw new FuseError('EFBIG');
    const end = offset + length;
    const data = (node.data ??= new SparseData());
    if ((mode & FALLOC_FL_PUNCH_HOLE) !== 0) data.zero(offset, end, this.space);
    else {
      data.allocate(offset, end, this.space);
      if (mode === 0 && end > node.size) node.size = end;
    }
    node.modified(this.clock());
    if (ctx.uid !== 0) node.mode = killSuidSgid(node.mode);
  }

  copyFileRange(ctx: RequestContext, nodeIn: number, fhIn: number, offIn: number, nodeOut: number, fhOut: number, offOut: number, len: number, flags: number): number {
    if (flags !== 0) throw new FuseError('EINVAL');
    const input = this.handles.get(fhIn, nodeIn, false);
    if ((input.flags & O_ACCMODE) === O_WRONLY) throw new FuseError('EBADF');
    const output = this.writable(fhOut, nodeOut);
    if ((output.flags & O_APPEND) !== 0) throw new FuseError('EBADF');
    checkOffset(offIn);
    checkOffset(offOut);
    if (!Number.isSafeInteger(len) || len < 0) throw new FuseError('EINVAL');
    const src = input.node as RegularInode;
    const dst = output.node as RegularInode;
    const count = Math.min(len, MAX_RW_COUNT, Math.max(0, src.size - offIn));
    if (src === dst && offIn < offOut + count && offOut < offIn + count) throw new FuseError('EINVAL');
    if (count === 0) return 0;
    if (offOut + count > MAX_FILE_SIZE) throw new FuseError('EFBIG');
    const source = src.data ?? new SparseData();
    const copied = (dst.data ??= new SparseData()).copyFrom(source, offIn, offOut, count, this.space);
    if (offOut + copied > dst.size) dst.size = offOut + copied;
    const now = this.clock();
    dst.modified(now);
    if (ctx.uid !== 0) dst.mode = killSuidSgid(dst.mode);
    this.touchAtime(src);
    return copied;
  }

  // ---- directories ----

  opendir(_ctx: RequestContext, nodeid: number, flags: number): OpenReply {
    const dir = this.directory(nodeid);
    return { fh: this.handles.open(dir, flags, true) };
  }

  readdir(_ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentSink): void {
    const dir = this.listable(fh, nodeid);
    this.touchAtime(dir);
    if (offset < DOT_OFFSET && !out.add('.', dir.ino, DT_DIR, BigInt(DOT_OFFSET))) return;
    if (offset < DOTDOT_OFFSET && !out.add('..', dir.parent.ino, DT_DIR, BigInt(DOTDOT_OFFSET))) return;
    const entries = dir.entries;
    for (let i = entries.seek(offset > MAX_SAFE_BIG ? Infinity : Number(offset)); ; i++) {
      const entry = entries.at(i);
      if (entry === undefined) return;
      const node = entry.target;
      if (node === undefined) continue;
      if (!out.add(wireName(entry.key), node.ino, direntType(node.mode), BigInt(entry.cookie))) return;
    }
  }

  readdirplus(_ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentPlusSink): void {
    const dir = this.listable(fh, nodeid);
    this.touchAtime(dir);
    // "." and ".." go without an Entry (nodeid 0): the kernel takes no lookup for them.
    if (offset < DOT_OFFSET && !out.add('.', undefined, DT_DIR, BigInt(DOT_OFFSET), dir.ino)) return;
    if (offset < DOTDOT_OFFSET && !out.add('..', undefined, DT_DIR, BigInt(DOTDOT_OFFSET), dir.parent.ino)) return;
    const entries = dir.entries;
    for (let i = entries.seek(offset > MAX_SAFE_BIG ? Infinity : Number(offset)); ; i++) {
      const entry = entries.at(i);
      if (entry === undefined) return;
      const node = entry.target;
      if (node === undefined) continue;
      const reply: Entry = { nodeid: node.ino, generation: 0, attr: attrOf(node) };
      if (!out.add(wireName(entry.key), reply, direntType(node.mode), BigInt(entry.cookie))) return;
      node.lookups++; // only now has the kernel been promised this entry
    }
  }

  releasedir(_ctx: RequestContext, nodeid: number, fh: number, _flags?: number): void {
    this.table.release(this.handles.close(fh, nodeid, true).node);
  }

  fsyncdir(_ctx: RequestContext, nodeid: number, fh: number, _datasync?: boolean): void {
    this.handles.get(fh, nodeid, true);
  }

  // ---- filesystem ----

  statfs(_ctx?: RequestContext, _nodeid?: number): StatfsReply {
    const free = Math.floor(this.space.available / PAGE_SIZE);
    return {
      blocks: Math.floor(this.space.capacity / PAGE_SIZE),
      bfree: free,
      bavail: free,
      files: this.table.maxInodes,
      ffree: this.table.maxInodes - this.table.count,
      bsize: PAGE_SIZE,
      namelen: NAME_MAX,
      frsize: PAGE_SIZE,
    };
  }

  access(ctx: RequestContext, nodeid: number, mask: number): void {
    const node = this.table.get(nodeid);
    if ((mask & ~7) !== 0) throw new FuseError('EINVAL');
    if (!mayAccess(ctx, node, mask)) throw new FuseError('EACCES');
  }

  statx(_ctx: RequestContext, nodeid: number, _fh?: number, _flags?: number, _mask?: number): StatxReply {
    const node = this.table.get(nodeid);
    const a = attrOf(node);
    return {
      statx: {
        mask: STATX_BASIC_STATS | STATX_BTIME,
        blksize: a.blksize,
        attributes: 0n,
        nlink: a.nlink,
        uid: a.uid,
        gid: a.gid,
        mode: a.mode,
        ino: a.ino,
        size: a.size,
        blocks: a.blocks,
        attributesMask: 0n,
        atime: { sec: a.atime, nsec: a.atimensec },
        btime: { sec: node.btimeSec, nsec: node.btimeNsec },
        ctime: { sec: a.ctime, nsec: a.ctimensec },
        mtime: { sec: a.mtime, nsec: a.mtimensec },
        // fuse_attr.rdev is new_encode_dev(): minor's low byte, major, then minor's high bits.
        rdevMajor: (a.rdev & 0xfff00) >>> 8,
        rdevMinor: (a.rdev & 0xff) | ((a.rdev >>> 12) & 0xfff00),
        devMajor: 0,
        devMinor: 0,
      },
    };
  }

  syncfs(_ctx?: RequestContext, _nodeid?: number): void {
    // Nothing to write back: memory is the medium.
  }

  // ---- extended attributes ----

  setxattr(_ctx: RequestContext, nodeid: number, name: string, value: Uint8Array, flags: number): void {
    const node = this.table.get(nodeid);
    setXattr(node, name, value, flags);
    node.changed(this.clock());
  }

  getxattr(_ctx: RequestContext, nodeid: number, name: string, size: number): Uint8Array | number {
    return getXattr(this.table.get(nodeid), name, size);
  }

  listxattr(_ctx: RequestContext, nodeid: number, size: number): Uint8Array | number {
    return listXattrs(this.table.get(nodeid), size);
  }

  removexattr(_ctx: RequestContext, nodeid: number, name: string): void {
    const node = this.table.get(nodeid);
    removeXattr(node, name);
    node.changed(this.clock());
  }

  // ---- helpers ----

  /** Counts one lookup and builds the Entry the kernel will hold. */
  private entryOf(node: Inode): Entry {
    node.lookups++;
    return { nodeid: node.ino, generation: 0, attr: attrOf(node) };
  }

  /** The directory with this node id: ENOENT if unknown, ENOTDIR if not a directory. */
  private directory(nodeid: number): DirectoryInode {
    const node = this.table.get(nodeid);
    if (!isDirectory(node)) throw new FuseError('ENOTDIR');
    return node;
  }

  /** As directory(), and still linked: names cannot be added to or removed from a deleted directory (ENOENT). */
  private liveDirectory(nodeid: number): DirectoryInode {
    const dir = this.directory(nodeid);
    if (dir.nlink === 0) throw new FuseError('ENOENT');
    return dir;
  }

  /** The checks every call that adds a name makes (filename_create): "." and ".." and existing names are EEXIST. */
  private newName(parent: number, name: Buffer): { dir: DirectoryInode; key: string } {
    const dir = this.liveDirectory(parent);
    const key = nameKey(name);
    if (isDotOrDotDot(key)) throw new FuseError('EEXIST');
    checkName(key);
    if (dir.entries.get(key) !== undefined) throw new FuseError('EEXIST');
    return { dir, key };
  }

  /** Puts a new inode under `key` in `dir` and replies its Entry. */
  private addChild(dir: DirectoryInode, key: string, node: Inode, now: Timespec): Entry {
    this.table.add(node);
    dir.entries.insert(key, node);
    dir.resized();
    dir.modified(now);
    return this.entryOf(node);
  }

  /** New objects get the caller's gid, or the directory's when it is set-gid (inode_init_owner). */
  private groupFor(ctx: RequestContext, dir: DirectoryInode): number {
    return (dir.mode & S_ISGID) !== 0 ? dir.gid : ctx.gid;
  }

  /**
   * mode_strip_sgid: in a set-gid directory, a new group-executable set-gid
   * file keeps S_ISGID only if its creator is in that group or is root.
   */
  private newFileMode(ctx: RequestContext, dir: DirectoryInode, perm: number): number {
    if ((perm & (S_ISGID | S_IXGRP)) !== (S_ISGID | S_IXGRP)) return perm;
    if ((dir.mode & S_ISGID) === 0 || ctx.uid === 0 || inGroup(ctx, dir.gid)) return perm;
    return perm & ~S_ISGID;
  }

  /** Opens a handle on a regular file, applying O_TRUNC. */
  private openFile(ctx: RequestContext, node: Inode, flags: number): number {
    if (isDirectory(node)) throw new FuseError('EISDIR');
    if ((node.mode & S_IFMT) === S_IFLNK) throw new FuseError('ELOOP');
    // The kernel serves FIFOs, sockets and devices itself and never sends OPEN for them.
    if (!isRegular(node)) throw new FuseError('ENXIO');
    if ((flags & O_TRUNC) !== 0) {
      // O_TRUNC truncates and stamps mtime/ctime even when the file is already empty (handle_truncate).
      this.resize(node, 0);
      node.modified(this.clock());
      if (ctx.uid !== 0) node.mode = killSuidSgid(node.mode);
    }
    return this.handles.open(node, flags & ~O_TRUNC, false);
  }

  /** A file handle that may be written: EBADF for one opened read-only. */
  private writable(fh: number, nodeid: number): OpenHandle {
    const handle = this.handles.get(fh, nodeid, false);
    if ((handle.flags & O_ACCMODE) === O_RDONLY) throw new FuseError('EBADF');
    return handle;
  }

  /** A directory handle whose directory can still be listed (a deleted one is ENOENT, as iterate_dir). */
  private listable(fh: number, nodeid: number): DirectoryInode {
    const dir = this.handles.get(fh, nodeid, true).node as DirectoryInode;
    if (dir.nlink === 0) throw new FuseError('ENOENT');
    return dir;
  }

  /** Sets a regular file's size, freeing what lies beyond it. */
  private resize(node: RegularInode, size: number): void {
    if (size < node.size && node.data !== undefined) node.data.truncate(size, this.space);
    node.size = size;
  }

  /** Moves a directory's ".." from one parent to another, keeping both parents' link counts. */
  private reparent(node: Inode, from: DirectoryInode, to: DirectoryInode): void {
    if (!isDirectory(node)) return;
    node.parent = to;
    from.nlink--;
    to.nlink++;
  }

  /** True when `ancestor` is `dir` or lies on the path from `dir` up to the root. */
  private isAncestorOrSelf(ancestor: DirectoryInode, dir: DirectoryInode): boolean {
    for (let d = dir; ; d = d.parent) {
      if (d === ancestor) return true;
      if (d === this.table.root) return false;
    }
  }

  /** atime on read, per the atime policy. relatime: only when atime <= mtime, <= ctime, or a day old. */
  private touchAtime(node: Inode): void {
    if (this.atimeMode === 'noatime') return;
    const now = this.clock();
    if (
      this.atimeMode === 'relatime' &&
      !notAfter(node.atimeSec, node.atimeNsec, node.mtimeSec, node.mtimeNsec) &&
      !notAfter(node.atimeSec, node.atimeNsec, node.ctimeSec, node.ctimeNsec) &&
      now.sec - node.atimeSec < ONE_DAY
    ) {
      return;
    }
    node.accessed(now);
  }
}
