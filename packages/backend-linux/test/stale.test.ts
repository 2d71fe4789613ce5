import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { errno } from '@tsfuse/protocol';
import { b, backend, ctx, errnoOf, sandbox, snapshot } from './helpers.js';

const box = sandbox('tsfuse-stale-');
const { src, outside } = box;
const C = ctx();
test.after(() => box.cleanup());

/** Push every other inode out of the working set. */
let churned = 0;
function churn(be: ReturnType<typeof backend>, n = 64): void {
  for (let i = 0; i < n; i++) be.mkdir(C, 1, b(`churn${churned++}`), 0o755, 0);
  be.getattr(C, 1, undefined);
}

test('a file replaced on the host answers ESTALE, and the new one gets a new nodeid', () => {
  const be = backend(src);
  fs.writeFileSync(path.join(src, 'f'), 'one');
  const e = be.lookup(C, 1, b('f'));
  fs.unlinkSync(path.join(src, 'f'));
  fs.writeFileSync(path.join(src, 'f'), 'second');
  assert.is(errnoOf(() => be.getattr(C, e.nodeid, undefined)), errno.ESTALE);
  const e2 = be.lookup(C, 1, b('f'));
  assert.is.not(e2.nodeid, e.nodeid);
  assert.is(be.getattr(C, e2.nodeid, undefined).attr.size, 6);
  be.destroy();
});

test('an evicted inode is found again from its ancestor; a vanished one is ESTALE', () => {
  const be = backend(src, { maxPathFds: 16 });
  fs.mkdirSync(path.join(src, 'a/b/c'), { recursive: true });
  fs.writeFileSync(path.join(src, 'a/b/c/leaf'), 'leaf');
  const a = be.lookup(C, 1, b('a'));
  const bb = be.lookup(C, a.nodeid, b('b'));
  const c = be.lookup(C, bb.nodeid, b('c'));
  const leaf = be.lookup(C, c.nodeid, b('leaf'));
  const h = be.open(C, leaf.nodeid, 0);
  be.release(C, leaf.nodeid, h.fh, 0, 0, 0n);
  churn(be);
  for (const n of [a, bb, c, leaf]) assert.is(be.table.get(n.nodeid)!.fd, -1, 'evicted');
  assert.is(be.getattr(C, leaf.nodeid, undefined).attr.size, 4);
  assert.is(be.table.get(c.nodeid)!.fd >= 0, true, 're-opened along the way');
  const h2 = be.open(C, leaf.nodeid, 0);
  assert.is(Buffer.from(be.read(C, leaf.nodeid, h2.fh, 0, 10, 0)).toString(), 'leaf');
  be.release(C, leaf.nodeid, h2.fh, 0, 0, 0n);
  churn(be);
  fs.renameSync(path.join(src, 'a/b'), path.join(src, 'a/moved'));
  assert.is(errnoOf(() => be.getattr(C, leaf.nodeid, undefined)), errno.ESTALE, 'moved on the host: its remembered path is gone');
  assert.is(errnoOf(() => be.lookup(C, c.nodeid, b('leaf'))), errno.ESTALE);
  be.destroy();
});

test('a directory swapped for a symlink to outside: ESTALE, and nothing outside is reached', () => {
  const be = backend(src, { maxPathFds: 16 });
  fs.mkdirSync(path.join(src, 'sw'));
  fs.writeFileSync(path.join(src, 'sw/x'), 'inside');
  fs.writeFileSync(path.join(outside, 'x'), 'outside');
  const before = snapshot(outside);
  const d = be.lookup(C, 1, b('sw'));
  const x = be.lookup(C, d.nodeid, b('x'));
  churn(be);
  fs.renameSync(path.join(src, 'sw'), path.join(src, 'sw.old'));
  fs.symlinkSync(outside, path.join(src, 'sw'));
  assert.is(errnoOf(() => be.getattr(C, x.nodeid, undefined)), errno.ESTALE);
  assert.is(errnoOf(() => be.lookup(C, d.nodeid, b('x'))), errno.ESTALE);
  assert.is(errnoOf(() => be.create(C, d.nodeid, b('new'), 0o644, 0, 0o101)), errno.ESTALE);
  assert.is(errnoOf(() => be.unlink(C, d.nodeid, b('x'))), errno.ESTALE);
  assert.is(errnoOf(() => be.opendir(C, d.nodeid, 0)), errno.ESTALE);
  const link = be.lookup(C, 1, b('sw'));
  assert.is(link.attr.mode & 0o170000, 0o120000, 'the name is now a symlink, seen as one');
  assert.is(errnoOf(() => be.lookup(C, link.nodeid, b('x'))), errno.ENOTDIR);
  assert.is(errnoOf(() => be.mkdir(C, link.nodeid, b('y'), 0o755, 0)), errno.ENOTDIR);
  assert.is(errnoOf(() => be.opendir(C, link.nodeid, 0)), errno.ENOTDIR);
  assert.is(snapshot(outside), before);
  be.destroy();
});

test('while its descriptor is held, a directory moved on the host keeps working (the fd follows the inode)', () => {
  const be = backend(src);
  fs.mkdirSync(path.join(src, 'keep'));
  const d = be.lookup(C, 1, b('keep'));
  be.opendir(C, d.nodeid, 0);
  fs.renameSync(path.join(src, 'keep'), path.join(src, 'kept'));
  const r = be.create(C, d.nodeid, b('inside'), 0o644, 0, 0o101);
  be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
  assert.ok(fs.existsSync(path.join(src, 'kept/inside')));
  be.destroy();
});

test('the working set stays bounded while thousands of inodes stay known', () => {
  const be = backend(src, { maxPathFds: 32 });
  fs.mkdirSync(path.join(src, 'many'));
  const m = be.lookup(C, 1, b('many'));
  const ids: number[] = [];
  for (let i = 0; i < 2000; i++) ids.push(be.mkdir(C, m.nodeid, b(`d${i}`), 0o755, 0).nodeid);
  for (const id of ids) be.getattr(C, id, undefined);
  for (let i = 0; i < 2000; i += 7) be.create(C, ids[i]!, b('f'), 0o644, 0, 0o101);
  be.getattr(C, 1, undefined);
  assert.ok(be.resolver.workingSet.size <= 32, `working set ${be.resolver.workingSet.size}`);
  assert.is(be.table.size, 2 + 2000 + Math.ceil(2000 / 7));
  be.destroy();
});

test.run();
