/**
 * Dir: a directory stream that behaves like glibc's DIR on top of the Linux
 * FUSE client, so directory-iteration bugs show up exactly as programs see them.
 *
 * Two layers are modelled:
 * - the kernel (fuse_readdir into a getdents64 buffer): the open file has a
 *   position (f_pos); a getdents call sends READDIR(PLUS) at f_pos, copies
 *   entries into the caller's buffer while they fit (a linux_dirent64 record
 *   is 19 bytes + name + NUL, 8-aligned), sets f_pos to the d_off of the last
 *   one copied and drops the rest of the reply (they are asked for again
 *   next time). Measured on Linux 6.18 (a /dev/fuse probe under `ls`): one
 *   READDIR per getdents, of the getdents size (32768 for glibc, capped at
 *   max_pages pages), READDIRPLUS only at offset 0 with READDIRPLUS_AUTO.
 *   That is the default. Kernels before 6.16 asked for one page (4096); set
 *   `readdirSize: 4096`. `fill: 'until-full'` instead sends requests until
 *   the buffer is full (more resumption points per buffer, for stress).
 * - glibc (readdir/telldir/seekdir/rewinddir): a 32 KiB buffer handed out one
 *   entry at a time; telldir is the d_off of the last entry returned;
 *   seekdir and rewinddir drop the buffer and move f_pos (no request is sent:
 *   FUSE directories seek locally); entries with d_ino 0 are skipped.
 */
import { Init, O } from './abi.js';
import type { FuseClient } from './client.js';
import { FsError, ProtocolViolation } from './errors.js';
import type { FuseDirent } from './replies.js';

/** One entry as readdir(3) returns it. */
export interface DirEntry {
  /** The name decoded as UTF-8 (see nameBytes for the exact bytes). */
  name: string;
  nameBytes: Uint8Array;
  ino: bigint;
  /** d_type (DT_*). */
  type: number;
  /** d_off: where the stream continues after this entry. */
  off: bigint;
}

export interface DirOptions {
  /** glibc's getdents buffer; 32 KiB as glibc allocates for a directory. */
  bufferSize?: number;
  /** Size of each READDIR request; default the getdents size capped at max_pages pages (Linux 6.16+); 4096 for older kernels. */
  readdirSize?: number;
  /** 'single' (default, as the kernel): one request per getdents; 'until-full': requests until the buffer is full. */
  fill?: 'until-full' | 'single';
  /**
   * When to send READDIRPLUS: 'kernel' follows fuse_use_readdirplus (always
   * when negotiated without READDIRPLUS_AUTO; with AUTO, at offset 0), or
   * force 'always'/'never' (never is used when not negotiated anyway).
   */
  plus?: 'kernel' | 'always' | 'never';
}

/** opendir(3) flags as they reach the daemon: O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_LARGEFILE. */
export const OPENDIR_FLAGS = O.RDONLY | O.NONBLOCK | O.DIRECTORY | O.LARGEFILE;

const decoder = new TextDecoder();

/** Size of a linux_dirent64 record for a name of `namelen` bytes. */
export function linuxDirentSize(namelen: number): number {
  return (19 + namelen + 1 + 7) & ~7;
}

/** Counters a test can read: how many getdents calls and READDIR requests a stream made. */
export interface DirStats {
  getdents: number;
  requests: number;
  plusRequests: number;
}

export class Dir {
  readonly stats: DirStats = { getdents: 0, requests: 0, plusRequests: 0 };
  private readonly bufferSize: number;
  private readonly readdirSizeOption: number | undefined;
  private readonly fill: 'until-full' | 'single';
  private readonly plusMode: 'kernel' | 'always' | 'never';
  /** Kernel side: the open file's position. */
  private filePos = 0n;
  /** glibc side: the buffered entries, the next one to hand out, and telldir's value. */
  private buffer: DirEntry[] = [];
  private index = 0;
  private glibcPos = 0n;
  private closed = false;

  /**
   * Wraps an open directory handle; `fh` undefined means a zero-message
   * opendir (NO_OPENDIR_SUPPORT): READDIR with fh 0 and no RELEASEDIR.
   */
  constructor(
    readonly client: FuseClient,
    readonly nodeid: number,
    readonly fh: number | undefined,
    readonly flags: number = OPENDIR_FLAGS,
    options: DirOptions = {},
  ) {
    this.bufferSize = options.bufferSize ?? 32768;
    this.readdirSizeOption = options.readdirSize;
    this.fill = options.fill ?? 'single';
    this.plusMode = options.plus ?? 'kernel';
  }

