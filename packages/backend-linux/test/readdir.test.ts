import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { DirentPacker, type DirentSink } from '@tsfuse/protocol';
import { DirHandle, EMIT_ADDED, EMIT_GONE, EMIT_STOP } from '../src/dir-handle.js';
import { DirListing, SETTLE_MS } from '../src/dir-listing.js';
import type { LinuxInode } from '../src/linux-inode.js';
import { nameKey } from '../src/name-hash.js';
import { b, backend, ctx, listAll, sandbox, sink } from './helpers.js';

const box = sandbox('tsfuse-readdir-');
const { src } = box;
const be = backend(src);
const C = ctx();
test.after(() => {
  be.destroy();
  box.cleanup();
});

/** Wait until a directory changed just now counts as settled (its ctime older than SETTLE_MS). */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS + 50);
}

/** FNV-1a 64 with BigInts: the reference nameKey() must agree with (top 53 bits). */
function fnvRef(bytes: Buffer): number {
  let h = 0xcbf29ce484222325n;
  for (const c of bytes) h = ((h ^ BigInt(c)) * 0x100000001b3n) & 0xffffffffffffffffn;
  const k = Number(h >> 11n);
  return k === 0 ? 1 : k;
}

test('nameKey is FNV-1a 64 (top 53 bits) over the name bytes', () => {
  for (const s of ['', 'a', 'hello', 'caf\xe9\xff', 'x'.repeat(255), '.hidden', '\x01\x02\x80']) {
    assert.is(nameKey(s), fnvRef(Buffer.from(s, 'latin1')), JSON.stringify(s));
  }
  let seed = 7;
  for (let i = 0; i < 2000; i++) {
    const len = 1 + (i % 40);
    const buf = Buffer.alloc(len);
    for (let j = 0; j < len; j++) buf[j] = 1 + ((seed = (seed * 1103515245 + 12345) >>> 0) % 255);
    assert.is(nameKey(buf.toString('latin1')), fnvRef(buf));
  }
});

test('"." and ".." first, with the right inode numbers and d_type; entries with lstat d_type and ino', () => {
  fs.mkdirSync(path.join(src, 'd'));
  fs.writeFileSync(path.join(src, 'd', 'file'), '');
  fs.mkdirSync(path.join(src, 'd', 'sub'));
  fs.symlinkSync('/etc/passwd', path.join(src, 'd', 'link'));
  fs.writeFileSync(Buffer.from(path.join(src, 'd') + '/\xe9\xff', 'latin1'), '');
  const d = be.lookup(C, 1, b('d'));
  const { fh } = be.opendir(C, d.nodeid, 0);
  const got = listAll(be, d.nodeid, fh, 1000);
  const byName = new Map(got.map((e) => [e.name, e]));
  assert.equal(got.slice(0, 2).map((e) => e.name), ['.', '..']);
  assert.is(byName.get('.')!.ino, d.attr.ino);
  assert.is(byName.get('..')!.ino, Number(fs.statSync(src).ino));
  assert.is(byName.get('.')!.type, 4);
  assert.is(byName.get('file')!.type, 8);
  assert.is(byName.get('sub')!.type, 4);
  assert.is(byName.get('link')!.type, 10);
  assert.is(byName.get('file')!.ino, Number(fs.statSync(path.join(src, 'd', 'file')).ino));
  assert.ok(byName.has('\xe9\xff'), 'non-UTF-8 bytes preserved');
  assert.is(got.length, 6);
  const offs = got.map((e) => e.off);
  assert.equal(offs.slice(0, 2), [1n, 2n]);
  for (let i = 3; i < offs.length; i++) assert.ok(offs[i]! > offs[i - 1]!, 'offsets increase');
  be.releasedir(C, d.nodeid, fh, 0);
  const r = be.opendir(C, 1, 0);
  const rootList = listAll(be, 1, r.fh, 1000);
  assert.is(rootList[1]!.ino, rootList[0]!.ino, '".." of the root is the root');
  be.releasedir(C, 1, r.fh, 0);
});

