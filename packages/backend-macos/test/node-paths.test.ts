// How known inodes are found again: darwin volfs paths (with a fake volfs,
// since /.vol exists only on macOS) and verified parent/name chains.
import fs from 'node:fs';
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InodeTable } from '@tsfuse/passthrough';
import { ChainPaths, VolumePaths } from '../src/identity/node-paths.js';
import { nodeHostFs } from '../src/host/node-host-fs.js';
import type { HostFs } from '../src/host/host-fs.js';
import { errnoOf, rmTemp, tempDir } from './helpers.js';

const ESTALE = 116;

test('volfs: paths are /.vol/<dev>/<ino>, children /.vol/<dev>/<ino>/<name>; verified by identity', () => {
  const root = tempDir();
  try {
    fs.mkdirSync(path.join(root, 'd'));
    const real = nodeHostFs();
    const rootSt = real.lstat(Buffer.from(root));
    const dSt = real.lstat(Buffer.from(path.join(root, 'd')));
    // A fake volfs: /.vol/<dev>/<ino> answers with whatever file has that identity now.
    const byId = new Map<string, () => BigIntStats>([
      [`/.vol/${rootSt.dev}/${rootSt.ino}`, () => real.lstat(Buffer.from(root))],
      [`/.vol/${dSt.dev}/${dSt.ino}`, () => real.lstat(Buffer.from(path.join(root, 'd.moved')))],
    ]);
    const host: HostFs = {
      ...real,
      lstat: (p) => {
        const f = byId.get(p.toString());
        if (!f) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT', errno: -2 });
        return f();
      },
    };
    const table = new InodeTable({ rootStat: rootSt });
    const paths = new VolumePaths(host);
    const d = table.learn(dSt, table.root, 'd');
    // The host renames it: the volfs path still finds it.
    fs.renameSync(path.join(root, 'd'), path.join(root, 'd.moved'));
    assert.is(paths.pathOf(d).toString(), `/.vol/${dSt.dev}/${dSt.ino}`);
    assert.is(paths.childOf(d, Buffer.from('x')).toString(), `/.vol/${dSt.dev}/${dSt.ino}/x`);
    assert.is(paths.pathOf(table.root).toString(), `/.vol/${rootSt.dev}/${rootSt.ino}`);
    // Removed: ESTALE.
    fs.rmdirSync(path.join(root, 'd.moved'));
    assert.is(errnoOf(() => paths.pathOf(d)), ESTALE);
    // An inode number reused by another file (birth time differs): ESTALE, not the other file.
    fs.mkdirSync(path.join(root, 'd.moved'));
    const other = real.lstat(Buffer.from(path.join(root, 'd.moved')));
    if (other.ino === dSt.ino && other.birthtimeNs !== dSt.birthtimeNs) assert.is(errnoOf(() => paths.pathOf(d)), ESTALE);
  } finally {
    rmTemp(root);
  }
});

test('chains: every component verified; a renamed, removed or symlink-swapped ancestor is ESTALE', () => {
  const base = tempDir();
  try {
    const root = path.join(base, 'root');
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.writeFileSync(path.join(root, 'a', 'b', 'f'), '');
    const host = nodeHostFs();
    const rootBuf = Buffer.from(root);
    const table = new InodeTable({ rootStat: host.lstat(rootBuf) });
    const paths = new ChainPaths(host, rootBuf, table.root);
    const a = table.learn(host.lstat(Buffer.from(path.join(root, 'a'))), table.root, 'a');
    const b = table.learn(host.lstat(Buffer.from(path.join(root, 'a', 'b'))), a, 'b');
    const f = table.learn(host.lstat(Buffer.from(path.join(root, 'a', 'b', 'f'))), b, 'f');
    assert.is(paths.pathOf(f).toString(), path.join(root, 'a', 'b', 'f'));
    assert.is(paths.childOf(b, Buffer.from('g')).toString(), path.join(root, 'a', 'b', 'g'));
    // Swap "a" for a symlink to an identical-looking tree outside.
    fs.mkdirSync(path.join(base, 'outside', 'b'), { recursive: true });
    fs.writeFileSync(path.join(base, 'outside', 'b', 'f'), '');
    fs.renameSync(path.join(root, 'a'), path.join(root, 'a.old'));
    fs.symlinkSync(path.join(base, 'outside'), path.join(root, 'a'));
    assert.is(errnoOf(() => paths.pathOf(f)), ESTALE);
    assert.is(errnoOf(() => paths.childOf(b, Buffer.from('g'))), ESTALE);
    // Back in place: found again.
    fs.unlinkSync(path.join(root, 'a'));
    fs.renameSync(path.join(root, 'a.old'), path.join(root, 'a'));
    assert.is(paths.pathOf(f).toString(), path.join(root, 'a', 'b', 'f'));
    // Renamed on the host: stale until looked up again.
    fs.renameSync(path.join(root, 'a', 'b'), path.join(root, 'a', 'c'));
    assert.is(errnoOf(() => paths.pathOf(f)), ESTALE);
    // The root itself replaced: ESTALE too.
    fs.renameSync(root, path.join(base, 'root.old'));
    fs.mkdirSync(root);
    assert.is(errnoOf(() => paths.pathOf(table.root)), ESTALE);
    // A record whose path was forgotten (unlinked through the mount).
    table.detach(a);
    assert.is(errnoOf(() => paths.pathOf(a)), ESTALE);
  } finally {
    rmTemp(base);
  }
});

test.run();