  /** fuse_readdir_uncached: clamp(getdents count, PAGE_SIZE, max_pages << PAGE_SHIFT). */
  private get readdirSize(): number {
    if (this.readdirSizeOption !== undefined) return this.readdirSizeOption;
    return Math.min(Math.max(this.bufferSize, 4096), this.client.negotiated.maxPages * 4096);
  }

  private usePlus(): boolean {
    if (this.plusMode === 'never' || !this.client.has(Init.DO_READDIRPLUS)) return false;
    if (this.plusMode === 'always') return true;
    if (!this.client.has(Init.READDIRPLUS_AUTO)) return true;
    return this.filePos === 0n;
  }

  /** The kernel's getdents64 into a buffer of bufferSize bytes; returns the entries copied. */
  private async getdents(): Promise<DirEntry[]> {
    this.stats.getdents++;
    const out: DirEntry[] = [];
    let space = this.bufferSize;
    for (;;) {
      const plus = this.usePlus();
      const offset = this.filePos;
      let reply: FuseDirent[];
      try {
        reply = await this.client.readdir(this.nodeid, this.fh ?? 0, offset, this.readdirSize, plus, this.flags);
      } catch (e) {
        // Entries already copied are returned; the error shows on the next call, as in the kernel.
        if (out.length > 0) return out;
        throw e;
      }
      this.stats.requests++;
      if (plus) this.stats.plusRequests++;
      if (reply.length === 0) return out; // end of directory
      let full = false;
      for (const d of reply) {
        const reclen = linuxDirentSize(d.name.length);
        if (reclen > space) {
          full = true;
          break;
        }
        space -= reclen;
        out.push({ name: decoder.decode(d.name), nameBytes: d.name, ino: d.ino, type: d.type, off: d.off });
        this.filePos = d.off;
      }
      if (full) {
        if (out.length === 0) throw new FsError(22, undefined, 'getdents buffer too small for one entry');
        return out;
      }
      // Another request only while the buffer can still take a record (the smallest is 24 bytes).
      if (this.fill === 'single' || space < linuxDirentSize(1)) return out;
    }
  }

  /** readdir(3): the next entry, or null at the end of the directory. */
  async read(): Promise<DirEntry | null> {
    if (this.closed) throw new FsError(9, undefined, 'readdir on a closed directory');
    for (;;) {
      if (this.index >= this.buffer.length) {
        let batch: DirEntry[];
        try {
          batch = await this.getdents();
        } catch (e) {
          // glibc: ENOENT from getdents (directory removed) reads as end of directory.
          if (e instanceof FsError && e.code === 'ENOENT') return null;
          throw e;
        }
        if (batch.length === 0) return null;
        this.buffer = batch;
        this.index = 0;
      }
      const entry = this.buffer[this.index++]!;
      this.glibcPos = entry.off;
      if (entry.ino !== 0n) return entry; // glibc skips deleted (d_ino 0) entries
    }
  }

  /** Reads up to `n` entries (fewer at the end). */
  async readBatch(n: number): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    while (out.length < n) {
      const e = await this.read();
      if (!e) break;
      out.push(e);
    }
    return out;
  }

  /**
   * Reads to the end. `limit` guards against a server whose offsets loop:
   * more entries than that is a ProtocolViolation rather than a hang.
   */
  async readAll(limit = 5_000_000): Promise<DirEntry[]> {
    const out: DirEntry[] = [];
    for (;;) {
      const e = await this.read();
      if (!e) return out;
      out.push(e);
      if (out.length > limit) throw new ProtocolViolation(`directory listing exceeded ${limit} entries: offsets loop?`);
    }
  }

  /** telldir(3): the d_off of the last entry returned (0 before the first). */
  tell(): bigint {
    return this.glibcPos;
  }

  /** seekdir(3): drop the buffer and continue at `pos` (a value from tell()). */
  seek(pos: bigint): void {
    this.filePos = pos;
    this.glibcPos = pos;
    this.buffer = [];
    this.index = 0;
  }

  /** rewinddir(3): drop the buffer; the next read sends READDIR at offset 0 on the same handle. */
  rewind(): void {
    this.seek(0n);
  }

  /** How many entries glibc holds that the caller has not read yet. */
  get buffered(): number {
    return this.buffer.length - this.index;
  }

  /** closedir(3): RELEASEDIR (not sent after a zero-message opendir). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fh !== undefined) await this.client.releasedir(this.nodeid, this.fh, this.flags);
  }
}
