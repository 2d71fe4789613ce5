/**
 * A darwin host as seen from Node on macOS, emulated on a Linux host so that
 * the darwin code paths of the backend (flag tables, errno names and numbers,
 * dev_t layout) run in Linux tests: the backend is given the darwin tables and
 * this HostFs, which turns darwin numbers back into Linux ones before each
 * real call and turns each Linux result into what darwin would have said.
 *
 * - open flags arrive in darwin numbering and are mapped bit by bit to Linux;
 *   a darwin bit with no Linux meaning here (O_SYMLINK, O_EXLOCK...) is EINVAL.
 * - errors leave as Node on macOS reports them: `code` is the name when libuv
 *   knows it on darwin, else 'UNKNOWN', and `errno` is minus the darwin number
 *   (so EOPNOTSUPP arrives as UNKNOWN / -102, which is ENETRESET on Linux).
 *   Linux's ENODATA from the xattr family is darwin's ENOATTR.
 * - st_rdev is re-encoded as darwin's dev_t (8-bit major, 24-bit minor).
 * - lchmod (darwin has it, Linux does not) is done through an O_PATH
 *   descriptor and /proc/self/fd, so it never follows a final symlink; on a
 *   symlink itself Linux cannot change the mode (EOPNOTSUPP) where darwin can.
 * It is a test device and a model, not a darwin kernel: semantics are Linux's.
 */
import fs from 'node:fs';
import { errnoName as linuxErrnoName } from '@tsfuse/protocol';
import { O_CLOEXEC, O_NOFOLLOW, O_PATH, darwinErrno, procFdPath } from '@tsfuse/passthrough';
import type { BigIntStats } from 'node:fs';
import { darwinOpenFlags, darwinEncodeDev } from '../tables/darwin.js';
import type { HostFs } from './host-fs.js';

/** Error names libuv defines on darwin (UV_ERRNO_MAP): Node reports these by name, all others as 'UNKNOWN'. */
export const libuvDarwinCodes: ReadonlySet<string> = new Set([
  'E2BIG', 'EACCES', 'EADDRINUSE', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EAGAIN', 'EALREADY', 'EBADF',
  'EBUSY', 'ECANCELED', 'ECONNABORTED', 'ECONNREFUSED', 'ECONNRESET', 'EDESTADDRREQ', 'EEXIST',
  'EFAULT', 'EFBIG', 'EHOSTUNREACH', 'EINTR', 'EINVAL', 'EIO', 'EISCONN', 'EISDIR', 'ELOOP',
  'EMFILE', 'EMSGSIZE', 'ENAMETOOLONG', 'ENETDOWN', 'ENETUNREACH', 'ENFILE', 'ENOBUFS', 'ENODEV',
  'ENOENT', 'ENOMEM', 'ENOPROTOOPT', 'ENOSPC', 'ENOSYS', 'ENOTCONN', 'ENOTDIR', 'ENOTEMPTY',
  'ENOTSOCK', 'ENOTSUP', 'EOVERFLOW', 'EPERM', 'EPIPE', 'EPROTO', 'EPROTONOSUPPORT', 'EPROTOTYPE',
  'ERANGE', 'EROFS', 'ESHUTDOWN', 'ESPIPE', 'ESRCH', 'ETIMEDOUT', 'ETXTBSY', 'EXDEV', 'ENXIO',
  'EMLINK', 'EHOSTDOWN', 'ENOTTY', 'EFTYPE', 'EILSEQ', 'ESOCKTNOSUPPORT', 'ENODATA',
]);

/** Linux names darwin spells differently. */
const linuxToDarwinName: Readonly<Record<string, string>> = {
  ENODATA: 'ENOATTR', // only the xattr calls produce it on a filesystem
  EOPNOTSUPP: 'EOPNOTSUPP',
  EWOULDBLOCK: 'EAGAIN',
  EDEADLOCK: 'EDEADLK',
};

/** What Node on macOS would have thrown for the Linux error `e`. */
export function darwinErrorFor(e: unknown): unknown {
  if (e === null || typeof e !== 'object') return e;
  const err = e as { code?: unknown; errno?: unknown; message?: string; syscall?: string; path?: unknown };
  if (typeof err.code !== 'string' || typeof err.errno !== 'number') return e;
  let name: string | undefined = err.code === 'UNKNOWN' ? linuxErrnoName(-err.errno) : err.code;
  if (name === undefined) return e;
  name = linuxToDarwinName[name] ?? name;
  const number = (darwinErrno as Record<string, number>)[name];
  // A Linux errno darwin has no name for: darwin would have said something else; EIO is the honest stand-in.
  const darwinName = number === undefined ? 'EIO' : name;
  const darwinNumber = number ?? darwinErrno.EIO;
  const code = libuvDarwinCodes.has(darwinName) ? darwinName : 'UNKNOWN';
  const out = new Error(`${code}: darwin errno ${darwinNumber} (${darwinName}), ${err.syscall ?? 'call'}`) as Error & {
    code: string; errno: number; syscall?: string; path?: unknown;
  };
  out.code = code;
  out.errno = -darwinNumber;
  if (err.syscall !== undefined) out.syscall = err.syscall;
  if (err.path !== undefined) out.path = err.path;
  return out;
}

