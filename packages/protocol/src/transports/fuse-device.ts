import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { MountError } from './mount-error.js';

/** The character device the kernel's FUSE driver listens on. */
export const FUSE_DEVICE_PATH = '/dev/fuse';

/** Room for the request headers in front of a WRITE's payload (the kernel needs 80 bytes; a page is customary). */
export const REQUEST_HEADROOM = 4096;

/** Read buffer for a given max_write: the largest request is a WRITE carrying max_write bytes. */
export function requestBufferSize(maxWrite: number): number {
  return Math.max(maxWrite, 8192) + REQUEST_HEADROOM;
}

/** readRequest's answer when the connection is gone (unmounted or aborted): the read failed with ENODEV. */
export const CONNECTION_ENDED = -1;

/**
 * Opens /dev/fuse for reading and writing (blocking mode: the reader thread
 * sleeps in read(2) until the kernel has a request). Node opens with O_CLOEXEC,
 * so only the `mount` child we hand it to explicitly inherits it.
 */
export function openFuseDevice(path: string = FUSE_DEVICE_PATH): number {
  try {
    return openSync(path, 'r+');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new MountError('ENODEVICE', `${path} does not exist: the fuse kernel module is not loaded (try: modprobe fuse)`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      throw new MountError('EACCES', `cannot open ${path}: permission denied (run as root, or make ${path} accessible)`);
    }
    throw new MountError(code ?? 'EIO', `cannot open ${path}: ${(e as Error).message}`);
  }
}

/** Closes the device fd, ignoring errors (it may already be closed). */
export function closeFuseDevice(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/**
 * Reads one request into `buf` and returns its length, or CONNECTION_ENDED
 * when the filesystem was unmounted or the connection aborted (ENODEV).
 * EINTR and EAGAIN are retried. Blocks the calling thread: call it only from a
 * worker thread that exists to read, never from a thread with other work.
 * Any other error is thrown (EINVAL means the buffer is smaller than max_write
 * plus the headers).
 */
export function readRequest(fd: number, buf: Uint8Array): number {
  for (;;) {
    try {
      return readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EINTR' || code === 'EAGAIN') continue;
      if (code === 'ENODEV') return CONNECTION_ENDED;
      throw e;
    }
  }
}

/** writeMessage's answer: written, or the code of an error the caller may want to log. */
export type WriteOutcome = 'ok' | 'gone' | 'stale' | string;

/**
 * Writes one whole reply or notification (the kernel takes each write as one
 * message). 'stale': ENOENT, the request was interrupted or aborted before its
 * reply arrived (normal, nothing to do); for a notification, the kernel has no
 * such inode or entry cached. 'gone': ENODEV/ENOTCONN, the connection ended.
 * Anything else (EINVAL: a malformed message) is returned as its code.
 */
export function writeMessage(fd: number, bytes: Uint8Array): WriteOutcome {
  for (;;) {
    try {
      writeSync(fd, bytes, 0, bytes.length);
      return 'ok';
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
      if (code === 'EINTR' || code === 'EAGAIN') continue;
      if (code === 'ENOENT') return 'stale';
      if (code === 'ENODEV' || code === 'ENOTCONN' || code === 'EBADF') return 'gone';
      return code;
    }
  }
}
