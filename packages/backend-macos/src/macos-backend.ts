/**
 * The macOS passthrough backend: serves a host directory (macOS, or Linux for
 * tests) to a Linux FUSE client. All host calls are synchronous; every error
 * is translated by name into the Linux errno (ErrnoTranslator with the
 * host's table); no host call ever follows a symlink (O_NOFOLLOW, l* calls,
 * verified paths, see identity/node-paths.ts).
 *
 * Directories are served from snapshots indexed by offset (dir/), rebuilt
 * only at offset 0 and only when a mutation through this backend (generation
 * counter) or on the host (directory stamp) changed them.
 */
import type { BigIntStats } from 'node:fs';
import {
  FATTR_ATIME, FATTR_ATIME_NOW, FATTR_GID, FATTR_KILL_SUIDGID, FATTR_MODE, FATTR_MTIME,
  FATTR_MTIME_NOW, FATTR_SIZE, FATTR_UID, FOPEN_DIRECT_IO, FUSE_OPEN_KILL_SUIDGID, FUSE_WRITE_KILL_SUIDGID, errno,
} from '@tsfuse/protocol';
import type {
  AttrReply, Backend, CreateReply, DirentPlusSink, DirentSink, Entry, OpenReply, RequestContext,
  SetattrIn, StatfsReply,
} from '@tsfuse/protocol';
import {
  ErrnoTranslator, HandleTable, InodeTable, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID,
  accessAllowed, checkName, dotKind, fuseError, copyRange, hostNow, hostTime, linuxDecodeDev, makeSpecialFile,
  modeAfterKillPriv, sameFile, statfsToReply, type Logger,
} from '@tsfuse/passthrough';
import { DirectoryReader } from './dir/directory-reader.js';
import { DirectoryStates, type DirectoryStats } from './dir/directory-states.js';
import type { DirHandle, FileHandle, Handle } from './handles.js';
import { MacInode } from './handles.js';
import type { HostFs } from './host/host-fs.js';
import type { NodePaths } from './identity/node-paths.js';
import type { LinuxOpenFlags } from './tables/linux-client.js';
import type { HostTables } from './tables/host-tables.js';
import { AttrPresenter } from './translate/attr.js';
import { translateOpenFlags } from './translate/open-flags.js';
import { translateRenameFlags } from './translate/rename-flags.js';
import { translateWhence } from './translate/seek.js';

/** Everything the backend is built from (the factory in index.ts assembles it). */
export interface MacosBackendParts {
  host: HostFs;
  tables: HostTables;
  linuxFlags: LinuxOpenFlags;
  rootStat: BigIntStats;
  /** Builds the path strategy once the inode table (and its root) exists. */
  paths: (root: MacInode) => NodePaths;
  presenter: AttrPresenter;
  racyWindowMs: number;
  log: Logger;
  /** The daemon's effective uid (new objects are given to the caller only when it is 0). */
  euid: number;
}

/** Counters for tests and benchmarks. */
export interface MacosBackendStats extends DirectoryStats {
  /** Open file and directory handles. */
  readonly openHandles: number;
  /** Known inodes, the root included. */
  readonly inodes: number;
}

const READ_CHUNK = 1 << 20;
/** Largest READ served (the kernel's limit is max_pages * page size, at most 16 MiB today). */
const MAX_READ = 64 << 20;
/** At most this many descriptors are kept for unlinked files the kernel still knows (see MacInode.orphanFd). */
const MAX_ORPHANS = 1024;

function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function nameString(name: Uint8Array): string {
  return Buffer.from(name.buffer, name.byteOffset, name.length).toString('latin1');
}

/** The macOS passthrough backend. Build it with createMacosBackend(). */
export class MacosBackend implements Backend {
  /**
   * Set-ID bits are cleared here where the kernel flags it (killPrivFd), so
   * the session negotiates HANDLE_KILLPRIV_V2: an O_TRUNC open by a caller
   * without CAP_FSETID then says so (the daemon's own open keeps the bits).
   */
  readonly handlesKillprivV2 = true;
  /** Host listings, snapshot reuses, open handles, known inodes. */
  readonly stats: MacosBackendStats;
  /** 'vol' or 'path' (see identity/node-paths.ts). */
  readonly identity: 'vol' | 'path';

  private readonly host: HostFs;
  private readonly tables: HostTables;
  private readonly linux: LinuxOpenFlags;
  private readonly table: InodeTable<MacInode>;
  private readonly handles = new HandleTable<Handle>();
  private readonly paths: NodePaths;
  private readonly present: AttrPresenter;
  private readonly dirs: DirectoryStates;
  private readonly reader: DirectoryReader;
  private readonly errors: ErrnoTranslator;
  private readonly euid: number;
  private readonly lookupHandle = (fh: number) => this.handles.get(fh);
  private readBuffer = Buffer.alloc(128 * 1024);
  private orphans = 0;

