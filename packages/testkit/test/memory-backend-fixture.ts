// Shared helpers for the MemoryBackend tests: a fake request context, a
// manual clock, and dirent sinks that pack like the session does (24-byte
// fuse_dirent header, 152 bytes for fuse_direntplus, names padded to 8) inside
// the byte budget the kernel asks for (4096 for READDIR).
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuseError, type DirentPlusSink, type DirentSink, type Entry, type RequestContext, type SetattrIn } from '@tsfuse/protocol';
import { MemoryBackend, type MemoryBackendOptions, type Timespec } from '../src/index.js';

/** A RequestContext as the session would build it. */
export function ctx(uid = 0, gid = 0, groups?: number[]): RequestContext {
  return { uid, gid, pid: 1234, signal: new AbortController().signal, groups };
}
export const root = ctx();

/** Name bytes as the session hands them over. */
export const b = (s: string): Buffer => Buffer.from(s);

/** A clock that only moves when told: each tick is 1 s + 1 ns, so every field changes. */
export class ManualClock {
  sec = 1_700_000_000;
  nsec = 0;
  readonly now = (): Timespec => ({ sec: this.sec, nsec: this.nsec });
  tick(): Timespec {
    this.sec += 1;
    this.nsec = (this.nsec + 1) % 1_000_000_000;
    return this.now();
  }
}

const made: MemoryBackend[] = [];
const inconsistencies: string[] = [];

/** A backend on a manual clock; its invariants are checked after the test (see checkInvariantsAfterEach). */
export function make(options: MemoryBackendOptions = {}): { fs: MemoryBackend; clock: ManualClock } {
  const clock = new ManualClock();
  const fs = new MemoryBackend({ clock: clock.now, ...options });
  made.push(fs);
  return { fs, clock };
}

/**
 * After each test, runs checkInvariants() on every backend the test made
 * (link counts, directory sizes, parents, space, handles re-derived from
 * scratch), and adds a last test that fails naming any test that left one
 * inconsistent. Call it just before test.run().
 */
export function checkInvariantsAfterEach(suite: Test): void {
  suite.after.each((state: { __test__?: string }) => {
    for (const fs of made.splice(0)) {
      for (const problem of fs.checkInvariants()) inconsistencies.push(`${state.__test__ ?? '?'}: ${problem}`);
    }
  });
  suite('every backend built by the tests above stayed internally consistent', () => {
    assert.equal(inconsistencies, []);
  });
}

/** The errno `fn` fails with; fails the test if it succeeds or throws something else. */
export function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.instance(e, FuseError, `expected a FuseError, got ${String(e)}`);
    return (e as FuseError).errno;
  }
  assert.unreachable('expected the call to fail');
  return 0;
}

/** A setattr request with only `valid` bits meaning anything. */
export function setattrIn(fields: Partial<SetattrIn> & { valid: number }): SetattrIn {
  return {
    fh: undefined, size: 0, lockOwner: 0n, atime: 0, atimensec: 0, mtime: 0, mtimensec: 0,
    ctime: 0, ctimensec: 0, mode: 0, uid: 0, gid: 0, ...fields,
  };
}

const pad8 = (n: number) => (n + 7) & ~7;
const text = (name: string | Uint8Array) => (typeof name === 'string' ? name : Buffer.from(name).toString('latin1'));
const bytes = (name: string | Uint8Array) => (typeof name === 'string' ? Buffer.byteLength(name) : name.byteLength);

export interface Listed {
  name: string;
  ino: number;
  type: number;
  off: bigint;
}

/** A READDIR reply being packed: fuse_dirent is 24 bytes plus the name, padded to 8. */
export class PageSink implements DirentSink {
  used = 0;
  readonly entries: Listed[] = [];
  constructor(readonly size = 4096) {}
  add(name: string | Uint8Array, ino: number | bigint, type: number, off: bigint): boolean {
    const rec = pad8(24 + bytes(name));
    if (this.used + rec > this.size) return false;
    this.used += rec;
    this.entries.push({ name: text(name), ino: Number(ino), type, off });
    return true;
  }
}

export interface ListedPlus extends Listed {
  entry: Entry | undefined;
}

/** A READDIRPLUS reply being packed: fuse_direntplus is a 128-byte entry_out plus a dirent. */
export class PlusPageSink implements DirentPlusSink {
  used = 0;
  readonly entries: ListedPlus[] = [];
  constructor(readonly size = 4096) {}
  add(name: string | Uint8Array, entry: Entry | undefined, type: number, off: bigint, ino?: number | bigint): boolean {
    const rec = pad8(152 + bytes(name));
    if (this.used + rec > this.size) return false;
    this.used += rec;
    this.entries.push({ name: text(name), ino: Number(entry?.attr.ino ?? ino ?? 0), type, off, entry });
    return true;
  }
}

/** One READDIR page from `offset`. */
export function page(fs: MemoryBackend, dir: number, fh: number, offset: bigint, size = 4096): Listed[] {
  const sink = new PageSink(size);
  fs.readdir(root, dir, fh, offset, sink);
  return sink.entries;
}

/** The next resume offset; fails the test (instead of looping forever) if a listing does not move forward. */
export function advance(previous: bigint, next: bigint): bigint {
  if (next <= previous) assert.unreachable(`readdir offset went from ${previous} to ${next}`);
  return next;
}

/** Reads a directory to the end in pages, as getdents does; returns every entry in order. */
export function listAll(fs: MemoryBackend, dir: number, size = 4096): Listed[] {
  const fh = fs.opendir(root, dir, 0).fh;
  const all: Listed[] = [];
  let offset = 0n;
  for (;;) {
    const got = page(fs, dir, fh, offset, size);
    if (got.length === 0) break;
    all.push(...got);
    offset = advance(offset, got[got.length - 1]!.off);
  }
  fs.releasedir(root, dir, fh);
  return all;
}

/** Names in a directory other than "." and "..". */
export function namesIn(fs: MemoryBackend, dir: number): string[] {
  return listAll(fs, dir).map((e) => e.name).filter((n) => n !== '.' && n !== '..');
}

/** Creates a regular file and closes it; returns its node id. */
export function touch(fs: MemoryBackend, parent: number, name: string, mode = 0o644, c: RequestContext = root): number {
  const r = fs.create(c, parent, b(name), 0o100000 | mode, 0, 0o1 /* O_WRONLY */);
  fs.release(c, r.entry.nodeid, r.fh, 0, 0, 0n);
  return r.entry.nodeid;
}

/** mtime and ctime of a node as "sec.nsec" strings, for comparing with the clock. */
export function times(fs: MemoryBackend, nodeid: number): { atime: string; mtime: string; ctime: string } {
  const a = fs.getattr(root, nodeid).attr;
  return { atime: `${a.atime}.${a.atimensec}`, mtime: `${a.mtime}.${a.mtimensec}`, ctime: `${a.ctime}.${a.ctimensec}` };
}

/** A Timespec as times() prints it. */
export const ts = (t: Timespec): string => `${t.sec}.${t.nsec}`;
