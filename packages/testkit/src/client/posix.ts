/**
 * PosixFs: a path-based, POSIX-like facade over FuseClient, doing what the
 * Linux VFS and the fuse module do before and around the requests:
 * - path walk by LOOKUP per component (no dentry cache: every walk looks up
 *   again, and every successful LOOKUP counts, as a revalidating kernel
 *   does), "." and ".." handled locally, symlinks followed (40 at most:
 *   ELOOP), ENOTDIR when walking through a non-directory, ENAMETOOLONG for
 *   components over 1024 bytes and paths of 4096 or more;
 * - the errors only the VFS gives (EEXIST for O_CREAT|O_EXCL on an existing
 *   name, EISDIR for opening a directory for writing, EBUSY for renaming "."
 *   or "..", EPERM for hard-linking a directory, ...);
 * - the fuse module's habits: O_TRUNC folded into OPEN only with
 *   ATOMIC_O_TRUNC, CREATE falling back to MKNOD+OPEN on ENOSYS, FLUSH on
 *   close then RELEASE, remembered ENOSYS (flush/fsync/access succeed;
 *   xattrs, fallocate, copy_file_range answer EOPNOTSUPP), SEEK_DATA/SEEK_HOLE
 *   falling back to generic_file_llseek, O_APPEND writing at the file size.
 * Everything else (existence, emptiness, rename rules, name validity) is left
 * to the server, so its answer is what the caller sees.
 */
import {
  FATTR, FOPEN, FUSE_NAME_MAX, FUSE_OPEN_KILL_SUIDGID, FUSE_WRITE_KILL_SUIDGID, FUSE_ROOT_ID, Init, O, Op, S, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET,
} from './abi.js';
import type { FuseClient } from './client.js';
import { Dir, OPENDIR_FLAGS, type DirEntry, type DirOptions } from './dir.js';
import { FsError, fsError } from './errors.js';
import type { FuseAttr, FuseStatfs } from './replies.js';
import { statFromAttr, type Stat, type Timespec } from './stat.js';
import { nameBytes } from './wire.js';

const PATH_MAX = 4096;
const MAXSYMLINKS = 40;
const DOT = 0x2e;

/** A resolved node: its id and attributes, and where it was found. */
export interface Resolved {
  nodeid: number;
  attr: FuseAttr;
  parent: number;
  parentAttr: FuseAttr;
  name: Uint8Array;
}

/** An open file description (what an fd points to). */
export interface OpenFile {
  nodeid: number;
  /** undefined after a zero-message open (NO_OPEN_SUPPORT). */
  fh: number | undefined;
  /** f_flags as the kernel keeps them (and sends in READ/WRITE/RELEASE). */
  flags: number;
  openFlags: number;
  position: number;
  isDir: boolean;
}

/** A time argument for utimes: an exact time, 'now' (UTIME_NOW) or 'omit' (UTIME_OMIT). */
export type TimeArg = Timespec | 'now' | 'omit';

function splitPath(path: string): { absolute: boolean; parts: Uint8Array[]; trailingSlash: boolean } {
  const bytes = nameBytes(path);
  if (bytes.length === 0) throw fsError('ENOENT', 'empty path');
  if (bytes.length >= PATH_MAX) throw fsError('ENAMETOOLONG', 'path of 4096 bytes or more');
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x2f) {
      if (i > start) parts.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return { absolute: bytes[0] === 0x2f, parts, trailingSlash: bytes[bytes.length - 1] === 0x2f };
}

const isDot = (n: Uint8Array): boolean => n.length === 1 && n[0] === DOT;
const isDotDot = (n: Uint8Array): boolean => n.length === 2 && n[0] === DOT && n[1] === DOT;
const typeOf = (a: FuseAttr): number => a.mode & S.IFMT;

/** The wall clock as a Timespec (what the kernel puts beside FATTR_*TIME_NOW). */
function nowTimespec(): Timespec {
  const ms = Date.now();
  return { sec: Math.floor(ms / 1000), nsec: (ms % 1000) * 1_000_000 };
}

export class PosixFs {
  private readonly fds = new Map<number, OpenFile>();
  private nextFd = 3;
  private rootAttr: FuseAttr | undefined;
  /** A fixed lock owner id, as the kernel derives one from the files_struct. */
  readonly lockOwner = 0x5eed_f00dn;

  /** `dir`: the default DirOptions of opendir/readdir (the kernel profile when omitted). */
  constructor(readonly client: FuseClient, readonly options: { dir?: DirOptions } = {}) {}

  // ---- path walk ---------------------------------------------------------

  private async root(): Promise<FuseAttr> {
    if (!this.rootAttr) this.rootAttr = (await this.client.getattr(FUSE_ROOT_ID)).attr;
    return this.rootAttr;
  }