  constructor(parts: MacosBackendParts) {
    this.host = parts.host;
    this.tables = parts.tables;
    this.linux = parts.linuxFlags;
    this.present = parts.presenter;
    this.euid = parts.euid;
    this.errors = new ErrnoTranslator({ aliases: parts.tables.errnoAliases, hostErrnoName: parts.tables.errnoName, log: parts.log });
    this.table = new InodeTable<MacInode>({
      rootStat: parts.rootStat,
      create: (nodeid, st) => new MacInode(nodeid, st),
      onDrop: (node) => this.closeOrphan(node),
    });
    this.paths = parts.paths(this.table.root);
    this.identity = this.paths.mode;
    this.dirs = new DirectoryStates({ racyWindowMs: parts.racyWindowMs });
    this.reader = new DirectoryReader(this.host, this.paths, this.table, this.present, this.dirs);
    const dirStats = this.dirs.stats;
    const handles = this.handles;
    const table = this.table;
    this.stats = {
      get hostListings() { return dirStats.hostListings; },
      get snapshotReuses() { return dirStats.snapshotReuses; },
      get openHandles() { return handles.size; },
      get inodes() { return table.size; },
    };
  }

  /** The kernel's lookup count for a node id (undefined once the record is gone): for conformance introspection. */
  lookupCount(nodeid: number): number | undefined {
    return this.table.get(nodeid)?.nlookup;
  }

  /** Open file and directory handles: for conformance introspection. */
  openHandleCount(): number {
    return this.handles.size;
  }

  // ---- lifecycle -------------------------------------------------------------

  destroy(): void {
    for (const [fh, h] of this.handles) {
      this.handles.remove(fh);
      try {
        this.host.close(h.fd);
      } catch {
        // already closed: nothing to release
      }
    }
    this.table.clear();
  }

  // ---- names -----------------------------------------------------------------

  lookup(_ctx: RequestContext, parent: number, name: Buffer): Entry {
    try {
      checkName(name, 'lookup');
      const dir = this.dirNode(parent);
      const kind = dotKind(name);
      let node: MacInode;
      let st: BigIntStats;
      if (kind === 0) {
        st = this.host.lstat(this.paths.childOf(dir, name));
        node = this.table.learn(st, dir, nameString(name));
      } else {
        // "." is the directory itself; ".." never climbs above the root.
        node = kind === 1 || dir === this.table.root ? dir : (dir.parent as MacInode | undefined) ?? this.noEntry();
        st = this.paths.statOf(node).st;
      }
      this.table.lookedUp(node);
      return this.entry(node, st);
    } catch (e) {
      throw this.errors.toFuseError(e, 'lookup');
    }
  }

  forget(nodeid: number, nlookup: number): void {
    this.table.forget(nodeid, nlookup);
  }

  getattr(_ctx: RequestContext, nodeid: number, fh: number | undefined): AttrReply {
    try {
      const node = this.table.node(nodeid);
      return { attr: this.present.attr(this.statNode(node, fh)) };
    } catch (e) {
      throw this.errors.toFuseError(e, 'getattr');
    }
  }

  setattr(_ctx: RequestContext, nodeid: number, a: SetattrIn): AttrReply {
    try {
      const node = this.table.node(nodeid);
      const v = a.valid;
      const fd = node.fdFor(a.fh, this.lookupHandle);
      if (v & FATTR_MODE) this.chmodNode(node, fd, a.mode & 0o7777);
      if (v & (FATTR_UID | FATTR_GID)) {
        const uid = v & FATTR_UID ? this.present.hostUid(a.uid) : -1;
        const gid = v & FATTR_GID ? this.present.hostGid(a.gid) : -1;
        if (fd >= 0) this.host.fchown(fd, uid, gid);
        else this.host.lchown(this.paths.pathOf(node), uid, gid);
      }
      if (v & FATTR_SIZE) this.truncateNode(node, a.fh, a.size);
      // Under HANDLE_KILLPRIV_V2 a chown's kill-priv is ours (no flag says so):
      // Linux clears set-ID bits of a non-directory at every chown, a darwin
      // host not when root chowns.
      const chownKills = (v & (FATTR_UID | FATTR_GID)) !== 0 && (node.mode & S_IFMT) !== S_IFDIR;
      if ((v & FATTR_KILL_SUIDGID || chownKills) && !(v & FATTR_MODE)) {
        const mode = Number(this.statNode(node, a.fh).mode);
        const killed = modeAfterKillPriv(mode);
        if (killed !== mode) this.chmodNode(node, fd, killed & 0o7777);
      }
      if (v & (FATTR_ATIME | FATTR_MTIME)) this.setTimes(node, fd, a);
      return { attr: this.present.attr(this.statNode(node, a.fh)) };
    } catch (e) {
      throw this.errors.toFuseError(e, 'setattr');
    }
  }

  readlink(_ctx: RequestContext, nodeid: number): Buffer {
    try {
      const node = this.table.node(nodeid);
      if ((node.mode & S_IFMT) !== S_IFLNK) throw fuseError(errno.EINVAL);
      return this.host.readlink(this.paths.pathOf(node));
    } catch (e) {
      throw this.errors.toFuseError(e, 'readlink');
    }
  }

