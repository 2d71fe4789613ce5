/**
 * Directory iteration, as programs see it through glibc: the bugs of
 * libkrun PR 693 (a per-handle snapshot never refreshed; refreshed
 * mid-iteration so names shift and repeat) and their relatives.
 */
import { DT, S } from '../client/abi.js';
import type { Dir, DirEntry } from '../client/dir.js';
import {
  assertEachOnce, assertNoDuplicates, assertSameSet, check, checkEqual, expectErrno, makeFiles, numberedNames, plainNames,
  shuffled, type Scenario, type ScenarioContext,
} from './context.js';

const names = (entries: readonly DirEntry[]): string[] => plainNames(entries);

/** Opens `path`, reads it completely (filling the handle's state), runs `mutate`, rewinds, and returns both listings. */
async function rewindAfter(ctx: ScenarioContext, path: string, mutate: () => Promise<void>): Promise<{ before: string[]; after: string[] }> {
  const dir = await ctx.fs.opendir(path);
  try {
    const before = names(await dir.readAll());
    await mutate();
    dir.rewind();
    const after = names(await dir.readAll());
    assertNoDuplicates(after, 'listing after rewinddir');
    return { before, after };
  } finally {
    await dir.close();
  }
}

async function seed(ctx: ScenarioContext, path: string, n = 5): Promise<string[]> {
  await ctx.fs.mkdir(path);
  const files = numberedNames('f', n, 2);
  await makeFiles(ctx, path, files);
  return files;
}

const rewindSeesCreate: Scenario = async (ctx) => {
  const files = await seed(ctx, '/d');
  const { before, after } = await rewindAfter(ctx, '/d', () => ctx.fs.writeFile('/d/new', 'x'));
  assertSameSet(before, files, 'before');
  assertSameSet(after, [...files, 'new'], 'after create + rewinddir');
};

const rewindSeesUnlink: Scenario = async (ctx) => {
  const files = await seed(ctx, '/d');
  const { after } = await rewindAfter(ctx, '/d', () => ctx.fs.unlink('/d/f02'));
  assertSameSet(after, files.filter((f) => f !== 'f02'), 'after unlink + rewinddir');
};

const rewindSeesMkdir: Scenario = async (ctx) => {
  const files = await seed(ctx, '/d');
  const { after } = await rewindAfter(ctx, '/d', async () => void (await ctx.fs.mkdir('/d/sub')));
  assertSameSet(after, [...files, 'sub'], 'after mkdir + rewinddir');
};

const rewindSeesRmdir: Scenario = async (ctx) => {
  const files = await seed(ctx, '/d');
  await ctx.fs.mkdir('/d/sub');
  const { before, after } = await rewindAfter(ctx, '/d', () => ctx.fs.rmdir('/d/sub'));
  assertSameSet(before, [...files, 'sub'], 'before');
  assertSameSet(after, files, 'after rmdir + rewinddir');
};

const rewindSeesSymlink: Scenario = async (ctx) => {
  const files = await seed(ctx, '/d');
  const { after } = await rewindAfter(ctx, '/d', async () => void (await ctx.fs.symlink('f00', '/d/link')));
  assertSameSet(after, [...files, 'link'], 'after symlink + rewinddir');
};

const rewindSeesLink: Scenario = async (ctx) => {
  const files = await seed(ctx, '/d');
  const { after } = await rewindAfter(ctx, '/d', async () => void (await ctx.fs.link('/d/f01', '/d/hard')));
  assertSameSet(after, [...files, 'hard'], 'after link + rewinddir');
};

const rewindSeesRename: Scenario = async (ctx) => {
  const files = await seed(ctx, '/d');
  const { after } = await rewindAfter(ctx, '/d', () => ctx.fs.rename('/d/f03', '/d/renamed'));
  assertSameSet(after, [...files.filter((f) => f !== 'f03'), 'renamed'], 'after rename + rewinddir');
};

const rewindSeesRenameAcross: Scenario = async (ctx) => {
  const a = await seed(ctx, '/a');
  const b = await seed(ctx, '/b', 3);
  const da = await ctx.fs.opendir('/a');
  const db = await ctx.fs.opendir('/b');
  try {
    assertSameSet(names(await da.readAll()), a, '/a before');
    assertSameSet(names(await db.readAll()), b, '/b before');
    await ctx.fs.rename('/a/f01', '/b/moved');
    da.rewind();
    db.rewind();
    assertSameSet(names(await da.readAll()), a.filter((f) => f !== 'f01'), '/a after rename out + rewinddir');
    assertSameSet(names(await db.readAll()), [...b, 'moved'], '/b after rename in + rewinddir');
  } finally {
    await da.close();
    await db.close();
  }
};

