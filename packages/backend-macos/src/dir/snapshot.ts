/**
 * A directory snapshot: the entries of one directory as listed once from the
 * host, "." and ".." first. A READDIR offset is an index into it: the entry at
 * index i carries offset i + 1, the offset at which the next read resumes.
 * The entry array never changes after it is built, so an iteration in progress
 * can never see an entry twice or miss one because of a rebuild; only the
 * lazily learned inode number and type of an entry are filled in later.
 */
import type { DirectoryStamp } from './directory-stamp.js';

/** DT_* values (dirent.h; Linux and darwin agree). */
export const DT_UNKNOWN = 0;
export const DT_DIR = 4;

/** One name in a snapshot. */
export interface SnapshotEntry {
  /** The exact bytes of the name. */
  readonly name: Buffer;
  /** DT_* type, as the listing reported it, then as lstat found it. */
  type: number;
  /** Host inode number, once known (always for "." and ".."). */
  ino: bigint | undefined;
  /** True for "." and "..", which never get a lookup counted. */
  readonly dot: boolean;
}

/** An immutable list of entries plus what it was built from. */
export interface DirectorySnapshot {
  readonly entries: readonly SnapshotEntry[];
  /** The directory generation the listing reflects. */
  readonly generation: number;
  /** The directory's stat taken just before the listing. */
  readonly stamp: DirectoryStamp;
  /** False when the stamp was racy: never reuse this snapshot at a rewind. */
  readonly trusted: boolean;
}

const DOT = Buffer.from('.');
const DOTDOT = Buffer.from('..');

/** Entries for "." and "..", to put ahead of the host's names. */
export function dotEntries(selfIno: bigint, parentIno: bigint): SnapshotEntry[] {
  return [
    { name: DOT, type: DT_DIR, ino: selfIno, dot: true },
    { name: DOTDOT, type: DT_DIR, ino: parentIno, dot: true },
  ];
}

/** True when `name` is "." or "..". */
export function isDotName(name: Uint8Array): boolean {
  return (name.length === 1 && name[0] === 0x2e) || (name.length === 2 && name[0] === 0x2e && name[1] === 0x2e);
}
