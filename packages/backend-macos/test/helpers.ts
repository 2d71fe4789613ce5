// Shared test helpers: a request context, sinks that record what a backend
// adds, and temp-dir backends in both table modes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DirentPlusSink, DirentSink, Entry, RequestContext } from '@tsfuse/protocol';
import { createMacosBackend, type MacosBackend, type MacosBackendOptionsInput } from '../src/index.js';

/** A root caller. */
export const ctx: RequestContext = {
  uid: 0,
  gid: 0,
  pid: 1,
  get signal(): AbortSignal {
    return new AbortController().signal;
  },
  groups: undefined,
};

/** A caller with other ids. */
export function caller(uid: number, gid: number): RequestContext {
  return { ...ctx, uid, gid, signal: new AbortController().signal };
}

export const name = (s: string): Buffer => Buffer.from(s);

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix = 'tsfuse-macos-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function rmTemp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Both ways of running on Linux: darwin tables through the emulation, and the host's own. */
export const TABLE_MODES = ['darwin', 'host'] as const;

export function backendOn(root: string, hostTables: 'darwin' | 'host', extra: Partial<MacosBackendOptionsInput> = {}): MacosBackend {
  const lines: string[] = [];
  return createMacosBackend({ root, hostTables, racyWindowMs: 0, log: (l) => lines.push(l), ...extra });
}

/** One recorded dirent. */
export interface Rec {
  name: string;
  ino: bigint;
  type: number;
  off: bigint;
  entry?: Entry;
}

/** A READDIR sink that takes at most `max` entries per call. */
export function plainSink(max = Infinity): DirentSink & { recs: Rec[] } {
  const recs: Rec[] = [];
  return {
    recs,
    add(n, ino, type, off) {
      if (recs.length >= max) return false;
      recs.push({ name: Buffer.from(n as Uint8Array).toString(), ino: BigInt(ino), type, off });
      return true;
    },
  };
}

/** A READDIRPLUS sink that takes at most `max` entries per call. */
export function plusSink(max = Infinity): DirentPlusSink & { recs: Rec[] } {
  const recs: Rec[] = [];
  return {
    recs,
    add(n, entry, type, off, ino) {
      if (recs.length >= max) return false;
      recs.push({ name: Buffer.from(n as Uint8Array).toString(), ino: BigInt(entry?.attr.ino ?? ino ?? 0), type, off, entry });
      return true;
    },
  };
}

/** Read a whole directory handle from `offset` in batches of `batch`, as the kernel would. */
export function readAll(b: MacosBackend, nodeid: number, fh: number, batch = 50, offset = 0n): Rec[] {
  const out: Rec[] = [];
  for (;;) {
    const s = plainSink(batch);
    b.readdir(ctx, nodeid, fh, offset, s);
    if (s.recs.length === 0) return out;
    out.push(...s.recs);
    offset = s.recs[s.recs.length - 1]!.off;
  }
}

/** Look up a path of names from the root, returning the final nodeid. */
export function walk(b: MacosBackend, ...names: string[]): number {
  let id = 1;
  for (const n of names) id = b.lookup(ctx, id, name(n)).nodeid;
  return id;
}

/** The errno a call throws (undefined if it does not throw). */
export function errnoOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { errno?: number }).errno ?? -1;
  }
  return undefined;
}