/** Reads `first` entries (not counting . and ..), mutates, reads on; returns every name seen. */
async function iterateAround(ctx: ScenarioContext, path: string, first: number, mutate: () => Promise<void>): Promise<{ seen: string[]; earlier: string[] }> {
  const dir = await ctx.fs.opendir(path);
  try {
    const earlier: string[] = [];
    while (earlier.length < first) {
      const e = await dir.read();
      check(e !== null, `directory ended after ${earlier.length} entries, expected at least ${first}`);
      if (e.name !== '.' && e.name !== '..') earlier.push(e.name);
    }
    await mutate();
    const later = names(await dir.readAll());
    return { seen: [...earlier, ...later], earlier };
  } finally {
    await dir.close();
  }
}

function iterateWhileCreating(total: number, readFirst: number, create: number, nameLength: number): Scenario {
  return async (ctx) => {
    await ctx.fs.mkdir('/d');
    const pad = 'x'.repeat(Math.max(0, nameLength - 8));
    const originals = shuffled(numberedNames(`m_${pad}`, total, 4));
    await makeFiles(ctx, '/d', originals);
    const added = shuffled(numberedNames(`a_${pad}`, create, 4), 3);
    const { seen } = await iterateAround(ctx, '/d', readFirst, () => makeFiles(ctx, '/d', added));
    assertNoDuplicates(seen, `iterating while creating ${create}`);
    assertEachOnce(seen, originals, 'original entries');
  };
}

function iterateWhileDeleting(total: number, readFirst: number, remove: number, nameLength: number): Scenario {
  return async (ctx) => {
    await ctx.fs.mkdir('/d');
    const pad = 'x'.repeat(Math.max(0, nameLength - 8));
    const originals = shuffled(numberedNames(`m_${pad}`, total, 4));
    await makeFiles(ctx, '/d', originals);
    // Delete a mix of names already returned and names not yet returned.
    const victims = shuffled(originals, 11).slice(0, remove);
    const { seen } = await iterateAround(ctx, '/d', readFirst, async () => {
      for (const v of victims) await ctx.fs.unlink(`/d/${v}`);
    });
    assertNoDuplicates(seen, `iterating while deleting ${remove}`);
    const gone = new Set(victims);
    assertEachOnce(seen, originals.filter((n) => !gone.has(n)), 'surviving entries');
    const extra = seen.filter((n) => !originals.includes(n));
    check(extra.length === 0, `names that never existed: ${extra.slice(0, 5).join(', ')}`);
  };
}

/**
 * rm -rf the way coreutils (gnulib fts) does it in a large directory: read a
 * batch, unlink it, read on with the same stream, until readdir says the end;
 * then rmdir. Entries skipped by shifting offsets leave it non-empty.
 */
const rmRf10000: Scenario = async (ctx) => {
  const total = 10_000;
  const batch = 1_000;
  await ctx.fs.mkdir('/big');
  const files = numberedNames('entry-with-a-longer-name-', total);
  await makeFiles(ctx, '/big', files);
  const dir = await ctx.fs.opendir('/big');
  const removed: string[] = [];
  try {
    for (;;) {
      const entries = await dir.readBatch(batch);
      const chunk = names(entries);
      for (const n of chunk) await ctx.fs.unlink(`/big/${n}`);
      removed.push(...chunk);
      if (entries.length < batch) break;
    }
  } finally {
    await dir.close();
  }
  assertNoDuplicates(removed, 'names returned while removing');
  checkEqual(removed.length, total, 'entries seen and removed in one pass');
  await ctx.fs.rmdir('/big');
  check(!(await ctx.fs.exists('/big')), '/big still exists after rmdir');
};

const telldirSeekdir: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/d');
  const files = numberedNames('seek-test-entry-name-', 300);
  await makeFiles(ctx, '/d', files);
  const dir = await ctx.fs.opendir('/d');
  try {
    check(dir.tell() === 0n, 'telldir after opendir is not 0');
    const positions: { pos: bigint; next: string }[] = [];
    const all: string[] = [];
    for (;;) {
      const pos = dir.tell();
      const e = await dir.read();
      if (!e) break;
      positions.push({ pos, next: e.name });
      all.push(e.name);
    }
    assertEachOnce(all, files, 'full listing');
    // Seek back to positions spread over the listing: the entry after each must be the one seen there.
    for (const i of [150, 0, 299, 1, 77, 233, positions.length - 1]) {
      const p = positions[Math.min(i, positions.length - 1)]!;
      dir.seek(p.pos);
      const e = await dir.read();
      check(e !== null, `readdir after seekdir(${p.pos}) hit the end, expected ${p.next}`);
      checkEqual(e.name, p.next, `entry after seekdir(${p.pos})`);
    }
    // Resume: read 40 from a saved position, twice, and compare.
    const mid = positions[120]!.pos;
    dir.seek(mid);
    const firstRun = names(await dir.readBatch(40));
    dir.seek(mid);
    const secondRun = names(await dir.readBatch(40));
    checkEqual(secondRun.join(','), firstRun.join(','), 'the 40 entries after the same telldir position');
    // seekdir(0) is rewinddir.
    dir.seek(0n);
    assertEachOnce(names(await dir.readAll()), files, 'listing after seekdir(0)');
  } finally {
    await dir.close();
  }
};

