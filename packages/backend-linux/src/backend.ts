import {
  chmodSync, chownSync, closeSync, existsSync, fchmodSync, fchownSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync,
  futimesSync, linkSync, lstatSync, mkdirSync, openSync, readSync, readlinkSync, renameSync, rmdirSync, statfsSync, symlinkSync,
  unlinkSync, utimesSync, writeSync, type BigIntStats,
} from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import {
  FATTR_ATIME, FATTR_ATIME_NOW, FATTR_GID, FATTR_KILL_SUIDGID, FATTR_MODE, FATTR_MTIME, FATTR_MTIME_NOW, FATTR_SIZE, FATTR_UID,
  DT_DIR, DT_UNKNOWN, FOPEN_CACHE_DIR, FOPEN_KEEP_CACHE, FUSE_OPEN_KILL_SUIDGID, FUSE_WRITE_KILL_SUIDGID, InitFlags, O_ACCMODE, O_APPEND, O_CREAT, O_EXCL,
  O_RDONLY, O_TRUNC, O_WRONLY, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, direntType, errno,
  type Attr, type AttrReply, type Backend, type CreateReply, type DirentPlusSink, type DirentSink, type Entry, type InitInfo, type OpenReply,
  type RequestContext, type SetattrIn, type StatfsReply,
} from '@tsfuse/protocol';
import {
  ErrnoTranslator, FdWorkingSet, copyRange, type PositionalIo, HandleTable, PageCacheStamp, InodeTable, O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, S_IALLUGO, S_IFBLK, S_IFCHR,
  S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID, S_ISUID, accessAllowed, checkName, dotKind,
  fuseError, hostNow, hostTime, inoOf, linuxDecodeDev, makeSpecialFile, modeAfterKillPriv, procChildPath, procFdPath, runHostTool,
  sameFile, statToAttr, statfsToReply, touchDate, UTIME_NOW, UTIME_OMIT, HostSyscalls, HOST_CALL_UNAVAILABLE, XATTR_MAX, type XattrAnswer,
} from '@tsfuse/passthrough';
import { DirHandle, EMIT_ADDED, EMIT_GONE, EMIT_STOP } from './dir-handle.js';
import { DirListing, changedSince, settled, settledCtime, stampOf } from './dir-listing.js';
import { XattrReadAhead } from './xattr-ahead.js';
import { XattrNames, isRoutineXattr } from './xattr-names.js';
import { ListingCache } from './listing-cache.js';
import { groupsOfPid, softOpenFileLimit } from './host-limits.js';
import { LinuxInode } from './linux-inode.js';
import { COOKIE_DOT, COOKIE_DOTDOT } from './name-hash.js';
import { hostOpenFlags } from './open-flags.js';
import { linuxBackendOptionsSchema, type LinuxBackendOptions, type LinuxBackendOptionsInput } from './options.js';
import { Resolver } from './resolver.js';

const BIGINT = { bigint: true } as const;
const BIGINT_NOTHROW = { bigint: true, throwIfNoEntry: false } as const;
const SEEK_SET = 0;
const SEEK_CUR = 1;
const SEEK_END = 2;
const SEEK_DATA = 3;
const SEEK_HOLE = 4;
/** Largest READ served (the kernel asks for at most max_pages * 4 KiB; a larger hostile size gets a short read). */
const MAX_READ = 16 << 20;
/** Most bytes one COPY_FILE_RANGE copies (a short count is legal; callers loop), so one request never stalls the session for long. */
const COPY_CHUNK_LIMIT = 16 << 20;
/** node:fs positional I/O, for copyRange. */
const NODE_IO: PositionalIo = { read: readSync, write: writeSync };

/** An open file: a real host descriptor, so it survives unlink and rename-over on the host. */
interface FileHandle {
  fd: number;
  node: LinuxInode;
  /** The host open flags. */
  flags: number;
}

/** A name list we do not have: every name may be there. */
const UNKNOWN_NAMES = { has: (_name: string): boolean => true };

/**
 * A passthrough of a host directory on Linux. Every operation reaches host
 * files through O_PATH descriptors and /proc/self/fd paths, so no operation
 * ever follows a symlink on the host or leaves the shared root. All host calls
 * are synchronous (the backend runs on the transport's worker thread).
 */
export class LinuxBackend implements Backend {
  /**
   * Set-ID bits are cleared here where the kernel flags it (killPriv); file
   * capabilities need nothing, the host kernel removes them at our write or
   * truncate. Without HANDLE_KILLPRIV_V2 the kernel would ask GETXATTR
   * security.capability before every write instead of once per inode, and
   * would leave an O_TRUNC open by a non-owner with its set-ID bits.
   */
  readonly handlesKillprivV2 = true;
  /** Known inodes. */
  readonly table: InodeTable<LinuxInode>;
  /** Descriptors and path resolution. */
  readonly resolver: Resolver;
  /** The options after defaults. */
  readonly options: LinuxBackendOptions;
  private readonly files = new HandleTable<FileHandle>();
  private readonly dirs = new HandleTable<DirHandle>();
  /** Latest listings of recently listed directories (at most this many entries in all). */
  private readonly listings = new ListingCache(1_000_000);
  /** xattr names of listed entries, read ahead a part of a listing at a time. */
  private readonly xattrAhead: XattrReadAhead;
  private readonly errors: ErrnoTranslator;
  private readonly chownToCaller: boolean;
  private readonly isRoot: boolean;
  private writeback = false;
  /**
   * keepCache 'auto': advance the page-cache stamp across WRITE and
   * copy_file_range (two fstats each). Off when FUSE_AUTO_INVAL_DATA was
   * negotiated: the kernel then drops its pages at its first GETATTR after
   * our own writes anyway (the mtime it set itself differs from the host's),
   * so the stats would buy nothing; the stale stamp makes the next open drop them.
   */
  private stampWrites = true;
  /** Inodes held by holdVictim(). */
  private heldVictims = 0;
  private ioBuf = Buffer.allocUnsafe(1 << 20);
  private readonly nameBuf = Buffer.allocUnsafe(256);
  /**
   * The resident host-syscall helper: utimensat(2) behind `exactTimes` (`answered` counts those calls), the
   * xattr calls and renameat2 (started on first use).
   */
  readonly hostCalls: HostSyscalls;

  constructor(input: LinuxBackendOptionsInput) {
    const options = linuxBackendOptionsSchema.parse(input);
    this.options = options;
    if (process.platform !== 'linux') throw new Error('@tsfuse/backend-linux needs Linux (O_PATH and /proc/self/fd)');
    if (!existsSync('/proc/self/fd')) throw new Error('@tsfuse/backend-linux needs /proc mounted (it reaches files through /proc/self/fd)');
    this.errors = new ErrnoTranslator({ log: options.log });
    this.hostCalls = new HostSyscalls({ log: this.errors.log });
    this.xattrAhead = new XattrReadAhead(this.hostCalls);
    const rootFd = openSync(resolvePath(options.root), O_PATH | O_DIRECTORY | O_CLOEXEC);
    const rootStat = fstatSync(rootFd, BIGINT);
    this.table = new InodeTable<LinuxInode>({
      rootStat,
      create: (nodeid, st) => new LinuxInode(nodeid, st),
      onDrop: (node) => this.dropNode(node),
    });
    this.table.root.fd = rootFd;
    this.table.root.fdPinned = true;
    const soft = softOpenFileLimit();
    const capacity = soft === undefined ? options.maxPathFds : Math.min(options.maxPathFds, Math.max(16, Math.floor(soft / 2)));
    this.resolver = new Resolver(this.table, new FdWorkingSet<LinuxInode>(capacity));
    this.isRoot = process.getuid?.() === 0;
    this.chownToCaller = (options.ownership ?? (this.isRoot ? 'caller' : 'daemon')) === 'caller';
    if (!options.xattrs) {
      // Without the methods the session answers ENOSYS from the start (it looks them up once).
      for (const m of ['setxattr', 'getxattr', 'listxattr', 'removexattr'] as const) (this as Record<string, unknown>)[m] = undefined;
    }
  }

