// Directory iteration through the backend on real temp directories, in both
// table modes (darwin tables through the emulation, and the host's own):
// snapshots, generations, host-side changes, and the two upstream bugs of
// libkrun PR 693 (stale listing after rewind; duplicates while iterating).
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { MacosBackend } from '../src/index.js';
import { TABLE_MODES, backendOn, ctx, name, plainSink, plusSink, readAll, rmTemp, tempDir, walk, type Rec } from './helpers.js';

const names = (recs: Rec[]) => recs.map((r) => r.name);
const sorted = (a: string[]) => [...a].sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function dupes(list: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of list) {
    if (seen.has(n)) twice.add(n);
    seen.add(n);
  }
  return [...twice];
}

function inodesOf(b: MacosBackend): Map<number, { nlookup: number }> {
  const t = (b as unknown as { table: Iterable<{ nodeid: number; nlookup: number }> }).table;
  const m = new Map<number, { nlookup: number }>();
  for (const n of t) m.set(n.nodeid, n);
  return m;
}

for (const mode of TABLE_MODES) {
  const T = (title: string, fn: (root: string) => void | Promise<void>) =>
    test(`[${mode}] ${title}`, async () => {
      const root = tempDir();
      try {
        await fn(root);
      } finally {
        rmTemp(root);
      }
    });

  T('"." and ".." come first with the right inode numbers; entries carry host inode numbers and d_type', (root) => {
    fs.mkdirSync(path.join(root, 'd'));
    fs.writeFileSync(path.join(root, 'd', 'f'), 'x');
    fs.mkdirSync(path.join(root, 'd', 'sub'));
    fs.symlinkSync('f', path.join(root, 'd', 'l'));
    const b = backendOn(root, mode);
    const d = walk(b, 'd');
    const { fh } = b.opendir(ctx, d, 0);
    const recs = readAll(b, d, fh, 2);
    assert.equal(names(recs).slice(0, 2), ['.', '..']);
    assert.is(recs[0]!.ino, fs.lstatSync(path.join(root, 'd'), { bigint: true }).ino);
    assert.is(recs[1]!.ino, fs.lstatSync(root, { bigint: true }).ino);
    assert.equal(sorted(names(recs).slice(2)), ['f', 'l', 'sub']);
    for (const r of recs.slice(2)) {
      const st = fs.lstatSync(path.join(root, 'd', r.name), { bigint: true });
      assert.is(r.ino, st.ino, r.name);
      assert.is(r.type, r.name === 'f' ? 8 : r.name === 'l' ? 10 : 4, r.name);
    }
    // Offsets are positions: entry i resumes at i + 1.
    recs.forEach((r, i) => assert.is(r.off, BigInt(i + 1)));
    // The root's ".." is the root itself: nothing above the share is shown.
    const r = b.opendir(ctx, 1, 0);
    const rootRecs = readAll(b, 1, r.fh);
    assert.is(rootRecs[1]!.ino, rootRecs[0]!.ino);
  });

  const mutations: [string, (b: MacosBackend, dir: number, root: string) => { gone?: string; added?: string }][] = [
    ['create', (b, dir) => { const c = b.create(ctx, dir, name('new'), 0o100644, 0, 1); b.release(ctx, c.entry.nodeid, c.fh, 0, 0, 0n); return { added: 'new' }; }],
    ['mknod', (b, dir) => { b.mknod(ctx, dir, name('node'), 0o100600, 0, 0); return { added: 'node' }; }],
    ['unlink', (b, dir) => { b.unlink(ctx, dir, name('a')); return { gone: 'a' }; }],
    ['mkdir', (b, dir) => { b.mkdir(ctx, dir, name('nd'), 0o755, 0); return { added: 'nd' }; }],
    ['rmdir', (b, dir) => { b.rmdir(ctx, dir, name('sub')); return { gone: 'sub' }; }],
    ['symlink', (b, dir) => { b.symlink(ctx, dir, name('sl'), name('a')); return { added: 'sl' }; }],
    ['link', (b, dir) => { const a = b.lookup(ctx, dir, name('a')).nodeid; b.link(ctx, a, dir, name('hard')); return { added: 'hard' }; }],
    ['rename (same directory)', (b, dir) => { b.rename(ctx, dir, name('a'), dir, name('renamed'), 0); return { gone: 'a', added: 'renamed' }; }],
  ];

  for (const [what, mutate] of mutations) {
    T(`rewinddir after ${what} on an open handle shows the change`, (root) => {
      fs.mkdirSync(path.join(root, 'd'));
      fs.writeFileSync(path.join(root, 'd', 'a'), 'x');
      fs.mkdirSync(path.join(root, 'd', 'sub'));
      const b = backendOn(root, mode);
      const dir = walk(b, 'd');
      const { fh } = b.opendir(ctx, dir, 0);
      const before = names(readAll(b, dir, fh));
      const { gone, added } = mutate(b, dir, root);
      const after = names(readAll(b, dir, fh)); // offset 0 again: a rewind
      if (gone) {
        assert.ok(before.includes(gone));
        assert.not.ok(after.includes(gone), `${gone} still listed`);
      }
      if (added) assert.ok(after.includes(added), `${added} missing`);
      assert.equal(sorted(after.slice(2)), sorted(fs.readdirSync(path.join(root, 'd'))));
    });
  }

  T('every mutation through the filesystem bumps the generation of the directories it changed', (root) => {
    fs.mkdirSync(path.join(root, 'd'));
    fs.mkdirSync(path.join(root, 'e'));
    fs.writeFileSync(path.join(root, 'd', 'a'), 'x');
    fs.mkdirSync(path.join(root, 'd', 'sub'));
    const b = backendOn(root, mode);
    const dirs = (b as unknown as { dirs: { generation(id: number): number } }).dirs;
    const d = walk(b, 'd');
    const e = walk(b, 'e');
    const sub = walk(b, 'd', 'sub');
    for (const id of [d, e, sub]) b.opendir(ctx, id, 0);
    const gens = () => [dirs.generation(d), dirs.generation(e), dirs.generation(sub)];
    const check = (what: string, op: () => void, moved: [boolean, boolean, boolean]) => {
      const before = gens();
      op();
      const after = gens();
      moved.forEach((m, i) => assert.is(after[i] !== before[i], m, `${what}: directory #${i} ${m ? 'not bumped' : 'bumped'}`));
    };
    check('create', () => { const c = b.create(ctx, d, name('c1'), 0o100644, 0, 1); b.release(ctx, c.entry.nodeid, c.fh, 0, 0, 0n); }, [true, false, false]);
    check('mknod', () => b.mknod(ctx, d, name('n1'), 0o100644, 0, 0), [true, false, false]);
    check('mkdir', () => b.mkdir(ctx, e, name('m1'), 0o755, 0), [false, true, false]);
    check('symlink', () => b.symlink(ctx, d, name('s1'), name('a')), [true, false, false]);
    check('link', () => b.link(ctx, b.lookup(ctx, d, name('a')).nodeid, e, name('h1')), [false, true, false]);
    check('unlink', () => b.unlink(ctx, e, name('h1')), [false, true, false]);
    check('rmdir', () => b.rmdir(ctx, e, name('m1')), [false, true, false]);
    check('rename within', () => b.rename(ctx, d, name('n1'), d, name('n2'), 0), [true, false, false]);
    check('rename across', () => b.rename(ctx, d, name('n2'), e, name('n3'), 0), [true, true, false]);
    check('rename of a directory across (its ".." changes)', () => b.rename(ctx, d, name('sub'), e, name('sub'), 0), [true, true, true]);
    // Failed mutations change nothing.
    check('failed unlink', () => { try { b.unlink(ctx, d, name('missing')); } catch { /* ENOENT */ } }, [false, false, false]);
    // Operations that do not change entries do not bump.
    check('getattr/setattr', () => { b.getattr(ctx, d, undefined); b.setattr(ctx, d, { valid: 1, mode: 0o700 } as never); }, [false, false, false]);
  });

  T('rename across two open directories: both see it after rewind', (root) => {
    fs.mkdirSync(path.join(root, 'x'));
    fs.mkdirSync(path.join(root, 'y'));
    fs.writeFileSync(path.join(root, 'x', 'm'), '');
    const b = backendOn(root, mode);
    const x = walk(b, 'x');
    const y = walk(b, 'y');
    const hx = b.opendir(ctx, x, 0).fh;
    const hy = b.opendir(ctx, y, 0).fh;
    assert.equal(names(readAll(b, x, hx)).slice(2), ['m']);
    assert.equal(names(readAll(b, y, hy)).slice(2), []);
    b.rename(ctx, x, name('m'), y, name('m2'), 0);
    assert.equal(names(readAll(b, x, hx)).slice(2), []);
    assert.equal(names(readAll(b, y, hy)).slice(2), ['m2']);
  });

  T('a directory moved to another parent gets a new ".." after rewind', (root) => {
    fs.mkdirSync(path.join(root, 'p1'));
    fs.mkdirSync(path.join(root, 'p2'));
    fs.mkdirSync(path.join(root, 'p1', 'c'));
    const b = backendOn(root, mode);
    const p1 = walk(b, 'p1');
    const p2 = walk(b, 'p2');
    const c = walk(b, 'p1', 'c');
    const h = b.opendir(ctx, c, 0).fh;
    assert.is(readAll(b, c, h)[1]!.ino, fs.statSync(path.join(root, 'p1'), { bigint: true }).ino);
    b.rename(ctx, p1, name('c'), p2, name('c'), 0);
    assert.is(readAll(b, c, h)[1]!.ino, fs.statSync(path.join(root, 'p2'), { bigint: true }).ino);
  });

  T('iterating while creating never returns a name twice (libkrun PR 693, second bug)', (root) => {
    const d = path.join(root, 'd');
    fs.mkdirSync(d);
    for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(d, `m_0${i}`), '');
    const b = backendOn(root, mode);
    const dir = walk(b, 'd');
    const { fh } = b.opendir(ctx, dir, 0);
    // One reply carries everything; the program consumes 7 of the 10 files and
    // libc keeps 3 buffered; then it creates 3 names and asks for more.
    const first = plainSink();
    b.readdir(ctx, dir, fh, 0n, first);
    assert.is(first.recs.length, 12);
    for (const n of ['m_a', 'm_b', 'm_c']) {
      const c = b.create(ctx, dir, name(n), 0o100644, 0, 1);
      b.release(ctx, c.entry.nodeid, c.fh, 0, 0, 0n);
    }
    const rest = readAll(b, dir, fh, 50, first.recs[first.recs.length - 1]!.off);
    const all = [...names(first.recs), ...names(rest)];
    assert.equal(dupes(all), []);
    // And resuming in the middle of the first reply continues in the same snapshot.
    const resumed = readAll(b, dir, fh, 50, first.recs[8]!.off);
    assert.equal(names(resumed), names(first.recs).slice(9));
  });

  T('iterating while creating and deleting: every surviving name exactly once', (root) => {
    const d = path.join(root, 'd');
    fs.mkdirSync(d);
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(d, `f${i}`), '');
    const b = backendOn(root, mode);
    const dir = walk(b, 'd');
    const { fh } = b.opendir(ctx, dir, 0);
    const seen: string[] = [];
    let off = 0n;
    let k = 0;
    for (;;) {
      const s = plainSink(17);
      b.readdir(ctx, dir, fh, off, s);
      if (s.recs.length === 0) break;
      seen.push(...names(s.recs));
      off = s.recs[s.recs.length - 1]!.off;
      // Mutate between batches: add names, delete names not yet seen and names already seen.
      b.mknod(ctx, dir, name(`new${k++}`), 0o100644, 0, 0);
      const notYet = `f${299 - k}`;
      if (!seen.includes(notYet)) b.unlink(ctx, dir, name(notYet));
    }
    assert.equal(dupes(seen), []);
    // Every name that existed at opendir and was never deleted was returned.
    for (let i = 0; i < 300; i++) {
      const n = `f${i}`;
      if (fs.existsSync(path.join(d, n))) assert.ok(seen.includes(n), `${n} skipped`);
    }
  });

  T('rm -rf the coreutils way (read a batch, unlink it, read on) empties 10,000 entries', (root) => {
    const d = path.join(root, 'big');
    fs.mkdirSync(d);
    for (let i = 0; i < 10_000; i++) fs.writeFileSync(path.join(d, `entry-${i}`), '');
    const b = backendOn(root, mode);
    const dir = walk(b, 'big');
    const { fh } = b.opendir(ctx, dir, 0);
    let off = 0n;
    let removed = 0;
    const seen = new Set<string>();
    for (;;) {
      const s = plainSink(120); // about what a 4 KiB READDIR reply holds for these names
      b.readdir(ctx, dir, fh, off, s);
      if (s.recs.length === 0) break;
      off = s.recs[s.recs.length - 1]!.off;
      for (const r of s.recs) {
        assert.not.ok(seen.has(r.name), `duplicate ${r.name}`);
        seen.add(r.name);
        if (r.name === '.' || r.name === '..') continue;
        b.unlink(ctx, dir, name(r.name));
        removed++;
      }
    }
    assert.is(removed, 10_000);
    assert.equal(fs.readdirSync(d), []);
    // A rewind (or a fresh opendir) of the emptied directory lists only the dots.
    assert.equal(names(readAll(b, dir, fh)), ['.', '..']);
    b.releasedir(ctx, dir, fh, 0);
    b.rmdir(ctx, 1, name('big'));
    assert.not.ok(fs.existsSync(d));
  });

  T('changes made on the host are seen after a rewind (directory stamp)', async (root) => {
    const d = path.join(root, 'd');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'a'), '');
    const b = backendOn(root, mode, { racyWindowMs: 2000 });
    const dir = walk(b, 'd');
    const { fh } = b.opendir(ctx, dir, 0);
    assert.equal(names(readAll(b, dir, fh)).slice(2), ['a']);
    fs.writeFileSync(path.join(d, 'host-made'), '');
    assert.equal(sorted(names(readAll(b, dir, fh)).slice(2)), ['a', 'host-made']);
    fs.unlinkSync(path.join(d, 'a'));
    assert.equal(names(readAll(b, dir, fh)).slice(2), ['host-made']);
    fs.renameSync(path.join(d, 'host-made'), path.join(d, 'moved'));
    assert.equal(names(readAll(b, dir, fh)).slice(2), ['moved']);
    fs.mkdirSync(path.join(d, 'sub'));
    assert.equal(sorted(names(readAll(b, dir, fh)).slice(2)), ['moved', 'sub']);
    await sleep(1);
  });

  T('an unchanged rewind lists nothing from the host; the first rewind after a change lists once', async (root) => {
    const d = path.join(root, 'd');
    fs.mkdirSync(d);
    for (let i = 0; i < 50; i++) fs.writeFileSync(path.join(d, `f${i}`), '');
    await sleep(30); // let the directory's last change age past the racy window
    const b = backendOn(root, mode, { racyWindowMs: 20 });
    const dir = walk(b, 'd');
    const { fh } = b.opendir(ctx, dir, 0);
    readAll(b, dir, fh);
    assert.is(b.stats.hostListings, 1);
    for (let i = 0; i < 5; i++) readAll(b, dir, fh);
    assert.is(b.stats.hostListings, 1, 'rewinds of an unchanged directory');
    assert.is(b.stats.snapshotReuses, 5);
    // A second handle on the same directory shares the snapshot too.
    const h2 = b.opendir(ctx, dir, 0).fh;
    readAll(b, dir, h2);
    assert.is(b.stats.hostListings, 1);
    b.mknod(ctx, dir, name('x'), 0o100644, 0, 0);
    readAll(b, dir, fh);
    assert.is(b.stats.hostListings, 2);
  });

  T('a snapshot is never rebuilt at a non-zero offset, whatever changed', (root) => {
    const d = path.join(root, 'd');
    fs.mkdirSync(d);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(d, `f${i}`), '');
    const b = backendOn(root, mode);
    const dir = walk(b, 'd');
    const { fh } = b.opendir(ctx, dir, 0);
    const s = plainSink(5);
    b.readdir(ctx, dir, fh, 0n, s);
    const listings = b.stats.hostListings;
    fs.writeFileSync(path.join(d, 'host'), '');
    b.mknod(ctx, dir, name('mine'), 0o100644, 0, 0);
    const rest = readAll(b, dir, fh, 5, s.recs[4]!.off);
    assert.is(b.stats.hostListings, listings);
    assert.not.ok(names(rest).includes('host'));
    assert.not.ok(names(rest).includes('mine'));
    assert.is(s.recs.length + rest.length, 22);
  });

  T('READDIRPLUS: a lookup is counted only for entries the sink accepted, never for "." and ".."', (root) => {
    const d = path.join(root, 'd');
    fs.mkdirSync(d);
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(d, `f${i}`), '');
    const b = backendOn(root, mode);
    const dir = walk(b, 'd');
    const { fh } = b.opendir(ctx, dir, 0);
    const before = inodesOf(b).size;
    const s = plusSink(5); // ".", "..", three files; the fourth does not fit
    b.readdirplus(ctx, dir, fh, 0n, s);
    assert.is(s.recs.length, 5);
    assert.is(s.recs[0]!.entry, undefined);
    assert.is(s.recs[1]!.entry, undefined);
    const table = inodesOf(b);
    assert.is(table.size, before + 3, 'the entry that did not fit left no record');
    for (const r of s.recs.slice(2)) {
      assert.is(table.get(r.entry!.nodeid)!.nlookup, 1, r.name);
      assert.is(BigInt(r.entry!.attr.ino), fs.lstatSync(path.join(d, r.name), { bigint: true }).ino);
    }
    // Reading the same entries again counts again (the kernel will forget each reply's entries).
    const again = plusSink(5);
    b.readdirplus(ctx, dir, fh, 0n, again);
    for (const r of again.recs.slice(2)) assert.is(inodesOf(b).get(r.entry!.nodeid)!.nlookup, 2);
    // The rest, resumed where the sink stopped.
    const rest = plusSink();
    b.readdirplus(ctx, dir, fh, s.recs[4]!.off, rest);
    assert.equal(sorted([...names(s.recs.slice(2)), ...names(rest.recs)]), ['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
    // forget() with the counted numbers drops the records that are not pinned.
    for (const r of rest.recs) b.forget(r.entry!.nodeid, 1);
    for (const r of rest.recs) assert.not.ok(inodesOf(b).has(r.entry!.nodeid));
  });

  T('a name removed on the host after the listing is skipped, not served with a stale inode', (root) => {
    const d = path.join(root, 'd');
    fs.mkdirSync(d);
    for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(d, n), '');
    const b = backendOn(root, mode);
    const dir = walk(b, 'd');
    const { fh } = b.opendir(ctx, dir, 0);
    const s = plainSink(2);
    b.readdir(ctx, dir, fh, 0n, s);
    const order = fs.readdirSync(d);
    fs.unlinkSync(path.join(d, order[1]!));
    const rest = readAll(b, dir, fh, 10, s.recs[1]!.off);
    assert.equal(names(rest), [order[0]!, order[2]!]);
  });
}

