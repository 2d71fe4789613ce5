import { errno } from './abi/errno.js';
import { NAME_MAX, Opcode } from './abi/constants.js';

const SLASH = 0x2f;
const DOT = 0x2e;

/**
 * Check a name from a request before a backend sees it. Returns 0 when the
 * name may pass, else the errno Linux gives for it: empty → EINVAL (ENOENT for
 * LOOKUP), longer than NAME_MAX → ENAMETOOLONG, containing '/' → EINVAL.
 * "." and ".." reach only LOOKUP (NFS export asks for them); every other
 * operation gets what the VFS answers for them (mkdir(".") EEXIST,
 * unlink(".") EISDIR, rmdir(".") EINVAL, rmdir("..") ENOTEMPTY, rename EBUSY).
 */
export function checkName(name: Uint8Array, opcode: number): number {
  const n = name.length;
  if (n === 0) return opcode === Opcode.LOOKUP ? errno.ENOENT : errno.EINVAL;
  if (n > NAME_MAX) return errno.ENAMETOOLONG;
  if (name.indexOf(SLASH) >= 0) return errno.EINVAL;
  if (name[0] === DOT && (n === 1 || (n === 2 && name[1] === DOT))) return dotErrno(opcode, n === 2);
  return 0;
}

function dotErrno(opcode: number, dotdot: boolean): number {
  switch (opcode) {
    case Opcode.LOOKUP:
      return 0;
    case Opcode.UNLINK:
      return errno.EISDIR;
    case Opcode.RMDIR:
      return dotdot ? errno.ENOTEMPTY : errno.EINVAL;
    case Opcode.RENAME:
    case Opcode.RENAME2:
      return errno.EBUSY;
    case Opcode.CREATE:
      return errno.EISDIR;
    default:
      // mkdir, mknod, symlink, link: filename_create() refuses with EEXIST.
      return errno.EEXIST;
  }
}

/** True for a backend-supplied directory entry name the kernel would reject (empty, '/', NUL, > 255 bytes). */
export function badDirentName(name: Uint8Array): boolean {
  return name.length === 0 || name.length > NAME_MAX || name.indexOf(SLASH) >= 0 || name.indexOf(0) >= 0;
}
