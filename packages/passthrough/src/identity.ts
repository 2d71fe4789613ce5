import type { BigIntStats } from 'node:fs';
import { inoOf } from './attr.js';

/**
 * What makes a host file the same file: (st_dev, st_ino), plus the birth time
 * when the filesystem reports one, which tells a new file apart from a deleted
 * one whose inode number the filesystem handed out again.
 */
export interface FileIdentity {
  dev: number;
  ino: number | bigint;
  /** st_birthtime in nanoseconds as a double (exact to ~256 ns today); 0 when unknown. */
  birth: number;
}

/** The identity of the file `st` describes. */
export function identityOf(st: BigIntStats): FileIdentity {
  return { dev: Number(st.dev), ino: inoOf(st.ino), birth: Number(st.birthtimeNs) };
}

/** True when `st` describes the file `id` names. */
export function sameFile(id: FileIdentity, st: BigIntStats): boolean {
  if (Number(st.dev) !== id.dev) return false;
  const ino = st.ino;
  if (typeof id.ino === 'number' ? Number(ino) !== id.ino || ino > 9007199254740991n : ino !== id.ino) return false;
  const birth = Number(st.birthtimeNs);
  return birth === 0 || id.birth === 0 || birth === id.birth;
}
