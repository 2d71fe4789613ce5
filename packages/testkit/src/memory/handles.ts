import { FuseError } from '@tsfuse/protocol';
import type { Inode } from './inode.js';

/** One open file or directory: the inode and the open(2) flags it was opened with. */
export class OpenHandle {
  constructor(
    readonly node: Inode,
    readonly flags: number,
    readonly isDirectory: boolean,
  ) {}
}

/**
 * File handles by number. Handles count up from 1 and are never reused, so a
 * stale handle is EBADF rather than someone else's file. Every lookup checks
 * that the handle belongs to the node id the request names.
 */
export class HandleTable {
  private readonly handles = new Map<number, OpenHandle>();
  private next = 1;

  /** Number of open handles. */
  get size(): number {
    return this.handles.size;
  }

  /** Opens a handle on `node` and counts it on the inode. */
  open(node: Inode, flags: number, isDirectory: boolean): number {
    const fh = this.next++;
    this.handles.set(fh, new OpenHandle(node, flags, isDirectory));
    node.opens++;
    return fh;
  }

  /** The handle `fh` on `nodeid` of the given kind; EBADF otherwise. */
  get(fh: number, nodeid: number, isDirectory: boolean): OpenHandle {
    const handle = this.handles.get(fh);
    if (handle === undefined || handle.node.ino !== nodeid || handle.isDirectory !== isDirectory) {
      throw new FuseError('EBADF');
    }
    return handle;
  }

  /** Closes `fh` (validated as in get) and returns it; the caller decides whether the inode dies. */
  close(fh: number, nodeid: number, isDirectory: boolean): OpenHandle {
    const handle = this.get(fh, nodeid, isDirectory);
    this.handles.delete(fh);
    handle.node.opens--;
    return handle;
  }

  /** Drops every handle (the session ended). */
  clear(): void {
    this.handles.clear();
  }
}
