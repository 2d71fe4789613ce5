/**
 * The host system calls the backend makes, all synchronous (a sync fs call
 * costs ~5 µs where an awaited one costs ~25 µs), all in the host's own
 * numbering (open flags from HostTables). Paths are Buffers: names are bytes.
 * Nothing here follows a symlink unless its name says so: callers pass
 * O_NOFOLLOW and use the l* calls.
 */
import type { BigIntStats, BigIntStatsFs } from 'node:fs';

/** One name from a host directory listing. */
export interface HostDirent {
  name: Buffer;
  /** DT_* type (DT_UNKNOWN when the host did not say). */
  type: number;
}

/** The host calls the backend uses. Every method throws Node-style errors (code, errno). */
export interface HostFs {
  lstat(path: Buffer): BigIntStats;
  fstat(fd: number): BigIntStats;
  open(path: Buffer, hostFlags: number, mode?: number): number;
  close(fd: number): void;
  read(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number;
  readdir(path: Buffer): HostDirent[];
  mkdir(path: Buffer, mode: number): void;
  rmdir(path: Buffer): void;
  unlink(path: Buffer): void;
  symlink(target: Buffer, path: Buffer): void;
  readlink(path: Buffer): Buffer;
  link(existing: Buffer, newPath: Buffer): void;
  rename(from: Buffer, to: Buffer): void;
  fchmod(fd: number, mode: number): void;
  /** chmod(2): follows a final symlink, so callers use it only right after proving the path is no symlink. */
  chmod(path: Buffer, mode: number): void;
  /** Change a path's mode without following a final symlink: darwin only (lchmod); undefined elsewhere. */
  lchmod?: (path: Buffer, mode: number) => void;
  fchown(fd: number, uid: number, gid: number): void;
  lchown(path: Buffer, uid: number, gid: number): void;
  /** Times as Node's futimes takes them: seconds (fractions allowed), or a numeric string for times before 1970. */
  futimes(fd: number, atime: number | string, mtime: number | string): void;
  lutimes(path: Buffer, atime: number | string, mtime: number | string): void;
  ftruncate(fd: number, length: number): void;
  fsync(fd: number): void;
  fdatasync(fd: number): void;
  statfs(path: Buffer): BigIntStatsFs;
}