  mknod(ctx: RequestContext, parent: number, name: Buffer, mode: number, rdev: number, umask: number): Entry {
    try {
      checkName(name, 'mknod');
      const dir = this.dirNode(parent);
      const type = mode & S_IFMT;
      const path = this.paths.childOf(dir, name);
      const perm = mode & ~umask & 0o7777;
      if (type === S_IFREG || type === 0) {
        const o = this.tables.openFlags;
        const fd = this.host.open(path, o.O_WRONLY | o.O_CREAT | o.O_EXCL | o.O_NOFOLLOW | o.O_NOCTTY | o.O_NONBLOCK, perm);
        this.dirs.bump(dir.nodeid);
        try {
          this.adoptNew(ctx, dir, fd, path, perm);
        } finally {
          this.host.close(fd);
        }
        return this.entryOfNew(dir, name, path);
      }
      if (type !== S_IFIFO && type !== S_IFSOCK && type !== S_IFCHR && type !== S_IFBLK) throw fuseError(errno.EINVAL);
      if (this.exists(path)) throw fuseError(errno.EEXIST); // as the VFS checks before the filesystem
      if ((type === S_IFCHR || type === S_IFBLK) && this.euid !== 0) throw fuseError(errno.EPERM);
      const { major, minor } = linuxDecodeDev(rdev);
      // darwin's dev_t holds an 8-bit major and a 24-bit minor: a larger device number cannot be made.
      if (this.tables.platform === 'darwin' && (major > 0xff || minor > 0xffffff)) throw fuseError(errno.EINVAL);
      makeSpecialFile({
        fs: this.host, dir: { path: this.paths.pathOf(dir) }, name, type, major, minor,
        // darwin's link() would follow a symlink put in place of the temporary name.
        publish: this.tables.platform === 'darwin' ? 'rename' : 'link',
        log: this.errors.log,
      });
      this.dirs.bump(dir.nodeid);
      this.adoptNew(ctx, dir, -1, path, perm);
      return this.entryOfNew(dir, name, path);
    } catch (e) {
      throw this.errors.toFuseError(e, 'mknod');
    }
  }

  mkdir(ctx: RequestContext, parent: number, name: Buffer, mode: number, umask: number): Entry {
    try {
      checkName(name, 'mkdir');
      const dir = this.dirNode(parent);
      const path = this.paths.childOf(dir, name);
      const perm = mode & ~umask & 0o7777;
      this.host.mkdir(path, perm);
      this.dirs.bump(dir.nodeid);
      this.adoptNew(ctx, dir, -1, path, perm, true);
      return this.entryOfNew(dir, name, path);
    } catch (e) {
      throw this.errors.toFuseError(e, 'mkdir');
    }
  }

  symlink(ctx: RequestContext, parent: number, name: Buffer, target: Buffer): Entry {
    try {
      checkName(name, 'symlink');
      const dir = this.dirNode(parent);
      const path = this.paths.childOf(dir, name);
      this.host.symlink(Buffer.from(target), path);
      this.dirs.bump(dir.nodeid);
      if (this.euid === 0) this.host.lchown(path, this.present.hostUid(ctx.uid), this.newGid(ctx, dir));
      return this.entryOfNew(dir, name, path);
    } catch (e) {
      throw this.errors.toFuseError(e, 'symlink');
    }
  }

  link(_ctx: RequestContext, nodeid: number, newParent: number, newName: Buffer): Entry {
    try {
      checkName(newName, 'link');
      const node = this.table.node(nodeid);
      const dir = this.dirNode(newParent);
      if (node.isDir) throw fuseError(errno.EPERM);
      // darwin's link() follows a final symlink in its source (link(2), "not to the symbolic link
      // itself"), which could hard-link a file outside the share into it: refuse, as a filesystem
      // without hard links to symlinks does.
      if (this.tables.platform === 'darwin' && (node.mode & S_IFMT) === S_IFLNK) throw fuseError(errno.EPERM);
      const { path: source, st: sourceSt } = this.paths.statOf(node);
      if (this.tables.platform === 'darwin' && (Number(sourceSt.mode) & S_IFMT) === S_IFLNK) throw fuseError(errno.EPERM);
      const path = this.paths.childOf(dir, newName);
      this.host.link(source, path);
      this.dirs.bump(dir.nodeid);
      return this.entryOfNew(dir, newName, path);
    } catch (e) {
      throw this.errors.toFuseError(e, 'link');
    }
  }

  unlink(_ctx: RequestContext, parent: number, name: Buffer): void {
    try {
      checkName(name, 'unlink');
      const dir = this.dirNode(parent);
      const path = this.paths.childOf(dir, name);
      const st = this.host.lstat(path);
      if ((Number(st.mode) & S_IFMT) === S_IFDIR) throw fuseError(errno.EISDIR);
      const orphan = this.prepareOrphan(st, path);
      try {
        this.host.unlink(path);
      } catch (e) {
        orphan.abandon();
        throw e;
      }
      orphan.keep();
      this.dirs.bump(dir.nodeid);
      this.forgetName(st, dir, name);
    } catch (e) {
      throw this.errors.toFuseError(e, 'unlink');
    }
  }

