/**
 * FIFOs, sockets and device nodes, which Node cannot create (no mknod), made
 * for real: under a fresh ASCII temporary name in the target directory — by
 * the `mkfifo` / `mknod` programs (coreutils and the BSD tools take the same
 * "NAME" / "NAME c|b MAJOR MINOR") or, for a socket, by binding a Unix
 * socket — checked (lstat: the expected type), then given the requested name:
 * - 'link' (Linux): link() the temporary name to the final one, which fails
 *   with EEXIST atomically if the name is taken; then drop the temporary.
 * - 'rename' (darwin, whose link() follows a final symlink): refuse if the
 *   final name exists, then rename(); a host-side create of the same name in
 *   between would be replaced (documented race, inside the share only).
 * The directory is either a descriptor, reached through /proc/self/fd (Linux;
 * the programs get it as their fd 3, so no path can be swapped under them), or
 * a verified host path, which must be UTF-8 (the programs take strings; EIO
 * plus a log line otherwise). Costs a process spawn (~1-3 ms) for FIFOs and
 * devices; these are rare. The temporary name is visible for that long.
 */
import fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import { errno } from '@tsfuse/protocol';
import { fuseError, type Logger } from './errno.js';
import { runHostTool } from './host-tool.js';
import { S_IFBLK, S_IFCHR, S_IFIFO, S_IFMT, S_IFSOCK } from './mode.js';
import { procChildPath, procFdPath } from './proc-path.js';

/** The directory to create in: a descriptor (O_PATH is enough; Linux /proc) or a verified host path. */
export type SpecialFileDir = { readonly fd: number } | { readonly path: Buffer };

/** The filesystem calls made on the temporary and final names (a backend's host layer, or node:fs). */
export interface SpecialFileFs {
  lstat(path: Buffer): { mode: number | bigint };
  link(existing: Buffer, newPath: Buffer): void;
  rename(from: Buffer, to: Buffer): void;
  unlink(path: Buffer): void;
}

/** What to make, and where. */
export interface SpecialFileRequest {
  dir: SpecialFileDir;
  name: Uint8Array;
  /** S_IFIFO, S_IFSOCK, S_IFCHR or S_IFBLK. */
  type: number;
  /** Device numbers (S_IFCHR, S_IFBLK). */
  major?: number;
  minor?: number;
  publish: 'link' | 'rename';
  /** Default: node:fs. */
  fs?: SpecialFileFs;
  log: Logger;
}

const nodeFs: SpecialFileFs = {
  lstat: (p) => fs.lstatSync(p),
  link: (a, b) => fs.linkSync(a, b),
  rename: (a, b) => fs.renameSync(a, b),
  unlink: (p) => fs.unlinkSync(p),
};

/** Longest Unix socket path bind() takes (sun_path less its NUL): longer ones Node silently truncates. */
const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103;
const SLASH = Buffer.from('/');

let counter = 0;

/** The temporary and final names, as the fs calls, the programs and bind() each need them. */
interface Places {
  temp: Buffer;
  final: Buffer;
  /** The temporary name as the programs see it. */
  toolPath: string;
  /** The descriptor the programs get as fd 3, if any. */
  toolFd: number | undefined;
  socketPath: string;
}

function placesOf(dir: SpecialFileDir, name: Uint8Array, temp: string, log: Logger): Places {
  if ('fd' in dir) {
    return {
      temp: procChildPath(dir.fd, temp),
      final: procChildPath(dir.fd, name),
      toolPath: `/proc/self/fd/3/${temp}`,
      toolFd: dir.fd,
      socketPath: `${procFdPath(dir.fd)}/${temp}`,
    };
  }
  const dirString = dir.path.toString('utf8');
  if (!Buffer.from(dirString, 'utf8').equals(dir.path)) {
    log('mknod: the directory path is not UTF-8, which the mkfifo/mknod programs cannot be given');
    throw fuseError(errno.EIO);
  }
  const tempPath = `${dirString}/${temp}`;
  return { temp: Buffer.from(tempPath), final: Buffer.concat([dir.path, SLASH, name]), toolPath: tempPath, toolFd: undefined, socketPath: tempPath };
}

/** Bind a Unix socket at `path` (bind() is synchronous inside listen(); its failure is reported later, so the caller checks the result with lstat). */
function bindSocket(path: string, log: Logger): Server {
  if (Buffer.byteLength(path) > SOCKET_PATH_MAX) {
    log(`mknod: the socket path is longer than bind() takes (${SOCKET_PATH_MAX} bytes): ${path}`);
    throw fuseError(errno.EIO);
  }
  const server = createServer();
  server.on('error', () => {
    // Reported through the lstat check that follows.
  });
  server.listen(path);
  return server;
}

/** Create the special file; permissions and ownership are the caller's to fix afterwards. */
export function makeSpecialFile(r: SpecialFileRequest): void {
  if (r.type !== S_IFIFO && r.type !== S_IFSOCK && r.type !== S_IFCHR && r.type !== S_IFBLK) throw fuseError(errno.EINVAL);
  const host = r.fs ?? nodeFs;
  const at = placesOf(r.dir, r.name, `.tsfuse-mknod-${process.pid}-${++counter}`, r.log);
  let server: Server | undefined;
  try {
    if (r.type === S_IFIFO) runHostTool('mkfifo', [at.toolPath], r.log, at.toolFd);
    else if (r.type === S_IFSOCK) server = bindSocket(at.socketPath, r.log);
    else runHostTool('mknod', [at.toolPath, r.type === S_IFCHR ? 'c' : 'b', String(r.major ?? 0), String(r.minor ?? 0)], r.log, at.toolFd);
    let st;
    try {
      st = host.lstat(at.temp);
    } catch {
      r.log(`mknod: the temporary ${r.type === S_IFSOCK ? 'socket' : 'node'} did not appear`);
      throw fuseError(errno.EIO);
    }
    if ((Number(st.mode) & S_IFMT) !== r.type) {
      r.log(`mknod: the temporary name holds mode ${Number(st.mode).toString(8)}, not the type asked for`);
      throw fuseError(errno.EIO);
    }
    if (r.publish === 'link') {
      host.link(at.temp, at.final);
    } else {
      let exists = true;
      try {
        host.lstat(at.final);
      } catch {
        exists = false;
      }
      if (exists) throw fuseError(errno.EEXIST);
      host.rename(at.temp, at.final);
    }
  } finally {
    // Closing the server removes its path (libuv unlinks a pipe's name): the object lives on under the final name.
    server?.close();
    try {
      host.unlink(at.temp);
    } catch {
      // renamed away, gone with the server, or never made
    }
  }
}
