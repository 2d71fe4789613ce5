import type { BigIntStats } from 'node:fs';
import { errno } from '@tsfuse/protocol';
import { inoOf } from './attr.js';
import { fuseError } from './errno.js';
import { sameFile, type FileIdentity } from './identity.js';
import { S_IFDIR, S_IFMT } from './mode.js';

/**
 * One host file the kernel knows by a nodeid. Backends extend it with their
 * own state (open descriptors, directory generations) through the table's
 * `create` factory.
 */
export class Inode implements FileIdentity {
  readonly nodeid: number;
  readonly dev: number;
  readonly ino: number | bigint;
  birth: number;
  /** The last st_mode seen (the type bits never change for one identity). */
  mode: number;
  /** The kernel's lookup count. */
  nlookup = 0;
  /** References besides the kernel's that keep this record: child records, open handles. */
  pins = 0;
  /** The directory it was last seen in (undefined for the root, or once unknown). */
  parent: Inode | undefined = undefined;
  /** Its name there: the bytes as a latin1 string. */
  name: string | undefined = undefined;
  /** False once the record left the (dev, ino) index (dropped, or its number now names another file). */
  indexed = false;

  constructor(nodeid: number, st: BigIntStats) {
    this.nodeid = nodeid;
    this.dev = Number(st.dev);
    this.ino = inoOf(st.ino);
    this.birth = Number(st.birthtimeNs);
    this.mode = Number(st.mode);
  }

  /** True for a directory. */
  get isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
}

/** How an InodeTable is built. */
export interface InodeTableOptions<I extends Inode> {
  /** The stat of the shared root directory. */
  rootStat: BigIntStats;
  /** Builds a record (default: a plain Inode). */
  create?: (nodeid: number, st: BigIntStats) => I;
  /** Called once when a record leaves the table: release its resources there. */
  onDrop?: (node: I) => void;
}

/**
 * Nodeids and lookup counts for host files identified by (st_dev, st_ino).
 * Nodeids are never reused, so nodeid:generation (generation 0) is unique for
 * the filesystem's lifetime. Each record remembers where it was last seen
 * (parent record, name) so a backend can find it again from an ancestor; a
 * child record pins its parent, so such a path never dangles.
 */
export class InodeTable<I extends Inode = Inode> {
  /** Nodeid 1, never dropped. */
  readonly root: I;
  private readonly byId = new Map<number, I>();
  private readonly byDev = new Map<number, Map<number | bigint, I>>();
  private readonly create: (nodeid: number, st: BigIntStats) => I;
  private readonly onDrop: ((node: I) => void) | undefined;
  private nextId = 2;

  constructor(options: InodeTableOptions<I>) {
    this.create = options.create ?? ((nodeid, st) => new Inode(nodeid, st) as I);
    this.onDrop = options.onDrop;
    this.root = this.create(1, options.rootStat);
    this.byId.set(1, this.root);
    this.index(this.root);
  }

  /** Number of records, the root included. */
  get size(): number {
    return this.byId.size;
  }

  /** The record for a nodeid, or undefined. */
  get(nodeid: number): I | undefined {
    return this.byId.get(nodeid);
  }

  /** The record for a nodeid, or throw ESTALE (a nodeid we never issued or already dropped). */
  node(nodeid: number): I {
    const node = this.byId.get(nodeid);
    if (node === undefined) throw fuseError(errno.ESTALE);
    return node;
  }

  /**
   * The record of the file `st` describes, or undefined. A record whose inode
   * number now belongs to another file (birth time differs) leaves the index
   * and forgets its path: it can no longer be found again from its name.
   */
  find(st: BigIntStats): I | undefined {
    const inner = this.byDev.get(Number(st.dev));
    if (inner === undefined) return undefined;
    const key = inoOf(st.ino);
    const node = inner.get(key);
    if (node === undefined) return undefined;
    if (sameFile(node, st)) return node;
    inner.delete(key);
    node.indexed = false;
    this.detach(node);
    return undefined;
  }

