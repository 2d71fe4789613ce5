import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FdWorkingSet, type FdHolder } from '../src/index.js';

const holder = (): FdHolder => ({ fd: -1, lruPrev: null, lruNext: null });

test('trim evicts the least recently used down to capacity', () => {
  const closed: number[] = [];
  const ws = new FdWorkingSet<FdHolder>(2, (fd) => closed.push(fd));
  const [a, b, c] = [holder(), holder(), holder()];
  ws.add(a, 10);
  ws.add(b, 11);
  ws.add(c, 12);
  assert.is(ws.size, 3, 'nothing closes before trim');
  ws.touch(a);
  ws.trim();
  assert.equal(closed, [11]);
  assert.is(b.fd, -1);
  assert.is(a.fd, 10);
  assert.is(ws.size, 2);
});

test('drop, keep, evict and clear', () => {
  const closed: number[] = [];
  const ws = new FdWorkingSet<FdHolder>(10, (fd) => closed.push(fd));
  const hs = Array.from({ length: 5 }, holder);
  hs.forEach((h, i) => ws.add(h, 100 + i));
  ws.drop(hs[2]!);
  assert.equal(closed, [102]);
  assert.is(ws.keep(hs[3]!), 103);
  assert.is(ws.size, 3);
  assert.is(ws.evict(2), 2);
  assert.equal(closed, [102, 100, 101]);
  ws.clear();
  assert.equal(closed, [102, 100, 101, 104]);
  assert.is(ws.size, 0);
  ws.drop(hs[0]!);
  assert.is(closed.length, 4, 'dropping a holder without a descriptor does nothing');
});

test('a close that throws does not break the set', () => {
  const ws = new FdWorkingSet<FdHolder>(0, () => {
    throw new Error('EBADF');
  });
  const h = holder();
  ws.add(h, 5);
  ws.trim();
  assert.is(h.fd, -1);
  assert.is(ws.size, 0);
});

test('stays consistent under many random operations', () => {
  const open = new Set<number>();
  const ws = new FdWorkingSet<FdHolder>(50, (fd) => {
    assert.ok(open.delete(fd), 'closed an fd twice');
  });
  const hs = Array.from({ length: 200 }, holder);
  let next = 1;
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 20000; i++) {
    const h = hs[Math.floor(rnd() * hs.length)]!;
    const r = rnd();
    if (h.fd < 0) {
      open.add(next);
      ws.add(h, next++);
    } else if (r < 0.5) ws.touch(h);
    else if (r < 0.6) ws.drop(h);
    if (i % 7 === 0) ws.trim();
    assert.is(ws.size, open.size);
  }
  ws.trim();
  assert.ok(ws.size <= 50);
});

test.run();
