/** Shared helpers of the backend-linux tests (not a test file itself). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DirentPlusSink, DirentSink, Entry, RequestContext, SetattrIn } from '@tsfuse/protocol';
import { LinuxBackend, type LinuxBackendOptionsInput } from '../src/index.js';

/** A SETATTR request: `over` on top of all-zero fields (no attribute set). */
export function setattrIn(over: Partial<SetattrIn>): SetattrIn {
  return { valid: 0, fh: undefined, size: 0, lockOwner: 0n, atime: 0, atimensec: 0, mtime: 0, mtimensec: 0, ctime: 0, ctimensec: 0, mode: 0, uid: 0, gid: 0, ...over };
}

/** A fake request context. */
export function ctx(uid = 0, gid = 0, pid = process.pid): RequestContext {
  return { uid, gid, pid, groups: undefined, get signal() { return new AbortController().signal; } };
}

/** A fresh SRC directory and a sibling OUTSIDE directory, removed by cleanup(). */
export function sandbox(prefix = 'tsfuse-linux-'): { base: string; src: string; outside: string; cleanup: () => void } {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const src = path.join(base, 'src');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(src);
  fs.mkdirSync(outside);
  return { base, src, outside, cleanup: () => fs.rmSync(base, { recursive: true, force: true }) };
}

/** The Linux errno a call fails with, or 0 when it succeeds. */
export function errnoOf(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    const n = (e as { errno?: unknown }).errno;
    if (typeof n !== 'number' || n < 0) throw e;
    return n;
  }
}

/** A backend on `root` that logs into `lines` instead of stderr. */
export function backend(root: string, extra: Partial<LinuxBackendOptionsInput> = {}, lines: string[] = []): LinuxBackend {
  return new LinuxBackend({ root, log: (l) => lines.push(l), ...extra });
}

/** Name bytes. */
export const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/** One collected dirent. */
export interface Dirent {
  name: string;
  ino: number | bigint;
  type: number;
  off: bigint;
  entry?: Entry | undefined;
}

/** A DirentSink/DirentPlusSink accepting at most `max` entries per reply. */
export function sink(max: number): DirentSink & DirentPlusSink & { got: Dirent[] } {
  const got: Dirent[] = [];
  return {
    got,
    add(name: string | Uint8Array, a: unknown, type: number, off: bigint, ino?: number | bigint): boolean {
      if (got.length >= max) return false;
      const n = typeof name === 'string' ? name : Buffer.from(name).toString('latin1');
      if (typeof a === 'object' || a === undefined) got.push({ name: n, ino: ino ?? (a as Entry | undefined)?.attr.ino ?? 0, type, off, entry: a as Entry | undefined });
      else got.push({ name: n, ino: a as number | bigint, type, off });
      return true;
    },
  };
}

/** List a directory handle completely, `perReply` entries per reply, optionally mutating between replies. */
export function listAll(
  be: LinuxBackend, nodeid: number, fh: number, perReply: number, opts: { plus?: boolean; between?: (round: number) => void; start?: bigint } = {},
): Dirent[] {
  const all: Dirent[] = [];
  let off = opts.start ?? 0n;
  for (let round = 0; ; round++) {
    const s = sink(perReply);
    if (opts.plus) be.readdirplus(ctx(), nodeid, fh, off, s);
    else be.readdir(ctx(), nodeid, fh, off, s);
    if (s.got.length === 0) return all;
    all.push(...s.got);
    off = s.got[s.got.length - 1]!.off;
    opts.between?.(round);
  }
}

/** A snapshot of everything under `dir` (names, types, modes, owners, sizes, times, contents) for "nothing changed" checks. */
export function snapshot(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.lstatSync(p, { bigint: true });
      let extra = '';
      if (st.isFile()) extra = fs.readFileSync(p, 'latin1');
      else if (st.isSymbolicLink()) extra = fs.readlinkSync(p);
      out.push(`${p} ${st.mode} ${st.uid}:${st.gid} ${st.size} ${st.mtimeNs} ${st.nlink} ${extra}`);
      if (st.isDirectory()) walk(p);
    }
  };
  const st = fs.lstatSync(dir, { bigint: true });
  out.push(`${dir} ${st.mode} ${st.uid}:${st.gid} ${st.mtimeNs}`);
  walk(dir);
  return out.join('\n');
}