  /**
   * Walks `path`. The last component is followed when it is a symlink and
   * `follow` is set. Throws ENOENT/ENOTDIR/ELOOP/ENAMETOOLONG as the VFS does.
   */
  async resolve(path: string, follow = true): Promise<Resolved> {
    const { parts, trailingSlash } = splitPath(path);
    const r = await this.walk(parts, follow || trailingSlash, { count: 0 });
    if (trailingSlash && typeOf(r.attr) !== S.IFDIR) throw fsError('ENOTDIR', path);
    return r;
  }

  /** Walks `parts` from the root: one LOOKUP per component, symlinks spliced in, ".." from the walk's own stack. */
  private async walk(parts: Uint8Array[], followLast: boolean, links: { count: number }): Promise<Resolved> {
    const rootAttr = await this.root();
    let cur = { nodeid: FUSE_ROOT_ID, attr: rootAttr };
    const stack: { nodeid: number; attr: FuseAttr }[] = [];
    let parent = { nodeid: cur.nodeid, attr: cur.attr };
    let name: Uint8Array = new Uint8Array([DOT]);
    const queue = [...parts];
    while (queue.length > 0) {
      const part = queue.shift()!;
      if (typeOf(cur.attr) !== S.IFDIR) throw fsError('ENOTDIR');
      if (part.length > FUSE_NAME_MAX) throw fsError('ENAMETOOLONG');
      parent = { nodeid: cur.nodeid, attr: cur.attr };
      name = part;
      if (isDot(part)) continue;
      if (isDotDot(part)) {
        // The dcache knows a directory's parent; the kernel never sends LOOKUP "..".
        cur = stack.pop() ?? { nodeid: FUSE_ROOT_ID, attr: rootAttr };
        continue;
      }
      const entry = await this.client.lookup(cur.nodeid, part);
      const next = { nodeid: entry.nodeid, attr: entry.attr };
      const isLast = queue.length === 0;
      if (typeOf(next.attr) === S.IFLNK && (!isLast || followLast)) {
        if (++links.count > MAXSYMLINKS) throw fsError('ELOOP');
        const target = await this.client.readlink(next.nodeid);
        if (target.length === 0) throw fsError('ENOENT', 'empty symlink');
        const targetParts = splitBytes(target);
        if (target[0] === 0x2f) {
          stack.length = 0;
          cur = { nodeid: FUSE_ROOT_ID, attr: rootAttr };
        }
        queue.unshift(...targetParts);
        if (queue.length === 0) {
          // A link to "/" (or "/."): the walk ends at the root.
          return { nodeid: cur.nodeid, attr: cur.attr, parent: cur.nodeid, parentAttr: cur.attr, name: new Uint8Array([DOT]) };
        }
        continue;
      }
      stack.push(cur);
      cur = next;
    }
    return { nodeid: cur.nodeid, attr: cur.attr, parent: parent.nodeid, parentAttr: parent.attr, name };
  }

  /**
   * Resolves the directory that will hold the last component of `path`, and
   * that component (not looked up). `dotError`: the errno the VFS gives when
   * the last component is "." or "..".
   */
  async resolveParent(path: string, dotError: (name: Uint8Array) => FsError): Promise<{ parent: number; parentAttr: FuseAttr; name: Uint8Array }> {
    const { parts } = splitPath(path);
    if (parts.length === 0) throw dotError(new Uint8Array([DOT])); // "/" itself
    const last = parts[parts.length - 1]!;
    if (isDot(last) || isDotDot(last)) throw dotError(last);
    if (last.length > FUSE_NAME_MAX) throw fsError('ENAMETOOLONG');
    const dir = parts.length === 1
      ? { nodeid: FUSE_ROOT_ID, attr: await this.root() }
      : await this.walk(parts.slice(0, -1), true, { count: 0 });
    if (typeOf(dir.attr) !== S.IFDIR) throw fsError('ENOTDIR');
    return { parent: dir.nodeid, parentAttr: dir.attr, name: last };
  }

  // ---- metadata ------------------------------------------------------------

  /** stat(2): GETATTR on the resolved node. */
  async stat(path: string): Promise<Stat> {
    const r = await this.resolve(path, true);
    return statFromAttr(r.nodeid, (await this.client.getattr(r.nodeid)).attr);
  }

  /** lstat(2). */
  async lstat(path: string): Promise<Stat> {
    const r = await this.resolve(path, false);
    return statFromAttr(r.nodeid, (await this.client.getattr(r.nodeid)).attr);
  }

  /** True when `path` resolves (lstat succeeds); false on ENOENT. */
  async exists(path: string): Promise<boolean> {
    try {
      await this.resolve(path, false);
      return true;
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOENT') return false;
      throw e;
    }
  }

  /** access(2): ACCESS; a server without it lets everything through, as the kernel does. */
  async access(path: string, mask: number): Promise<void> {
    const r = await this.resolve(path, true);
    if (this.client.enosys.has(Op.ACCESS)) return;
    try {
      await this.client.access(r.nodeid, mask);
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOSYS') return;
      throw e;
    }
  }

  async readlink(path: string): Promise<string> {
    return Buffer.from(await this.readlinkBytes(path)).toString('utf8');
  }

