// MemoryBackend: directory listing — cookie offsets stable across mutation,
// the glibc/coreutils patterns (read some, mutate, read on; rm -rf in
// batches), big directories in 4 KiB pages, READDIRPLUS lookup counting.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errno } from '@tsfuse/protocol';
import type { MemoryBackend } from '../src/index.js';
import { checkInvariantsAfterEach, advance, b, errnoOf, listAll, make, namesIn, page, PlusPageSink, root, touch, type Listed } from './memory-backend-fixture.js';

const DT_DIR = 4, DT_REG = 8, DT_LNK = 10;

/** Fills `dir` with `n` files named prefix_00.. and returns the names. */
function fill(fs: MemoryBackend, dir: number, n: number, prefix = 'm'): string[] {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `${prefix}_${String(i).padStart(2, '0')}`;
    fs.mknod(root, dir, b(name), 0o100644, 0, 0);
    names.push(name);
  }
  return names;
}

/** Like glibc's readdir: one getdents page buffered, handed out entry by entry. */
class DirStream {
  private buffer: Listed[] = [];
  private offset = 0n;
  constructor(private readonly fs: MemoryBackend, private readonly dir: number, private readonly fh: number, private readonly pageSize = 4096) {}
  next(): Listed | undefined {
    if (this.buffer.length === 0) {
      this.buffer = page(this.fs, this.dir, this.fh, this.offset, this.pageSize);
      if (this.buffer.length === 0) return undefined;
      this.offset = advance(this.offset, this.buffer[this.buffer.length - 1]!.off);
    }
    return this.buffer.shift();
  }
  rewind(): void {
    this.buffer = [];
    this.offset = 0n;
  }
}

const real = (e: Listed | undefined) => e !== undefined && e.name !== '.' && e.name !== '..';

test('"." and ".." come first at offsets 1 and 2 with the right inodes and DT_DIR; real cookies start at 3', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const f = touch(fs, d, 'f');
  fs.symlink(root, d, b('l'), b('f'));
  const all = listAll(fs, d);
  assert.equal(all.map((e) => [e.name, e.off]), [['.', 1n], ['..', 2n], ['f', 3n], ['l', 4n]]);
  assert.equal(all.map((e) => e.type), [DT_DIR, DT_DIR, DT_REG, DT_LNK]);
  assert.equal([all[0]!.ino, all[1]!.ino, all[2]!.ino], [d, 1, f]);
  const top = listAll(fs, 1);
  assert.equal([top[0]!.ino, top[1]!.ino], [1, 1], 'the root is its own parent');
});

test('resuming at every offset returns exactly the rest; a page too small for one entry returns nothing', () => {
  const { fs } = make();
  const names = fill(fs, 1, 20);
  const all = listAll(fs, 1);
  const fh = fs.opendir(root, 1, 0).fh;
  for (let i = 0; i < all.length; i++) {
    const rest = listFrom(fs, fh, all[i]!.off);
    assert.equal(rest.map((e) => e.name), all.slice(i + 1).map((e) => e.name));
  }
  assert.equal(page(fs, 1, fh, 0n, 16), [], 'a dirent needs 32 bytes');
  assert.equal(page(fs, 1, fh, 2n ** 63n, 4096), [], 'an offset past every cookie ends the listing');
  assert.equal(namesIn(fs, 1), names, 'cookie order is creation order');
});

/** Everything after `offset`, in small pages. */
function listFrom(fs: MemoryBackend, fh: number, offset: bigint): Listed[] {
  const out: Listed[] = [];
  for (;;) {
    const got = page(fs, 1, fh, offset, 100);
    if (got.length === 0) return out;
    out.push(...got);
    offset = advance(offset, got[got.length - 1]!.off);
  }
}

