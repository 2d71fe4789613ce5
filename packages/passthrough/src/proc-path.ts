import { constants, openSync } from 'node:fs';

/**
 * Linux-only helpers that let Node (which has no *at() syscalls) work relative
 * to a directory descriptor without ever following a symlink:
 * "/proc/self/fd/N" is a magic link that resolves to the open object itself,
 * wherever it has moved, and "/proc/self/fd/N/name" then looks up `name`
 * inside that very directory, the final component handled by the syscall's
 * own rule (lstat, unlink, rmdir, rename, link, mkdir, symlink and
 * O_NOFOLLOW/O_EXCL opens never follow it).
 *
 * Numbers are the asm-generic ones (x86_64, arm64, ppc64, s390x); Node's
 * fs.constants lacks O_PATH and O_CLOEXEC (libuv adds O_CLOEXEC itself).
 */
export const O_PATH = 0o10000000;
/** Linux O_NOFOLLOW. */
export const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0o400000;
/** Linux O_DIRECTORY. */
export const O_DIRECTORY: number = constants.O_DIRECTORY ?? 0o200000;
/** Linux O_CLOEXEC (libuv sets it on every open anyway). */
export const O_CLOEXEC = 0o2000000;
/** Linux O_TMPFILE (includes O_DIRECTORY). */
export const O_TMPFILE = 0o20200000;

const PREFIX = '/proc/self/fd/';
const fdPaths: string[] = [];

/** "/proc/self/fd/N": names the object descriptor N holds, itself. */
export function procFdPath(fd: number): string {
  let p = fdPaths[fd];
  if (p === undefined) {
    p = PREFIX + fd;
    if (fd < 65536) fdPaths[fd] = p;
  }
  return p;
}

/**
 * "/proc/self/fd/N/<name>" as a Buffer holding the name's exact bytes
 * (`name` a Buffer, or a latin1 string of bytes). The caller must have checked
 * the name (no '/', not "." or "..", no NUL).
 */
export function procChildPath(dirFd: number, name: Uint8Array | string): Buffer {
  const dir = procFdPath(dirFd);
  const n = name.length;
  const out = Buffer.allocUnsafe(dir.length + 1 + n);
  let at = out.write(dir, 0, 'latin1');
  out[at++] = 0x2f;
  if (typeof name === 'string') out.write(name, at, 'latin1');
  else out.set(name, at);
  return out;
}

/**
 * An O_PATH descriptor of `name` inside the directory `dirFd`, never following
 * a symlink there: a symlink gives a descriptor of the symlink itself, or
 * ENOTDIR when `directory` is set.
 */
export function openPathBeneath(dirFd: number, name: Uint8Array | string, directory: boolean): number {
  return openSync(procChildPath(dirFd, name), O_PATH | O_NOFOLLOW | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
}