test('resuming at any offset after creates, unlinks and renames: no name twice, no survivor skipped', () => {
  fs.mkdirSync(path.join(src, 'm'));
  const initial = Array.from({ length: 600 }, (_, i) => `f${i}`);
  for (const n of initial) fs.writeFileSync(path.join(src, 'm', n), '');
  const d = be.lookup(C, 1, b('m'));
  const { fh } = be.opendir(C, d.nodeid, 0);
  const removed = new Set<string>();
  let seed = 3;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
  const got = listAll(be, d.nodeid, fh, 7, {
    between: (round) => {
      // Each kind of mutation, through the backend and on the host.
      const victim = `f${rnd(600)}`;
      if (!removed.has(victim)) {
        removed.add(victim);
        if (round % 2) be.unlink(C, d.nodeid, b(victim));
        else fs.unlinkSync(path.join(src, 'm', victim));
      }
      be.create(C, d.nodeid, b(`new${round}`), 0o644, 0, 0o101);
      fs.writeFileSync(path.join(src, 'm', `host${round}`), '');
      const from = `f${rnd(600)}`;
      if (!removed.has(from)) {
        removed.add(from);
        be.rename(C, d.nodeid, b(from), d.nodeid, b(`ren${round}`), 0);
      }
    },
  });
  const names = got.map((e) => e.name).filter((n) => n !== '.' && n !== '..');
  assert.is(new Set(names).size, names.length, 'no name twice');
  const seen = new Set(names);
  for (const n of initial) if (!removed.has(n)) assert.ok(seen.has(n), `survivor ${n} returned`);
  for (const n of names) if (n.startsWith('f')) assert.not.ok(removed.has(n) && !fs.existsSync(path.join(src, 'm', n)) && false);
  be.releasedir(C, d.nodeid, fh, 0);
});

test('rewind shows host changes; an unchanged directory is not re-read', () => {
  fs.mkdirSync(path.join(src, 'w'));
  fs.writeFileSync(path.join(src, 'w', 'a'), '');
  settle();
  const d = be.lookup(C, 1, b('w'));
  const { fh } = be.opendir(C, d.nodeid, 0);
  const handle = (be as unknown as { dirs: { get(fh: number): DirHandle } }).dirs.get(fh);
  assert.equal(listAll(be, d.nodeid, fh, 100).map((e) => e.name), ['.', '..', 'a']);
  listAll(be, d.nodeid, fh, 100);
  listAll(be, d.nodeid, fh, 1);
  assert.is(handle.reads, 1, 'rewinds of an unchanged directory reuse the listing');
  fs.writeFileSync(path.join(src, 'w', 'b'), '');
  assert.equal(listAll(be, d.nodeid, fh, 100).map((e) => e.name).sort(), ['.', '..', 'a', 'b']);
  assert.is(handle.reads, 2);
  be.releasedir(C, d.nodeid, fh, 0);
});

test('mid-iteration re-reads of a changed directory happen only after a quarter of it was served', () => {
  fs.mkdirSync(path.join(src, 'q'));
  for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(src, 'q', `q${i}`), '');
  const d = be.lookup(C, 1, b('q'));
  const { fh } = be.opendir(C, d.nodeid, 0);
  const handle = (be as unknown as { dirs: { get(fh: number): DirHandle } }).dirs.get(fh);
  /** A fresh name whose cookie lies after `off`: a resumed listing must reach it. */
  const nameAfter = (off: bigint, tag: string) => {
    for (let i = 0; ; i++) if (BigInt(nameKey(`${tag}${i}`)) * 256n > off) return `${tag}${i}`;
  };
  const take = (from: bigint, n: number) => {
    const s = sink(n);
    be.readdir(C, d.nodeid, fh, from, s);
    return s.got;
  };
  let got = take(0n, 100);
  const early = nameAfter(got[got.length - 1]!.off, 'early');
  fs.writeFileSync(path.join(src, 'q', early), '');
  const seen = new Set(got.map((e) => e.name));
  for (let round = 0; round < 5; round++) {
    got = take(got[got.length - 1]!.off, 100);
    for (const e of got) seen.add(e.name);
  }
  assert.is(handle.reads, 1, 'only 100 of 2000 served when it changed: no re-read yet');
  const late = nameAfter(got[got.length - 1]!.off, 'late');
  fs.writeFileSync(path.join(src, 'q', late), '');
  const rest = listAll(be, d.nodeid, fh, 100, { start: got[got.length - 1]!.off });
  assert.is(handle.reads, 2, 're-read once 600 (>= 2000/4) were served');
  const all = [...seen, ...rest.map((e) => e.name)];
  assert.is(new Set(all).size, all.length, 'no duplicates across the re-read');
  assert.ok(all.includes(late), 'a name created behind the re-read position is seen');
  assert.ok(all.includes(early), 'and so is the earlier one, which the re-read brought in');
  for (let i = 0; i < 2000; i++) assert.ok(all.includes(`q${i}`));
  be.releasedir(C, d.nodeid, fh, 0);
});