test('reading 7 of 10, creating 3, reading on: no name twice, every original once (libkrun #693)', () => {
  const { fs } = make();
  const originals = fill(fs, 1, 10);
  const fh = fs.opendir(root, 1, 0).fh;
  const stream = new DirStream(fs, 1, fh, 200); // small pages so that the kernel has to come back
  const seen: string[] = [];
  while (seen.length < 7) {
    const e = stream.next();
    if (real(e)) seen.push(e!.name);
  }
  fill(fs, 1, 3, 'new');
  for (let e = stream.next(); e; e = stream.next()) if (real(e)) seen.push(e.name);
  assert.is(new Set(seen).size, seen.length, `duplicates in ${seen}`);
  for (const name of originals) assert.ok(seen.includes(name), `${name} missing`);
  assert.equal(seen.filter((n) => n.startsWith('new')), ['new_00', 'new_01', 'new_02'], 'new names at the end, as tmpfs');
});

test('reading while deleting: deleted names vanish, nothing repeats, no survivor is skipped', () => {
  const { fs } = make();
  const originals = fill(fs, 1, 10);
  const fh = fs.opendir(root, 1, 0).fh;
  const stream = new DirStream(fs, 1, fh, 200);
  const seen: string[] = [];
  while (seen.length < 7) {
    const e = stream.next();
    if (real(e)) seen.push(e!.name);
  }
  // Delete two names already read, the one the kernel would resume after, and one not yet read.
  const unread = originals.filter((n) => !seen.includes(n));
  for (const name of [seen[0]!, seen[6]!, unread[0]!]) fs.unlink(root, 1, b(name));
  const rest: string[] = [];
  for (let e = stream.next(); e; e = stream.next()) if (real(e)) rest.push(e.name);
  const all = [...seen, ...rest];
  assert.is(new Set(all).size, all.length);
  for (const name of originals) {
    if (name === unread[0]) continue;
    assert.ok(all.includes(name), `${name} skipped`);
  }
});

test('an offset naming a deleted entry resumes at the next surviving cookie', () => {
  const { fs } = make();
  fill(fs, 1, 5);
  const all = listAll(fs, 1);
  const fh = fs.opendir(root, 1, 0).fh;
  fs.unlink(root, 1, b('m_01'));
  fs.unlink(root, 1, b('m_02'));
  const m01 = all.find((e) => e.name === 'm_01')!.off;
  assert.equal(page(fs, 1, fh, m01, 4096).map((e) => e.name), ['m_03', 'm_04']);
});

test('rm -rf of 10,000 entries the coreutils way (read a batch, unlink it, read on) empties the directory', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('big'), 0o755, 0).nodeid;
  for (let i = 0; i < 10_000; i++) fs.mknod(root, d, b(`file-${i}`), 0o100644, 0, 0);
  const fh = fs.opendir(root, d, 0).fh;
  let offset = 0n;
  let removed = 0;
  const seen = new Set<string>();
  for (;;) {
    const batch = page(fs, d, fh, offset, 32 * 1024);
    if (batch.length === 0) break;
    offset = advance(offset, batch[batch.length - 1]!.off);
    for (const e of batch) {
      if (e.name === '.' || e.name === '..') continue;
      assert.not.ok(seen.has(e.name), `${e.name} twice`);
      seen.add(e.name);
      fs.unlink(root, d, b(e.name));
      removed++;
    }
  }
  assert.is(removed, 10_000);
  assert.equal(namesIn(fs, d), []);
  fs.releasedir(root, d, fh);
  fs.rmdir(root, 1, b('big'));
});

