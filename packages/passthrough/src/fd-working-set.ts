import { closeSync } from 'node:fs';

/** Something that holds at most one descriptor the working set may close. */
export interface FdHolder {
  /** The open descriptor, or -1. */
  fd: number;
  lruPrev: FdHolder | null;
  lruNext: FdHolder | null;
}

/**
 * A bounded set of open descriptors, least recently used evicted first, so a
 * daemon can know a million files while holding a few thousand descriptors.
 * Eviction happens only in trim()/evict(): call trim() between requests, so a
 * descriptor fetched during a request stays open until the request is done.
 */
export class FdWorkingSet<T extends FdHolder> {
  private head: FdHolder | null = null;
  private tail: FdHolder | null = null;
  private count = 0;

  constructor(
    /** How many descriptors trim() keeps. */
    public capacity: number,
    private readonly close: (fd: number) => void = closeSync,
  ) {}

  /** Number of descriptors held. */
  get size(): number {
    return this.count;
  }

  /** Take ownership of `fd` for `holder` (which must hold none), as the most recently used. */
  add(holder: T, fd: number): void {
    if (holder.fd >= 0) this.drop(holder);
    holder.fd = fd;
    this.linkHead(holder);
    this.count++;
  }

  /** Mark `holder` used now. */
  touch(holder: T): void {
    if (holder.fd < 0 || this.head === holder) return;
    this.unlink(holder);
    this.linkHead(holder);
  }

  /** Close and forget `holder`'s descriptor (no-op when it holds none). */
  drop(holder: T): void {
    if (holder.fd < 0) return;
    this.unlink(holder);
    this.count--;
    const fd = holder.fd;
    holder.fd = -1;
    try {
      this.close(fd);
    } catch {
      // EBADF/EIO on close of an O_PATH descriptor: nothing to recover.
    }
  }

  /** Stop managing `holder`'s descriptor without closing it; returns it (the caller now owns it). */
  keep(holder: T): number {
    const fd = holder.fd;
    if (fd < 0) return -1;
    this.unlink(holder);
    this.count--;
    return fd;
  }

  /** Evict least recently used descriptors down to capacity. */
  trim(): void {
    while (this.count > this.capacity && this.tail !== null) this.drop(this.tail as T);
  }

  /** Evict up to `n` least recently used descriptors (EMFILE recovery); returns how many. */
  evict(n: number): number {
    let done = 0;
    while (done < n && this.tail !== null) {
      this.drop(this.tail as T);
      done++;
    }
    return done;
  }

  /** Close everything. */
  clear(): void {
    while (this.tail !== null) this.drop(this.tail as T);
  }

  private linkHead(h: FdHolder): void {
    h.lruPrev = null;
    h.lruNext = this.head;
    if (this.head !== null) this.head.lruPrev = h;
    this.head = h;
    if (this.tail === null) this.tail = h;
  }

  private unlink(h: FdHolder): void {
    if (h.lruPrev !== null) h.lruPrev.lruNext = h.lruNext;
    else if (this.head === h) this.head = h.lruNext;
    if (h.lruNext !== null) h.lruNext.lruPrev = h.lruPrev;
    else if (this.tail === h) this.tail = h.lruPrev;
    h.lruPrev = null;
    h.lruNext = null;
  }
}
