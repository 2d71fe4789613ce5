import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { BigIntStats } from 'node:fs';
import { errno } from '@tsfuse/protocol';
import { Inode, InodeTable } from '../src/index.js';

/** A fake stat: only the fields the table reads. */
function st(ino: number, opts: { dev?: number; dir?: boolean; birth?: bigint } = {}): BigIntStats {
  return {
    dev: BigInt(opts.dev ?? 1),
    ino: BigInt(ino),
    mode: BigInt(opts.dir ? 0o40755 : 0o100644),
    birthtimeNs: opts.birth ?? 1000n + BigInt(ino),
  } as unknown as BigIntStats;
}

function table(dropped: number[] = []) {
  return new InodeTable({ rootStat: st(2, { dir: true }), onDrop: (n) => dropped.push(n.nodeid) });
}

test('root is nodeid 1; new files get fresh nodeids, the same (dev, ino) the same record', () => {
  const t = table();
  assert.is(t.root.nodeid, 1);
  assert.ok(t.root.isDir);
  const a = t.learn(st(10), t.root, 'a');
  const b = t.learn(st(11), t.root, 'b');
  assert.is(a.nodeid, 2);
  assert.is(b.nodeid, 3);
  assert.is(t.learn(st(10), t.root, 'a'), a);
  assert.is(t.learn(st(10, { dev: 2 }), t.root, 'c').nodeid, 4, 'another device is another file');
  assert.is(t.get(2), a);
  assert.is(t.find(st(11)), b);
});

test('lookup counts: forget drops at zero, never the root, unknown ids ignored', () => {
  const dropped: number[] = [];
  const t = table(dropped);
  const a = t.learn(st(10), t.root, 'a');
  t.lookedUp(a);
  t.lookedUp(a);
  t.forget(a.nodeid, 1);
  assert.is(t.get(a.nodeid), a);
  t.forget(a.nodeid, 1);
  assert.is(t.get(a.nodeid), undefined);
  assert.equal(dropped, [2]);
  assert.is(t.find(st(10)), undefined);
  t.forget(1, 100);
  assert.is(t.get(1), t.root);
  t.forget(999, 1);
  // A new record for the same file gets a new nodeid: nodeids are never reused.
  assert.is(t.learn(st(10), t.root, 'a').nodeid, 3);
});

test('forget of more than counted clamps to zero', () => {
  const t = table();
  const a = t.learn(st(10), t.root, 'a');
  t.lookedUp(a);
  t.forget(a.nodeid, 5);
  assert.is(t.get(a.nodeid), undefined);
});

test('release drops an uncounted record (an entry that did not fit)', () => {
  const t = table();
  const a = t.learn(st(10), t.root, 'a');
  t.release(a);
  assert.is(t.get(a.nodeid), undefined);
  const b = t.learn(st(11), t.root, 'b');
  t.lookedUp(b);
  t.release(b);
  assert.is(t.get(b.nodeid), b);
});

test('a child pins its parent; dropping the child releases the parent too', () => {
  const dropped: number[] = [];
  const t = table(dropped);
  const d = t.learn(st(20, { dir: true }), t.root, 'd');
  t.lookedUp(d);
  const f = t.learn(st(21), d, 'f');
  t.lookedUp(f);
  t.forget(d.nodeid, 1);
  assert.is(t.get(d.nodeid), d, 'pinned by its child');
  assert.is(f.parent, d);
  t.forget(f.nodeid, 1);
  assert.equal(dropped, [f.nodeid, d.nodeid]);
  assert.is(t.root.pins, 0);
});

test('pins keep a record alive without lookups', () => {
  const t = table();
  const a = t.learn(st(10), t.root, 'a');
  t.lookedUp(a);
  t.pin(a);
  t.forget(a.nodeid, 1);
  assert.is(t.get(a.nodeid), a);
  t.unpin(a);
  assert.is(t.get(a.nodeid), undefined);
});

test('move and hard links update the remembered path and pins', () => {
  const t = table();
  const d1 = t.learn(st(20, { dir: true }), t.root, 'd1');
  const d2 = t.learn(st(21, { dir: true }), t.root, 'd2');
  t.lookedUp(d1);
  t.lookedUp(d2);
  const f = t.learn(st(30), d1, 'f');
  t.lookedUp(f);
  assert.is(d1.pins, 1);
  t.learn(st(30), d2, 'link');
  assert.is(f.parent, d2);
  assert.is(f.name, 'link');
  assert.is(d1.pins, 0);
  assert.is(d2.pins, 1);
  t.move(f, d2, 'renamed');
  assert.is(f.name, 'renamed');
  assert.is(d2.pins, 1);
});

test('a directory is never moved under itself (bind-mount loops)', () => {
  const t = table();
  const d = t.learn(st(20, { dir: true }), t.root, 'd');
  const sub = t.learn(st(21, { dir: true }), d, 'sub');
  t.lookedUp(d);
  t.lookedUp(sub);
  t.learn(st(20, { dir: true }), sub, 'loop');
  assert.is(d.parent, t.root);
  assert.is(d.name, 'd');
});

test('detach forgets the path and unpins the parent', () => {
  const t = table();
  const d = t.learn(st(20, { dir: true }), t.root, 'd');
  const f = t.learn(st(21), d, 'f');
  t.lookedUp(f);
  t.detach(f);
  assert.is(f.parent, undefined);
  assert.is(f.name, undefined);
  assert.is(t.get(d.nodeid), undefined, 'the parent had nothing else holding it');
  assert.is(t.get(f.nodeid), f);
});

test('an inode number reused by the host for a new file (other birth) gets a new record', () => {
  const t = table();
  const old = t.learn(st(10, { birth: 5n }), t.root, 'a');
  t.lookedUp(old);
  const fresh = t.learn(st(10, { birth: 6n }), t.root, 'a');
  assert.is.not(fresh, old);
  assert.not.ok(old.indexed);
  assert.is(old.name, undefined, 'the stale record can no longer be found by name');
  assert.is(t.find(st(10, { birth: 6n })), fresh);
  assert.is(t.get(old.nodeid), old, 'the kernel still holds it');
  t.forget(old.nodeid, 1);
  assert.is(t.find(st(10, { birth: 6n })), fresh, 'dropping the stale record leaves the new one indexed');
});

test('node() throws ESTALE for an unknown nodeid', () => {
  const t = table();
  try {
    t.node(42);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { errno: number }).errno, errno.ESTALE);
  }
});

test('a subclass carries backend state; clear() drops everything once', () => {
  class FdInode extends Inode {
    fd = -1;
  }
  const dropped: number[] = [];
  const t = new InodeTable<FdInode>({ rootStat: st(2, { dir: true }), create: (id, s) => new FdInode(id, s), onDrop: (n) => dropped.push(n.nodeid) });
  const a = t.learn(st(10), t.root, 'a');
  a.fd = 7;
  assert.ok(a instanceof FdInode);
  assert.is(t.root.fd, -1);
  t.lookedUp(a);
  t.clear();
  assert.equal(dropped.sort(), [1, 2]);
  assert.is(t.size, 1);
});

test.run();
