import { FuseError } from '@tsfuse/protocol';
import { DirectoryInode, type Inode, RegularInode } from './inode.js';
import type { SpaceAccount } from './space.js';

/** Node id of the root directory. */
export const ROOT_ID = 1;

/**
 * Every live inode by node id, and the rule for when one dies: an inode is
 * freed when it has no names (nlink 0), no open handles, and the kernel holds
 * no lookups on it. Node ids count up from 2 and are never reused, so
 * nodeid:generation (generation 0) is unique for the filesystem's life.
 */
export class InodeTable {
  private readonly nodes = new Map<number, Inode>();
  private nextIno = ROOT_ID + 1;

  constructor(
    readonly root: DirectoryInode,
    readonly maxInodes: number,
    private readonly space: SpaceAccount,
  ) {
    this.nodes.set(root.ino, root);
  }

  /** Live inodes, the root included. */
  get count(): number {
    return this.nodes.size;
  }

  /** The inode with this node id; ENOENT for one that never was or has been freed. */
  get(nodeid: number): Inode {
    const node = this.nodes.get(nodeid);
    if (node === undefined) throw new FuseError('ENOENT');
    return node;
  }

  /** The inode with this node id, or undefined. */
  find(nodeid: number): Inode | undefined {
    return this.nodes.get(nodeid);
  }

  /** The next node id; ENOSPC when the inode limit is reached (nothing is consumed then). */
  allocate(): number {
    if (this.nodes.size >= this.maxInodes) throw new FuseError('ENOSPC');
    return this.nextIno++;
  }

  /** Registers a new inode made with an id from allocate(). */
  add(node: Inode): void {
    this.nodes.set(node.ino, node);
  }

  /** Frees `node` if nothing refers to it any more. The root never dies. */
  release(node: Inode): void {
    if (node.nlink > 0 || node.opens > 0 || node.lookups > 0 || node === this.root) return;
    this.nodes.delete(node.ino);
    if (node instanceof RegularInode && node.data !== undefined) {
      node.data.clear(this.space);
      node.data = undefined;
    }
  }

  /** Every live inode. */
  values(): IterableIterator<Inode> {
    return this.nodes.values();
  }

  /** The kernel went away: it holds no lookups and no handles. Frees what that orphans. */
  forgetAll(): void {
    for (const node of [...this.nodes.values()]) {
      node.lookups = 0;
      node.opens = 0;
      this.release(node);
    }
  }
}