/** darwin open bit → Linux open bit (Linux host numbering, asm-generic on x86-64, arm on arm64). */
function darwinToLinuxOpenMap(linux: Record<string, number | undefined>): [number, number][] {
  const need = (name: string): number => {
    const v = linux[name];
    if (v === undefined) throw new Error(`darwin emulation: the Linux host has no ${name}`);
    return v;
  };
  return [
    [darwinOpenFlags.O_NONBLOCK, need('O_NONBLOCK')],
    [darwinOpenFlags.O_APPEND, need('O_APPEND')],
    [darwinOpenFlags.O_SYNC, need('O_SYNC')],
    [darwinOpenFlags.O_NOFOLLOW, need('O_NOFOLLOW')],
    [darwinOpenFlags.O_CREAT, need('O_CREAT')],
    [darwinOpenFlags.O_TRUNC, need('O_TRUNC')],
    [darwinOpenFlags.O_EXCL, need('O_EXCL')],
    [darwinOpenFlags.O_NOCTTY, need('O_NOCTTY')],
    [darwinOpenFlags.O_DIRECTORY, need('O_DIRECTORY')],
    [darwinOpenFlags.O_DSYNC, need('O_DSYNC')],
  ];
}

/** Translate darwin open flags to the Linux host's; EINVAL-style error for bits Linux cannot honour. */
export function darwinOpenFlagsToLinux(flags: number, linux: Record<string, number | undefined>): number {
  const map = darwinToLinuxOpenMap(linux);
  let rest = flags & ~darwinOpenFlags.O_ACCMODE;
  let out = flags & darwinOpenFlags.O_ACCMODE;
  for (const [d, l] of map) {
    if (rest & d) {
      out |= l;
      rest &= ~d;
    }
  }
  // O_CLOEXEC: libuv sets close-on-exec itself.
  rest &= ~darwinOpenFlags.O_CLOEXEC;
  if (rest !== 0) {
    throw Object.assign(new Error(`EINVAL: darwin open flags 0x${rest.toString(16)} not emulated`), { code: 'EINVAL', errno: -22, syscall: 'open' });
  }
  return out;
}

function withDarwinRdev(st: BigIntStats, decodeLinux: (dev: number) => { major: number; minor: number }): BigIntStats {
  if (st.rdev === 0n) return st;
  const { major, minor } = decodeLinux(Number(st.rdev));
  st.rdev = BigInt(darwinEncodeDev(major, minor));
  return st;
}

/**
 * A HostFs that speaks darwin numbers over the real (Linux) host `inner`.
 * `linuxOpen` is the Linux host's fs.constants; `decodeLinuxDev` splits its st_rdev.
 */
export function darwinEmulatedHostFs(
  inner: HostFs,
  linuxOpen: Record<string, number | undefined>,
  decodeLinuxDev: (dev: number) => { major: number; minor: number },
): HostFs {
  const wrap = <A extends unknown[], R>(fn: (...a: A) => R) => (...a: A): R => {
    try {
      return fn(...a);
    } catch (e) {
      throw darwinErrorFor(e);
    }
  };
  return {
    lstat: wrap((p) => withDarwinRdev(inner.lstat(p), decodeLinuxDev)),
    fstat: wrap((fd) => withDarwinRdev(inner.fstat(fd), decodeLinuxDev)),
    open: wrap((p, flags, mode) => inner.open(p, darwinOpenFlagsToLinux(flags, linuxOpen), mode)),
    close: wrap((fd) => inner.close(fd)),
    read: wrap((fd, b, o, l, pos) => inner.read(fd, b, o, l, pos)),
    write: wrap((fd, b, o, l, pos) => inner.write(fd, b, o, l, pos)),
    readdir: wrap((p) => inner.readdir(p)),
    mkdir: wrap((p, m) => inner.mkdir(p, m)),
    rmdir: wrap((p) => inner.rmdir(p)),
    unlink: wrap((p) => inner.unlink(p)),
    symlink: wrap((t, p) => inner.symlink(t, p)),
    readlink: wrap((p) => inner.readlink(p)),
    link: wrap((a, b) => inner.link(a, b)),
    rename: wrap((a, b) => inner.rename(a, b)),
    fchmod: wrap((fd, m) => inner.fchmod(fd, m)),
    chmod: wrap((p, m) => inner.chmod(p, m)),
    lchmod: wrap((p, m) => {
      const fd = fs.openSync(p, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      try {
        fs.chmodSync(procFdPath(fd), m);
      } finally {
        fs.closeSync(fd);
      }
    }),
    fchown: wrap((fd, u, g) => inner.fchown(fd, u, g)),
    lchown: wrap((p, u, g) => inner.lchown(p, u, g)),
    futimes: wrap((fd, a, m) => inner.futimes(fd, a, m)),
    lutimes: wrap((p, a, m) => inner.lutimes(p, a, m)),
    ftruncate: wrap((fd, l) => inner.ftruncate(fd, l)),
    fsync: wrap((fd) => inner.fsync(fd)),
    fdatasync: wrap((fd) => inner.fdatasync(fd)),
    statfs: wrap((p) => inner.statfs(p)),
  };
}