  async readlinkBytes(path: string): Promise<Uint8Array> {
    const r = await this.resolve(path, false);
    if (typeOf(r.attr) !== S.IFLNK) throw fsError('EINVAL', 'not a symlink');
    return this.client.readlink(r.nodeid);
  }

  /** chmod(2): SETATTR mode, keeping the file type bits as notify_change does. */
  async chmod(path: string, mode: number): Promise<Stat> {
    const r = await this.resolve(path, true);
    const out = await this.client.setattr(r.nodeid, { valid: FATTR.MODE, mode: (r.attr.mode & S.IFMT) | (mode & 0o7777) });
    return statFromAttr(r.nodeid, out.attr);
  }

  /**
   * chown(2); -1 leaves an id unchanged. `follow` false is lchown(2). As
   * fuse_setattr does for a daemon without HANDLE_KILLPRIV(_V2), the set-id
   * bits a chown kills are cleared in the same SETATTR (after a fresh GETATTR).
   */
  async chown(path: string, uid: number, gid: number, follow = true): Promise<Stat> {
    const r = await this.resolve(path, follow);
    let valid = 0;
    if (uid !== -1) valid |= FATTR.UID;
    if (gid !== -1) valid |= FATTR.GID;
    let mode = 0;
    if (valid !== 0 && typeOf(r.attr) !== S.IFDIR && !this.daemonKillsPriv()) {
      const killed = killSuidSgid((await this.client.getattr(r.nodeid)).attr.mode);
      if (killed !== undefined) {
        valid |= FATTR.MODE;
        mode = killed;
      }
    }
    const out = await this.client.setattr(r.nodeid, { valid, uid: uid === -1 ? 0 : uid, gid: gid === -1 ? 0 : gid, mode });
    return statFromAttr(r.nodeid, out.attr);
  }

  private daemonKillsPriv(): boolean {
    return this.client.has(Init.HANDLE_KILLPRIV) || this.client.has(Init.HANDLE_KILLPRIV_V2);
  }

  /**
   * What fuse_do_open / fuse_create_open add to an O_TRUNC open under
   * HANDLE_KILLPRIV_V2 for a caller without CAP_FSETID: the daemon clears the
   * set-ID bits (FUSE_OPEN_KILL_SUIDGID).
   */
  private openKillsPriv(sendFlags: number): boolean {
    return (sendFlags & O.TRUNC) !== 0 && this.unprivileged() && this.client.has(Init.HANDLE_KILLPRIV_V2);
  }

  /** The caller lacks CAP_FSETID (we model it as: not uid 0). */
  private unprivileged(): boolean {
    return this.client.credentials.uid !== 0;
  }

  /**
   * What file_remove_privs does before a write or truncate by an unprivileged
   * caller: with HANDLE_KILLPRIV_V2 the daemon is told by a flag (returned
   * true); otherwise, without HANDLE_KILLPRIV, the kernel clears the bits
   * with its own SETATTR first.
   */
  private async removePrivs(f: OpenFile): Promise<boolean> {
    if (!this.unprivileged()) return false;
    if (this.client.has(Init.HANDLE_KILLPRIV_V2)) return true;
    if (this.client.has(Init.HANDLE_KILLPRIV)) return false;
    const killed = killSuidSgid((await this.client.getattr(f.nodeid, f.fh)).attr.mode);
    if (killed !== undefined) {
      let valid = FATTR.MODE;
      if (f.fh !== undefined) valid |= FATTR.FH;
      await this.client.setattr(f.nodeid, { valid, mode: killed, fh: f.fh ?? 0 });
    }
    return false;
  }

  /**
   * truncate(2); EISDIR on a directory as do_truncate says. The kernel stamps
   * mtime with FATTR_MTIME_NOW here (not for ftruncate or O_TRUNC, where the
   * daemon must do it).
   */
  async truncate(path: string, length: number): Promise<Stat> {
    if (length < 0) throw fsError('EINVAL');
    const r = await this.resolve(path, true);
    if (typeOf(r.attr) === S.IFDIR) throw fsError('EISDIR');
    if (typeOf(r.attr) !== S.IFREG) throw fsError('EINVAL');
    const now = nowTimespec();
    let valid = FATTR.SIZE | FATTR.MTIME | FATTR.MTIME_NOW;
    if (this.unprivileged() && this.client.has(Init.HANDLE_KILLPRIV_V2)) valid |= FATTR.KILL_SUIDGID;
    const out = await this.client.setattr(r.nodeid, { valid, size: length, mtime: now.sec, mtimensec: now.nsec });
    return statFromAttr(r.nodeid, out.attr);
  }