  init(info: InitInfo): void {
    this.writeback = (info.flags & InitFlags.WRITEBACK_CACHE) !== 0n;
    this.stampWrites = (info.flags & InitFlags.AUTO_INVAL_DATA) === 0n;
  }

  destroy(): void {
    for (const [, h] of this.files) {
      try {
        closeSync(h.fd);
      } catch {
        // closing at teardown: nothing to report to
      }
    }
    for (const [fh] of [...this.files]) this.files.remove(fh);
    for (const [fh] of [...this.dirs]) this.dirs.remove(fh);
    this.table.clear();
    this.resolver.workingSet.clear();
    this.hostCalls.close();
  }

  // ---- names ----------------------------------------------------------------

  lookup(_ctx: RequestContext, parent: number, name: Buffer): Entry {
    try {
      this.resolver.begin();
      checkName(name, 'lookup');
      const p = this.table.node(parent);
      const dots = dotKind(name);
      if (dots !== 0) return this.lookupDots(p, dots);
      const pfd = this.resolver.dirFdOf(p);
      const st = lstatSync(procChildPath(pfd, name), BIGINT_NOTHROW);
      if (st === undefined) throw fuseError(errno.ENOENT);
      const node = this.table.learn(st, p, name.toString('latin1'));
      this.table.lookedUp(node);
      return this.entry(node, st);
    } catch (e) {
      throw this.errors.toFuseError(e, 'lookup');
    }
  }

  /** "." is the directory itself; ".." its parent, never above the root. */
  private lookupDots(p: LinuxInode, dots: 1 | 2): Entry {
    if (!p.isDir) throw fuseError(errno.ENOTDIR);
    if (dots === 1 || p === this.table.root) {
      const st = this.resolver.statOf(p);
      this.table.lookedUp(p);
      return this.entry(p, st);
    }
    const gp = p.parent as LinuxInode | undefined;
    if (gp === undefined) throw fuseError(errno.ESTALE);
    const st = lstatSync(procChildPath(this.resolver.fdOf(p), '..'), BIGINT_NOTHROW);
    if (st === undefined || !sameFile(gp, st)) throw fuseError(errno.ESTALE);
    this.table.lookedUp(gp);
    return this.entry(gp, st);
  }

  forget(nodeid: number, nlookup: number): void {
    this.table.forget(nodeid, nlookup);
  }

  // ---- attributes -----------------------------------------------------------

