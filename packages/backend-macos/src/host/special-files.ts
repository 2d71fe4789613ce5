/**
 * FIFOs, sockets and device nodes, which Node cannot create (no mknod), made
 * for real: under a fresh ASCII temporary name in the target directory — by
 * the `mkfifo` / `mknod` programs (darwin and Linux both have them, with the
 * same "NAME p|c|b MAJOR MINOR" syntax) or, for a socket, by binding a Unix
 * socket — then given the requested name:
 * - 'link' (Linux): link() the temporary name to the final one, which fails
 *   with EEXIST atomically if the name is taken; then drop the temporary.
 * - 'rename' (darwin, whose link() follows a final symlink): refuse if the
 *   final name exists, then rename(); a host-side create of the same name in
 *   between would be replaced (documented race, inside the share only).
 * The temporary object is checked (lstat: the expected type) before it is
 * published. Tools need string paths: a directory path that is not UTF-8
 * cannot be handed to them (EIO plus a log line). Costs a process spawn
 * (~1-3 ms) for FIFOs and devices; these are rare.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { errno } from '@tsfuse/protocol';
import { S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFSOCK, fuseError, type Logger } from '@tsfuse/passthrough';
import type { HostFs } from './host-fs.js';
import { joinName } from '../identity/node-paths.js';

/** strerror texts of coreutils (Linux) and BSD tools, by errno name. */
const STRERROR: [string, keyof typeof errno][] = [
  ['File exists', 'EEXIST'],
  ['Permission denied', 'EACCES'],
  ['Operation not permitted', 'EPERM'],
  ['No space left on device', 'ENOSPC'],
  ['Disk quota exceeded', 'EDQUOT'],
  ['Disc quota exceeded', 'EDQUOT'],
  ['Read-only file system', 'EROFS'],
  ['No such file or directory', 'ENOENT'],
  ['Not a directory', 'ENOTDIR'],
  ['Invalid argument', 'EINVAL'],
  ['File name too long', 'ENAMETOOLONG'],
  ['Operation not supported', 'EOPNOTSUPP'],
];

let counter = 0;

/** What to make, and where. */
export interface SpecialFileRequest {
  host: HostFs;
  /** The directory's host path (verified by the caller). */
  dirPath: Buffer;
  name: Uint8Array;
  /** S_IFIFO, S_IFSOCK, S_IFCHR or S_IFBLK. */
  type: number;
  major: number;
  minor: number;
  publish: 'link' | 'rename';
  log: Logger;
}

function runTool(program: string, args: string[], log: Logger): void {
  const r = spawnSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 10_000 });
  if (r.error === undefined && r.status === 0) return;
  const stderr = r.stderr ?? '';
  for (const [text, name] of STRERROR) if (stderr.includes(text)) throw fuseError(errno[name]);
  log(`${program}: failed (${r.error?.message ?? `status ${r.status}, signal ${r.signal}`}): ${stderr.trim()}`);
  throw fuseError(errno.EIO);
}

/** Bind a Unix socket at `path` (bind() is synchronous inside listen()); the caller closes the server. */
function bindSocket(path: string, log: Logger): ReturnType<typeof createServer> {
  const server = createServer();
  server.on('error', (e) => log(`mknod: binding a Unix socket failed: ${String(e)}`));
  server.listen(path);
  return server;
}

/** Create the special file; permissions and ownership are the caller's to fix afterwards. */
export function makeSpecialFile(r: SpecialFileRequest): void {
  const dir = r.dirPath.toString('utf8');
  if (!Buffer.from(dir, 'utf8').equals(r.dirPath)) {
    r.log('mknod: the directory path is not UTF-8, which the mkfifo/mknod programs cannot be given');
    throw fuseError(errno.EIO);
  }
  const temp = `.tsfuse-mknod-${process.pid}-${++counter}`;
  const tempPath = `${dir}/${temp}`;
  const tempBuf = Buffer.from(tempPath);
  const finalPath = joinName(r.dirPath, r.name);
  let server: ReturnType<typeof createServer> | undefined;
  try {
    if (r.type === S_IFIFO) runTool('mkfifo', [tempPath], r.log);
    else if (r.type === S_IFCHR || r.type === S_IFBLK) runTool('mknod', [tempPath, r.type === S_IFCHR ? 'c' : 'b', String(r.major), String(r.minor)], r.log);
    else if (r.type === S_IFSOCK) server = bindSocket(tempPath, r.log);
    else throw fuseError(errno.EINVAL);
    let st;
    try {
      st = r.host.lstat(tempBuf);
    } catch {
      r.log(`mknod: the temporary ${r.type === S_IFSOCK ? 'socket' : 'node'} did not appear`);
      throw fuseError(errno.EIO);
    }
    if ((Number(st.mode) & S_IFMT) !== r.type) throw fuseError(errno.EIO);
    if (r.publish === 'link') {
      r.host.link(tempBuf, finalPath);
    } else {
      let exists = true;
      try {
        r.host.lstat(finalPath);
      } catch {
        exists = false;
      }
      if (exists) throw fuseError(errno.EEXIST);
      r.host.rename(tempBuf, finalPath);
    }
  } finally {
    try {
      r.host.unlink(tempBuf);
    } catch {
      // renamed away, or never made
    }
    // Closing the server removes its path (libuv unlinks a pipe's name): the object lives on under the final name.
    server?.close();
  }
}
