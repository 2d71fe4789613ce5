import type { BigIntStats } from 'node:fs';

/**
 * The host file as the kernel's page cache of it was last known to show it:
 * mtime and ctime (nanoseconds) and size, from a bigint fstat. The basis of
 * the `keepCache: 'auto'` open mode (libfuse's auto_cache, with ctime and to
 * the nanosecond): at OPEN the kernel may keep its pages only when the host
 * file still matches the stamp. Any change made on the host behind the mount
 * moves ctime, which userspace cannot set back, so even a same-size rewrite
 * with its old mtime restored is seen at the next open.
 *
 * Unknown at first (matches nothing). A backend sets it when the kernel drops
 * its pages (an open answered without FOPEN_KEEP_CACHE) and after each change
 * made through the mount that the kernel's pages already reflect (WRITE,
 * truncate, copy_file_range into the file) — but only if the file still
 * matched just before that change, so a host change is never absorbed.
 */
export class PageCacheStamp {
  private mtimeNs = -1n;
  private ctimeNs = -1n;
  private size = -1n;

  /** True once set and not cleared since. */
  get known(): boolean {
    return this.size >= 0n;
  }

  /** The ctime (ns) the stamp describes; -1n while unknown. */
  get ctime(): bigint {
    return this.ctimeNs;
  }

  /** True when `st` is the file as the stamp describes it. */
  matches(st: BigIntStats): boolean {
    return st.size === this.size && st.ctimeNs === this.ctimeNs && st.mtimeNs === this.mtimeNs;
  }

  /** The kernel's pages now show the file as `st` describes it. */
  set(st: BigIntStats): void {
    this.mtimeNs = st.mtimeNs;
    this.ctimeNs = st.ctimeNs;
    this.size = st.size;
  }

  /** Nothing is known: the next open drops the pages. */
  clear(): void {
    this.mtimeNs = -1n;
    this.ctimeNs = -1n;
    this.size = -1n;
  }
}
