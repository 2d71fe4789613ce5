/**
 * READDIR and READDIRPLUS served from directory snapshots (see
 * directory-states.ts for when a snapshot is reused or rebuilt). Offsets are
 * indexes into the handle's snapshot; a snapshot is only ever replaced at
 * offset 0, so an iteration in progress never sees a name twice or misses a
 * surviving one. Inode numbers and types are learned by one lstat when an
 * entry is first served; READDIRPLUS counts a lookup only for entries the sink
 * accepted, never for "." and "..".
 */
import type { BigIntStats } from 'node:fs';
import { DT_DIR, direntType, errno } from '@tsfuse/protocol';
import type { DirentPlusSink, DirentSink } from '@tsfuse/protocol';
import { fuseError, inoOf, sameFile, type InodeTable } from '@tsfuse/passthrough';
import type { DirHandle, MacInode } from '../handles.js';
import type { HostFs } from '../host/host-fs.js';
import { joinName, type NodePaths } from '../identity/node-paths.js';
import type { AttrPresenter } from '../translate/attr.js';
import { stampOf } from './directory-stamp.js';
import type { DirectoryStates } from './directory-states.js';
import { dotEntries, type DirectorySnapshot, type SnapshotEntry } from './snapshot.js';

const DOTDOT = Buffer.from('..');

function vanished(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Serves directory handles from their snapshots. */
export class DirectoryReader {
  constructor(
    private readonly host: HostFs,
    private readonly paths: NodePaths,
    private readonly table: InodeTable<MacInode>,
    private readonly present: AttrPresenter,
    private readonly dirs: DirectoryStates,
  ) {}

  /** Serve READDIR (plain sink) or READDIRPLUS (plus sink) from the handle's snapshot. */
  serve(h: DirHandle, offset: bigint, plain: DirentSink | undefined, plus: DirentPlusSink | undefined): void {
    // The snapshot is (re)considered only at offset 0, or when the handle has none yet.
    if (offset === 0n || h.snapshot === undefined) h.snapshot = this.startListing(h);
    const entries = h.snapshot.entries;
    if (offset >= BigInt(entries.length)) return;
    const dir = h.node;
    let dirPath: Buffer | undefined;
    for (let i = Number(offset); i < entries.length; i++) {
      const e = entries[i]!;
      const off = BigInt(i + 1);
      if (e.dot) {
        const ino = inoOf(e.ino!);
        if (plus ? !plus.add(e.name, undefined, DT_DIR, off, ino) : !plain!.add(e.name, ino, DT_DIR, off)) return;
        continue;
      }
      if (plain !== undefined && e.ino !== undefined) {
        if (!plain.add(e.name, inoOf(e.ino), e.type, off)) return;
        continue;
      }
      if (dirPath === undefined) {
        try {
          dirPath = this.paths.pathOf(dir);
        } catch (err) {
          // The directory itself is gone (removed or replaced): it has no entries left.
          if ((err as { errno?: number }).errno === errno.ESTALE) return;
          throw err;
        }
      }
      let st: BigIntStats;
      try {
        st = this.host.lstat(joinName(dirPath, e.name));
      } catch (err) {
        // Removed since the listing: nothing to return for it.
        if (vanished(err)) continue;
        throw err;
      }
      const attr = this.present.attr(st);
      e.ino = st.ino;
      e.type = direntType(attr.mode);
      if (plus === undefined) {
        if (!plain!.add(e.name, attr.ino, e.type, off)) return;
        continue;
      }
      const node = this.table.learn(st, dir, e.name.toString('latin1'));
      if (!plus.add(e.name, { nodeid: node.nodeid, attr }, e.type, off)) {
        this.table.release(node);
        return;
      }
      this.table.lookedUp(node);
    }
  }

  /** The snapshot for an offset-0 read: reused when still current, else a fresh host listing. */
  private startListing(h: DirHandle): DirectorySnapshot {
    const dir = h.node;
    return this.dirs.startListing(dir.nodeid, () => {
      const st = this.host.fstat(h.fd);
      // A removed directory has no entries; Linux's getdents answers ENOENT (glibc: end of directory).
      if (st.nlink === 0n) throw fuseError(errno.ENOENT);
      return stampOf(st);
    }, () => this.listHost(dir));
  }

  /** Read every name of `dir` from the host, "." and ".." first. */
  private listHost(dir: MacInode): SnapshotEntry[] {
    const path = this.paths.pathOf(dir);
    const list = this.host.readdir(path);
    // In path mode the listing went through a path: make sure it still names this directory.
    if (this.paths.mode === 'path' && !sameFile(dir, this.host.lstat(path))) throw fuseError(errno.ESTALE);
    const self = BigInt(dir.ino);
    const parent = dir === this.table.root ? self : this.host.lstat(joinName(path, DOTDOT)).ino;
    const entries = dotEntries(self, parent);
    for (const d of list) entries.push({ name: d.name, type: d.type, ino: undefined, dot: false });
    return entries;
  }
}