  private timeFields(atime: TimeArg, mtime: TimeArg): { valid: number; atime: number; atimensec: number; mtime: number; mtimensec: number } {
    let valid = 0;
    const now = nowTimespec();
    const f = { atime: 0, atimensec: 0, mtime: 0, mtimensec: 0 };
    if (atime !== 'omit') {
      valid |= FATTR.ATIME;
      const t = atime === 'now' ? now : atime;
      if (atime === 'now') valid |= FATTR.ATIME_NOW;
      f.atime = t.sec;
      f.atimensec = t.nsec;
    }
    if (mtime !== 'omit') {
      valid |= FATTR.MTIME;
      const t = mtime === 'now' ? now : mtime;
      if (mtime === 'now') valid |= FATTR.MTIME_NOW;
      f.mtime = t.sec;
      f.mtimensec = t.nsec;
    }
    return { valid, ...f };
  }

  /** utimensat(2); 'now' and 'omit' are UTIME_NOW and UTIME_OMIT. `follow` false is AT_SYMLINK_NOFOLLOW. */
  async utimes(path: string, atime: TimeArg, mtime: TimeArg, follow = true): Promise<Stat> {
    const r = await this.resolve(path, follow);
    const t = this.timeFields(atime, mtime);
    if (t.valid === 0) return statFromAttr(r.nodeid, (await this.client.getattr(r.nodeid)).attr);
    const out = await this.client.setattr(r.nodeid, { ...t, valid: t.valid });
    return statFromAttr(r.nodeid, out.attr);
  }

  async statfs(path: string): Promise<FuseStatfs> {
    const r = await this.resolve(path, true);
    return this.client.statfs(r.nodeid);
  }

  // ---- namespace -------------------------------------------------------------

  async mkdir(path: string, mode = 0o777): Promise<Stat> {
    const p = await this.resolveParent(path, () => fsError('EEXIST'));
    const e = await this.client.mkdir(p.parent, p.name, mode, p.parentAttr.gid);
    return statFromAttr(e.nodeid, e.attr);
  }

  /** rmdir(2): "." is EINVAL and ".." ENOTEMPTY, as the VFS answers. */
  async rmdir(path: string): Promise<void> {
    const p = await this.resolveParent(path, (n) => fsError(isDot(n) ? 'EINVAL' : 'ENOTEMPTY'));
    await this.client.rmdir(p.parent, p.name);
  }

  async unlink(path: string): Promise<void> {
    const p = await this.resolveParent(path, () => fsError('EISDIR'));
    await this.client.unlink(p.parent, p.name);
  }

  /** mknod(2); `mode` includes the file type. */
  async mknod(path: string, mode: number, rdev = 0): Promise<Stat> {
    const p = await this.resolveParent(path, () => fsError('EEXIST'));
    const e = await this.client.mknod(p.parent, p.name, mode, rdev, p.parentAttr.gid);
    return statFromAttr(e.nodeid, e.attr);
  }

  /** symlink(2): creates `path` pointing at `target` (stored verbatim). */
  async symlink(target: string | Uint8Array, path: string): Promise<Stat> {
    const t = nameBytes(target);
    if (t.length === 0) throw fsError('ENOENT', 'empty symlink target');
    if (t.length >= PATH_MAX) throw fsError('ENAMETOOLONG');
    const p = await this.resolveParent(path, () => fsError('EEXIST'));
    const e = await this.client.symlink(p.parent, p.name, t, p.parentAttr.gid);
    return statFromAttr(e.nodeid, e.attr);
  }

  /** link(2): does not follow a symlink `existing`; EPERM for directories (vfs_link). */
  async link(existing: string, newPath: string): Promise<Stat> {
    const src = await this.resolve(existing, false);
    if (typeOf(src.attr) === S.IFDIR) throw fsError('EPERM', 'hard link to a directory');
    const p = await this.resolveParent(newPath, () => fsError('EEXIST'));
    const e = await this.client.link(src.nodeid, p.parent, p.name);
    return statFromAttr(e.nodeid, e.attr);
  }

  /**
   * rename(2)/renameat2(2). Like vfs_rename: "." and ".." are EBUSY, and two
   * names of the same inode make it a successful no-op without a request.
   * Existence, type, emptiness and ancestry rules are the server's to answer.
   */
  async rename(oldPath: string, newPath: string, flags = 0): Promise<void> {
    if (flags & ~7) throw fsError('EINVAL');
    if ((flags & 1) && (flags & 2)) throw fsError('EINVAL');
    const from = await this.resolveParent(oldPath, () => fsError('EBUSY'));
    const to = await this.resolveParent(newPath, () => fsError(flags & 1 ? 'EEXIST' : 'EBUSY'));
    const source = await this.client.lookup(from.parent, from.name);
    let target: number | undefined;
    try {
      target = (await this.client.lookup(to.parent, to.name)).nodeid;
    } catch (e) {
      if (!(e instanceof FsError && e.code === 'ENOENT')) throw e;
    }
    if (target === source.nodeid) return;
    if (flags !== 0 && this.client.enosys.has(Op.RENAME2)) throw fsError('EINVAL');
    try {
      await this.client.rename(from.parent, from.name, to.parent, to.name, flags);
    } catch (e) {
      // fuse_rename2: a server without RENAME2 makes flags EINVAL.
      if (flags !== 0 && e instanceof FsError && e.code === 'ENOSYS') throw fsError('EINVAL');
      throw e;
    }
  }

