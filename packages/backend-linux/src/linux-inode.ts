import { Inode, type FdHolder, type PageCacheStamp } from '@tsfuse/passthrough';
import type { XattrNames } from './xattr-names.js';

/**
 * An inode of the Linux backend: the shared record plus an O_PATH descriptor
 * while it is in the working set, and the descriptors of its open files.
 */
export class LinuxInode extends Inode implements FdHolder {
  /** O_PATH descriptor of this very inode, or -1 (evicted, or never needed). */
  fd = -1;
  lruPrev: FdHolder | null = null;
  lruNext: FdHolder | null = null;
  /** True when `fd` is held outside the working set (the root): never evicted. */
  fdPinned = false;
  /** Descriptors of open file handles: fstat through them survives unlink and rename-over on the host. */
  openFds: number[] | undefined = undefined;
  /** keepCache 'auto': the host file as the kernel's page cache of it shows it (created at the first open). */
  cacheStamp: PageCacheStamp | undefined = undefined;
  /** Its xattr names, while its ctime says they are still exact (answers the routine queries). */
  xattrNames: XattrNames | undefined = undefined;
  /**
   * A ctime (ns) at which the file was known to have no security.capability,
   * or -1n: set when the daemon created it, carried past its own later changes
   * whose before-state it verified. The kernel asks before the first write
   * and before a chown, on every new file.
   */
  capsFreeCtimeNs = -1n;
}