test('READDIRPLUS counts exactly the entries that fit, never "." and ".."', () => {
  fs.mkdirSync(path.join(src, 'p'));
  for (let i = 0; i < 25; i++) fs.writeFileSync(path.join(src, 'p', `e${i}`), '');
  const d = be.lookup(C, 1, b('p'));
  const before = be.table.size;
  const { fh } = be.opendir(C, d.nodeid, 0);
  const first = sink(5);
  be.readdirplus(C, d.nodeid, fh, 0n, first);
  assert.equal(first.got.slice(0, 2).map((e) => e.entry), [undefined, undefined]);
  assert.is(be.table.size, before + 3, 'three entries fit: three records, nothing for the one refused');
  for (const e of first.got.slice(2)) assert.is(be.table.get(e.entry!.nodeid)!.nlookup, 1);
  const rest = listAll(be, d.nodeid, fh, 4, { plus: true, start: first.got[4]!.off });
  assert.is(rest.length, 22);
  const all = [...first.got.slice(2), ...rest];
  for (const e of all) assert.is(be.table.get(e.entry!.nodeid)!.nlookup, 1, e.name);
  assert.is(be.table.get(d.nodeid)!.nlookup, 1, 'the directory was not counted for "."');
  assert.is(be.table.root.nlookup, 0, 'nor the root for ".."');
  be.releasedir(C, d.nodeid, fh, 0);
  for (const e of all) be.forget(e.entry!.nodeid, 1);
  assert.is(be.table.size, before);
});

function fakeStat(): BigIntStats {
  return { mtimeNs: 1n, ctimeNs: 1n } as BigIntStats;
}

/** Serve a DirHandle over a fixed listing with colliding keys, `per` entries per reply. */
function serveAll(h: DirHandle, per: number, between?: () => void): string[] {
  const out: string[] = [];
  let off = 2n;
  for (;;) {
    let n = 0;
    let last = -1n;
    h.serve(off, (name, o) => {
      if (n === per) return EMIT_STOP;
      if (name.startsWith('gone')) return EMIT_GONE;
      n++;
      out.push(name);
      last = o;
      return EMIT_ADDED;
    });
    if (n === 0) return out;
    off = last;
    between?.();
  }
}

test('collision groups: offsets inside a group resume exactly, even when the group changes between replies', () => {
  const collide = (s: string) => (s.startsWith('c') ? 12345 : nameKey(s));
  const names = ['a', 'b', 'c1', 'c2', 'c3', 'c4', 'c5', 'z'];
  const h = new DirHandle({} as LinuxInode);
  h.listing = DirListing.fromNames(names, { mtimeNs: 1n, ctimeNs: 1n }, collide);
  assert.equal(serveAll(h, 2).sort(), [...names].sort());
  // Replace the listing between replies: c2 deleted, c0 added (sorts first in the group).
  h.listing = DirListing.fromNames(names, { mtimeNs: 1n, ctimeNs: 1n }, collide);
  let round = 0;
  const got = serveAll(h, 2, () => {
    if (++round === 2) h.listing = DirListing.fromNames(['a', 'b', 'c0', 'c1', 'c3', 'c4', 'c5', 'z'], { mtimeNs: 2n, ctimeNs: 2n }, collide);
  });
  assert.is(new Set(got).size, got.length, 'no duplicates');
  for (const n of ['a', 'b', 'c1', 'c3', 'c4', 'c5', 'z']) assert.ok(got.includes(n), n);
  void fakeStat;
});

test('a collision group larger than any reply is served completely, once', () => {
  const names = Array.from({ length: 700 }, (_, i) => `g${String(i).padStart(4, '0')}`).concat(['x', 'y']);
  const h = new DirHandle({} as LinuxInode);
  h.listing = DirListing.fromNames(names, { mtimeNs: 1n, ctimeNs: 1n }, (s) => (s.startsWith('g') ? 99 : nameKey(s)));
  const got = serveAll(h, 9);
  assert.is(got.length, names.length);
  assert.is(new Set(got).size, names.length);
});