  // ---- xattrs ---------------------------------------------------------------

  private xattrUnsupported(op: number): void {
    if (this.client.enosys.has(op)) throw fsError('EOPNOTSUPP');
  }

  private async xattrCall<T>(op: number, fn: () => Promise<T>): Promise<T> {
    this.xattrUnsupported(op);
    try {
      return await fn();
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOSYS') throw fsError('EOPNOTSUPP');
      throw e;
    }
  }

  async setxattr(path: string, name: string, value: Uint8Array | string, flags = 0, follow = true): Promise<void> {
    const r = await this.resolve(path, follow);
    await this.xattrCall(Op.SETXATTR, () => this.client.setxattr(r.nodeid, name, nameBytes(value), flags));
  }

  /** getxattr(2) with an explicit size: 0 returns the length; a value larger than `size` is ERANGE. */
  async getxattrSized(path: string, name: string, size: number, follow = true): Promise<Uint8Array | number> {
    const r = await this.resolve(path, follow);
    return this.xattrCall(Op.GETXATTR, () => this.client.getxattr(r.nodeid, name, size));
  }

  /** The whole value, sized first as getfattr does. */
  async getxattr(path: string, name: string, follow = true): Promise<Uint8Array> {
    const r = await this.resolve(path, follow);
    return this.xattrCall(Op.GETXATTR, async () => {
      const size = await this.client.getxattr(r.nodeid, name, 0) as number;
      if (size === 0) return new Uint8Array(0);
      return await this.client.getxattr(r.nodeid, name, size) as Uint8Array;
    });
  }

  /** listxattr(2) as a list of names. */
  async listxattr(path: string, follow = true): Promise<string[]> {
    const r = await this.resolve(path, follow);
    return this.xattrCall(Op.LISTXATTR, async () => {
      const size = await this.client.listxattr(r.nodeid, 0) as number;
      if (size === 0) return [];
      const list = await this.client.listxattr(r.nodeid, size) as Uint8Array;
      return Buffer.from(list).toString('utf8').split('\0').filter((s) => s.length > 0);
    });
  }

  async removexattr(path: string, name: string, follow = true): Promise<void> {
    const r = await this.resolve(path, follow);
    await this.xattrCall(Op.REMOVEXATTR, () => this.client.removexattr(r.nodeid, name));
  }

  // ---- files -------------------------------------------------------------------

  private file(fd: number): OpenFile {
    const f = this.fds.get(fd);
    if (!f) throw fsError('EBADF');
    return f;
  }

  /** The open file description behind `fd` (node id, fh, flags, position). */
  describe(fd: number): OpenFile {
    return this.file(fd);
  }

  private install(f: OpenFile): number {
    const fd = this.nextFd++;
    this.fds.set(fd, f);
    return fd;
  }

  /** f_flags as the kernel keeps and sends them: O_LARGEFILE forced, O_CLOEXEC/O_CREAT/O_EXCL/O_NOCTTY gone. */
  private fileFlags(flags: number): number {
    return (flags | O.LARGEFILE) & ~(O.CLOEXEC | O.CREAT | O.EXCL | O.NOCTTY);
  }

  private async openNode(nodeid: number, attr: FuseAttr, flags: number): Promise<number> {
    const type = typeOf(attr);
    const acc = flags & O.ACCMODE;
    if (type === S.IFDIR) {
      if (acc !== O.RDONLY || (flags & O.TRUNC)) throw fsError('EISDIR');
      const fh = await this.opendirHandle(nodeid, this.fileFlags(flags));
      return this.install({ nodeid, fh, flags: this.fileFlags(flags), openFlags: 0, position: 0, isDir: true });
    }
    if (flags & O.DIRECTORY) throw fsError('ENOTDIR');
    if (type === S.IFLNK) throw fsError('ELOOP');
    const atomicTrunc = this.client.has(Init.ATOMIC_O_TRUNC);
    let sendFlags = this.fileFlags(flags);
    if (!atomicTrunc) sendFlags &= ~O.TRUNC;
    let fh: number | undefined;
    let openFlags = 0;
    if (this.client.enosys.has(Op.OPEN) && this.client.has(Init.NO_OPEN_SUPPORT)) {
      fh = undefined;
    } else {
      try {
        const out = await this.client.open(nodeid, sendFlags, this.openKillsPriv(sendFlags) ? FUSE_OPEN_KILL_SUIDGID : 0);
        fh = out.fh;
        openFlags = out.openFlags;
      } catch (e) {
        if (!(e instanceof FsError && e.code === 'ENOSYS' && this.client.has(Init.NO_OPEN_SUPPORT))) throw e;
        fh = undefined;
      }
    }
    const fd = this.install({ nodeid, fh, flags: this.fileFlags(flags), openFlags, position: 0, isDir: false });
    if ((flags & O.TRUNC) && !atomicTrunc && acc !== O.RDONLY) {
      await this.ftruncate(fd, 0);
    }
    return fd;
  }

