/**
 * The names the kernel and everyday tools ask for on nearly every inode, and
 * almost never find: `ls -l` asks each entry for its SELinux label and its
 * ACL, the kernel asks for file capabilities before the first write. Each
 * stored one shows up in listxattr(2) whenever it exists (ext4, xfs, btrfs,
 * tmpfs; a label an LSM supplies is listed by the LSM), so a name list answers
 * them all with one helper round trip instead of one per name.
 */
const ROUTINE = new Set(['security.capability', 'security.selinux', 'system.posix_acl_access', 'system.posix_acl_default']);

/** True for a name whose absence a listxattr list may answer. */
export function isRoutineXattr(name: string): boolean {
  return ROUTINE.has(name);
}

const NO_NAMES = new Uint8Array(0);

/**
 * An inode's xattr names as listxattr(2) gave them, valid while its ctime
 * stays what it was before the list was read: every set or remove of an
 * attribute moves ctime. Only to be kept when that ctime was settled (see
 * settledCtime in dir-listing.ts) so that a change within the same clock tick
 * cannot hide.
 */
export class XattrNames {
  constructor(
    private readonly ctimeNs: bigint,
    /** NUL-terminated names, as listxattr returns them. */
    private readonly list: Uint8Array,
  ) {}

  /**
   * A copy of `list`, read after the inode's ctime was seen to be `ctimeNs`;
   * the caller has checked that ctime was settled then (settledCtime, with the
   * clock read before the stat).
   */
  static of(ctimeNs: bigint, list: Uint8Array): XattrNames {
    // Most inodes have no xattrs: share one empty list (a typed array costs ~150 B of heap).
    return new XattrNames(ctimeNs, list.length === 0 ? NO_NAMES : Uint8Array.from(list));
  }

  /** Whether the list still describes an inode whose ctime is now `ctimeNs`. */
  current(ctimeNs: bigint): boolean {
    return ctimeNs === this.ctimeNs;
  }

  /** Whether `name` is in the list. */
  has(name: string): boolean {
    const want = Buffer.from(name, 'utf8');
    const l = this.list;
    for (let start = 0; start < l.length; ) {
      let end = l.indexOf(0, start);
      if (end < 0) end = l.length;
      if (end - start === want.length && Buffer.compare(want, l.subarray(start, end)) === 0) return true;
      start = end + 1;
    }
    return false;
  }
}
