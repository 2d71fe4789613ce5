import { FuseError } from '@tsfuse/protocol';

/**
 * The filesystem's byte budget: file data is charged here when memory is
 * allocated for it and released when it is freed (truncate, punch hole, or
 * the inode's last reference going away). Exceeding it is ENOSPC.
 */
export class SpaceAccount {
  used = 0;
  constructor(readonly capacity: number) {}

  /** Bytes still free. */
  get available(): number {
    return this.capacity - this.used;
  }

  /** Charges `bytes`, or throws ENOSPC charging nothing. */
  reserve(bytes: number): void {
    if (bytes <= 0) return;
    if (bytes > this.capacity - this.used) throw new FuseError('ENOSPC');
    this.used += bytes;
  }

  /** Gives `bytes` back. */
  release(bytes: number): void {
    this.used -= bytes;
  }
}