/** A telldir position stays valid while other entries come and go (cookie stability). */
const seekdirStableAcrossMutation: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/d');
  const files = shuffled(numberedNames('stable-', 200));
  await makeFiles(ctx, '/d', files);
  const dir = await ctx.fs.opendir('/d');
  try {
    const read = names(await dir.readBatch(102)); // ".", "..", and about 100 names
    const pos = dir.tell();
    const readSet = new Set(read);
    const unread = files.filter((f) => !readSet.has(f));
    // Remove some already-read names and add new ones, then come back to the saved position.
    for (const n of read.slice(0, 30)) await ctx.fs.unlink(`/d/${n}`);
    await makeFiles(ctx, '/d', numberedNames('late-', 50));
    dir.seek(pos);
    const rest = names(await dir.readAll());
    assertNoDuplicates(rest, 'after seekdir');
    assertEachOnce(rest, unread, 'unread originals after seekdir');
    const again = rest.filter((n) => readSet.has(n));
    check(again.length === 0, `already-read names returned again after seekdir: ${again.slice(0, 5).join(', ')}`);
  } finally {
    await dir.close();
  }
};

const twoHandlesIndependent: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/d');
  const files = numberedNames('two-handles-', 500);
  await makeFiles(ctx, '/d', files);
  const a = await ctx.fs.opendir('/d');
  const b = await ctx.fs.opendir('/d');
  const seenA: string[] = [];
  const seenB: string[] = [];
  try {
    seenA.push(...names(await a.readBatch(100)));
    seenB.push(...names(await b.readBatch(250)));
    seenA.push(...names(await a.readBatch(37)));
    b.rewind();
    seenB.length = 0;
    seenB.push(...names(await b.readBatch(10)));
    seenA.push(...names(await a.readAll()));
    await a.close();
    seenB.push(...names(await b.readAll()));
  } finally {
    await a.close();
    await b.close();
  }
  assertEachOnce(seenA, files, 'first handle');
  assertEachOnce(seenB, files, 'second handle (rewound midway, read on after the first closed)');
};

const listing50000: Scenario = async (ctx) => {
  const total = 50_000;
  await ctx.fs.mkdir('/huge');
  const files = numberedNames('n', total);
  await makeFiles(ctx, '/huge', files);
  const entries = await ctx.fs.readdirEntries('/huge');
  const all = entries.map((e) => e.name);
  assertNoDuplicates(all, '50,000-entry listing');
  assertEachOnce(all, files, '50,000-entry listing');
  checkEqual(all.length, total + 2, 'entries including . and ..');
};

const dotAndDotDot: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/p');
  await ctx.fs.mkdir('/p/c');
  await makeFiles(ctx, '/p/c', ['x']);
  const entries = await ctx.fs.readdirEntries('/p/c');
  const dot = entries.filter((e) => e.name === '.');
  const dotdot = entries.filter((e) => e.name === '..');
  checkEqual(dot.length, 1, 'entries named "."');
  checkEqual(dotdot.length, 1, 'entries named ".."');
  checkEqual(dot[0]!.ino, (await ctx.fs.stat('/p/c')).ino, 'inode number of "."');
  checkEqual(dotdot[0]!.ino, (await ctx.fs.stat('/p')).ino, 'inode number of ".."');
  checkEqual(dot[0]!.type, DT.DIR, 'd_type of "."');
  checkEqual(dotdot[0]!.type, DT.DIR, 'd_type of ".."');
  // The same after a rename moves the directory elsewhere.
  await ctx.fs.mkdir('/q');
  await ctx.fs.rename('/p/c', '/q/c');
  const moved = await ctx.fs.readdirEntries('/q/c');
  checkEqual(moved.find((e) => e.name === '..')?.ino, (await ctx.fs.stat('/q')).ino, 'inode number of ".." after the directory moved');
};