  private async opendirHandle(nodeid: number, flags: number): Promise<number | undefined> {
    if (this.client.enosys.has(Op.OPENDIR) && this.client.has(Init.NO_OPENDIR_SUPPORT)) return undefined;
    try {
      return (await this.client.opendir(nodeid, flags)).fh;
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOSYS' && this.client.has(Init.NO_OPENDIR_SUPPORT)) return undefined;
      throw e;
    }
  }

  /**
   * open(2). With O_CREAT: LOOKUP, then CREATE when absent (EEXIST with
   * O_EXCL when present; MKNOD+OPEN when the server has no CREATE).
   */
  async open(path: string, flags: number, mode = 0o666): Promise<number> {
    if (!(flags & O.CREAT)) {
      const r = await this.resolve(path, !(flags & O.NOFOLLOW));
      return this.openNode(r.nodeid, r.attr, flags);
    }
    if (flags & O.DIRECTORY) throw fsError('EINVAL');
    const p = await this.resolveParent(path, () => fsError('EISDIR'));
    let existing: { nodeid: number; attr: FuseAttr } | undefined;
    try {
      const e = await this.client.lookup(p.parent, p.name);
      existing = { nodeid: e.nodeid, attr: e.attr };
    } catch (e) {
      if (!(e instanceof FsError && e.code === 'ENOENT')) throw e;
    }
    if (existing) {
      if (flags & O.EXCL) throw fsError('EEXIST');
      if (typeOf(existing.attr) === S.IFDIR) throw fsError('EISDIR');
      if (typeOf(existing.attr) === S.IFLNK) {
        if (flags & O.NOFOLLOW) throw fsError('ELOOP');
        const r = await this.resolve(path, true);
        return this.openNode(r.nodeid, r.attr, flags & ~O.CREAT);
      }
      return this.openNode(existing.nodeid, existing.attr, flags & ~O.CREAT);
    }
    const createMode = S.IFREG | (mode & 0o7777);
    if (!this.client.enosys.has(Op.CREATE)) {
      try {
        // fuse_create_open: the open flags minus O_NOCTTY, O_CREAT and O_EXCL kept.
        const sendFlags = (flags | O.LARGEFILE) & ~(O.NOCTTY | O.CLOEXEC);
        const kill = this.openKillsPriv(sendFlags) && !(sendFlags & O.EXCL) ? FUSE_OPEN_KILL_SUIDGID : 0;
        const out = await this.client.create(p.parent, p.name, sendFlags, createMode, p.parentAttr.gid, kill);
        return this.install({ nodeid: out.entry.nodeid, fh: out.open.fh, flags: this.fileFlags(flags), openFlags: out.open.openFlags, position: 0, isDir: false });
      } catch (e) {
        if (!(e instanceof FsError && e.code === 'ENOSYS')) throw e;
      }
    }
    const e = await this.client.mknod(p.parent, p.name, createMode, 0, p.parentAttr.gid);
    return this.openNode(e.nodeid, e.attr, flags & ~(O.CREAT | O.EXCL | O.TRUNC));
  }

  /** creat(2). */
  async create(path: string, mode = 0o666): Promise<number> {
    return this.open(path, O.CREAT | O.WRONLY | O.TRUNC, mode);
  }

  /** close(2): FLUSH (unless remembered ENOSYS or FOPEN_NOFLUSH), then RELEASE. */
  async close(fd: number): Promise<void> {
    const f = this.file(fd);
    this.fds.delete(fd);
    if (f.fh === undefined) return;
    if (f.isDir) {
      await this.client.releasedir(f.nodeid, f.fh, f.flags);
      return;
    }
    if (!this.client.enosys.has(Op.FLUSH) && !(f.openFlags & FOPEN.NOFLUSH)) {
      try {
        await this.client.flush(f.nodeid, f.fh, this.lockOwner);
      } catch (e) {
        if (!(e instanceof FsError && e.code === 'ENOSYS')) {
          await this.client.release(f.nodeid, f.fh, f.flags);
          throw e;
        }
      }
    }
    await this.client.release(f.nodeid, f.fh, f.flags);
  }

  /** Closes every open fd (scenario cleanup). */
  async closeAll(): Promise<void> {
    for (const fd of [...this.fds.keys()]) await this.close(fd);
  }

  /** Open fds (for leak checks in scenarios). */
  get openFds(): number {
    return this.fds.size;
  }

  private chunk(): number {
    const n = this.client.negotiated;
    return Math.min(n.maxWrite, n.maxPages * 4096);
  }

  /** pread/read: reads until `length` bytes or end of file; advances the position when `position` is omitted. */
  async read(fd: number, length: number, position?: number): Promise<Uint8Array> {
    const f = this.file(fd);
    if (f.isDir) throw fsError('EISDIR');
    if ((f.flags & O.ACCMODE) === O.WRONLY) throw fsError('EBADF');
    if (length < 0) throw fsError('EINVAL');
    let pos = position ?? f.position;
    const parts: Uint8Array[] = [];
    let total = 0;
    const chunk = Math.min(this.chunk(), this.client.negotiated.maxPages * 4096);
    while (total < length) {
      const want = Math.min(chunk, length - total);
      const data = await this.client.read(f.nodeid, f.fh ?? 0, pos, want, f.flags);
      parts.push(data);
      total += data.length;
      pos += data.length;
      if (data.length < want) break; // end of file
    }
    if (position === undefined) f.position = pos;
    return concat(parts, total);
  }