  rmdir(_ctx: RequestContext, parent: number, name: Buffer): void {
    try {
      checkName(name, 'rmdir');
      const dir = this.dirNode(parent);
      const path = this.paths.childOf(dir, name);
      const st = this.host.lstat(path);
      if ((Number(st.mode) & S_IFMT) !== S_IFDIR) throw fuseError(errno.ENOTDIR);
      this.host.rmdir(path);
      this.dirs.bump(dir.nodeid);
      const gone = this.table.find(st);
      if (gone !== undefined) this.dirs.bump(gone.nodeid);
      this.forgetName(st, dir, name);
    } catch (e) {
      throw this.errors.toFuseError(e, 'rmdir');
    }
  }

  rename(_ctx: RequestContext, parent: number, name: Buffer, newParent: number, newName: Buffer, flags: number): void {
    try {
      checkName(name, 'rename');
      checkName(newName, 'rename');
      const hostFlags = translateRenameFlags(flags, this.tables);
      const { noReplace, exchange } = this.tables.renameFlags;
      // Node has neither renameat2 nor renamex_np: an atomic swap cannot be done. EINVAL is what
      // Linux answers for RENAME_EXCHANGE on a filesystem that lacks it.
      if (exchange !== undefined && hostFlags & exchange) throw fuseError(errno.EINVAL);
      const dir = this.dirNode(parent);
      const newDir = this.dirNode(newParent);
      const from = this.paths.childOf(dir, name);
      const to = this.paths.childOf(newDir, newName);
      const srcSt = this.host.lstat(from);
      let dstSt: BigIntStats | undefined;
      try {
        dstSt = this.host.lstat(to);
      } catch (e) {
        if (codeOf(e) !== 'ENOENT') throw e;
      }
      if (noReplace !== undefined && hostFlags & noReplace) {
        if (dstSt !== undefined) throw fuseError(errno.EEXIST);
        this.renameNoReplace(from, to, srcSt);
      } else {
        const replacing = dstSt !== undefined && dstSt.ino !== srcSt.ino ? this.prepareOrphan(dstSt, to) : undefined;
        try {
          this.host.rename(from, to);
        } catch (e) {
          replacing?.abandon();
          throw e;
        }
        replacing?.keep();
      }
      this.dirs.bump(dir.nodeid);
      if (newDir !== dir) this.dirs.bump(newDir.nodeid);
      const moved = this.table.find(srcSt);
      if (dstSt !== undefined && !(dstSt.ino === srcSt.ino && dstSt.dev === srcSt.dev)) {
        const replaced = this.table.find(dstSt);
        if (replaced !== undefined) {
          if (replaced.isDir) this.dirs.bump(replaced.nodeid);
          if (replaced.parent === newDir && replaced.name === nameString(newName)) this.table.detach(replaced);
        }
      }
      if (moved !== undefined) {
        this.table.move(moved, newDir, nameString(newName));
        // A directory moved to another parent has a new "..".
        if (moved.isDir && newDir !== dir) this.dirs.bump(moved.nodeid);
      }
    } catch (e) {
      throw this.errors.toFuseError(e, 'rename');
    }
  }

  // ---- files -----------------------------------------------------------------

  open(_ctx: RequestContext, nodeid: number, flags: number, openFlags = 0): OpenReply {
    try {
      const node = this.table.node(nodeid);
      this.checkOpenable(node.mode);
      const t = translateOpenFlags(flags, this.linux, this.tables);
      const fd = this.host.open(this.paths.pathOf(node), t.hostFlags);
      if (openFlags & FUSE_OPEN_KILL_SUIDGID && flags & this.linux.O_TRUNC) {
        try {
          this.killPrivFd(fd);
        } catch (e) {
          this.host.close(fd);
          throw e;
        }
      }
      const fh = this.adoptFd(node, fd, (flags & this.linux.O_ACCMODE) !== this.linux.O_RDONLY);
      return { fh, openFlags: t.directIo ? FOPEN_DIRECT_IO : 0 };
    } catch (e) {
      throw this.errors.toFuseError(e, 'open');
    }
  }

  create(ctx: RequestContext, parent: number, name: Buffer, mode: number, umask: number, flags: number, openFlags = 0): CreateReply {
    try {
      checkName(name, 'create');
      const dir = this.dirNode(parent);
      const t = translateOpenFlags(flags, this.linux, this.tables);
      const o = this.tables.openFlags;
      const path = this.paths.childOf(dir, name);
      const perm = mode & ~umask & 0o7777;
      let fd: number;
      let created = true;
      try {
        fd = this.host.open(path, t.hostFlags | o.O_CREAT | o.O_EXCL, perm);
      } catch (e) {
        if (codeOf(e) !== 'EEXIST' || flags & this.linux.O_EXCL) throw e;
        // The name appeared since the kernel's lookup: open what is there (never through a symlink).
        fd = this.host.open(path, t.hostFlags & ~(o.O_CREAT | o.O_EXCL));
        created = false;
      }
      let st: BigIntStats;
      try {
        if (created) {
          this.dirs.bump(dir.nodeid);
          this.adoptNew(ctx, dir, fd, path, perm);
        }
        st = this.host.fstat(fd);
        if ((Number(st.mode) & S_IFMT) !== S_IFREG) throw fuseError((Number(st.mode) & S_IFMT) === S_IFDIR ? errno.EISDIR : errno.EACCES);
        if (!created && openFlags & FUSE_OPEN_KILL_SUIDGID && flags & this.linux.O_TRUNC) {
          this.killPrivFd(fd);
          st = this.host.fstat(fd);
        }
      } catch (e) {
        this.host.close(fd);
        throw e;
      }
      const node = this.table.learn(st, dir, nameString(name));
      const fh = this.adoptFd(node, fd, (flags & this.linux.O_ACCMODE) !== this.linux.O_RDONLY, st);
      this.table.lookedUp(node);
      return { fh, openFlags: t.directIo ? FOPEN_DIRECT_IO : 0, entry: this.entry(node, st) };
    } catch (e) {
      throw this.errors.toFuseError(e, 'create');
    }
  }

