import { R_OK, W_OK, X_OK, type RequestContext } from '@tsfuse/protocol';
import { isDirectory, type Inode } from './inode.js';

/** True when the caller is in group `gid` (primary or supplementary). */
export function inGroup(ctx: RequestContext, gid: number): boolean {
  return ctx.gid === gid || (ctx.groups !== undefined && ctx.groups.includes(gid));
}

/**
 * access(2) for the caller, as generic_permission decides it without ACLs:
 * root may read and write anything and execute what has any x bit (or is a
 * directory); others get the owner, group, or other bits, whichever class
 * they fall in first.
 */
export function mayAccess(ctx: RequestContext, node: Inode, mask: number): boolean {
  const want = mask & (R_OK | W_OK | X_OK);
  if (want === 0) return true;
  if (ctx.uid === 0) {
    return (want & X_OK) === 0 || isDirectory(node) || (node.mode & 0o111) !== 0;
  }
  let bits: number;
  if (ctx.uid === node.uid) bits = (node.mode >> 6) & 7;
  else if (inGroup(ctx, node.gid)) bits = (node.mode >> 3) & 7;
  else bits = node.mode & 7;
  return (bits & want) === want;
}
