import { FuseError, XATTR_NAME_MAX, XATTR_SIZE_MAX } from '@tsfuse/protocol';
import { XATTR_CREATE, XATTR_LIST_MAX, XATTR_REPLACE } from './constants.js';
import { isDirectory, isRegular, type Inode } from './inode.js';

/** Namespaces stored as opaque values. "system." (POSIX ACLs) is refused: nothing here would enforce them. */
const STORED_NAMESPACES = ['user.', 'trusted.', 'security.'];

/**
 * Checks a name as the VFS and tmpfs do: empty or over 255 bytes → ERANGE,
 * a bare prefix ("user.") → EINVAL, an unknown namespace or system.* →
 * EOPNOTSUPP. Returns true for the user namespace.
 */
function checkXattrName(name: string): boolean {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0 || bytes > XATTR_NAME_MAX) throw new FuseError('ERANGE');
  const prefix = STORED_NAMESPACES.find((p) => name.startsWith(p));
  if (prefix === undefined) throw new FuseError('EOPNOTSUPP');
  if (name.length === prefix.length) throw new FuseError('EINVAL');
  return prefix === 'user.';
}

/** user.* lives only on regular files and directories (xattr_permission). */
function userAllowed(node: Inode): boolean {
  return isRegular(node) || isDirectory(node);
}

/** setxattr(2) with XATTR_CREATE (EEXIST) and XATTR_REPLACE (ENODATA). The value is copied. */
export function setXattr(node: Inode, name: string, value: Uint8Array, flags: number): void {
  if ((flags & ~(XATTR_CREATE | XATTR_REPLACE)) !== 0) throw new FuseError('EINVAL');
  if (checkXattrName(name) && !userAllowed(node)) throw new FuseError('EPERM');
  if (value.byteLength > XATTR_SIZE_MAX) throw new FuseError('E2BIG');
  const exists = node.xattrs?.has(name) ?? false;
  if ((flags & XATTR_CREATE) !== 0 && exists) throw new FuseError('EEXIST');
  if ((flags & XATTR_REPLACE) !== 0 && !exists) throw new FuseError('ENODATA');
  (node.xattrs ??= new Map()).set(name, value.slice());
}

/** getxattr(2): size 0 asks for the length; a smaller buffer is ERANGE; a missing name ENODATA. */
export function getXattr(node: Inode, name: string, size: number): Uint8Array | number {
  if (checkXattrName(name) && !userAllowed(node)) throw new FuseError('ENODATA');
  const value = node.xattrs?.get(name);
  if (value === undefined) throw new FuseError('ENODATA');
  if (size === 0) return value.byteLength;
  if (size < value.byteLength) throw new FuseError('ERANGE');
  return value;
}

/** listxattr(2): the names, each followed by NUL, with getxattr's size rules; E2BIG past XATTR_LIST_MAX. */
export function listXattrs(node: Inode, size: number): Uint8Array | number {
  const names = node.xattrs === undefined ? [] : [...node.xattrs.keys()];
  const list = Buffer.from(names.map((n) => n + '\0').join(''));
  if (list.length > XATTR_LIST_MAX) throw new FuseError('E2BIG');
  if (size === 0) return list.length;
  if (size < list.length) throw new FuseError('ERANGE');
  return list;
}

/** removexattr(2): ENODATA when absent. */
export function removeXattr(node: Inode, name: string): void {
  if (checkXattrName(name) && !userAllowed(node)) throw new FuseError('EPERM');
  if (node.xattrs === undefined || !node.xattrs.delete(name)) throw new FuseError('ENODATA');
  if (node.xattrs.size === 0) node.xattrs = undefined;
}
