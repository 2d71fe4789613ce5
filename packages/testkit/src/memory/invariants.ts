import type { InodeTable } from './inode-table.js';
import { DirectoryInode, type Inode, isDirectory, RegularInode } from './inode.js';
import type { SpaceAccount } from './space.js';

/**
 * Cross-checks the whole filesystem's bookkeeping from scratch: link counts
 * against the names that exist, directory sizes and parents, space charged
 * against the memory actually held, and that nothing unreachable is kept.
 * Returns one line per violation (empty when consistent). O(size of the fs):
 * for tests and fuzzers, never the request path.
 */
export function findInconsistencies(table: InodeTable, space: SpaceAccount, openHandles: number): string[] {
  const problems: string[] = [];
  const names = new Map<Inode, number>();
  let charged = 0;
  let opens = 0;
  for (const node of table.values()) {
    opens += node.opens;
    if (node.lookups < 0 || node.opens < 0) problems.push(`inode ${node.ino}: negative count`);
    if (node !== table.root && node.nlink === 0 && node.opens === 0 && node.lookups === 0) {
      problems.push(`inode ${node.ino}: unreferenced but not freed`);
    }
    if (node instanceof RegularInode && node.data !== undefined) {
      charged += node.data.allocated;
      const actual = node.data.recount();
      if (actual !== node.data.allocated) problems.push(`inode ${node.ino}: allocated ${node.data.allocated} but holds ${actual}`);
    }
    if (!(node instanceof DirectoryInode)) continue;
    let subdirs = 0;
    for (const entry of node.entries) {
      const child = entry.target!;
      if (table.find(child.ino) !== child) problems.push(`dir ${node.ino}: "${entry.key}" names a freed inode ${child.ino}`);
      names.set(child, (names.get(child) ?? 0) + 1);
      if (isDirectory(child)) {
        subdirs++;
        if (child.parent !== node) problems.push(`dir ${child.ino}: parent is ${child.parent.ino}, listed in ${node.ino}`);
      }
    }
    const expectedLinks = node.nlink === 0 ? 0 : 2 + subdirs;
    if (node.nlink !== expectedLinks) problems.push(`dir ${node.ino}: nlink ${node.nlink}, expected ${expectedLinks}`);
    if (node.size !== (node.entries.size + 2) * 20) problems.push(`dir ${node.ino}: size ${node.size} for ${node.entries.size} names`);
  }
  for (const node of table.values()) {
    if (isDirectory(node)) {
      const n = names.get(node) ?? 0;
      if (node !== table.root && n !== (node.nlink === 0 ? 0 : 1)) problems.push(`dir ${node.ino}: ${n} names`);
    } else if ((names.get(node) ?? 0) !== node.nlink) {
      problems.push(`inode ${node.ino}: nlink ${node.nlink} but ${names.get(node) ?? 0} names`);
    }
  }
  if (charged !== space.used) problems.push(`space: ${space.used} charged, files hold ${charged}`);
  if (opens !== openHandles) problems.push(`handles: ${openHandles} open, inodes count ${opens}`);
  return problems;
}
