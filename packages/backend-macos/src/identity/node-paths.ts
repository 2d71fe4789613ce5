/**
 * How the backend finds a known inode on the host again. Node's fs takes
 * paths only (no O_PATH or *at calls), so every host call names its target by
 * a path built here:
 * - VolumePaths (darwin): `/.vol/<dev>/<ino>` names the inode itself through
 *   darwin's volfs, so a rename on the host loses nothing and no directory on
 *   the way can be swapped for a symlink: the only component resolved by name
 *   is the last one, and every call passes O_NOFOLLOW or acts on links.
 * - ChainPaths (everywhere else): the root path plus the names of the chain of
 *   (parent, name) records the inode table keeps, resolved one component at a
 *   time with lstat; every component must be the very file (dev, ino, birth)
 *   the table recorded, so no symlink is ever followed and a path the host
 *   changed underneath answers ESTALE.
 */
import type { BigIntStats } from 'node:fs';
import { errno } from '@tsfuse/protocol';
import { fuseError, sameFile, type Inode } from '@tsfuse/passthrough';
import type { HostFs } from '../host/host-fs.js';

const SLASH = Buffer.from('/');

/** Host paths for known inodes. */
export interface NodePaths {
  /** 'vol' or 'path'. */
  readonly mode: 'vol' | 'path';
  /** A host path that names `node` now (ESTALE when it cannot be found as the same file). */
  pathOf(node: Inode): Buffer;
  /** pathOf(node) plus the lstat that proved it (for callers that need the stat anyway). */
  statOf(node: Inode): { path: Buffer; st: BigIntStats };
  /** The host path of `name` inside the directory `dir` (`name` already checked: no '/', not "." or ".."). */
  childOf(dir: Inode, name: Uint8Array): Buffer;
}

/** Join a directory path and a name. */
export function joinName(dir: Buffer, name: Uint8Array): Buffer {
  return Buffer.concat([dir, SLASH, name]);
}

function staleUnlessMissing(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code;
  // The file or a directory on the way is gone or is no longer a directory: the node is stale.
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') throw fuseError(errno.ESTALE);
  throw e;
}

/** darwin volfs paths: `/.vol/<st_dev>/<st_ino>`. */
export class VolumePaths implements NodePaths {
  readonly mode = 'vol' as const;
  constructor(private readonly host: HostFs, private readonly volRoot: string = '/.vol') {}

  /** The volfs path of an inode, without checking it. */
  volPath(node: Inode): Buffer {
    return Buffer.from(`${this.volRoot}/${node.dev}/${node.ino}`);
  }

  pathOf(node: Inode): Buffer {
    return this.statOf(node).path;
  }

  statOf(node: Inode): { path: Buffer; st: BigIntStats } {
    const path = this.volPath(node);
    let st: BigIntStats;
    try {
      st = this.host.lstat(path);
    } catch (e) {
      staleUnlessMissing(e);
    }
    // A reused inode number names another file now (birth time differs), or the file is gone.
    if (!sameFile(node, st) || st.nlink === 0n) throw fuseError(errno.ESTALE);
    return { path, st };
  }

  childOf(dir: Inode, name: Uint8Array): Buffer {
    return joinName(this.volPath(dir), name);
  }
}

/** Root path plus verified (parent, name) chains. */
export class ChainPaths implements NodePaths {
  readonly mode = 'path' as const;
  private readonly chain: Inode[] = [];

  constructor(private readonly host: HostFs, private readonly rootPath: Buffer, private readonly root: Inode) {}

  pathOf(node: Inode): Buffer {
    return this.statOf(node).path;
  }

  statOf(node: Inode): { path: Buffer; st: BigIntStats } {
    const chain = this.chain;
    chain.length = 0;
    for (let n: Inode | undefined = node; n !== this.root; n = n.parent) {
      if (n === undefined || n.name === undefined) {
        chain.length = 0;
        throw fuseError(errno.ESTALE); // unlinked, or its path was never learned
      }
      chain.push(n);
    }
    let path = this.rootPath;
    let st: BigIntStats;
    try {
      st = this.host.lstat(path);
      if (!sameFile(this.root, st)) throw fuseError(errno.ESTALE);
      for (let i = chain.length - 1; i >= 0; i--) {
        const n = chain[i]!;
        path = joinName(path, Buffer.from(n.name!, 'latin1'));
        st = this.host.lstat(path);
        // Also refuses a symlink standing where a directory was: its identity differs.
        if (!sameFile(n, st)) throw fuseError(errno.ESTALE);
      }
    } catch (e) {
      staleUnlessMissing(e);
    } finally {
      chain.length = 0;
    }
    return { path, st: st! };
  }

  childOf(dir: Inode, name: Uint8Array): Buffer {
    return joinName(this.pathOf(dir), name);
  }
}