  /**
   * Find or create the record for the file `st` describes, seen as `name` in
   * `parent`, and remember that path. Does not count a lookup: call lookedUp()
   * once the reply carrying it is certain.
   */
  learn(st: BigIntStats, parent: I, name: string): I {
    let node = this.find(st);
    if (node === undefined) {
      node = this.create(this.nextId++, st);
      this.byId.set(node.nodeid, node);
      this.index(node);
    } else {
      node.mode = Number(st.mode);
    }
    if (node !== this.root && (node.parent !== parent || node.name !== name)) this.move(node, parent, name);
    return node;
  }

  /** Count one lookup (an Entry reply the kernel will receive). */
  lookedUp(node: I): void {
    node.nlookup++;
  }

  /** FORGET: subtract `n` lookups; the record goes when nothing else holds it. */
  forget(nodeid: number, n: number): void {
    const node = this.byId.get(nodeid);
    if (node === undefined) return;
    node.nlookup = n >= node.nlookup ? 0 : node.nlookup - n;
    this.release(node);
  }

  /** Hold a record alive independently of lookups (an open handle). */
  pin(node: I): void {
    node.pins++;
  }

  /** Undo pin(). */
  unpin(node: I): void {
    node.pins--;
    this.release(node);
  }

  /** Drop the record now if neither the kernel nor anything else holds it (an entry that did not fit in a reply). */
  release(node: I): void {
    let n: I | undefined = node;
    while (n !== undefined && n !== this.root && n.nlookup <= 0 && n.pins <= 0 && this.byId.get(n.nodeid) === n) {
      this.byId.delete(n.nodeid);
      if (n.indexed) {
        const inner = this.byDev.get(n.dev);
        if (inner !== undefined && inner.get(n.ino) === n) inner.delete(n.ino);
        n.indexed = false;
      }
      const parent = n.parent as I | undefined;
      n.parent = undefined;
      n.name = undefined;
      this.onDrop?.(n);
      if (parent === undefined) break;
      parent.pins--;
      n = parent;
    }
  }

  /**
   * Remember that `node` is now `name` in `parent` (a rename through the mount,
   * or a lookup through another hard link). A directory is never moved under
   * itself: if the host shows such a loop (bind mounts), the old path stays.
   */
  move(node: I, parent: I, name: string): void {
    if (node === this.root) return;
    if (node.parent === parent) {
      node.name = name;
      return;
    }
    if (node.isDir) {
      for (let a: Inode | undefined = parent; a !== undefined; a = a.parent) if (a === node) return;
    }
    const old = node.parent as I | undefined;
    parent.pins++;
    node.parent = parent;
    node.name = name;
    if (old !== undefined) this.unpin(old);
  }

  /** Forget where `node` lives (unlinked, or replaced on the host): it can no longer be found by name. */
  detach(node: I): void {
    const old = node.parent as I | undefined;
    node.parent = undefined;
    node.name = undefined;
    if (old !== undefined) this.unpin(old);
  }

  /** Every record, the root first. */
  [Symbol.iterator](): IterableIterator<I> {
    return this.byId.values();
  }

  /** Drop every record except the root (session end); onDrop runs for each, then for the root. */
  clear(): void {
    for (const node of this.byId.values()) {
      if (node === this.root) continue;
      node.parent = undefined;
      node.name = undefined;
      node.indexed = false;
      this.onDrop?.(node);
    }
    this.byId.clear();
    this.byDev.clear();
    this.byId.set(1, this.root);
    this.index(this.root);
    this.onDrop?.(this.root);
  }

  private index(node: I): void {
    let inner = this.byDev.get(node.dev);
    if (inner === undefined) {
      inner = new Map();
      this.byDev.set(node.dev, inner);
    }
    const prior = inner.get(node.ino);
    if (prior !== undefined && prior !== node) prior.indexed = false;
    inner.set(node.ino, node);
    node.indexed = true;
  }
}
