import { AHEAD_MAX_NAMES, type HostSyscalls } from '@tsfuse/passthrough';
import { settledCtime, type DirListing } from './dir-listing.js';
import { XattrNames } from './xattr-names.js';

/** Most lists read ahead and not yet asked for (beyond it the oldest go). */
const MAX_WAITING = 65_536;

/** What was read ahead of one listing: a flag per part, and the misses seen in it. */
interface ListingAhead {
  readonly parts: Uint8Array;
  misses: number;
}

/**
 * Reads the xattr names of a directory's entries ahead: `ls -l` asks every
 * entry for its ACL and SELinux label, and a helper round trip per entry is
 * most of what that costs. The second miss among the entries of a listing
 * reads the names of the whole part of the listing that holds the entry
 * (AHEAD_MAX_NAMES entries, in cookie order) in one round trip, each part
 * once per listing; the lists wait, by inode, for their inode's query. A list
 * is kept only when the entry's ctime was settled when it was read, and the
 * caller uses it only while that ctime stays (as for any XattrNames).
 */
export class XattrReadAhead {
  private readonly waiting = new Map<bigint, { readonly dev: number; readonly names: XattrNames }>();
  private readonly read = new WeakMap<DirListing, ListingAhead>();

  constructor(private readonly hostCalls: HostSyscalls) {}

  /** The list read ahead for inode (dev, ino), handed out once. */
  take(dev: number, ino: bigint): XattrNames | undefined {
    const got = this.waiting.get(ino);
    if (got === undefined) return undefined;
    this.waiting.delete(ino);
    return got.dev === dev ? got.names : undefined;
  }

  /**
   * A miss for entry `name` (inode `ino`) of `listing`, a listing of the
   * directory `dirFd()` on device `dev`: read ahead its part if this is not
   * the listing's first miss and the part was not read yet. Returns the list
   * read for `ino`, if any.
   */
  miss(listing: DirListing, dirFd: () => number, dev: number, name: string, ino: bigint): XattrNames | undefined {
    let state = this.read.get(listing);
    if (state === undefined) {
      state = { parts: new Uint8Array(Math.ceil(listing.length / AHEAD_MAX_NAMES)), misses: 0 };
      this.read.set(listing, state);
    }
    // A lone query (one getfattr, the kernel's before one write) is not worth a part.
    if (++state.misses < 2) return undefined;
    const i = listing.indexOf(name);
    if (i < 0) return undefined;
    const part = Math.floor(i / AHEAD_MAX_NAMES);
    if (state.parts[part] !== 0) return undefined;
    state.parts[part] = 1;
    const from = part * AHEAD_MAX_NAMES;
    const to = Math.min(listing.length, from + AHEAD_MAX_NAMES);
    const names: Buffer[] = [];
    for (let j = from; j < to; j++) names.push(Buffer.from(listing.names[j]!, 'latin1'));
    const now = Date.now();
    const got = this.hostCalls.listxattrAhead(dirFd(), names);
    if (got === undefined) return undefined;
    let mine: XattrNames | undefined;
    for (const e of got) {
      if (e === undefined || !settledCtime(e.ctimeNs, now)) continue;
      const list = XattrNames.of(e.ctimeNs, e.list);
      if (e.ino === ino) mine = list;
      else this.waiting.set(e.ino, { dev, names: list });
    }
    for (const key of this.waiting.keys()) {
      if (this.waiting.size <= MAX_WAITING) break;
      this.waiting.delete(key);
    }
    return mine;
  }

  /** Lists waiting (tests). */
  get size(): number {
    return this.waiting.size;
  }
}
