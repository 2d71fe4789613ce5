/** The macOS backend's inode record and its open handles. */
import type { BigIntStats } from 'node:fs';
import { Inode } from '@tsfuse/passthrough';
import type { DirectorySnapshot } from './dir/snapshot.js';

/** A file handle: a real host descriptor, so the file stays reachable after an unlink or a rename over it. */
export interface FileHandle {
  readonly kind: 'file';
  readonly node: MacInode;
  readonly fd: number;
  /** Opened for writing (ftruncate needs it). */
  readonly writable: boolean;
}

/** A directory handle: a descriptor (for the directory's own stat) and the snapshot it iterates. */
export interface DirHandle {
  readonly kind: 'dir';
  readonly node: MacInode;
  readonly fd: number;
  /** Set at the first read and replaced only at offset 0. */
  snapshot: DirectorySnapshot | undefined;
}

/** Either handle. */
export type Handle = FileHandle | DirHandle;

/** An inode record plus the handles open on it. */
export class MacInode extends Inode {
  /** Handles open on this inode: their descriptors reach it whatever happened to its names. */
  readonly handles: Handle[] = [];
  /**
   * A read-only descriptor taken just before this file lost its last name
   * through the mount while the kernel still held lookups on it, so that
   * GETATTR by node id keeps answering (nlink 0) until FORGET, as on Linux.
   */
  orphanFd = -1;

  constructor(nodeid: number, st: BigIntStats) {
    super(nodeid, st);
  }

  /** A descriptor open on this inode, preferring `fh`'s when it is one of them; -1 when none. */
  fdFor(fh: number | undefined, lookup: (fh: number) => Handle | undefined): number {
    if (fh !== undefined) {
      const h = lookup(fh);
      if (h !== undefined && h.node === this) return h.fd;
    }
    return this.handles.length > 0 ? this.handles[0]!.fd : this.orphanFd;
  }

  /** A descriptor open for writing on this inode, preferring `fh`'s; -1 when none. */
  writableFd(fh: number | undefined, lookup: (fh: number) => Handle | undefined): number {
    if (fh !== undefined) {
      const h = lookup(fh);
      if (h !== undefined && h.node === this && h.kind === 'file' && h.writable) return h.fd;
    }
    for (const h of this.handles) if (h.kind === 'file' && h.writable) return h.fd;
    return -1;
  }

  /** Forget a handle that closed. */
  dropHandle(h: Handle): void {
    const i = this.handles.indexOf(h);
    if (i >= 0) this.handles.splice(i, 1);
  }
}
