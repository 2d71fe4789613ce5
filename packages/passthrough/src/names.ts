import { errno } from '@tsfuse/protocol';
import { fuseError } from './errno.js';

/** The operation a name is checked for: each answers '.' and '..' with its own errno, as the VFS does. */
export type NameOp = 'lookup' | 'create' | 'mkdir' | 'mknod' | 'symlink' | 'link' | 'unlink' | 'rmdir' | 'rename';

/** Longest name component Linux accepts. */
export const NAME_MAX = 255;

const SLASH = 0x2f;
const DOT = 0x2e;

/** 0 for a normal name, 1 for ".", 2 for "..". */
export function dotKind(name: Uint8Array): 0 | 1 | 2 {
  if (name[0] !== DOT) return 0;
  if (name.length === 1) return 1;
  return name.length === 2 && name[1] === DOT ? 2 : 0;
}

/**
 * 0 when `name` may be used as an entry name for `op`, else the errno Linux
 * gives: empty → ENOENT for lookup, EINVAL otherwise (the wire rule); '/' or
 * NUL → EINVAL; longer than 255 bytes → ENAMETOOLONG. "." and "..": lookup
 * accepts them (the caller resolves them without climbing above the root);
 * unlink and create → EISDIR, rmdir → EINVAL / ENOTEMPTY, rename → EBUSY,
 * mkdir, mknod, symlink and link → EEXIST.
 */
export function nameErrno(name: Uint8Array, op: NameOp): number {
  const n = name.length;
  if (n === 0) return op === 'lookup' ? errno.ENOENT : errno.EINVAL;
  if (n > NAME_MAX) return errno.ENAMETOOLONG;
  if (name.indexOf(SLASH) >= 0 || name.indexOf(0) >= 0) return errno.EINVAL;
  const dots = dotKind(name);
  if (dots === 0) return 0;
  switch (op) {
    case 'lookup':
      return 0;
    case 'unlink':
    case 'create':
      return errno.EISDIR;
    case 'rmdir':
      return dots === 2 ? errno.ENOTEMPTY : errno.EINVAL;
    case 'rename':
      return errno.EBUSY;
    default:
      return errno.EEXIST;
  }
}

/** Throws the FuseError nameErrno() gives, if any. */
export function checkName(name: Uint8Array, op: NameOp): void {
  const e = nameErrno(name, op);
  if (e !== 0) throw fuseError(e);
}