test('[host] 100,000-entry directory: an unchanged rewind does no host listing', async () => {
  const root = tempDir();
  try {
    const d = path.join(root, 'big');
    fs.mkdirSync(d);
    for (let i = 0; i < 100_000; i++) fs.closeSync(fs.openSync(path.join(d, `file-${i.toString().padStart(6, '0')}`), 'w'));
    await sleep(60);
    const b = backendOn(root, 'host', { racyWindowMs: 50 });
    const dir = walk(b, 'big');
    const { fh } = b.opendir(ctx, dir, 0);
    const t0 = process.hrtime.bigint();
    const all = readAll(b, dir, fh, 128);
    const listMs = Number(process.hrtime.bigint() - t0) / 1e6;
    assert.is(all.length, 100_002);
    assert.is(new Set(names(all)).size, 100_002);
    assert.is(b.stats.hostListings, 1);
    const t1 = process.hrtime.bigint();
    const s = plainSink(128);
    b.readdir(ctx, dir, fh, 0n, s); // rewind: first reply again
    const rewindMs = Number(process.hrtime.bigint() - t1) / 1e6;
    assert.is(b.stats.hostListings, 1);
    assert.is(s.recs[2]!.name, all[2]!.name);
    console.log(`  100k: full listing ${listMs.toFixed(0)} ms, rewind + first reply ${rewindMs.toFixed(2)} ms`);
  } finally {
    rmTemp(root);
  }
});

test.run();
