import { FuseError } from '@tsfuse/protocol';
import type { SpaceAccount } from './space.js';

/** Logical size of one chunk of file data. A chunk's buffer may be shorter (it grows on demand). */
export const CHUNK_SIZE = 65536;
/** Allocation is charged, and reported as data by SEEK_DATA, in pages of this size. */
export const PAGE_SIZE = 4096;

/** Bytes charged for a chunk buffer of `capacity` bytes: whole pages. */
function charged(capacity: number): number {
  return Math.ceil(capacity / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * The capacity a chunk grows to so that `needed` bytes fit: doubling (so that
 * appends copy O(n) in total), 64-byte steps while the chunk is under a page
 * (so that a million tiny files stay small), whole pages after that.
 */
function grownCapacity(current: number, needed: number): number {
  if (needed <= current) return current;
  const want = Math.max(needed, Math.min(CHUNK_SIZE, current * 2));
  const step = want <= PAGE_SIZE ? 64 : PAGE_SIZE;
  return Math.min(CHUNK_SIZE, Math.ceil(want / step) * step);
}

/** A reusable buffer for reads that span chunks; grows to the largest read seen. */
export class ScratchBuffer {
  private buf = new Uint8Array(0);
  /** A view of `length` bytes, valid until the next take(). */
  take(length: number): Uint8Array {
    if (this.buf.length < length) this.buf = new Uint8Array(Math.max(length, this.buf.length * 2, 65536));
    return this.buf.subarray(0, length);
  }
}

/**
 * The contents of a regular file, stored sparsely: a map from chunk index to
 * a buffer holding the first `buffer.length` bytes of that chunk. Bytes not
 * covered by any buffer read as zeros and cost nothing, so a write at 1 TiB
 * allocates one small buffer. The file's size lives in the inode; this class
 * only knows which bytes have memory behind them.
 *
 * "Data" for SEEK_DATA/SEEK_HOLE and st_blocks means allocated memory, in
 * whole pages: [chunkStart, chunkStart + pages(buffer.length)). Zeros that
 * were written are data (as on tmpfs); holes are never reported as data.
 */
export class SparseData {
  private readonly chunks = new Map<number, Uint8Array>();
  /** Bytes charged to the SpaceAccount for this file (a multiple of PAGE_SIZE). */
  allocated = 0;

  /**
   * The `length` bytes at `offset` (the caller keeps the range inside the
   * file). Returns a view of the chunk itself when the range lies in one
   * buffer, otherwise a view of `scratch`: valid until the next mutation or read.
   */
  read(offset: number, length: number, scratch: ScratchBuffer): Uint8Array {
    const first = Math.floor(offset / CHUNK_SIZE);
    const within = offset - first * CHUNK_SIZE;
    if (within + length <= CHUNK_SIZE) {
      const chunk = this.chunks.get(first);
      if (chunk !== undefined && within + length <= chunk.length) return chunk.subarray(within, within + length);
    }
    const out = scratch.take(length);
    let done = 0;
    while (done < length) {
      const pos = offset + done;
      const index = Math.floor(pos / CHUNK_SIZE);
      const at = pos - index * CHUNK_SIZE;
      const piece = Math.min(length - done, CHUNK_SIZE - at);
      const chunk = this.chunks.get(index);
      const have = chunk === undefined ? 0 : Math.max(0, Math.min(piece, chunk.length - at));
      if (have > 0) out.set(chunk!.subarray(at, at + have), done);
      if (have < piece) out.fill(0, done + have, done + piece);
      done += piece;
    }
    return out;
  }

  /** Stores `data` at `offset`, allocating what it needs; ENOSPC (nothing written) when the budget is short. */
  write(offset: number, data: Uint8Array, space: SpaceAccount): void {
    const end = offset + data.length;
    space.reserve(this.growthFor(offset, end));
    let done = 0;
    while (done < data.length) {
      const pos = offset + done;
      const index = Math.floor(pos / CHUNK_SIZE);
      const at = pos - index * CHUNK_SIZE;
      const piece = Math.min(data.length - done, CHUNK_SIZE - at);
      const chunk = this.ensure(index, at + piece);
      chunk.set(data.subarray(done, done + piece), at);
      done += piece;
    }
  }

  /** Makes sure memory backs every byte of [offset, end) (fallocate); ENOSPC, allocating nothing, when short. */
  allocate(offset: number, end: number, space: SpaceAccount): void {
    const firstIndex = Math.floor(offset / CHUNK_SIZE);
    const lastIndex = Math.floor((end - 1) / CHUNK_SIZE);
    // A cheap lower bound first, so that an absurd range fails before a long loop.
    const wholeChunks = lastIndex - firstIndex - 1 - this.chunks.size;
    if (wholeChunks > 0 && wholeChunks * CHUNK_SIZE > space.available) throw new FuseError('ENOSPC');
    space.reserve(this.growthFor(offset, end));
    for (let index = firstIndex; index <= lastIndex; index++) {
      const chunkEnd = Math.min(CHUNK_SIZE, end - index * CHUNK_SIZE);
      this.ensure(index, chunkEnd);
    }
  }

  /**
   * Turns [offset, end) back into zeros: whole buffers inside the range are
   * freed (a hole), partial ones are zero-filled.
   */
  zero(offset: number, end: number, space: SpaceAccount): void {
    if (end <= offset || this.chunks.size === 0) return;
    const firstIndex = Math.floor(offset / CHUNK_SIZE);
    const lastIndex = Math.floor((end - 1) / CHUNK_SIZE);
    if (lastIndex - firstIndex + 1 > this.chunks.size) {
      for (const index of [...this.chunks.keys()]) {
        if (index >= firstIndex && index <= lastIndex) this.zeroInChunk(index, offset, end, space);
      }
    } else {
      for (let index = firstIndex; index <= lastIndex; index++) this.zeroInChunk(index, offset, end, space);
    }
  }

  /** Forgets every byte at or after `size` (the file is being truncated to `size`). */
  truncate(size: number, space: SpaceAccount): void {
    if (size === 0) {
      this.clear(space);
      return;
    }
    for (const [index, chunk] of this.chunks) {
      const start = index * CHUNK_SIZE;
      if (start >= size) this.drop(index, chunk, space);
      else if (start + chunk.length > size) chunk.fill(0, size - start);
    }
  }

  /** Frees everything. */
  clear(space: SpaceAccount): void {
    space.release(this.allocated);
    this.allocated = 0;
    this.chunks.clear();
  }

  /** The first offset >= `offset` that is data, or -1 when none is. */
  nextData(offset: number): number {
    const index = Math.floor(offset / CHUNK_SIZE);
    const chunk = this.chunks.get(index);
    if (chunk !== undefined && offset < index * CHUNK_SIZE + charged(chunk.length)) return offset;
    let best = -1;
    for (const i of this.chunks.keys()) {
      if (i > index && (best === -1 || i < best)) best = i;
    }
    return best === -1 ? -1 : best * CHUNK_SIZE;
  }

  /** The first offset >= `offset` that is not data (a hole), at most `size`. */
  nextHole(offset: number, size: number): number {
    let pos = offset;
    while (pos < size) {
      const index = Math.floor(pos / CHUNK_SIZE);
      const chunk = this.chunks.get(index);
      const dataEnd = chunk === undefined ? 0 : index * CHUNK_SIZE + charged(chunk.length);
      if (pos >= dataEnd) return pos;
      pos = dataEnd;
    }
    return size;
  }

  /**
   * Copies [srcOffset, srcOffset + length) of `src` to `dstOffset` of this
   * file, keeping holes holes. The ranges must not overlap when src is this.
   * Returns the bytes copied before any ENOSPC, and rethrows ENOSPC only if
   * nothing was copied.
   */
  copyFrom(src: SparseData, srcOffset: number, dstOffset: number, length: number, space: SpaceAccount): number {
    let done = 0;
    try {
      while (done < length) {
        const pos = srcOffset + done;
        const index = Math.floor(pos / CHUNK_SIZE);
        const at = pos - index * CHUNK_SIZE;
        const piece = Math.min(length - done, CHUNK_SIZE - at);
        const chunk = src.chunks.get(index);
        const have = chunk === undefined ? 0 : Math.max(0, Math.min(piece, chunk.length - at));
        if (have > 0) this.write(dstOffset + done, chunk!.subarray(at, at + have), space);
        if (have < piece) this.zero(dstOffset + done + have, dstOffset + done + piece, space);
        done += piece;
      }
    } catch (e) {
      if (done === 0) throw e;
    }
    return done;
  }

  /** Recomputes `allocated` from the chunks (for invariant checks). */
  recount(): number {
    let bytes = 0;
    for (const chunk of this.chunks.values()) bytes += charged(chunk.length);
    return bytes;
  }

  /** Bytes that growing the buffers to cover [offset, end) would charge. */
  private growthFor(offset: number, end: number): number {
    let growth = 0;
    for (let pos = offset; pos < end; ) {
      const index = Math.floor(pos / CHUNK_SIZE);
      const chunkEnd = Math.min(CHUNK_SIZE, end - index * CHUNK_SIZE);
      const current = this.chunks.get(index)?.length ?? 0;
      growth += charged(grownCapacity(current, chunkEnd)) - charged(current);
      pos = (index + 1) * CHUNK_SIZE;
    }
    return growth;
  }

  /** The chunk at `index`, grown to hold at least `needed` bytes (already charged by growthFor). */
  private ensure(index: number, needed: number): Uint8Array {
    const chunk = this.chunks.get(index);
    const current = chunk?.length ?? 0;
    if (chunk !== undefined && needed <= current) return chunk;
    const grown = new Uint8Array(grownCapacity(current, needed));
    if (chunk !== undefined) grown.set(chunk);
    this.chunks.set(index, grown);
    this.allocated += charged(grown.length) - charged(current);
    return grown;
  }

  private zeroInChunk(index: number, offset: number, end: number, space: SpaceAccount): void {
    const chunk = this.chunks.get(index);
    if (chunk === undefined) return;
    const start = index * CHUNK_SIZE;
    const from = Math.max(0, offset - start);
    const to = Math.min(chunk.length, end - start);
    if (from === 0 && to >= chunk.length) this.drop(index, chunk, space);
    else if (from < to) chunk.fill(0, from, to);
  }

  private drop(index: number, chunk: Uint8Array, space: SpaceAccount): void {
    this.chunks.delete(index);
    const bytes = charged(chunk.length);
    this.allocated -= bytes;
    space.release(bytes);
  }
}