  /**
   * pwrite/write in chunks of max_write. O_APPEND writes at the current file
   * size (as generic_write_checks does), whatever the position.
   */
  async write(fd: number, data: Uint8Array | string, position?: number): Promise<number> {
    const f = this.file(fd);
    if (f.isDir) throw fsError('EISDIR');
    if ((f.flags & O.ACCMODE) === O.RDONLY) throw fsError('EBADF');
    const bytes = nameBytes(data);
    let pos = position ?? f.position;
    if (f.flags & O.APPEND) pos = (await this.client.getattr(f.nodeid, f.fh)).attr.size;
    const writeFlags = (await this.removePrivs(f)) ? FUSE_WRITE_KILL_SUIDGID : 0;
    if (pos + bytes.length > Number.MAX_SAFE_INTEGER) throw fsError('EFBIG');
    let written = 0;
    const chunk = this.chunk();
    while (written < bytes.length) {
      const piece = bytes.subarray(written, written + chunk);
      const n = await this.client.write(f.nodeid, f.fh ?? 0, pos, piece, f.flags, writeFlags);
      written += n;
      pos += n;
      if (n < piece.length) break; // short write: report what was written
    }
    if (position === undefined || (f.flags & O.APPEND)) f.position = pos;
    return written;
  }

  /** fstat(2): GETATTR with the file handle. */
  async fstat(fd: number): Promise<Stat> {
    const f = this.file(fd);
    return statFromAttr(f.nodeid, (await this.client.getattr(f.nodeid, f.fh)).attr);
  }

  /** ftruncate(2): SETATTR size with FATTR_FH and the lock owner. */
  async ftruncate(fd: number, length: number): Promise<Stat> {
    const f = this.file(fd);
    if (length < 0) throw fsError('EINVAL');
    if (f.isDir) throw fsError('EISDIR');
    if ((f.flags & O.ACCMODE) === O.RDONLY) throw fsError('EINVAL');
    let valid = FATTR.SIZE | FATTR.LOCKOWNER;
    if (f.fh !== undefined) valid |= FATTR.FH;
    if (this.unprivileged() && this.client.has(Init.HANDLE_KILLPRIV_V2)) valid |= FATTR.KILL_SUIDGID;
    const out = await this.client.setattr(f.nodeid, { valid, size: length, fh: f.fh ?? 0, lockOwner: this.lockOwner });
    return statFromAttr(f.nodeid, out.attr);
  }

  async fchmod(fd: number, mode: number): Promise<Stat> {
    const f = this.file(fd);
    const cur = (await this.client.getattr(f.nodeid, f.fh)).attr;
    let valid = FATTR.MODE;
    if (f.fh !== undefined) valid |= FATTR.FH;
    const out = await this.client.setattr(f.nodeid, { valid, fh: f.fh ?? 0, mode: (cur.mode & S.IFMT) | (mode & 0o7777) });
    return statFromAttr(f.nodeid, out.attr);
  }

  async futimens(fd: number, atime: TimeArg, mtime: TimeArg): Promise<Stat> {
    const f = this.file(fd);
    const t = this.timeFields(atime, mtime);
    let valid = t.valid;
    if (f.fh !== undefined) valid |= FATTR.FH;
    const out = await this.client.setattr(f.nodeid, { ...t, valid, fh: f.fh ?? 0 });
    return statFromAttr(f.nodeid, out.attr);
  }

  /** fsync(2)/fdatasync(2); a server without FSYNC(DIR) succeeds, as the kernel lets it. */
  async fsync(fd: number, datasync = false): Promise<void> {
    const f = this.file(fd);
    const op = f.isDir ? Op.FSYNCDIR : Op.FSYNC;
    if (f.fh === undefined || this.client.enosys.has(op)) return;
    try {
      if (f.isDir) await this.client.fsyncdir(f.nodeid, f.fh, datasync);
      else await this.client.fsync(f.nodeid, f.fh, datasync);
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOSYS') return;
      throw e;
    }
  }

  /**
   * lseek(2). SET/CUR/END locally (END asks for the size); DATA/HOLE go to
   * the server, and without LSEEK fall back to generic_file_llseek (the whole
   * file is data, the hole is at the end).
   */
  async lseek(fd: number, offset: number, whence: number): Promise<number> {
    const f = this.file(fd);
    let pos: number;
    if (whence === SEEK_SET) pos = offset;
    else if (whence === SEEK_CUR) pos = f.position + offset;
    else if (whence === SEEK_END) pos = (await this.client.getattr(f.nodeid, f.fh)).attr.size + offset;
    else if (whence === SEEK_DATA || whence === SEEK_HOLE) {
      if (offset < 0) throw fsError('ENXIO');
      pos = await this.seekDataHole(f, offset, whence);
    } else throw fsError('EINVAL');
    if (pos < 0) throw fsError('EINVAL');
    f.position = pos;
    return pos;
  }

