/**
 * The suite must catch the bugs it was written for. Each mutant wraps a
 * MemoryBackend and breaks one thing the way real backends have (libkrun's
 * per-handle snapshot, its first fix, index offsets, the READDIRPLUS lookup
 * leak, ...); the named scenarios must fail against it. A correct alternative
 * design (snapshot rebuilt only at offset 0, upstream's final answer) must
 * pass every directory scenario.
 */
import { test } from 'uvu';
import type { Backend, DirentPlusSink, DirentSink, Entry, RequestContext } from '@tsfuse/protocol';
import { MemoryBackend } from '../src/memory-backend.js';
import { runScenario, selectScenarios } from '../src/conformance.js';

interface Listed {
  name: Buffer;
  ino: number | bigint;
  type: number;
}

/** A hash of a name (FNV-1a, then mixed): the mutants list in hash order, as host filesystems (ext4 htree, APFS) do. */
function hashOf(name: Buffer): number {
  let h = 0x811c9dc5;
  for (const b of name) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  // murmur3's finalizer, so that names differing in the last byte land far apart
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The directory's current entries, "." and ".." first, the rest in hash order, from the inner backend. */
function currentListing(inner: MemoryBackend, ctx: RequestContext, nodeid: number, fh: number): Listed[] {
  const out: Listed[] = [];
  const sink: DirentSink = {
    add(name, ino, type) {
      out.push({ name: Buffer.from(typeof name === 'string' ? Buffer.from(name) : name), ino, type });
      return true;
    },
  };
  inner.readdir(ctx, nodeid, fh, 0n, sink);
  const dots = out.filter((e) => e.name.toString() === '.' || e.name.toString() === '..');
  const rest = out.filter((e) => !dots.includes(e)).sort((a, b) => hashOf(a.name) - hashOf(b.name));
  return [...dots, ...rest];
}

/** Serves a listing with offsets that are indexes into it (what a snapshot-based backend does). */
function serveByIndex(entries: readonly Listed[], offset: bigint, out: DirentSink): void {
  for (let i = Number(offset); i < entries.length; i++) {
    const e = entries[i]!;
    if (!out.add(e.name, e.ino, e.type, BigInt(i + 1))) return;
  }
}

type Overrides = Partial<Record<keyof Backend, unknown>>;

/** A MemoryBackend with some methods replaced (undefined removes one). */
function mutant(make: (inner: MemoryBackend) => Overrides): () => Backend {
  return () => {
    const inner = new MemoryBackend();
    const overrides = make(inner);
    return new Proxy(inner, {
      get(target, prop, receiver) {
        if (Object.prototype.hasOwnProperty.call(overrides, prop)) return overrides[prop as keyof Backend];
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    }) as Backend;
  };
}

const key = (l: readonly Listed[]): string => l.map((e) => e.name.toString('latin1')).join('/');

/** libkrun before PR 693: each handle lists the directory once and never again. */
const staleSnapshot = mutant((inner) => {
  const snaps = new Map<number, Listed[]>();
  return {
    readdirplus: undefined,
    readdir(ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentSink) {
      let s = snaps.get(fh);
      if (!s) snaps.set(fh, (s = currentListing(inner, ctx, nodeid, fh)));
      serveByIndex(s, offset, out);
    },
    releasedir(ctx: RequestContext, nodeid: number, fh: number, flags: number) {
      snaps.delete(fh);
      inner.releasedir(ctx, nodeid, fh, flags);
    },
  };
});

/** PR 693's first version: the snapshot is rebuilt whenever the directory changed, at any offset. */
const refreshAnywhere = mutant((inner) => {
  const snaps = new Map<number, Listed[]>();
  return {
    readdirplus: undefined,
    readdir(ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentSink) {
      const now = currentListing(inner, ctx, nodeid, fh);
      let s = snaps.get(fh);
      if (!s || key(s) !== key(now)) snaps.set(fh, (s = now));
      serveByIndex(s, offset, out);
    },
  };
});

/** PR 693's final version: rebuilt only at offset 0 (a correct design for every scenario here). */
const refreshAtZero = mutant((inner) => {
  const snaps = new Map<number, Listed[]>();
  return {
    readdirplus: undefined,
    readdir(ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentSink) {
      let s = snaps.get(fh);
      if (!s || offset === 0n) snaps.set(fh, (s = currentListing(inner, ctx, nodeid, fh)));
      serveByIndex(s, offset, out);
    },
  };
});

/** No snapshot at all, offsets are indexes into whatever the directory holds now. */
const liveIndexes = mutant((inner) => ({
  readdirplus: undefined,
  readdir(ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentSink) {
    serveByIndex(currentListing(inner, ctx, nodeid, fh), offset, out);
  },
}));

/** The READDIRPLUS leak: a lookup counted for an entry the sink refused. */
const plusLeak = mutant((inner) => ({
  readdirplus(ctx: RequestContext, nodeid: number, fh: number, offset: bigint, out: DirentPlusSink) {
    inner.readdirplus(ctx, nodeid, fh, offset, {
      add(name, entry: Entry | undefined, type, off, ino) {
        const ok = out.add(name, entry, type, off, ino);
        if (!ok && entry) inner.lookup(ctx, nodeid, Buffer.from(typeof name === 'string' ? Buffer.from(name) : name));
        return ok;
      },
    });
  },
}));

/** FORGET ignored: nothing is ever freed. */
const forgetIgnored = mutant(() => ({ forget: () => undefined }));

/** LOOKUP ".." in the root climbs to some other node (an escape, as a passthrough following the host's ".." would). */
const dotdotEscape = mutant((inner) => ({
  lookup(ctx: RequestContext, parent: number, name: Buffer) {
    if (parent === 1 && name.toString() === '..') return inner.lookup(ctx, 1, Buffer.from('h'));
    return inner.lookup(ctx, parent, name);
  },
}));

/** Offsets truncated to 32 bits on write (a classic). */
const offsets32 = mutant((inner) => ({
  write(ctx: RequestContext, nodeid: number, fh: number, offset: number, data: Uint8Array, wf: number, flags: number) {
    return inner.write(ctx, nodeid, fh, offset % 2 ** 32, data, wf, flags);
  },
}));

/** Names never refused by the backend, and the session's check bypassed by using "a\\0b"... here: rmdir of a non-empty directory succeeds. */
const rmdirNonEmpty = mutant((inner) => ({
  rmdir(ctx: RequestContext, parent: number, name: Buffer) {
    try {
      return inner.rmdir(ctx, parent, name);
    } catch (e) {
      if ((e as { errno?: number }).errno === 39) return inner.rename(ctx, parent, name, parent, Buffer.from('.hidden-' + name.toString()), 0);
      throw e;
    }
  },
}));

async function expectFailures(make: () => Backend, names: string[]): Promise<void> {
  for (const name of names) {
    const r = await runScenario(name, make);
    if (r.status !== 'failed') throw new Error(`${name} ${r.status} against the mutant; it must fail`);
  }
}

test('a never-refreshed per-handle snapshot fails every rewinddir scenario', async () => {
  await expectFailures(staleSnapshot, selectScenarios(['dir.rewind-sees-']));
});

test('a snapshot rebuilt at any offset fails iterate-while-creating and rm -rf', async () => {
  await expectFailures(refreshAnywhere, ['dir.iterate-while-creating', 'dir.iterate-while-creating-large', 'dir.iterate-while-deleting-large', 'dir.rm-rf-10000-coreutils-style']);
});

test('index offsets into the live directory fail deletion while iterating and rm -rf', async () => {
  await expectFailures(liveIndexes, ['dir.iterate-while-deleting-large', 'dir.rm-rf-10000-coreutils-style', 'dir.seekdir-stable-across-mutation']);
});

test('a snapshot rebuilt only at offset 0 passes every directory scenario', async () => {
  for (const name of selectScenarios(['dir.'])) {
    const r = await runScenario(name, refreshAtZero);
    if (r.status !== 'passed') throw new Error(`${name}: ${r.status} ${r.error ?? r.reason ?? ''}`);
  }
});

test('the READDIRPLUS lookup leak is caught', async () => {
  await expectFailures(plusLeak, ['lookup.readdirplus-counting']);
});

test('ignored FORGETs are caught', async () => {
  await expectFailures(forgetIgnored, ['lookup.counts-match-backend', 'lookup.forget-frees-unlinked']);
});

test('a ".." that climbs out of the root is caught', async () => {
  await expectFailures(dotdotEscape, ['ns.hostile-names-dot-dotdot']);
});

test('offsets truncated to 32 bits are caught', async () => {
  await expectFailures(offsets32, ['io.large-offsets']);
});

test('rmdir of a non-empty directory "succeeding" is caught', async () => {
  await expectFailures(rmdirNonEmpty, ['ns.enotempty']);
});

test.run();