  getattr(_ctx: RequestContext, nodeid: number, fh: number | undefined): AttrReply {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      const h = fh === undefined ? undefined : this.files.get(fh);
      const st = h !== undefined && h.node === node ? fstatSync(h.fd, BIGINT) : this.resolver.statOf(node);
      return this.attrReply(st);
    } catch (e) {
      throw this.errors.toFuseError(e, 'getattr');
    }
  }

  setattr(_ctx: RequestContext, nodeid: number, attr: SetattrIn): AttrReply {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      const valid = attr.valid;
      const h = attr.fh === undefined ? undefined : this.files.get(attr.fh);
      const fd = h !== undefined && h.node === node ? h.fd : -1;
      // Path of the inode itself (magic link of its O_PATH descriptor): only fetched when needed.
      let path: string | undefined;
      const self = (): string => (path ??= procFdPath(this.resolver.fdOf(node)));
      const stamp = this.stampToAdvance(node, fd);
      const capsFree = this.capsFreeBefore(node, fd, stamp);

      if (valid & (FATTR_UID | FATTR_GID)) {
        const uid = valid & FATTR_UID ? attr.uid : -1;
        const gid = valid & FATTR_GID ? attr.gid : -1;
        if (fd >= 0) fchownSync(fd, uid, gid);
        else chownSync(self(), uid, gid);
      }
      if (valid & FATTR_MODE) {
        if (fd >= 0) fchmodSync(fd, attr.mode & S_IALLUGO);
        else chmodSync(self(), attr.mode & S_IALLUGO);
      }
      if (valid & FATTR_SIZE) this.truncate(node, fd, self, attr.size);
      if (valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)) this.setTimes(node, fd, self, attr);
      if (valid & FATTR_KILL_SUIDGID && !(valid & FATTR_MODE)) {
        const st = fd >= 0 ? fstatSync(fd, BIGINT) : this.resolver.statOf(node);
        const mode = Number(st.mode);
        const killed = modeAfterKillPriv(mode);
        if (killed !== mode) {
          if (fd >= 0) fchmodSync(fd, killed & S_IALLUGO);
          else chmodSync(self(), killed & S_IALLUGO);
        }
      }
      const after = fd >= 0 ? fstatSync(fd, BIGINT) : this.resolver.statOf(node);
      // The kernel truncates its own pages on a size change; the other attributes do not touch data.
      stamp?.set(after);
      if (capsFree) node.capsFreeCtimeNs = after.ctimeNs;
      return this.attrReply(after);
    } catch (e) {
      throw this.errors.toFuseError(e, 'setattr');
    }
  }

  /**
   * utimensat(2) semantics: explicit times, UTIME_NOW (FATTR_*_NOW) and
   * UTIME_OMIT (the bit absent). With `exactTimes`, the resident helper makes
   * that very syscall on our descriptor's /proc path (the open file's, else the
   * inode's O_PATH one; the magic link is the object itself, a symlink too).
   * Without it (or when the helper is unavailable), Node sets both times, to
   * the microsecond, so an omitted one is re-set to its current value; with
   * `exactTimes`, touch(1) then restores the nanosecond digits of every time
   * that has some.
   */
  private setTimes(node: LinuxInode, fd: number, self: () => string, attr: SetattrIn): void {
    const valid = attr.valid;
    if (this.options.exactTimes) {
      const aNsec = valid & FATTR_ATIME_NOW ? UTIME_NOW : valid & FATTR_ATIME ? attr.atimensec : UTIME_OMIT;
      const mNsec = valid & FATTR_MTIME_NOW ? UTIME_NOW : valid & FATTR_MTIME ? attr.mtimensec : UTIME_OMIT;
      const r = this.hostCalls.setTimes(fd >= 0 ? fd : this.resolver.fdOf(node), attr.atime, aNsec, attr.mtime, mNsec);
      if (r === 0) return;
      if (r > 0) throw this.errors.fromHostErrno(r, 'setattr');
      // HOST_CALL_UNAVAILABLE (logged once by the helper): the spawn-based path below, exact too.
    }
    const now = valid & (FATTR_ATIME_NOW | FATTR_MTIME_NOW) ? hostNow() : 0;
    let cur: Attr | undefined;
    const current = (): Attr => (cur ??= statToAttr(fd >= 0 ? fstatSync(fd, BIGINT) : this.resolver.statOf(node)));
    // [seconds, nanoseconds] each time must end up with, or undefined for "now".
    const at: [number, number] | undefined =
      valid & FATTR_ATIME_NOW ? undefined : valid & FATTR_ATIME ? [attr.atime, attr.atimensec] : [current().atime, current().atimensec];
    const mt: [number, number] | undefined =
      valid & FATTR_MTIME_NOW ? undefined : valid & FATTR_MTIME ? [attr.mtime, attr.mtimensec] : [current().mtime, current().mtimensec];
    const a = at === undefined ? now : hostTime(at[0], at[1]);
    const m = mt === undefined ? now : hostTime(mt[0], mt[1]);
    if (fd >= 0) futimesSync(fd, a, m);
    else utimesSync(self(), a, m);
    if (!this.options.exactTimes) return;
    const fixA = at !== undefined && at[1] % 1000 !== 0;
    const fixM = mt !== undefined && mt[1] % 1000 !== 0;
    if (!fixA && !fixM) return;
    const target = fd >= 0 ? fd : this.resolver.fdOf(node);
    const path = '/proc/self/fd/3';
    if (fixA && fixM && at![0] === mt![0] && at![1] === mt![1]) {
      runHostTool('touch', ['-c', '-d', touchDate(at![0], at![1]), path], this.errors.log, target);
      return;
    }
    if (fixA) runHostTool('touch', ['-c', '-a', '-d', touchDate(at![0], at![1]), path], this.errors.log, target);
    if (fixM) runHostTool('touch', ['-c', '-m', '-d', touchDate(mt![0], mt![1]), path], this.errors.log, target);
  }

  /** truncate(2) semantics: through the open file when there is one, else by opening the inode itself for writing. */
  private truncate(node: LinuxInode, fd: number, self: () => string, size: number): void {
    if (fd >= 0) {
      ftruncateSync(fd, size);
      return;
    }
    const type = this.resolver.statOf(node).mode & BigInt(S_IFMT);
    if (type === BigInt(S_IFDIR)) throw fuseError(errno.EISDIR);
    if (type !== BigInt(S_IFREG)) throw fuseError(errno.EINVAL);
    const wfd = this.resolver.open(self(), O_WRONLY | O_CLOEXEC);
    try {
      ftruncateSync(wfd, size);
    } finally {
      closeSync(wfd);
    }
  }

  // ---- extended attributes ----------------------------------------------------
  // Node has no xattr calls: the resident helper (hostCalls) makes them on the
  // magic link of the inode's O_PATH descriptor, which is the object itself (a
  // symlink too, never its target). Without the helper (no perl, an arch whose
  // numbers are not known) they answer ENOSYS; the session remembers that and
  // the kernel then fails every xattr call with EOPNOTSUPP.

  setxattr(_ctx: RequestContext, nodeid: number, name: string, value: Uint8Array, flags: number, setxattrFlags = 0): void {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      const fd = this.resolver.fdOf(node);
      node.xattrNames = undefined;
      node.capsFreeCtimeNs = -1n;
      this.xattrStatus(this.hostCalls.setxattr(fd, Buffer.from(name, 'utf8'), value, flags), 'setxattr');
      // FUSE_SETXATTR_ACL_KILL_SGID (only sent with handleKillprivV2 and POSIX ACLs): the caller may not keep the set-group-ID bit.
      if (setxattrFlags & 1) {
        const mode = Number(this.resolver.statOf(node).mode);
        if (mode & S_ISGID) chmodSync(procFdPath(fd), mode & S_IALLUGO & ~S_ISGID);
      }
    } catch (e) {
      throw this.errors.toFuseError(e, 'setxattr');
    }
  }

  getxattr(_ctx: RequestContext, nodeid: number, name: string, size: number): Uint8Array | number {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      if (isRoutineXattr(name) && !this.mayHaveXattr(node, name)) throw fuseError(errno.ENODATA);
      const r = this.hostCalls.getxattr(this.resolver.fdOf(node), Buffer.from(name, 'utf8'), size);
      return this.xattrResult(r, 'getxattr');
    } catch (e) {
      throw this.errors.toFuseError(e, 'getxattr');
    }
  }

  listxattr(_ctx: RequestContext, nodeid: number, size: number): Uint8Array | number {
    try {
      this.resolver.begin();
      const r = this.hostCalls.listxattr(this.resolver.fdOf(this.table.node(nodeid)), size);
      return this.xattrResult(r, 'listxattr');
    } catch (e) {
      throw this.errors.toFuseError(e, 'listxattr');
    }
  }

  removexattr(_ctx: RequestContext, nodeid: number, name: string): void {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      node.xattrNames = undefined;
      node.capsFreeCtimeNs = -1n;
      this.xattrStatus(this.hostCalls.removexattr(this.resolver.fdOf(node), Buffer.from(name, 'utf8')), 'removexattr');
    } catch (e) {
      throw this.errors.toFuseError(e, 'removexattr');
    }
  }

  /**
   * Whether the inode may have the routine attribute `name`: false for
   * security.capability on a file the daemon created and only itself changed
   * since (see capsFreeCtimeNs); else from its xattr names: the remembered
   * list while its ctime is unchanged, else (when the ctime is settled) one
   * listxattr round trip that also answers the next routine queries. A list
   * that cannot be had or kept answers "maybe", so the caller asks for the
   * name itself.
   */
  private mayHaveXattr(node: LinuxInode, name: string): boolean {
    const now = Date.now();
    const ctime = this.resolver.statOf(node).ctimeNs;
    if (node.capsFreeCtimeNs >= 0n) {
      if (ctime !== node.capsFreeCtimeNs) node.capsFreeCtimeNs = -1n;
      else if (name === 'security.capability') return false;
    }
    return this.xattrNamesOf(node, ctime, now).has(name);
  }

  /** The inode's xattr names (see mayHaveXattr), `ctime` read after `now`. */
  private xattrNamesOf(node: LinuxInode, ctime: bigint, now: number): { has(name: string): boolean } {
    const known = node.xattrNames;
    if (known !== undefined && known.current(ctime)) return known;
    node.xattrNames = undefined;
    if (!settledCtime(ctime, now)) return UNKNOWN_NAMES;
    const ahead = this.xattrsAhead(node);
    if (ahead !== undefined && ahead.current(ctime)) return (node.xattrNames = ahead);
    const r = this.hostCalls.listxattr(this.resolver.fdOf(node), XATTR_MAX);
    if (r.err !== 0 || r.value === undefined) return UNKNOWN_NAMES;
    return (node.xattrNames = XattrNames.of(ctime, r.value));
  }

  /** The names of `node` read ahead with its siblings (see XattrReadAhead), when its parent's listing is at hand. */
  private xattrsAhead(node: LinuxInode): XattrNames | undefined {
    const ino = BigInt(node.ino);
    const got = this.xattrAhead.take(node.dev, ino);
    if (got !== undefined) return got;
    const p = node.parent as LinuxInode | undefined;
    const listing = p === undefined ? undefined : this.listings.get(p);
    if (p === undefined || listing === undefined || node.name === undefined || p.dev !== node.dev) return undefined;
    return this.xattrAhead.miss(listing, () => this.resolver.dirFdOf(p), p.dev, node.name, ino);
  }

  /** A getxattr/listxattr answer: the length for a size-0 query, else the bytes. */
  private xattrResult(r: XattrAnswer, op: string): Uint8Array | number {
    this.xattrStatus(r.err, op);
    return r.value ?? r.length;
  }

  /** What the helper said of an xattr call: 0 done; the host's errno; or ENOSYS when the helper is unavailable. */
  private xattrStatus(err: number, op: string): void {
    if (err === HOST_CALL_UNAVAILABLE) throw fuseError(errno.ENOSYS);
    if (err > 0) throw this.errors.fromHostErrno(err, op);
  }

  readlink(_ctx: RequestContext, nodeid: number): Uint8Array {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      if ((node.mode & S_IFMT) !== S_IFLNK) throw fuseError(errno.EINVAL);
      const parent = node.parent as LinuxInode | undefined;
      if (parent === undefined || node.name === undefined) throw fuseError(errno.ESTALE);
      // readlink never follows its final component; the inode's own magic
      // link would give the /proc path, not the target, so go through the parent
      // and check afterwards that the name still is this symlink.
      const path = procChildPath(this.resolver.fdOf(parent), node.name);
      const target = readlinkSync(path, { encoding: 'buffer' });
      const st = lstatSync(path, BIGINT_NOTHROW);
      if (st === undefined || !sameFile(node, st)) throw fuseError(errno.ESTALE);
      return target;
    } catch (e) {
      throw this.errors.toFuseError(e, 'readlink');
    }
  }

  // ---- creating and removing names -------------------------------------------

  symlink(ctx: RequestContext, parent: number, name: Buffer, target: Buffer): Entry {
    try {
      this.resolver.begin();
      checkName(name, 'symlink');
      const p = this.table.node(parent);
      const pfd = this.resolver.dirFdOf(p);
      symlinkSync(target, procChildPath(pfd, name));
      return this.settle(ctx, p, pfd, name, S_IFLNK, -1);
    } catch (e) {
      throw this.errors.toFuseError(e, 'symlink');
    }
  }

  mkdir(ctx: RequestContext, parent: number, name: Buffer, mode: number, umask: number): Entry {
    try {
      this.resolver.begin();
      checkName(name, 'mkdir');
      const p = this.table.node(parent);
      const pfd = this.resolver.dirFdOf(p);
      const perm = mode & ~umask & 0o1777;
      mkdirSync(procChildPath(pfd, name), { mode: perm });
      // A directory made in a set-group-ID directory inherits the bit.
      return this.settle(ctx, p, pfd, name, S_IFDIR, perm | (p.mode & S_ISGID));
    } catch (e) {
      throw this.errors.toFuseError(e, 'mkdir');
    }
  }

  mknod(ctx: RequestContext, parent: number, name: Buffer, mode: number, rdev: number, umask: number): Entry {
    try {
      this.resolver.begin();
      checkName(name, 'mknod');
      const p = this.table.node(parent);
      const pfd = this.resolver.dirFdOf(p);
      const type = mode & S_IFMT || S_IFREG;
      const perm = mode & ~umask & S_IALLUGO;
      switch (type) {
        case S_IFREG:
          closeSync(this.resolver.open(procChildPath(pfd, name), O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, perm & 0o777));
          break;
        case S_IFIFO:
        case S_IFSOCK:
          makeSpecialFile({ dir: { fd: pfd }, name, type, publish: 'link', log: this.errors.log });
          break;
        case S_IFCHR:
        case S_IFBLK:
          if (!this.isRoot) throw fuseError(errno.EPERM);
          makeSpecialFile({ dir: { fd: pfd }, name, type, ...linuxDecodeDev(rdev), publish: 'link', log: this.errors.log });
          break;
        case S_IFDIR:
          throw fuseError(errno.EPERM);
        default:
          throw fuseError(errno.EINVAL);
      }
      return this.settle(ctx, p, pfd, name, type, perm);
    } catch (e) {
      throw this.errors.toFuseError(e, 'mknod');
    }
  }

  /**
   * After creating `name` in `p`: take an O_PATH descriptor of what is there
   * now, give it to the caller (as root) and the exact mode asked for (the
   * daemon's own umask must not matter), and count the lookup.
   */
  private settle(ctx: RequestContext, p: LinuxInode, pfd: number, name: Buffer, type: number, perm: number): Entry {
    const fd = this.resolver.open(procChildPath(pfd, name), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    let adopted = false;
    try {
      let st = fstatSync(fd, BIGINT);
      // Replaced by someone else between our create and this open.
      if ((Number(st.mode) & S_IFMT) !== type) throw fuseError(errno.ESTALE);
      let changed = false;
      if (this.chownToCaller) {
        const gid = p.mode & S_ISGID ? -1 : ctx.gid;
        if (BigInt(ctx.uid) !== st.uid || (gid !== -1 && BigInt(gid) !== st.gid)) {
          chownSync(procFdPath(fd), ctx.uid, gid);
          changed = true;
        }
      }
      if (perm >= 0 && type !== S_IFLNK) {
        const have = Number(st.mode) & S_IALLUGO;
        // chown cleared set-ID bits the caller asked for: put them back, as the creator's own would have.
        if (have !== perm || (changed && perm & (S_ISUID | S_ISGID))) {
          chmodSync(procFdPath(fd), perm);
          changed = true;
        }
      }
      if (changed) st = fstatSync(fd, BIGINT);
      const node = this.table.learn(st, p, name.toString('latin1'));
      if (node.fd < 0) {
        this.resolver.workingSet.add(node, fd);
        adopted = true;
      }
      this.table.lookedUp(node);
      return this.entry(node, st);
    } finally {
      if (!adopted) closeSync(fd);
    }
  }

  unlink(_ctx: RequestContext, parent: number, name: Buffer): void {
    try {
      this.resolver.begin();
      checkName(name, 'unlink');
      const p = this.table.node(parent);
      const pfd = this.resolver.dirFdOf(p);
      const victim = this.holdVictim(pfd, name);
      try {
        unlinkSync(procChildPath(pfd, name));
      } catch (e) {
        this.letGo(victim);
        throw e;
      }
      this.forgetPath(victim, p, name);
    } catch (e) {
      throw this.errors.toFuseError(e, 'unlink');
    }
  }

  rmdir(_ctx: RequestContext, parent: number, name: Buffer): void {
    try {
      this.resolver.begin();
      checkName(name, 'rmdir');
      const p = this.table.node(parent);
      const pfd = this.resolver.dirFdOf(p);
      const victim = this.holdVictim(pfd, name);
      try {
        rmdirSync(procChildPath(pfd, name));
      } catch (e) {
        this.letGo(victim);
        throw e;
      }
      this.forgetPath(victim, p, name);
    } catch (e) {
      throw this.errors.toFuseError(e, 'rmdir');
    }
  }

  /**
   * Before a name is removed or replaced: if the kernel knows the inode it
   * names, keep an O_PATH descriptor of it outside the working set until
   * FORGET, so GETATTR of an unlinked file still answers (nlink 0) instead of
   * ESTALE. Bounded: past half the working set's capacity such inodes are not
   * held (they would answer ESTALE).
   */
  private holdVictim(pfd: number, name: Buffer): LinuxInode | undefined {
    if (this.heldVictims >= this.resolver.workingSet.capacity >>> 1) return undefined;
    let fd: number;
    try {
      fd = this.resolver.open(procChildPath(pfd, name), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    } catch {
      return undefined; // the removal itself reports what is wrong
    }
    let node: LinuxInode | undefined;
    try {
      node = this.table.find(fstatSync(fd, BIGINT));
    } catch {
      node = undefined;
    }
    if (node === undefined || node.fdPinned) {
      closeSync(fd);
      return undefined;
    }
    if (node.fd >= 0) {
      this.resolver.workingSet.keep(node);
      closeSync(fd);
    } else node.fd = fd;
    node.fdPinned = true;
    this.heldVictims++;
    return node;
  }

  /** Undo holdVictim() (the removal failed): the descriptor goes back to the working set. */
  private letGo(node: LinuxInode | undefined): void {
    if (node === undefined || !node.fdPinned) return;
    const fd = node.fd;
    node.fd = -1;
    node.fdPinned = false;
    this.heldVictims--;
    this.resolver.workingSet.add(node, fd);
  }

  /** `name` in `p` is gone: a record remembering that path can no longer be found by it. */
  private forgetPath(node: LinuxInode | undefined, p: LinuxInode, name: Buffer): void {
    if (node !== undefined && node.parent === p && node.name === name.toString('latin1')) this.table.detach(node);
  }

  rename(_ctx: RequestContext, parent: number, name: Buffer, newParent: number, newName: Buffer, flags: number): void {
    try {
      this.resolver.begin();
      checkName(name, 'rename');
      checkName(newName, 'rename');
      if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) throw fuseError(errno.EINVAL);
      const p = this.table.node(parent);
      const np = this.table.node(newParent);
      const pfd = this.resolver.dirFdOf(p);
      const npfd = this.resolver.dirFdOf(np);
      const from = procChildPath(pfd, name);
      const to = procChildPath(npfd, newName);
      if (flags & RENAME_EXCHANGE) {
        this.renameat2(pfd, name, npfd, newName, flags);
        this.swapped(p, name, from, np, newName, to);
        return;
      }
      let victim: LinuxInode | undefined;
      if (flags & RENAME_WHITEOUT) {
        // renameat2 leaves a whiteout (0/0 character device, CAP_MKNOD) at the old name; the new name is replaced as by rename.
        if (!(flags & RENAME_NOREPLACE)) victim = this.holdVictim(npfd, newName);
        try {
          this.renameat2(pfd, name, npfd, newName, flags);
        } catch (e) {
          this.letGo(victim);
          throw e;
        }
      } else if (flags & RENAME_NOREPLACE) this.renameNoReplace(from, to);
      else {
        victim = this.holdVictim(npfd, newName);
        try {
          renameSync(from, to);
        } catch (e) {
          this.letGo(victim);
          throw e;
        }
      }
      const st = lstatSync(to, BIGINT_NOTHROW);
      const node = st === undefined ? undefined : this.table.find(st);
      if (victim !== undefined) {
        // Renaming a name onto another link of the same inode changes nothing.
        if (victim === node) this.letGo(victim);
        else this.forgetPath(victim, np, newName);
      }
      if (node !== undefined) this.table.move(node, np, newName.toString('latin1'));
    } catch (e) {
      throw this.errors.toFuseError(e, 'rename');
    }
  }

  /**
   * renameat2(2) through the helper, on the directories' magic links plus the
   * checked names. Without the helper: EINVAL, what Linux answers for a
   * filesystem that cannot exchange or whiteout.
   */
  private renameat2(pfd: number, name: Buffer, npfd: number, newName: Buffer, flags: number): void {
    const r = this.hostCalls.renameat2(pfd, name, npfd, newName, flags);
    if (r === HOST_CALL_UNAVAILABLE) throw fuseError(errno.EINVAL);
    if (r > 0) throw this.errors.fromHostErrno(r, 'rename');
  }

  /**
   * After RENAME_EXCHANGE: the records of both inodes (found again by what
   * each name now holds) take each other's path. An inode we have no record
   * of needs nothing. (If the host renamed one meanwhile, its record keeps an
   * old path, which the resolver checks against the inode before use.)
   */
  private swapped(p: LinuxInode, name: Buffer, from: Buffer, np: LinuxInode, newName: Buffer, to: Buffer): void {
    const atFrom = lstatSync(from, BIGINT_NOTHROW);
    const atTo = lstatSync(to, BIGINT_NOTHROW);
    const wasFrom = atTo === undefined ? undefined : this.table.find(atTo);
    const wasTo = atFrom === undefined ? undefined : this.table.find(atFrom);
    const n = name.toString('latin1');
    const nn = newName.toString('latin1');
    if (wasFrom !== undefined) this.table.move(wasFrom, np, nn);
    if (wasTo !== undefined) this.table.move(wasTo, p, n);
  }

  /**
   * RENAME_NOREPLACE without renameat2. A non-directory: link() to the new
   * name (fails with EEXIST atomically), then unlink the old one. A directory:
   * mkdir() a placeholder at the new name (EEXIST atomically), then rename
   * over that empty placeholder, which only we could have made. Where hard
   * links are refused, a check-then-rename with a small window is the fallback.
   */
  private renameNoReplace(from: Buffer, to: Buffer): void {
    const st = lstatSync(from, BIGINT);
    if ((Number(st.mode) & S_IFMT) === S_IFDIR) {
      mkdirSync(to, { mode: 0o700 });
      try {
        renameSync(from, to);
      } catch (e) {
        try {
          rmdirSync(to);
        } catch {
          // someone else's now; leave it
        }
        throw e;
      }
      return;
    }
    try {
      linkSync(from, to);
    } catch (e) {
      const c = (e as { code?: unknown }).code;
      if (c !== 'EPERM' && c !== 'EMLINK' && c !== 'ENOTSUP' && c !== 'EOPNOTSUPP') throw e;
      if (lstatSync(to, BIGINT_NOTHROW) !== undefined) throw fuseError(errno.EEXIST);
      renameSync(from, to);
      return;
    }
    unlinkSync(from);
  }

  link(_ctx: RequestContext, nodeid: number, newParent: number, newName: Buffer): Entry {
    try {
      this.resolver.begin();
      checkName(newName, 'link');
      const node = this.table.node(nodeid);
      const np = this.table.node(newParent);
      const npfd = this.resolver.dirFdOf(np);
      if (node.isDir) throw fuseError(errno.EPERM);
      const parent = node.parent as LinuxInode | undefined;
      if (parent === undefined || node.name === undefined) throw fuseError(errno.ESTALE);
      // link(2) does not follow a symlink; check the old name still is this inode, before and after.
      const from = procChildPath(this.resolver.fdOf(parent), node.name);
      const before = lstatSync(from, BIGINT_NOTHROW);
      if (before === undefined || !sameFile(node, before)) throw fuseError(errno.ESTALE);
      const to = procChildPath(npfd, newName);
      linkSync(from, to);
      const st = lstatSync(to, BIGINT);
      if (!sameFile(node, st)) {
        unlinkSync(to);
        throw fuseError(errno.ESTALE);
      }
      this.table.lookedUp(node);
      return this.entry(node, st);
    } catch (e) {
      throw this.errors.toFuseError(e, 'link');
    }
  }

  // ---- files -----------------------------------------------------------------

  open(_ctx: RequestContext, nodeid: number, flags: number, openFlags = 0): OpenReply {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      const pathFd = this.resolver.fdOf(node);
      switch (node.mode & S_IFMT) {
        case S_IFREG:
          break;
        case S_IFDIR:
          throw fuseError(errno.EISDIR);
        case S_IFLNK:
          throw fuseError(errno.ELOOP);
        default:
          // The kernel opens FIFOs, sockets and devices itself and never sends
          // OPEN for them: a crafted request gets "no device behind it".
          throw fuseError(errno.ENXIO);
      }
      const host = hostOpenFlags(flags, this.writeback);
      const fd = this.resolver.open(procFdPath(pathFd), host | O_CLOEXEC);
      let keep: boolean;
      try {
        if (openFlags & FUSE_OPEN_KILL_SUIDGID && host & O_TRUNC) this.killPriv(fd);
        keep = this.keepOnOpen(node, fd);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      return this.openReply(this.addFile(fd, node, host), keep);
    } catch (e) {
      throw this.errors.toFuseError(e, 'open');
    }
  }

  create(ctx: RequestContext, parent: number, name: Buffer, mode: number, umask: number, flags: number, openFlags = 0): CreateReply {
    try {
      this.resolver.begin();
      checkName(name, 'create');
      const p = this.table.node(parent);
      const pfd = this.resolver.dirFdOf(p);
      const path = procChildPath(pfd, name);
      const host = hostOpenFlags(flags, this.writeback);
      const perm = mode & ~umask & S_IALLUGO;
      let fd: number;
      let created = true;
      try {
        // O_EXCL|O_NOFOLLOW: never through a symlink the host put there, never truncating what exists.
        fd = this.resolver.open(path, (host & ~O_TRUNC) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm & 0o777);
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'EEXIST' || flags & O_EXCL) throw e;
        // Created on the host since the kernel's negative lookup: open what is there, if it is a regular file.
        fd = this.openExisting(pfd, name, host);
        created = false;
      }
      let node: LinuxInode;
      let st: BigIntStats;
      let keep: boolean;
      try {
        if (!created && openFlags & FUSE_OPEN_KILL_SUIDGID && host & O_TRUNC) this.killPriv(fd);
        st = fstatSync(fd, BIGINT);
        if (created) {
          let changed = false;
          if (this.chownToCaller) {
            const gid = p.mode & S_ISGID ? -1 : ctx.gid;
            if (BigInt(ctx.uid) !== st.uid || (gid !== -1 && BigInt(gid) !== st.gid)) {
              fchownSync(fd, ctx.uid, gid);
              changed = true;
            }
          }
          if ((Number(st.mode) & S_IALLUGO) !== perm || (changed && perm & (S_ISUID | S_ISGID))) {
            fchmodSync(fd, perm);
            changed = true;
          }
          if (changed) st = fstatSync(fd, BIGINT);
        }
        node = this.table.learn(st, p, name.toString('latin1'));
        // Nobody sets a file capability at creation; with multigrain timestamps (ext4, xfs, btrfs, tmpfs) our
        // stat makes any later change move the ctime, so the knowledge lasts exactly while the ctime does.
        if (created) node.capsFreeCtimeNs = st.ctimeNs;
        keep = created ? this.keepOnCreate(node, st) : this.keepOnOpen(node, fd, st);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      this.table.lookedUp(node);
      const reply = this.openReply(this.addFile(fd, node, host), keep) as CreateReply;
      reply.entry = this.entry(node, st);
      return reply;
    } catch (e) {
      throw this.errors.toFuseError(e, 'create');
    }
  }

  /** Open an existing `name` for CREATE without O_EXCL: only a regular file, never following a symlink, never blocking on a FIFO. */
  private openExisting(pfd: number, name: Buffer, host: number): number {
    const pathFd = this.resolver.open(procChildPath(pfd, name), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    try {
      const type = Number(fstatSync(pathFd, BIGINT).mode) & S_IFMT;
      if (type === S_IFDIR) throw fuseError(errno.EISDIR);
      if (type === S_IFLNK) throw fuseError(errno.ELOOP);
      if (type !== S_IFREG) throw fuseError(errno.ENXIO);
      return this.resolver.open(procFdPath(pathFd), host | O_CLOEXEC);
    } finally {
      closeSync(pathFd);
    }
  }

  private addFile(fd: number, node: LinuxInode, flags: number): number {
    (node.openFds ??= []).push(fd);
    this.table.pin(node);
    return this.files.add({ fd, node, flags });
  }

  private openReply(fh: number, keep: boolean): OpenReply {
    return { fh, openFlags: keep ? FOPEN_KEEP_CACHE : 0 };
  }

  /**
   * Whether the kernel may keep its pages of `node` at this OPEN of `fd`
   * (`st`: its fstat, when already taken). 'auto': only if the host file is
   * still as the stamp says the pages show it; otherwise they are dropped (no
   * flag) and the stamp restarts from now. An O_TRUNC open is stamped after
   * the host truncate (the kernel truncates its pages itself). With the
   * writeback cache the kernel owns size and mtime: no keep.
   */
  private keepOnOpen(node: LinuxInode, fd: number, st?: BigIntStats): boolean {
    const mode = this.options.keepCache;
    if (mode !== 'auto') return mode;
    if (this.writeback) return false;
    st ??= fstatSync(fd, BIGINT);
    const stamp = (node.cacheStamp ??= new PageCacheStamp());
    if (stamp.matches(st)) return true;
    stamp.set(st);
    return false;
  }

  /** As keepOnOpen() for a file CREATE just made (`st` its final stat): a new inode has no pages, so 'auto' only stamps it. */
  private keepOnCreate(node: LinuxInode, st: BigIntStats): boolean {
    const mode = this.options.keepCache;
    if (mode !== 'auto') return mode;
    if (!this.writeback) (node.cacheStamp ??= new PageCacheStamp()).set(st);
    return false;
  }

  /**
   * Before a change made through the mount that the kernel's pages will
   * reflect (WRITE, truncate, copy_file_range into the file): the stamp to
   * set from the file's stat right after it, or undefined. When the host
   * changed the file since the stamp, the stamp is cleared instead (not
   * advanced past that change), so the next open drops the pages.
   * `fd` is an open descriptor of the file, or -1 (stat the inode).
   */
  private stampToAdvance(node: LinuxInode, fd: number): PageCacheStamp | undefined {
    const stamp = node.cacheStamp;
    if (stamp === undefined || !stamp.known) return undefined;
    if (stamp.matches(fd >= 0 ? fstatSync(fd, BIGINT) : this.resolver.statOf(node))) return stamp;
    stamp.clear();
    return undefined;
  }

  /**
   * Before a SETATTR: whether the file is still as it was when last known to
   * have no file capabilities (its ctime unchanged; the stamp's when it
   * matched just now, else a stat). The caller carries that past its own
   * change; otherwise the knowledge is gone for good.
   */
  private capsFreeBefore(node: LinuxInode, fd: number, stamp: PageCacheStamp | undefined): boolean {
    const known = node.capsFreeCtimeNs;
    if (known < 0n) return false;
    const ctime = stamp !== undefined ? stamp.ctime : (fd >= 0 ? fstatSync(fd, BIGINT) : this.resolver.statOf(node)).ctimeNs;
    if (ctime === known) return true;
    node.capsFreeCtimeNs = -1n;
    return false;
  }

  read(_ctx: RequestContext, _nodeid: number, fh: number, offset: number, size: number, _flags: number): Uint8Array {
    try {
      const h = this.files.handle(fh);
      if (!(size > 0)) return this.ioBuf.subarray(0, 0);
      if (size > MAX_READ) size = MAX_READ;
      if (size > this.ioBuf.length) this.ioBuf = Buffer.allocUnsafe(size);
      const n = readSync(h.fd, this.ioBuf, 0, size, offset);
      return this.ioBuf.subarray(0, n);
    } catch (e) {
      throw this.errors.toFuseError(e, 'read');
    }
  }

  write(_ctx: RequestContext, _nodeid: number, fh: number, offset: number, data: Uint8Array, writeFlags: number, _flags: number): number {
    try {
      const h = this.files.handle(fh);
      const node = h.node;
      const stamp = this.stampWrites ? this.stampToAdvance(node, h.fd) : undefined;
      // Carried past a write only when the stamp vouches for the state before it: no stat of its own per write.
      const capsFree = stamp !== undefined && node.capsFreeCtimeNs === stamp.ctime;
      if (writeFlags & FUSE_WRITE_KILL_SUIDGID) this.killPriv(h.fd);
      const n = writeSync(h.fd, data, 0, data.length, offset);
      if (stamp !== undefined) {
        const after = fstatSync(h.fd, BIGINT);
        stamp.set(after);
        if (capsFree) node.capsFreeCtimeNs = after.ctimeNs;
      }
      return n;
    } catch (e) {
      throw this.errors.toFuseError(e, 'write');
    }
  }

  /**
   * A write or O_TRUNC open by someone without CAP_FSETID clears set-user-ID
   * (and group-executable set-group-ID), as Linux does; the kernel says so
   * with FUSE_WRITE_KILL_SUIDGID / FUSE_OPEN_KILL_SUIDGID under
   * HANDLE_KILLPRIV_V2. File capabilities need nothing here: the host kernel
   * removes security.capability at our own write or truncate.
   */
  private killPriv(fd: number): void {
    const mode = Number(fstatSync(fd, BIGINT).mode);
    const killed = modeAfterKillPriv(mode);
    if (killed !== mode) fchmodSync(fd, killed & S_IALLUGO);
  }

  // No flush(): close-time errors cannot be collected without dup(2) (the
  // descriptor stays open until RELEASE) and POSIX locks are the kernel's, so
  // there is nothing to do. Left out, the session answers ENOSYS once, which
  // the kernel takes as success and stops sending FLUSH: a round trip less
  // per close().

  release(_ctx: RequestContext, _nodeid: number, fh: number, _flags: number, _releaseFlags: number, _lockOwner: bigint): void {
    const h = this.files.remove(fh);
    if (h === undefined) return;
    const fds = h.node.openFds;
    if (fds !== undefined) {
      const i = fds.indexOf(h.fd);
      if (i >= 0) fds.splice(i, 1);
      if (fds.length === 0) h.node.openFds = undefined;
    }
    try {
      closeSync(h.fd);
    } catch (e) {
      this.errors.toFuseError(e, 'release');
    }
    this.table.unpin(h.node);
  }

  fsync(_ctx: RequestContext, _nodeid: number, fh: number, datasync: boolean): void {
    try {
      const h = this.files.handle(fh);
      if (datasync) fdatasyncSync(h.fd);
      else fsyncSync(h.fd);
    } catch (e) {
      throw this.errors.toFuseError(e, 'fsync');
    }
  }

  lseek(_ctx: RequestContext, _nodeid: number, fh: number, offset: number, whence: number): number {
    try {
      const h = this.files.handle(fh);
      if (offset < 0) throw fuseError(errno.EINVAL);
      // Node has no lseek(2). SEEK_DATA/SEEK_HOLE answer as the kernel's generic
      // code does for filesystems that do not track holes: all data, one hole at EOF.
      const size = Number(fstatSync(h.fd, BIGINT).size);
      switch (whence) {
        case SEEK_SET:
          return offset;
        case SEEK_END:
          return size + offset;
        case SEEK_DATA:
          if (offset >= size) throw fuseError(errno.ENXIO);
          return offset;
        case SEEK_HOLE:
          if (offset >= size) throw fuseError(errno.ENXIO);
          return size;
        case SEEK_CUR:
        default:
          throw fuseError(errno.EINVAL);
      }
    } catch (e) {
      throw this.errors.toFuseError(e, 'lseek');
    }
  }

  fallocate(_ctx: RequestContext, _nodeid: number, _fh: number, _offset: number, _length: number, _mode: number): void {
    // Node has no fallocate(2): no mode can be done honestly (writing zeros
    // would neither reserve without writing nor punch). glibc's
    // posix_fallocate falls back to its own emulation on EOPNOTSUPP.
    throw fuseError(errno.EOPNOTSUPP);
  }

  copyFileRange(
    ctx: RequestContext, nodeIn: number, fhIn: number, offIn: number, nodeOut: number, fhOut: number, offOut: number, len: number,
    flags: number,
  ): number {
    try {
      if (flags !== 0) throw fuseError(errno.EINVAL);
      const hin = this.files.handle(fhIn);
      const hout = this.files.handle(fhOut);
      if ((hin.flags & O_ACCMODE) === O_WRONLY || (hout.flags & O_ACCMODE) === O_RDONLY || hout.flags & O_APPEND) {
        throw fuseError(errno.EBADF);
      }
      const total = Math.min(len, COPY_CHUNK_LIMIT);
      if (nodeIn === nodeOut && offIn < offOut + total && offOut < offIn + total) throw fuseError(errno.EINVAL);
      const stamp = this.stampWrites ? this.stampToAdvance(hout.node, hout.fd) : undefined;
      // Under HANDLE_KILLPRIV_V2 the kernel leaves this write's kill-priv to
      // us without a flag (it has one only for WRITE, SETATTR and OPEN), and
      // our own writes keep the bits (the daemon has CAP_FSETID): a caller
      // other than root is taken to lack CAP_FSETID, as the testkit models it.
      if (ctx.uid !== 0) this.killPriv(hout.fd);
      const n = copyRange(NODE_IO, hin.fd, offIn, hout.fd, offOut, total, this.ioBuf);
      // The kernel drops its pages of the copied range itself.
      stamp?.set(fstatSync(hout.fd, BIGINT));
      return n;
    } catch (e) {
      throw this.errors.toFuseError(e, 'copy_file_range');
    }
  }

  // ---- directories -----------------------------------------------------------

  opendir(_ctx: RequestContext, nodeid: number, _flags: number): OpenReply {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      if (!node.isDir) throw fuseError(errno.ENOTDIR);
      this.resolver.fdOf(node);
      this.table.pin(node);
      const fh = this.dirs.add(new DirHandle(node));
      return { fh, openFlags: this.options.cacheDir ? FOPEN_CACHE_DIR : 0 };
    } catch (e) {
      throw this.errors.toFuseError(e, 'opendir');
    }
  }

  readdir(_ctx: RequestContext, _nodeid: number, fh: number, offset: bigint, out: DirentSink): void {
    try {
      this.resolver.begin();
      const h = this.dirs.handle(fh);
      const dirFd = this.startListing(h, offset);
      if (offset === 0n && !out.add('.', h.node.ino, DT_DIR, COOKIE_DOT)) return;
      if (offset <= COOKIE_DOT && !out.add('..', this.parentIno(h.node), DT_DIR, COOKIE_DOTDOT)) return;
      const l = h.listing!;
      // Inode numbers and types remembered under the current stamp are exact
      // (Node's readdir gives no d_ino, so otherwise each entry costs an lstat).
      const current = h.current;
      const records = current && out.addEncoded !== undefined ? l.encoded() : undefined;
      if (records !== undefined) {
        // Everything is remembered: the reply is one copy of ready records.
        const from = offset <= COOKIE_DOTDOT ? 0 : h.startOf(offset);
        h.servedSinceRead += out.addEncoded!(records, from) - from;
        return;
      }
      const remember = current && settled(l.stamp, Date.now());
      h.serve(offset, (name, off, i) => {
        if (current) {
          const type = l.typeAt(i);
          if (type >= 0) return out.add(this.direntName(name), l.inoAt(i), type, off) ? EMIT_ADDED : EMIT_STOP;
        }
        let st: BigIntStats | undefined;
        try {
          st = lstatSync(procChildPath(dirFd, name), BIGINT_NOTHROW);
        } catch {
          // Cannot stat it (no search permission for a non-root daemon): still list it.
          return out.add(this.direntName(name), 1, DT_UNKNOWN, off) ? EMIT_ADDED : EMIT_STOP;
        }
        if (st === undefined) return EMIT_GONE;
        const type = direntType(Number(st.mode));
        if (remember) l.remember(i, st.ino, type);
        return out.add(this.direntName(name), inoOf(st.ino), type, off) ? EMIT_ADDED : EMIT_STOP;
      });
    } catch (e) {
      throw this.errors.toFuseError(e, 'readdir');
    }
  }

  readdirplus(_ctx: RequestContext, _nodeid: number, fh: number, offset: bigint, out: DirentPlusSink): void {
    try {
      this.resolver.begin();
      const h = this.dirs.handle(fh);
      const dirFd = this.startListing(h, offset);
      if (offset === 0n && !out.add('.', undefined, DT_DIR, COOKIE_DOT, h.node.ino)) return;
      if (offset <= COOKIE_DOT && !out.add('..', undefined, DT_DIR, COOKIE_DOTDOT, this.parentIno(h.node))) return;
      const dir = h.node;
      const l = h.listing!;
      const remember = h.current && settled(l.stamp, Date.now());
      h.serve(offset, (name, off, i) => {
        let st: BigIntStats | undefined;
        try {
          st = lstatSync(procChildPath(dirFd, name), BIGINT_NOTHROW);
        } catch {
          return out.add(this.direntName(name), undefined, DT_UNKNOWN, off, 1) ? EMIT_ADDED : EMIT_STOP;
        }
        if (st === undefined) return EMIT_GONE;
        const type = direntType(Number(st.mode));
        if (remember) l.remember(i, st.ino, type);
        const node = this.table.learn(st, dir, name);
        if (!out.add(this.direntName(name), this.entry(node, st), type, off)) {
          this.table.release(node);
          return EMIT_STOP;
        }
        this.table.lookedUp(node);
        return EMIT_ADDED;
      });
    } catch (e) {
      throw this.errors.toFuseError(e, 'readdirplus');
    }
  }

  /** Descriptor of the handle's directory, its listing ready for `offset`. */
  private startListing(h: DirHandle, offset: bigint): number {
    const dirFd = this.resolver.fdOf(h.node);
    const st = fstatSync(dirFd, BIGINT);
    h.prepare(offset, st, () => this.listingOf(h.node, dirFd, st));
    return dirFd;
  }

  /**
   * A listing of `dir` as it is now: the cached one while it is reusable and
   * the directory kept its stamp, else a fresh host read (taking over what the
   * cached one knew when the stamp is the same).
   */
  private listingOf(dir: LinuxInode, dirFd: number, st: BigIntStats): DirListing {
    const cached = this.listings.get(dir);
    if (cached !== undefined && cached.reusable && !changedSince(cached.stamp, st)) return cached;
    const l = DirListing.read(procFdPath(dirFd), stampOf(st), Date.now());
    if (cached !== undefined) l.adoptFrom(cached);
    this.listings.set(dir, l);
    return l;
  }

  private parentIno(node: LinuxInode): number | bigint {
    if (node === this.table.root) return node.ino;
    return node.parent?.ino ?? node.ino;
  }

  /** A name's bytes in a reused buffer (the sink copies them). */
  private direntName(name: string): Uint8Array {
    const n = this.nameBuf.write(name, 0, 'latin1');
    return this.nameBuf.subarray(0, n);
  }

  releasedir(_ctx: RequestContext, _nodeid: number, fh: number, _flags: number): void {
    const h = this.dirs.remove(fh);
    if (h !== undefined) this.table.unpin(h.node);
  }

  fsyncdir(_ctx: RequestContext, nodeid: number, _fh: number, datasync: boolean): void {
    try {
      this.resolver.begin();
      const node = this.table.node(nodeid);
      const fd = this.resolver.open(procFdPath(this.resolver.fdOf(node)), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      try {
        if (datasync) fdatasyncSync(fd);
        else fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      throw this.errors.toFuseError(e, 'fsyncdir');
    }
  }

  // ---- filesystem ------------------------------------------------------------

  statfs(_ctx: RequestContext, nodeid: number): StatfsReply {
    try {
      this.resolver.begin();
      const node = this.table.get(nodeid) ?? this.table.root;
      return statfsToReply(statfsSync(procFdPath(this.resolver.fdOf(node))));
    } catch (e) {
      throw this.errors.toFuseError(e, 'statfs');
    }
  }

  access(ctx: RequestContext, nodeid: number, mask: number): void {
    try {
      this.resolver.begin();
      const st = this.resolver.statOf(this.table.node(nodeid));
      const file = { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid) };
      if (accessAllowed(file, ctx, mask)) return;
      // The kernel sends supplementary groups only with FUSE_CREATE_SUPP_GROUP: ask /proc.
      const groups = ctx.groups === undefined ? groupsOfPid(ctx.pid) : undefined;
      if (groups !== undefined && accessAllowed(file, { uid: ctx.uid, gid: ctx.gid, groups }, mask)) return;
      throw fuseError(errno.EACCES);
    } catch (e) {
      throw this.errors.toFuseError(e, 'access');
    }
  }

  // ---- introspection (tests, the conformance suite, stats) --------------------

  /** The kernel's lookup count for a nodeid as this backend holds it; undefined once the node is gone. */
  lookupCount(nodeid: number): number | undefined {
    return this.table.get(nodeid)?.nlookup;
  }

  /** Open file and directory handles. */
  openHandleCount(): number {
    return this.files.size + this.dirs.size;
  }

  // ---- helpers ---------------------------------------------------------------

  private entry(node: LinuxInode, st: BigIntStats): Entry {
    const e: Entry = { nodeid: node.nodeid, generation: 0, attr: statToAttr(st) };
    if (this.options.entryTimeout !== undefined) e.entryTimeout = this.options.entryTimeout;
    if (this.options.attrTimeout !== undefined) e.attrTimeout = this.options.attrTimeout;
    return e;
  }

  private attrReply(st: BigIntStats): AttrReply {
    const r: AttrReply = { attr: statToAttr(st) };
    if (this.options.attrTimeout !== undefined) r.attrTimeout = this.options.attrTimeout;
    return r;
  }

  private dropNode(node: LinuxInode): void {
    if (node.isDir) this.listings.delete(node);
    if (node.fd < 0) return;
    if (node.fdPinned) {
      const fd = node.fd;
      node.fd = -1;
      node.fdPinned = false;
      if (node !== this.table.root) this.heldVictims--;
      try {
        closeSync(fd);
      } catch {
        // nothing to recover
      }
    } else this.resolver.workingSet.drop(node);
  }
}