test('100,000 entries: one host read, O(n log n) total, no duplicates', () => {
  const dir = path.join(src, 'big');
  fs.mkdirSync(dir);
  const N = 100_000;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fs.closeSync(fs.openSync(path.join(dir, `entry-${i}`), 'w'));
  const t1 = performance.now();
  settle();
  const d = be.lookup(C, 1, b('big'));
  const { fh } = be.opendir(C, d.nodeid, 0);
  const handle = (be as unknown as { dirs: { get(fh: number): DirHandle } }).dirs.get(fh);
  // ~4 KiB replies: about 130 dirents of this size.
  const t2 = performance.now();
  const got = listAll(be, d.nodeid, fh, 130);
  const t3 = performance.now();
  assert.is(got.length, N + 2);
  assert.is(new Set(got.map((e) => e.name)).size, N + 2);
  assert.is(handle.reads, 1);
  const t4 = performance.now();
  const plus = listAll(be, d.nodeid, fh, 40, { plus: true });
  const t5 = performance.now();
  assert.is(plus.length, N + 2);
  assert.is(handle.reads, 1);
  console.log(
    `    100k entries: created on host in ${((t1 - t0) / 1000).toFixed(2)} s; READDIR listing ${((t3 - t2) / 1000).toFixed(2)} s ` +
      `(${Math.ceil((N + 2) / 130)} replies); READDIRPLUS listing ${((t5 - t4) / 1000).toFixed(2)} s (${Math.ceil((N + 2) / 40)} replies)`,
  );
  be.releasedir(C, d.nodeid, fh, 0);
  for (const e of plus) if (e.entry) be.forget(e.entry.nodeid, 1);
  // O(n log n) is shown structurally (one host read for the whole listing, checked above);
  // speed itself is the benchmark's job.
});

/** Calls of fs.lstatSync (and of readdirSync) made by the backend while `fn` runs. */
function countHostCalls(fn: () => void): { lstat: number; readdir: number } {
  const counts = { lstat: 0, readdir: 0 };
  const lstat = fs.lstatSync;
  const readdir = fs.readdirSync;
  (fs as { lstatSync: unknown }).lstatSync = (...a: Parameters<typeof lstat>) => (counts.lstat++, lstat(...a));
  (fs as { readdirSync: unknown }).readdirSync = (...a: Parameters<typeof readdir>) => (counts.readdir++, readdir(...a));
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    fs.lstatSync = lstat;
    fs.readdirSync = readdir;
    syncBuiltinESMExports();
  }
  return counts;
}

test('a settled, unchanged directory is listed again without touching the host; any change is seen', () => {
  const dir = path.join(src, 'again');
  fs.mkdirSync(dir);
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(dir, `n${i}`), '');
  fs.mkdirSync(path.join(dir, 'sub'));
  settle();
  const d = be.lookup(C, 1, b('again'));
  const list = () => {
    const { fh } = be.opendir(C, d.nodeid, 0);
    const got = listAll(be, d.nodeid, fh, 64);
    be.releasedir(C, d.nodeid, fh, 0);
    return got;
  };
  const truth = (e: { name: string }) => Number(fs.lstatSync(path.join(dir, e.name)).ino);
  const first = countHostCalls(list);
  assert.is(first.readdir, 1, 'first listing reads the host');
  assert.is(first.lstat, 301, 'and looks up each entry once');
  let got: ReturnType<typeof list> = [];
  const second = countHostCalls(() => (got = list()));
  assert.equal(second, { lstat: 0, readdir: 0 }, 'a new opendir of the unchanged directory serves from memory');
  assert.is(got.length, 303);
  for (const e of got.slice(2)) assert.is(e.ino, truth(e), e.name);
  assert.is(got.find((e) => e.name === 'sub')!.type, 4);
  // Replace an entry by another inode, add one, remove one: all seen at the next opendir.
  fs.writeFileSync(path.join(dir, 'other'), '');
  fs.renameSync(path.join(dir, 'other'), path.join(dir, 'n5'));
  fs.writeFileSync(path.join(dir, 'new'), '');
  fs.unlinkSync(path.join(dir, 'n7'));
  got = list();
  const names = new Set(got.map((e) => e.name));
  assert.ok(names.has('new') && !names.has('n7'));
  assert.is(got.find((e) => e.name === 'n5')!.ino, Number(fs.lstatSync(path.join(dir, 'n5')).ino), 'replaced entry has its new inode');
  for (const e of got.slice(2)) assert.is(e.ino, truth(e), e.name);
});