test('100,000 entries listed in 4096-byte pages: every name once, in order, in well under a second per pass', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('huge'), 0o755, 0).nodeid;
  for (let i = 0; i < 100_000; i++) fs.mknod(root, d, b(`entry-number-${i}`), 0o100644, 0, 0);
  const started = performance.now();
  const all = listAll(fs, d);
  const ms = performance.now() - started;
  assert.is(all.length, 100_002);
  for (let i = 2; i < all.length; i++) {
    assert.ok(all[i]!.off > all[i - 1]!.off);
    if (all[i]!.name !== `entry-number-${i - 2}`) assert.unreachable(`entry ${i} is ${all[i]!.name}`);
  }
  // O(n^2) resumption would take tens of seconds here; O(n log n) takes tens of milliseconds.
  assert.ok(ms < 2000, `listing took ${ms.toFixed(0)} ms`);
  // Resuming is a binary search: 20,000 resumes near the end of the directory stay cheap
  // (a scan from the start would compare 2 * 10^9 cookies here).
  const fh = fs.opendir(root, d, 0).fh;
  const nearEnd = all[all.length - 2]!.off;
  const t1 = performance.now();
  for (let i = 0; i < 20_000; i++) {
    if (page(fs, d, fh, nearEnd, 4096).length !== 1) assert.unreachable('one entry after the next-to-last');
  }
  const resumeMs = performance.now() - t1;
  assert.ok(resumeMs < 1000, `20,000 resumes took ${resumeMs.toFixed(0)} ms`);
  fs.releasedir(root, d, fh);
  // Same after deleting every other entry (tombstones, then compaction).
  for (let i = 0; i < 100_000; i += 2) fs.unlink(root, d, b(`entry-number-${i}`));
  const t2 = performance.now();
  const half = listAll(fs, d);
  assert.is(half.length, 50_002);
  assert.ok(performance.now() - t2 < 2000);
  console.log(`    100,000 entries in 4 KiB pages: ${ms.toFixed(0)} ms; 20,000 resumes near the end: ${resumeMs.toFixed(0)} ms`);
});

test('two handles on one directory iterate independently', () => {
  const { fs } = make();
  const names = fill(fs, 1, 30);
  const s1 = new DirStream(fs, 1, fs.opendir(root, 1, 0).fh, 200);
  const s2 = new DirStream(fs, 1, fs.opendir(root, 1, 0).fh, 300);
  const a: string[] = [];
  const c: string[] = [];
  for (let i = 0; i < 100; i++) {
    const e1 = s1.next();
    if (real(e1)) a.push(e1!.name);
    if (i % 2 === 0) {
      const e2 = s2.next();
      if (real(e2)) c.push(e2!.name);
    }
  }
  for (let e = s2.next(); e; e = s2.next()) if (real(e)) c.push(e.name);
  assert.equal(a, names);
  assert.equal(c, names);
});

test('rewinding an already-read handle shows every kind of change (create, unlink, mkdir, symlink, link, rename)', () => {
  const { fs } = make();
  const other = fs.mkdir(root, 1, b('other'), 0o755, 0).nodeid;
  const f = touch(fs, 1, 'f');
  const fh = fs.opendir(root, 1, 0).fh;
  const stream = new DirStream(fs, 1, fh);
  const names = () => {
    stream.rewind();
    const out: string[] = [];
    for (let e = stream.next(); e; e = stream.next()) if (real(e)) out.push(e.name);
    return out.sort();
  };
  assert.equal(names(), ['f', 'other']);
  touch(fs, 1, 'new');
  fs.mkdir(root, 1, b('dir'), 0o755, 0);
  fs.symlink(root, 1, b('sym'), b('f'));
  fs.link(root, f, 1, b('hard'));
  assert.equal(names(), ['dir', 'f', 'hard', 'new', 'other', 'sym']);
  fs.unlink(root, 1, b('new'));
  fs.rmdir(root, 1, b('dir'));
  fs.rename(root, 1, b('sym'), 1, b('sym2'), 0);
  fs.rename(root, 1, b('hard'), other, b('moved'), 0);
  assert.equal(names(), ['f', 'other', 'sym2']);
  assert.equal(namesIn(fs, other), ['moved']);
});

