/** HostFs over Node's synchronous fs calls: the real host. */
import fs from 'node:fs';
import type { HostDirent, HostFs } from './host-fs.js';

const BIGINT = { bigint: true } as const;
const LIST = { withFileTypes: true, encoding: 'buffer' } as const;

/** DT_* of a Node Dirent (Node hides d_type behind is*() methods). */
function direntType(d: fs.Dirent<Buffer>): number {
  if (d.isFile()) return 8;
  if (d.isDirectory()) return 4;
  if (d.isSymbolicLink()) return 10;
  if (d.isFIFO()) return 1;
  if (d.isSocket()) return 12;
  if (d.isCharacterDevice()) return 2;
  if (d.isBlockDevice()) return 6;
  return 0;
}

/** The running host, through node:fs. */
export function nodeHostFs(): HostFs {
  const host: HostFs = {
    lstat: (p) => fs.lstatSync(p, BIGINT),
    fstat: (fd) => fs.fstatSync(fd, BIGINT),
    open: (p, flags, mode) => fs.openSync(p, flags, mode),
    close: (fd) => fs.closeSync(fd),
    read: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
    write: (fd, buf, off, len, pos) => fs.writeSync(fd, buf, off, len, pos),
    readdir: (p) => {
      const list = fs.readdirSync(p, LIST) as fs.Dirent<Buffer>[];
      const out: HostDirent[] = new Array(list.length);
      for (let i = 0; i < list.length; i++) out[i] = { name: list[i]!.name, type: direntType(list[i]!) };
      return out;
    },
    mkdir: (p, mode) => fs.mkdirSync(p, mode),
    rmdir: (p) => fs.rmdirSync(p),
    unlink: (p) => fs.unlinkSync(p),
    symlink: (target, p) => fs.symlinkSync(target, p),
    readlink: (p) => fs.readlinkSync(p, { encoding: 'buffer' }),
    link: (a, b) => fs.linkSync(a, b),
    rename: (a, b) => fs.renameSync(a, b),
    fchmod: (fd, mode) => fs.fchmodSync(fd, mode),
    chmod: (p, mode) => fs.chmodSync(p, mode),
    fchown: (fd, uid, gid) => fs.fchownSync(fd, uid, gid),
    lchown: (p, uid, gid) => fs.lchownSync(p, uid, gid),
    futimes: (fd, a, m) => fs.futimesSync(fd, a as number, m as number),
    lutimes: (p, a, m) => fs.lutimesSync(p, a as number, m as number),
    ftruncate: (fd, len) => fs.ftruncateSync(fd, len),
    fsync: (fd) => fs.fsyncSync(fd),
    fdatasync: (fd) => fs.fdatasyncSync(fd),
    statfs: (p) => fs.statfsSync(p as unknown as string, BIGINT),
  };
  // fs.lchmodSync exists only where the host has lchmod(2) (macOS).
  const lchmod = (fs as { lchmodSync?: (p: Buffer, mode: number) => void }).lchmodSync;
  if (process.platform === 'darwin' && typeof lchmod === 'function') host.lchmod = (p, mode) => lchmod(p, mode);
  return host;
}
