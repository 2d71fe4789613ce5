// Unit tests of the generation counter / snapshot reuse rules, with a fake
// host: a stamp we control and a lister that counts its calls.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DirectoryStates } from '../src/dir/directory-states.js';
import { isRacyStamp, sameStamp, type DirectoryStamp } from '../src/dir/directory-stamp.js';
import { dotEntries, type SnapshotEntry } from '../src/dir/snapshot.js';

const SEC = 1_000_000_000n;
const NOW_MS = 1_700_000_000_000;

function stamp(over: Partial<DirectoryStamp> = {}): DirectoryStamp {
  // Changed an hour before "now": not racy.
  const t = BigInt(NOW_MS - 3_600_000) * 1_000_000n;
  return { dev: 1n, ino: 100n, size: 4096n, nlink: 2n, mtimeNs: t, ctimeNs: t, ...over };
}

function fakeDir(names: string[]) {
  let listings = 0;
  return {
    names,
    get listings() { return listings; },
    list(): SnapshotEntry[] {
      listings++;
      const e = dotEntries(100n, 1n);
      for (const n of names) e.push({ name: Buffer.from(n), type: 8, ino: undefined, dot: false });
      return e;
    },
  };
}

function states() {
  return new DirectoryStates({ racyWindowMs: 2000, now: () => NOW_MS });
}

test('an unchanged rewind reuses the snapshot: no second listing', () => {
  const s = states();
  const d = fakeDir(['a', 'b']);
  s.retain(7);
  const st = stamp();
  const first = s.startListing(7, () => st, () => d.list());
  const again = s.startListing(7, () => ({ ...st }), () => d.list());
  assert.is(d.listings, 1);
  assert.is(again, first, 'the very same snapshot');
  assert.is(s.stats.hostListings, 1);
  assert.is(s.stats.snapshotReuses, 1);
  assert.equal(first.entries.map((e) => e.name.toString()), ['.', '..', 'a', 'b']);
});

test('every bump makes the next offset-0 read list again', () => {
  const s = states();
  const d = fakeDir(['a']);
  s.retain(7);
  const st = stamp();
  s.startListing(7, () => st, () => d.list());
  for (let i = 0; i < 5; i++) {
    const before = s.generation(7);
    s.bump(7);
    assert.ok(s.generation(7) > before, 'generation moved');
    s.startListing(7, () => st, () => d.list());
  }
  assert.is(d.listings, 6);
  // And without a bump, reuse again.
  s.startListing(7, () => st, () => d.list());
  assert.is(d.listings, 6);
});

test('a bump of another directory does not invalidate this one', () => {
  const s = states();
  const d = fakeDir(['a']);
  s.retain(7);
  s.retain(8);
  const st = stamp();
  s.startListing(7, () => st, () => d.list());
  s.bump(8);
  s.bump(9); // no state: ignored
  s.startListing(7, () => st, () => d.list());
  assert.is(d.listings, 1);
});

test('a host change is detected from each field of the stamp', () => {
  const fields: Partial<DirectoryStamp>[] = [
    { mtimeNs: stamp().mtimeNs + 1n },
    { ctimeNs: stamp().ctimeNs + 1n },
    { nlink: 3n },
    { ino: 101n },
    { size: 8192n },
    { dev: 2n },
  ];
  for (const change of fields) {
    const s = states();
    const d = fakeDir(['a']);
    s.retain(7);
    s.startListing(7, () => stamp(), () => d.list());
    d.names.push('b');
    const snap = s.startListing(7, () => stamp(change), () => d.list());
    assert.is(d.listings, 2, `changed ${Object.keys(change)[0]}`);
    assert.equal(snap.entries.map((e) => e.name.toString()), ['.', '..', 'a', 'b']);
  }
});

test('a racy stamp (changed within the window before listing) is never reused', () => {
  const recent = BigInt(NOW_MS - 500) * 1_000_000n; // half a second before the listing
  const racy = stamp({ mtimeNs: recent, ctimeNs: recent });
  assert.ok(isRacyStamp(racy, NOW_MS, 2000));
  assert.not.ok(isRacyStamp(stamp(), NOW_MS, 2000));
  const s = states();
  const d = fakeDir(['a']);
  s.retain(7);
  const snap = s.startListing(7, () => racy, () => d.list());
  assert.not.ok(snap.trusted);
  s.startListing(7, () => racy, () => d.list());
  assert.is(d.listings, 2, 'listed again although the stamp is the same');
  // Once the change is old enough, the stamp is trusted and reused.
  const later = new DirectoryStates({ racyWindowMs: 2000, now: () => NOW_MS + 10_000 });
  later.retain(7);
  later.startListing(7, () => racy, () => d.list());
  later.startListing(7, () => racy, () => d.list());
  assert.is(d.listings, 3);
});

test('the clock is read before the stamp is taken', () => {
  const order: string[] = [];
  const s = new DirectoryStates({ racyWindowMs: 0, now: () => { order.push('clock'); return NOW_MS; } });
  s.retain(7);
  s.startListing(7, () => { order.push('stamp'); return stamp(); }, () => { order.push('list'); return dotEntries(1n, 1n); });
  assert.equal(order, ['clock', 'stamp', 'list']);
});

test('state lives while handles are open; the last release drops the snapshot', () => {
  const s = states();
  const d = fakeDir(['a']);
  s.retain(7);
  s.retain(7);
  const st = stamp();
  s.startListing(7, () => st, () => d.list());
  s.release(7);
  s.startListing(7, () => st, () => d.list());
  assert.is(d.listings, 1, 'one handle still open: reused');
  s.release(7);
  assert.is(s.size, 0);
  s.retain(7);
  s.startListing(7, () => st, () => d.list());
  assert.is(d.listings, 2, 'fresh state after every handle closed');
});

test('generations never repeat across a dropped and recreated state', () => {
  const s = states();
  s.retain(7);
  const g1 = s.generation(7);
  s.release(7);
  s.retain(7);
  assert.is.not(s.generation(7), g1);
});

test('100,000 entries: an unchanged rewind costs no listing and no copy of the snapshot', () => {
  const names = Array.from({ length: 100_000 }, (_, i) => `file-${i}`);
  const d = fakeDir(names);
  const s = states();
  s.retain(7);
  const st = stamp();
  const first = s.startListing(7, () => st, () => d.list());
  assert.is(first.entries.length, 100_002);
  let last = first;
  for (let i = 0; i < 1000; i++) last = s.startListing(7, () => st, () => d.list());
  assert.is(d.listings, 1);
  assert.is(s.stats.snapshotReuses, 1000);
  // Work proportional to size would mean a new array; a reuse hands back the very same one.
  // (Timing is the benchmark's job: packages/backend-macos/bench/rewind.ts.)
  assert.ok(last.entries === first.entries, 'the rewind reused the snapshot array itself');
});

test('sameStamp compares every field', () => {
  assert.ok(sameStamp(stamp(), stamp()));
  assert.not.ok(sameStamp(stamp(), stamp({ size: 1n })));
  assert.ok(SEC > 0n);
});

test.run();