  read(_ctx: RequestContext, _nodeid: number, fh: number, offset: number, size: number, _flags: number): Uint8Array {
    try {
      const h = this.fileHandle(fh);
      // The kernel never asks for more than max_pages pages; an absurd size is refused, not allocated.
      if (size > MAX_READ) throw fuseError(errno.EINVAL);
      if (this.readBuffer.length < size) this.readBuffer = Buffer.alloc(Math.max(size, this.readBuffer.length * 2));
      const buf = this.readBuffer;
      let got = 0;
      while (got < size) {
        const n = this.host.read(h.fd, buf, got, size - got, offset + got);
        if (n === 0) break;
        got += n;
      }
      return buf.subarray(0, got);
    } catch (e) {
      throw this.errors.toFuseError(e, 'read');
    }
  }

  write(_ctx: RequestContext, _nodeid: number, fh: number, offset: number, data: Uint8Array, writeFlags: number, _flags: number): number {
    try {
      const h = this.fileHandle(fh);
      if (writeFlags & FUSE_WRITE_KILL_SUIDGID) this.killPrivFd(h.fd);
      let done = 0;
      while (done < data.length) done += this.host.write(h.fd, data, done, data.length - done, offset + done);
      return done;
    } catch (e) {
      throw this.errors.toFuseError(e, 'write');
    }
  }

  // No flush(): nothing is buffered in the daemon and descriptors are not
  // shared with the client's. Left out, the session answers ENOSYS once, which
  // the kernel takes as success and stops sending FLUSH (a round trip less per close()).

  release(_ctx: RequestContext, _nodeid: number, fh: number, _flags: number, _releaseFlags: number, _lockOwner: bigint): void {
    const h = this.handles.get(fh);
    if (h === undefined || h.kind !== 'file') return;
    this.closeHandle(fh, h);
  }

  fsync(_ctx: RequestContext, _nodeid: number, fh: number, datasync: boolean): void {
    try {
      const h = this.fileHandle(fh);
      if (datasync) this.host.fdatasync(h.fd);
      else this.host.fsync(h.fd);
    } catch (e) {
      throw this.errors.toFuseError(e, 'fsync');
    }
  }

  lseek(_ctx: RequestContext, _nodeid: number, fh: number, offset: number, whence: number): number {
    try {
      const h = this.fileHandle(fh);
      const w = translateWhence(whence, this.tables);
      const s = this.tables.seek;
      const size = Number(this.host.fstat(h.fd).size);
      // Node cannot call lseek(2): SEEK_DATA/SEEK_HOLE answer as for a filesystem without holes
      // (all data, one hole at the end of file), which POSIX allows and Linux's generic code does.
      if (w === s.SEEK_DATA) {
        if (offset < 0) throw fuseError(errno.EINVAL);
        if (offset >= size) throw fuseError(errno.ENXIO);
        return offset;
      }
      if (w === s.SEEK_HOLE) {
        if (offset < 0) throw fuseError(errno.EINVAL);
        if (offset >= size) throw fuseError(errno.ENXIO);
        return size;
      }
      if (w === s.SEEK_SET) {
        if (offset < 0) throw fuseError(errno.EINVAL);
        return offset;
      }
      if (w === s.SEEK_END) {
        if (size + offset < 0) throw fuseError(errno.EINVAL);
        return size + offset;
      }
      // SEEK_CUR: the kernel keeps file positions itself and never sends it.
      throw fuseError(errno.EINVAL);
    } catch (e) {
      throw this.errors.toFuseError(e, 'lseek');
    }
  }

  copyFileRange(
    ctx: RequestContext, _nodeIn: number, fhIn: number, offIn: number, _nodeOut: number, fhOut: number, offOut: number,
    len: number, flags: number,
  ): number {
    try {
      if (flags !== 0) throw fuseError(errno.EINVAL);
      const src = this.fileHandle(fhIn);
      const dst = this.fileHandle(fhOut);
      if (!dst.writable) throw fuseError(errno.EBADF);
      // Kill-priv of this write is ours under HANDLE_KILLPRIV_V2 and carries no
      // flag: a caller other than root is taken to lack CAP_FSETID.
      if (ctx.uid !== 0) this.killPrivFd(dst.fd);
      if (this.readBuffer.length < READ_CHUNK) this.readBuffer = Buffer.alloc(READ_CHUNK);
      return copyRange(this.host, src.fd, offIn, dst.fd, offOut, len, this.readBuffer.subarray(0, READ_CHUNK));
    } catch (e) {
      throw this.errors.toFuseError(e, 'copy_file_range');
    }
  }