  private async seekDataHole(f: OpenFile, offset: number, whence: number): Promise<number> {
    if (!this.client.enosys.has(Op.LSEEK)) {
      try {
        return await this.client.lseek(f.nodeid, f.fh ?? 0, offset, whence);
      } catch (e) {
        if (!(e instanceof FsError && e.code === 'ENOSYS')) throw e;
      }
    }
    const size = (await this.client.getattr(f.nodeid, f.fh)).attr.size;
    if (offset >= size) throw fsError('ENXIO');
    return whence === SEEK_DATA ? offset : size;
  }

  /** fallocate(2); a server without FALLOCATE gives EOPNOTSUPP. */
  async fallocate(fd: number, mode: number, offset: number, length: number): Promise<void> {
    const f = this.file(fd);
    if (offset < 0 || length <= 0) throw fsError('EINVAL');
    if (this.client.enosys.has(Op.FALLOCATE)) throw fsError('EOPNOTSUPP');
    try {
      await this.client.fallocate(f.nodeid, f.fh ?? 0, offset, length, mode);
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOSYS') throw fsError('EOPNOTSUPP');
      throw e;
    }
  }

  /**
   * copy_file_range(2) with explicit offsets; a server without it gives
   * EOPNOTSUPP (the VFS would then copy by splice; scenarios want to know).
   */
  async copyFileRange(fdIn: number, offIn: number, fdOut: number, offOut: number, len: number, flags = 0): Promise<number> {
    const a = this.file(fdIn);
    const b = this.file(fdOut);
    if (a.nodeid === b.nodeid && offIn < offOut + len && offOut < offIn + len) throw fsError('EINVAL', 'overlapping ranges');
    if (this.client.enosys.has(Op.COPY_FILE_RANGE)) throw fsError('EOPNOTSUPP');
    // file_modified() of the destination, as for a write; under HANDLE_KILLPRIV_V2 no flag exists for this request.
    await this.removePrivs(b);
    try {
      return await this.client.copyFileRange(a.nodeid, a.fh ?? 0, offIn, b.nodeid, b.fh ?? 0, offOut, len, flags);
    } catch (e) {
      if (e instanceof FsError && e.code === 'ENOSYS') throw fsError('EOPNOTSUPP');
      throw e;
    }
  }

  // ---- directories -----------------------------------------------------------------

  /** opendir(3): OPENDIR with glibc's flags, as a Dir stream. */
  async opendir(path: string, options?: DirOptions): Promise<Dir> {
    const r = await this.resolve(path, true);
    if (typeOf(r.attr) !== S.IFDIR) throw fsError('ENOTDIR');
    const fh = await this.opendirHandle(r.nodeid, OPENDIR_FLAGS);
    return new Dir(this.client, r.nodeid, fh, OPENDIR_FLAGS, { ...this.options.dir, ...options });
  }

  /** Every entry of a directory in stream order, "." and ".." included. */
  async readdirEntries(path: string, options?: DirOptions): Promise<DirEntry[]> {
    const d = await this.opendir(path, options);
    try {
      return await d.readAll();
    } finally {
      await d.close();
    }
  }

  /** The names in a directory, without "." and "..". */
  async readdir(path: string, options?: DirOptions): Promise<string[]> {
    return (await this.readdirEntries(path, options)).map((e) => e.name).filter((n) => n !== '.' && n !== '..');
  }

  // ---- conveniences ----------------------------------------------------------------

  async writeFile(path: string, data: Uint8Array | string, mode = 0o644): Promise<void> {
    const fd = await this.open(path, O.WRONLY | O.CREAT | O.TRUNC, mode);
    try {
      const bytes = nameBytes(data);
      const n = await this.write(fd, bytes);
      if (n !== bytes.length) throw fsError('EIO', `short write ${n}/${bytes.length}`);
    } finally {
      await this.close(fd);
    }
  }

  async readFile(path: string): Promise<Uint8Array> {
    const fd = await this.open(path, O.RDONLY);
    try {
      const size = (await this.fstat(fd)).size;
      const data = await this.read(fd, size + 1);
      return data;
    } finally {
      await this.close(fd);
    }
  }
}

/** The mode with the set-id bits should_remove_suid kills cleared, or undefined when none are set. */
function killSuidSgid(mode: number): number | undefined {
  let m = mode & ~S.ISUID;
  if ((m & (S.ISGID | 0o010)) === (S.ISGID | 0o010)) m &= ~S.ISGID;
  return m === mode ? undefined : m;
}

function splitBytes(b: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= b.length; i++) {
    if (i === b.length || b[i] === 0x2f) {
      if (i > start) parts.push(b.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