test('an overwriting rename keeps the target cookie, so a reader already past it does not see it again', () => {
  const { fs } = make();
  fill(fs, 1, 4); // m_00..m_03
  const fh = fs.opendir(root, 1, 0).fh;
  const first = page(fs, 1, fh, 0n, 4096).slice(0, 4); // ., .., m_00, m_01
  fs.rename(root, 1, b('m_03'), 1, b('m_00'), 0);
  const rest = page(fs, 1, fh, first[3]!.off, 4096).map((e) => e.name);
  assert.equal(rest, ['m_02'], 'm_00 (now the old m_03) is not repeated, m_03 is gone');
  fs.rename(root, 1, b('m_00'), 1, b('m_02'), 2 /* EXCHANGE */);
  assert.equal(namesIn(fs, 1), ['m_00', 'm_01', 'm_02'], 'EXCHANGE keeps both cookies');
});

test('readdir checks its handle (EBADF) and its directory', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const fh = fs.opendir(root, 1, 0).fh;
  assert.is(errnoOf(() => fs.readdir(root, d, fh, 0n, { add: () => true })), errno.EBADF, 'handle of another dir');
  assert.is(errnoOf(() => fs.readdir(root, 1, 4242, 0n, { add: () => true })), errno.EBADF);
  fs.fsyncdir(root, 1, fh, false);
  fs.releasedir(root, 1, fh);
  assert.is(errnoOf(() => fs.releasedir(root, 1, fh)), errno.EBADF);
  assert.is(errnoOf(() => fs.fsyncdir(root, 1, fh, false)), errno.EBADF);
});

test('readdirplus counts a lookup only for entries the sink accepted, never for "." and ".."', () => {
  const { fs } = make();
  const d = fs.mkdir(root, 1, b('d'), 0o755, 0).nodeid;
  const ids = ['a', 'b', 'c', 'd', 'e'].map((n) => touch(fs, d, n));
  for (const id of ids) fs.forget(id, fs.lookupCount(id)!);
  const dirCount = fs.lookupCount(d)!;
  const rootCount = fs.lookupCount(1)!;
  const fh = fs.opendir(root, d, 0).fh;
  // 4096 bytes hold three direntplus records of these sizes (152 + 8 each): ".", "..", "a" ... up to the budget.
  const sink = new PlusPageSink(3 * 160);
  fs.readdirplus(root, d, fh, 0n, sink);
  assert.equal(sink.entries.map((e) => e.name), ['.', '..', 'a']);
  assert.is(sink.entries[0]!.entry, undefined, '"." carries no Entry');
  assert.is(sink.entries[1]!.entry, undefined, '".." carries no Entry');
  assert.equal([sink.entries[0]!.ino, sink.entries[1]!.ino], [d, 1]);
  assert.is(sink.entries[2]!.entry!.nodeid, ids[0]);
  assert.is(sink.entries[2]!.entry!.attr.mode, 0o100644);
  assert.equal(ids.map((id) => fs.lookupCount(id)), [1, 0, 0, 0, 0], 'b was offered and refused: not counted');
  assert.is(fs.lookupCount(d), dirCount);
  assert.is(fs.lookupCount(1), rootCount);
  const rest = new PlusPageSink(4096);
  fs.readdirplus(root, d, fh, sink.entries[2]!.off, rest);
  assert.equal(rest.entries.map((e) => e.name), ['b', 'c', 'd', 'e']);
  assert.equal(ids.map((id) => fs.lookupCount(id)), [1, 1, 1, 1, 1]);
  // The counts are real: forgetting them frees unlinked inodes.
  for (const n of ['a', 'b', 'c', 'd', 'e']) fs.unlink(root, d, b(n));
  const before = fs.inodeCount;
  for (const id of ids) fs.forget(id, 1);
  assert.is(fs.inodeCount, before - 5);
});

test('a readdir page accounts for name bytes: long names fit fewer per 4 KiB page', () => {
  const { fs } = make();
  for (let i = 0; i < 40; i++) fs.mknod(root, 1, b(`${String(i).padStart(3, '0')}${'x'.repeat(200)}`), 0o100644, 0, 0);
  const fh = fs.opendir(root, 1, 0).fh;
  const first = page(fs, 1, fh, 2n, 4096);
  assert.is(first.length, Math.floor(4096 / 232)); // 24 + 203 padded to 232
});

checkInvariantsAfterEach(test);
test.run();
