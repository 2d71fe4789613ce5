// MemoryBackend: lookup counting and inode lifetime — every Entry counts one,
// forget subtracts, an inode dies when it has no names, no handles and no
// lookups; destroy() drops what the kernel held. Plus memory per inode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errno } from '@tsfuse/protocol';
import { MemoryBackend } from '../src/index.js';
import { checkInvariantsAfterEach, b, errnoOf, make, root, touch } from './memory-backend-fixture.js';

const S_IFREG = 0o100000;
const O_RDWR = 2;

test('every Entry-returning call counts one lookup; forget subtracts', () => {
  const { fs } = make();
  const f = fs.create(root, 1, b('f'), S_IFREG | 0o644, 0, O_RDWR);
  assert.is(fs.lookupCount(f.entry.nodeid), 1, 'create');
  fs.lookup(root, 1, b('f'));
  fs.lookup(root, 1, b('f'));
  assert.is(fs.lookupCount(f.entry.nodeid), 3, 'lookup twice');
  fs.link(root, f.entry.nodeid, 1, b('g'));
  assert.is(fs.lookupCount(f.entry.nodeid), 4, 'link');
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const s = fs.symlink(root, 1, b('s'), b('f')).nodeid;
  const n = fs.mknod(root, 1, b('n'), 0o010644, 0, 0).nodeid;
  const t = fs.tmpfile(root, 1, S_IFREG | 0o600, 0, O_RDWR).entry.nodeid;
  assert.equal([d, s, n, t].map((id) => fs.lookupCount(id)), [1, 1, 1, 1]);
  fs.forget(f.entry.nodeid, 3);
  assert.is(fs.lookupCount(f.entry.nodeid), 1);
  fs.forget(f.entry.nodeid, 1);
  assert.is(fs.lookupCount(f.entry.nodeid), 0);
  assert.is(fs.getattr(root, f.entry.nodeid).attr.nlink, 2, 'linked inodes live on without lookups');
});

test('failed calls count nothing', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'f');
  fs.forget(f, 1);
  errnoOf(() => fs.create(root, 1, b('f'), S_IFREG | 0o644, 0, O_RDWR | 0o200));
  errnoOf(() => fs.link(root, f, 1, b('f')));
  errnoOf(() => fs.lookup(root, f, b('x')));
  assert.is(fs.lookupCount(f), 0);
});

test('an unlinked inode lives while looked up, then dies on the last forget; its id is never reused', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'f'); // one lookup from create
  const { fh } = fs.open(root, f, O_RDWR);
  fs.write(root, f, fh, 0, b('payload'), 0, O_RDWR);
  fs.release(root, f, fh, 0, 0, 0n);
  fs.unlink(root, 1, b('f'));
  assert.is(fs.getattr(root, f).attr.nlink, 0);
  assert.ok(fs.bytesUsed > 0, 'data kept while the kernel may still ask');
  fs.forget(f, 1);
  assert.is(fs.lookupCount(f), undefined);
  assert.is(errnoOf(() => fs.getattr(root, f)), errno.ENOENT);
  assert.is(fs.bytesUsed, 0, 'data freed with the inode');
  const g = touch(fs, 1, 'f');
  assert.ok(g > f, 'node ids count up');
});

test('an open handle keeps an unlinked, forgotten inode alive until release', () => {
  const { fs } = make();
  const r = fs.create(root, 1, b('f'), S_IFREG | 0o644, 0, O_RDWR);
  const id = r.entry.nodeid;
  fs.unlink(root, 1, b('f'));
  fs.forget(id, 1);
  fs.write(root, id, r.fh, 0, b('still here'), 0, O_RDWR);
  assert.is(Buffer.from(fs.read(root, id, r.fh, 0, 100, 0)).toString(), 'still here');
  const count = fs.inodeCount;
  fs.release(root, id, r.fh, 0, 0, 0n);
  assert.is(fs.inodeCount, count - 1);
  assert.is(errnoOf(() => fs.getattr(root, id)), errno.ENOENT);
});

test('a removed directory dies on its last forget or releasedir; the root never dies', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const fh = fs.opendir(root, d, 0).fh;
  fs.rmdir(root, 1, b('d'));
  fs.forget(d, 1);
  assert.is(fs.lookupCount(d), 0, 'open handle holds it');
  fs.releasedir(root, d, fh);
  assert.is(fs.lookupCount(d), undefined);
  fs.lookup(root, 1, b('.'));
  fs.forget(1, 1000);
  assert.is(fs.lookupCount(1), 0);
  assert.is(fs.getattr(root, 1).attr.ino, 1);
});

test('"." and ".." lookups are counted on the node they return, and forgetting them balances', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const sub = fs.mkdir(root, d, b('sub'), 0o755, 0).nodeid;
  fs.lookup(root, sub, b('..'));
  fs.lookup(root, d, b('.'));
  assert.is(fs.lookupCount(d), 3);
  assert.is(fs.lookupCount(sub), 1);
  fs.rmdir(root, d, b('sub'));
  fs.forget(sub, 1);
  assert.is(fs.lookupCount(sub), undefined);
  fs.rmdir(root, 1, b('d'));
  fs.forget(d, 3);
  assert.is(fs.lookupCount(d), undefined);
});

test('forget of more than the count clamps at zero; forget of an unknown id is ignored', () => {
  const { fs } = make();
  const f = touch(fs, 1, 'f');
  fs.forget(f, 50);
  assert.is(fs.lookupCount(f), 0);
  fs.forget(123456, 1);
  fs.unlink(root, 1, b('f'));
  assert.is(fs.lookupCount(f), undefined, 'unlink of an unreferenced inode frees it at once');
});

test('destroy drops every lookup and handle, frees orphans and keeps the tree', () => {
  const { fs } = make();
  const keep = touch(fs, 1, 'keep');
  const r = fs.create(root, 1, b('orphan'), S_IFREG | 0o644, 0, O_RDWR);
  fs.unlink(root, 1, b('orphan'));
  fs.opendir(root, 1, 0);
  fs.destroy();
  assert.is(fs.openHandleCount, 0);
  assert.is(fs.lookupCount(r.entry.nodeid), undefined, 'the orphan is gone');
  assert.is(fs.lookupCount(keep), 0);
  assert.is(fs.lookup(root, 1, b('keep')).nodeid, keep);
});

test('memory: 100,000 empty files cost a few hundred bytes each', () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const fs = new MemoryBackend();
  const d = fs.mkdir(root, 1, b('many'), 0o755, 0).nodeid;
  for (let i = 0; i < 100_000; i++) {
    const e = fs.mknod(root, d, b(`file-${i}`), S_IFREG | 0o644, 0, 0);
    fs.forget(e.nodeid, 1);
  }
  gc?.();
  const perInode = (process.memoryUsage().heapUsed - before) / 100_000;
  console.log(`    ~${perInode.toFixed(0)} bytes of heap per inode (names "file-N", in one directory${gc ? '' : ', no --expose-gc'})`);
  assert.is(fs.inodeCount, 100_002);
  assert.ok(perInode < 1000, `${perInode.toFixed(0)} bytes per inode`);
});

checkInvariantsAfterEach(test);
test.run();