  // ---- directories -----------------------------------------------------------

  opendir(_ctx: RequestContext, nodeid: number, _flags: number): OpenReply {
    try {
      const node = this.dirNode(nodeid);
      const o = this.tables.openFlags;
      const fd = this.host.open(this.paths.pathOf(node), o.O_RDONLY | o.O_DIRECTORY | o.O_NOFOLLOW | o.O_NONBLOCK);
      let st: BigIntStats;
      try {
        st = this.host.fstat(fd);
        if (!sameFile(node, st)) throw fuseError(errno.ESTALE);
      } catch (e) {
        this.host.close(fd);
        throw e;
      }
      const h: DirHandle = { kind: 'dir', node, fd, snapshot: undefined };
      const fh = this.handles.add(h);
      node.handles.push(h);
      this.table.pin(node);
      this.dirs.retain(node.nodeid);
      return { fh };
    } catch (e) {
      throw this.errors.toFuseError(e, 'opendir');
    }
  }

  readdir(_ctx: RequestContext, _nodeid: number, fh: number, offset: bigint, out: DirentSink): void {
    try {
      this.reader.serve(this.dirHandle(fh), offset, out, undefined);
    } catch (e) {
      throw this.errors.toFuseError(e, 'readdir');
    }
  }

  readdirplus(_ctx: RequestContext, _nodeid: number, fh: number, offset: bigint, out: DirentPlusSink): void {
    try {
      this.reader.serve(this.dirHandle(fh), offset, undefined, out);
    } catch (e) {
      throw this.errors.toFuseError(e, 'readdirplus');
    }
  }

  releasedir(_ctx: RequestContext, _nodeid: number, fh: number, _flags: number): void {
    const h = this.handles.get(fh);
    if (h === undefined || h.kind !== 'dir') return;
    this.dirs.release(h.node.nodeid);
    this.closeHandle(fh, h);
  }

  fsyncdir(_ctx: RequestContext, _nodeid: number, fh: number, datasync: boolean): void {
    try {
      const h = this.dirHandle(fh);
      if (datasync) this.host.fdatasync(h.fd);
      else this.host.fsync(h.fd);
    } catch (e) {
      throw this.errors.toFuseError(e, 'fsyncdir');
    }
  }

  // ---- filesystem ------------------------------------------------------------

  statfs(_ctx: RequestContext, nodeid: number): StatfsReply {
    try {
      const node = this.table.node(nodeid);
      // statfs(2) follows symlinks: ask about the directory holding a non-directory instead.
      const target = node.isDir ? node : ((node.parent as MacInode | undefined) ?? this.table.root);
      const reply = statfsToReply(this.host.statfs(this.paths.pathOf(target)));
      reply.namelen = Math.min(reply.namelen, this.tables.nameMax);
      return reply;
    } catch (e) {
      throw this.errors.toFuseError(e, 'statfs');
    }
  }

  access(ctx: RequestContext, nodeid: number, mask: number): void {
    try {
      const node = this.table.node(nodeid);
      const attr = this.present.attr(this.statNode(node, undefined));
      if (!accessAllowed(attr, ctx, mask)) throw fuseError(errno.EACCES);
    } catch (e) {
      throw this.errors.toFuseError(e, 'access');
    }
  }

  // ---- helpers ---------------------------------------------------------------

  /** The Linux errno of a host error without logging (undefined when it has none). */
  private errnoQuiet(e: unknown): number | undefined {
    const code = codeOf(e);
    if (code === undefined) return undefined;
    const n = this.errors.errnoOf(code);
    if (n !== undefined || code !== 'UNKNOWN') return n;
    const raw = (e as { errno?: unknown }).errno;
    const name = typeof raw === 'number' ? this.tables.errnoName(-raw) : undefined;
    return name === undefined ? undefined : this.errors.errnoOf(name);
  }

  private entry(node: MacInode, st: BigIntStats): Entry {
    return { nodeid: node.nodeid, attr: this.present.attr(st) };
  }

  /** lstat a name just created, learn it, count the lookup. */
  private entryOfNew(dir: MacInode, name: Buffer, path: Buffer): Entry {
    const st = this.host.lstat(path);
    const node = this.table.learn(st, dir, nameString(name));
    this.table.lookedUp(node);
    return this.entry(node, st);
  }

  /** The directory record for `nodeid`; ENOTDIR for anything else (a crafted request). */
  private dirNode(nodeid: number): MacInode {
    const node = this.table.node(nodeid);
    if (!node.isDir) throw fuseError(errno.ENOTDIR);
    return node;
  }

  private noEntry(): never {
    throw fuseError(errno.ENOENT);
  }

  private fileHandle(fh: number): FileHandle {
    const h = this.handles.get(fh);
    if (h === undefined || h.kind !== 'file') throw fuseError(errno.EBADF);
    return h;
  }

  private dirHandle(fh: number): DirHandle {
    const h = this.handles.get(fh);
    if (h === undefined || h.kind !== 'dir') throw fuseError(errno.EBADF);
    return h;
  }

