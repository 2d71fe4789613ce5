import { linkSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { errno } from '@tsfuse/protocol';
import { S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK, fuseError, procChildPath, procFdPath, type Logger } from '@tsfuse/passthrough';
import { runHostTool } from './host-tool.js';

/**
 * FIFOs, sockets and device nodes, which Node cannot create directly, made for
 * real: under a fresh ASCII temporary name inside the target directory (the
 * `mknod` program for FIFOs and devices, a listening Unix socket for sockets),
 * then link()ed to the requested name, which fails with EEXIST atomically if
 * the name is taken, and the temporary name removed. Costs a process spawn
 * (~1-2 ms) for FIFOs and devices; these are rare. The temporary name is
 * visible in the directory for that long.
 */

let counter = 0;

function tempName(): string {
  return `.tsfuse-mknod-${process.pid}-${++counter}`;
}

/** Major and minor numbers of a new_encode_dev rdev (what FUSE_MKNOD carries). */
export function splitRdev(rdev: number): [major: number, minor: number] {
  return [(rdev >>> 8) & 0xfff, (rdev & 0xff) | ((rdev >>> 12) & 0xfff00)];
}

/** Give the object at `temp` its final name in the same directory, then drop `temp`. */
function publish(dirFd: number, temp: string, name: Uint8Array): void {
  try {
    linkSync(procChildPath(dirFd, temp), procChildPath(dirFd, name));
  } finally {
    try {
      unlinkSync(procChildPath(dirFd, temp));
    } catch {
      // Already gone (a socket's temporary name goes with its server).
    }
  }
}

/**
 * Create a FIFO, socket or device node named `name` in the directory `dirFd`.
 * `type` is S_IFIFO, S_IFSOCK, S_IFCHR or S_IFBLK. Permissions and ownership
 * are the caller's to fix afterwards.
 */
export function makeSpecialFile(dirFd: number, name: Uint8Array, type: number, rdev: number, log: Logger): void {
  const temp = tempName();
  if (type === S_IFSOCK) {
    makeSocket(dirFd, temp, name, log);
    return;
  }
  const args = [`/proc/self/fd/3/${temp}`];
  if (type === S_IFIFO) args.push('p');
  else if (type === S_IFCHR || type === S_IFBLK) {
    const [major, minor] = splitRdev(rdev);
    args.push(type === S_IFCHR ? 'c' : 'b', String(major), String(minor));
  } else throw fuseError(errno.EINVAL);
  runHostTool('mknod', args, dirFd, log);
  publish(dirFd, temp, name);
}

function makeSocket(dirFd: number, temp: string, name: Uint8Array, log: Logger): void {
  const server = createServer();
  let failure: unknown;
  server.on('error', (e) => {
    failure = e;
  });
  // bind() happens synchronously inside listen(); a failure is only reported
  // asynchronously, so check the result on the filesystem.
  server.listen(`${procFdPath(dirFd)}/${temp}`);
  try {
    const st = lstatSync(procChildPath(dirFd, temp), { throwIfNoEntry: false });
    if (st === undefined || !st.isSocket()) {
      log(`mknod: could not bind a Unix socket${failure !== undefined ? `: ${String(failure)}` : ''}`);
      throw fuseError(errno.EIO);
    }
    linkSync(procChildPath(dirFd, temp), procChildPath(dirFd, name));
  } finally {
    // Closing the server unlinks the temporary name (libuv removes a pipe's path on close).
    server.close();
    try {
      unlinkSync(procChildPath(dirFd, temp));
    } catch {
      // already gone
    }
  }
}