test('a remembered listing is served as ready records: the same bytes as packing entry by entry, from any offset', () => {
  const dir = path.join(src, 'records');
  fs.mkdirSync(dir);
  for (let i = 0; i < 500; i++) fs.writeFileSync(path.join(dir, `entry-${'x'.repeat(i % 40)}-${i}`), '');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.symlinkSync('nowhere', path.join(dir, 'link'));
  settle();
  const d = be.lookup(C, 1, b('records'));
  let copies = 0;
  /** Every reply of a full listing (4 KiB each) as hex; `records` false hides addEncoded from the backend. */
  const replies = (records: boolean, start = 0n): string[] => {
    const { fh } = be.opendir(C, d.nodeid, 0);
    const out: string[] = [];
    let off = start;
    for (;;) {
      const p = new DirentPacker(4096);
      const sink: DirentSink = records
        ? { add: (n, ino, t, o) => p.add(n, ino, t, o), addEncoded: (blk, from) => (copies++, p.addEncoded(blk, from)) }
        : { add: (n, ino, t, o) => p.add(n, ino, t, o) };
      be.readdir(C, d.nodeid, fh, off, sink);
      const bytes = Buffer.from(p.close());
      if (bytes.length === 0) break;
      out.push(bytes.toString('hex'));
      // The last record's offset: walk the records.
      for (let at = 0; at < bytes.length; at += (24 + bytes.readUInt32LE(at + 16) + 7) & ~7) off = bytes.readBigUInt64LE(at + 8);
    }
    be.releasedir(C, d.nodeid, fh, 0);
    return out;
  };
  const byEntry = replies(false);
  assert.is(copies, 0);
  const byRecords = replies(true);
  assert.ok(copies >= byEntry.length, 'every reply after the first listing was copied from records');
  assert.equal(byRecords, byEntry, 'byte for byte');
  // Resume from an offset in the middle of the third reply, both ways.
  const third = Buffer.from(byEntry[2]!, 'hex');
  const resumeAt = third.readBigUInt64LE(8 + ((24 + third.readUInt32LE(16) + 7) & ~7));
  assert.equal(replies(true, resumeAt), replies(false, resumeAt));
  // A change on the host: served entry by entry again until remembered anew, and still right.
  fs.writeFileSync(path.join(dir, 'late'), '');
  const before = copies;
  const changed = replies(true);
  assert.is(copies, before, 'a changed directory is not served from the old records');
  assert.ok(changed.join('').includes(Buffer.from('late').toString('hex')));
});

test('a listing read while the stamp could hide a change is re-read at the next rewind', () => {
  const names = ['a', 'b'];
  const h = new DirHandle({} as LinuxInode);
  const st = { mtimeNs: 5n, ctimeNs: 5n } as BigIntStats;
  let reads = 0;
  const read = () => {
    reads++;
    return DirListing.fromNames(names, { mtimeNs: 5n, ctimeNs: 5n });
  };
  h.prepare(0n, st, read);
  h.prepare(0n, st, read);
  assert.is(reads, 2, 'not reusable (built, not read under a settled stamp): rewind reads again');
  h.prepare(300n, st, read);
  assert.is(reads, 2, 'never mid-iteration while unchanged');
});

test('DirListing.indexOf finds every name of a host listing (latin1 bytes included) and nothing else', () => {
  const names = Array.from({ length: 500 }, (_, i) => `n${i}`).concat(['\xff\xfe', 'caf\xe9']);
  const l = DirListing.fromNames(names, { mtimeNs: 1n, ctimeNs: 1n });
  for (const n of names) {
    const i = l.indexOf(n);
    assert.ok(i >= 0, n);
    assert.is(l.names[i], n);
  }
  assert.is(l.indexOf('missing'), -1);
  assert.is(l.indexOf(''), -1);
});

test.run();