const dTypes: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/t');
  await ctx.fs.writeFile('/t/file', 'x');
  await ctx.fs.mkdir('/t/dir');
  await ctx.fs.symlink('file', '/t/link');
  let fifo = true;
  try {
    await ctx.fs.mknod('/t/fifo', S.IFIFO | 0o644);
  } catch {
    fifo = false;
    ctx.note('FIFO not creatable; its d_type not checked');
  }
  for (const e of await ctx.fs.readdirEntries('/t')) {
    if (e.name === '.' || e.name === '..') continue;
    const st = await ctx.fs.lstat(`/t/${e.name}`);
    checkEqual(e.type, (st.mode & S.IFMT) >> 12, `d_type of ${e.name}`);
    checkEqual(e.ino, st.ino, `d_ino of ${e.name}`);
  }
  if (!fifo) ctx.note('checked file, directory and symlink only');
};

const emptyDirectory: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/e');
  const entries = await ctx.fs.readdirEntries('/e');
  assertSameSet(entries.map((e) => e.name), ['.', '..'], 'empty directory listing');
};

/** Names of 255 bytes: about 14 to a 4 KiB READDIR reply, so packing and resumption are exercised. */
const longNamesPacking: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/l');
  const files = Array.from({ length: 120 }, (_, i) => `${String(i).padStart(3, '0')}${'L'.repeat(252)}`);
  await makeFiles(ctx, '/l', files);
  for (const fill of ['until-full', 'single'] as const) {
    for (const bufferSize of [32768, 1024]) {
      const listed = plainNames(await ctx.fs.readdirEntries('/l', { fill, bufferSize }));
      assertNoDuplicates(listed, `255-byte names (${fill}, ${bufferSize}-byte buffer)`);
      assertEachOnce(listed, files, `255-byte names (${fill}, ${bufferSize}-byte buffer)`);
    }
  }
};

const rewindUnchanged: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/u');
  const files = numberedNames('u', 400);
  await makeFiles(ctx, '/u', files);
  const dir = await ctx.fs.opendir('/u');
  try {
    const first = names(await dir.readAll());
    dir.rewind();
    const second = names(await dir.readAll());
    assertEachOnce(first, files, 'first pass');
    checkEqual(second.join('\n'), first.join('\n'), 'second pass after rewinddir of an unchanged directory (same names, same order)');
  } finally {
    await dir.close();
  }
};

/** A directory removed while open reads as empty (glibc turns the kernel's ENOENT into end of directory). */
const readRemovedDirectory: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/gone');
  const dir = await ctx.fs.opendir('/gone');
  try {
    await ctx.fs.rmdir('/gone');
    const rest = names(await dir.readAll());
    checkEqual(rest.length, 0, 'names listed in a removed directory');
  } finally {
    await dir.close();
  }
};

/** OPENDIR of a regular file, sent directly (the VFS would stop it): the backend must refuse. */
const opendirOnFile: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/file', 'x');
  const r = await ctx.fs.resolve('/file');
  await expectErrno(ctx.client.opendir(r.nodeid, 0o200000 | 0o4000 | 0o100000), 'ENOTDIR', 'OPENDIR on a regular file');
  await expectErrno(ctx.fs.opendir('/file'), 'ENOTDIR', 'opendir(3) on a regular file');
};

export const dirstreamScenarios: Record<string, Scenario> = {
  'dir.rewind-sees-create': rewindSeesCreate,
  'dir.rewind-sees-unlink': rewindSeesUnlink,
  'dir.rewind-sees-mkdir': rewindSeesMkdir,
  'dir.rewind-sees-rmdir': rewindSeesRmdir,
  'dir.rewind-sees-symlink': rewindSeesSymlink,
  'dir.rewind-sees-link': rewindSeesLink,
  'dir.rewind-sees-rename': rewindSeesRename,
  'dir.rewind-sees-rename-across-open-dirs': rewindSeesRenameAcross,
  'dir.iterate-while-creating': iterateWhileCreating(10, 7, 3, 4),
  'dir.iterate-while-creating-large': iterateWhileCreating(1000, 300, 300, 40),
  'dir.iterate-while-deleting': iterateWhileDeleting(10, 7, 3, 4),
  'dir.iterate-while-deleting-large': iterateWhileDeleting(1000, 300, 300, 40),
  'dir.rm-rf-10000-coreutils-style': rmRf10000,
  'dir.telldir-seekdir': telldirSeekdir,
  'dir.seekdir-stable-across-mutation': seekdirStableAcrossMutation,
  'dir.two-handles-independent': twoHandlesIndependent,
  'dir.listing-50000-no-duplicates': listing50000,
  'dir.dot-and-dotdot': dotAndDotDot,
  'dir.d-type-and-ino': dTypes,
  'dir.empty-directory': emptyDirectory,
  'dir.long-names-packing': longNamesPacking,
  'dir.rewind-unchanged-same-order': rewindUnchanged,
  'dir.read-removed-directory': readRemovedDirectory,
  'dir.opendir-on-file': opendirOnFile,
};

export type { Dir };