  /** Stat `node`: through an open descriptor when there is one (exact even after unlink), else its path. */
  private statNode(node: MacInode, fh: number | undefined): BigIntStats {
    const fd = node.fdFor(fh, this.lookupHandle);
    return fd >= 0 ? this.host.fstat(fd) : this.paths.statOf(node).st;
  }

  /** Only regular files are opened: the kernel never sends OPEN for others, and devices/FIFOs must not be opened by the daemon. */
  private checkOpenable(mode: number): void {
    switch (mode & S_IFMT) {
      case S_IFREG: return;
      case S_IFDIR: throw fuseError(errno.EISDIR);
      case S_IFLNK: throw fuseError(errno.ELOOP);
      case S_IFSOCK: throw fuseError(errno.ENXIO);
      default: throw fuseError(errno.EACCES);
    }
  }

  /** Put an opened descriptor in the handle table after proving it is `node`. */
  private adoptFd(node: MacInode, fd: number, writable: boolean, known?: BigIntStats): number {
    try {
      const st = known ?? this.host.fstat(fd);
      if (!sameFile(node, st)) throw fuseError(errno.ESTALE);
      this.checkOpenable(Number(st.mode));
    } catch (e) {
      this.host.close(fd);
      throw e;
    }
    const h: FileHandle = { kind: 'file', node, fd, writable };
    const fh = this.handles.add(h);
    node.handles.push(h);
    this.table.pin(node);
    return fh;
  }

  private closeHandle(fh: number, h: Handle): void {
    this.handles.remove(fh);
    h.node.dropHandle(h);
    try {
      this.host.close(h.fd);
    } catch (e) {
      this.errors.log(`close of fh ${fh} failed: ${String(e)}`);
    }
    this.table.unpin(h.node);
  }

  /** The group a new object gets: the caller's, unless the directory is setgid (then the directory's, as Linux does). */
  private newGid(ctx: RequestContext, dir: MacInode): number {
    if (dir.mode & S_ISGID) return -1;
    return this.present.hostGid(ctx.gid);
  }

  /**
   * Make a new object look as Linux would have made it: owned by the caller
   * when the daemon is root, and with exactly the permission bits asked for
   * (the daemon's own umask must not apply; a setgid directory passes S_ISGID
   * on to new subdirectories).
   */
  private adoptNew(ctx: RequestContext, dir: MacInode, fd: number, path: Buffer, perm: number, isDir = false): void {
    if (this.euid === 0) {
      const uid = this.present.hostUid(ctx.uid);
      const gid = this.newGid(ctx, dir);
      if (fd >= 0) this.host.fchown(fd, uid, gid);
      else this.host.lchown(path, uid, gid);
    }
    const st = fd >= 0 ? this.host.fstat(fd) : this.host.lstat(path);
    const have = Number(st.mode) & 0o7777;
    let want = perm;
    if (isDir && dir.mode & S_ISGID) want |= S_ISGID;
    else if (!(perm & S_ISGID)) want |= have & S_ISGID;
    if (have !== want) {
      if (fd >= 0) this.host.fchmod(fd, want);
      else if (this.host.lchmod !== undefined) this.host.lchmod(path, want);
      else this.host.chmod(path, want); // an object we just made and lstat'ed: not a symlink
    }
  }

  /** Change the mode of `node`, never through a symlink. */
  private chmodNode(node: MacInode, fd: number, mode: number): void {
    if (fd >= 0) return this.host.fchmod(fd, mode);
    const { path, st } = this.paths.statOf(node);
    const type = Number(st.mode) & S_IFMT;
    if (this.host.lchmod !== undefined) return this.host.lchmod(path, mode);
    if (type === S_IFLNK) throw fuseError(errno.EOPNOTSUPP); // Linux: symlink modes cannot change
    if (type === S_IFREG || type === S_IFDIR) {
      const o = this.tables.openFlags;
      let tmp = -1;
      try {
        tmp = this.host.open(path, o.O_RDONLY | o.O_NOFOLLOW | o.O_NONBLOCK | o.O_NOCTTY | (type === S_IFDIR ? o.O_DIRECTORY : 0));
      } catch (e) {
        if (codeOf(e) !== 'EACCES') throw e;
      }
      if (tmp >= 0) {
        try {
          if (!sameFile(node, this.host.fstat(tmp))) throw fuseError(errno.ESTALE);
          return this.host.fchmod(tmp, mode);
        } finally {
          this.host.close(tmp);
        }
      }
    }
    // FIFOs, sockets, devices (or no read permission): chmod(2) on the path statOf just proved is
    // not a symlink. See README: the window between the two calls is path mode's one race.
    this.host.chmod(path, mode);
  }

  /** ftruncate through a writable descriptor: the client's, another open one, or a fresh one. */
  private truncateNode(node: MacInode, fh: number | undefined, size: number): void {
    const fd = node.writableFd(fh, this.lookupHandle);
    if (fd >= 0) return this.host.ftruncate(fd, size);
    const type = node.mode & S_IFMT;
    if (type === S_IFDIR) throw fuseError(errno.EISDIR);
    if (type !== S_IFREG) throw fuseError(errno.EINVAL);
    const o = this.tables.openFlags;
    const tmp = this.host.open(this.paths.pathOf(node), o.O_WRONLY | o.O_NOFOLLOW | o.O_NONBLOCK | o.O_NOCTTY);
    try {
      if (!sameFile(node, this.host.fstat(tmp))) throw fuseError(errno.ESTALE);
      this.host.ftruncate(tmp, size);
    } finally {
      this.host.close(tmp);
    }
  }

  private setTimes(node: MacInode, fd: number, a: SetattrIn): void {
    const v = a.valid;
    let atime: number | string;
    let mtime: number | string;
    if ((v & FATTR_ATIME) && (v & FATTR_MTIME)) {
      atime = v & FATTR_ATIME_NOW ? hostNow() : hostTime(a.atime, a.atimensec);
      mtime = v & FATTR_MTIME_NOW ? hostNow() : hostTime(a.mtime, a.mtimensec);
    } else {
      // UTIME_OMIT for one of them: Node sets both, so pass the current value back.
      const st = fd >= 0 ? this.host.fstat(fd) : this.paths.statOf(node).st;
      const keep = (ns: bigint) => hostTime(Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n));
      atime = v & FATTR_ATIME ? (v & FATTR_ATIME_NOW ? hostNow() : hostTime(a.atime, a.atimensec)) : keep(st.atimeNs);
      mtime = v & FATTR_MTIME ? (v & FATTR_MTIME_NOW ? hostNow() : hostTime(a.mtime, a.mtimensec)) : keep(st.mtimeNs);
    }
    if (fd >= 0) this.host.futimes(fd, atime, mtime);
    else this.host.lutimes(this.paths.pathOf(node), atime, mtime);
  }

  /** FUSE_WRITE_KILL_SUIDGID / FUSE_OPEN_KILL_SUIDGID: clear setuid (and setgid when group-executable). */
  private killPrivFd(fd: number): void {
    const mode = Number(this.host.fstat(fd).mode);
    const killed = modeAfterKillPriv(mode);
    if (killed !== mode) this.host.fchmod(fd, killed & 0o7777);
  }

  /** True when `path` names something (lstat succeeds). */
  private exists(path: Buffer): boolean {
    try {
      this.host.lstat(path);
      return true;
    } catch (e) {
      if (this.errnoQuiet(e) === errno.ENOENT) return false;
      throw e;
    }
  }

  /**
   * Before the last name of a regular file the kernel still holds goes away
   * (unlink, rename over it), take a read-only descriptor so that GETATTR by
   * node id (fstat through an O_PATH descriptor, a cwd...) still answers
   * until FORGET. keep() after the host call succeeded, abandon() otherwise.
   */
  private prepareOrphan(st: BigIntStats, path: Buffer): { keep(): void; abandon(): void } {
    const none = { keep() {}, abandon() {} };
    if ((Number(st.mode) & S_IFMT) !== S_IFREG || st.nlink !== 1n || this.orphans >= MAX_ORPHANS) return none;
    const node = this.table.find(st);
    if (node === undefined || node.nlookup === 0 || node.handles.length > 0 || node.orphanFd >= 0) return none;
    const o = this.tables.openFlags;
    let fd: number;
    try {
      fd = this.host.open(path, o.O_RDONLY | o.O_NOFOLLOW | o.O_NONBLOCK | o.O_NOCTTY);
    } catch {
      return none; // no read permission or gone already: GETATTR will answer ESTALE
    }
    if (!sameFile(node, this.host.fstat(fd))) {
      this.host.close(fd);
      return none;
    }
    return {
      keep: () => {
        node.orphanFd = fd;
        this.orphans++;
      },
      abandon: () => this.host.close(fd),
    };
  }

  /** The record is gone: close its orphan descriptor, if any. */
  private closeOrphan(node: MacInode): void {
    if (node.orphanFd < 0) return;
    try {
      this.host.close(node.orphanFd);
    } catch {
      // nothing left to release
    }
    node.orphanFd = -1;
    this.orphans--;
  }

  /** A name went away through the mount: its record no longer knows a path (unless it was reached by another link). */
  private forgetName(st: BigIntStats, dir: MacInode, name: Buffer): void {
    const node = this.table.find(st);
    if (node !== undefined && node.parent === dir && node.name === nameString(name)) this.table.detach(node);
  }

  /**
   * rename without replacing: for a file, link() then unlink() is atomic (link
   * fails with EEXIST when the target exists). Directories, symlinks (darwin's
   * link() would follow them) and filesystems without hard links fall back to
   * "check, then rename", which a concurrent host-side create can race.
   */
  private renameNoReplace(from: Buffer, to: Buffer, srcSt: BigIntStats): void {
    const type = Number(srcSt.mode) & S_IFMT;
    if (type !== S_IFDIR && type !== S_IFLNK) {
      try {
        this.host.link(from, to);
        this.host.unlink(from);
        return;
      } catch (e) {
        const n = this.errnoQuiet(e);
        if (n !== errno.EPERM && n !== errno.EOPNOTSUPP && n !== errno.EMLINK) throw e;
      }
    }
    try {
      this.host.lstat(to);
      throw fuseError(errno.EEXIST);
    } catch (e) {
      if (codeOf(e) !== 'ENOENT') throw e;
    }
    this.host.rename(from, to);
  }
}
