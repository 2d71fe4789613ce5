/**
 * What a conformance scenario receives, and the helpers scenarios share:
 * errno expectations, skipping for optional capabilities, fast bulk creation.
 */
import { AssertionError } from 'node:assert';
import type { Backend } from '@tsfuse/protocol';
import { O, S } from '../client/abi.js';
import type { FuseClient } from '../client/client.js';
import { FsError, ProtocolViolation } from '../client/errors.js';
import type { PosixFs } from '../client/posix.js';

/**
 * Optional views into a backend's state that some scenarios need. A backend
 * offers them by having methods of these names (MemoryBackend does).
 */
export interface BackendIntrospection {
  /** The lookup count the backend holds for a node id; undefined once the node is freed. */
  lookupCount?(nodeid: number): number | undefined;
  /** Open file and directory handles the backend holds. */
  openHandleCount?(): number;
}

/** Everything a scenario may use. Each scenario gets a fresh backend, session and client. */
export interface ScenarioContext {
  client: FuseClient;
  fs: PosixFs;
  backend: Backend;
  introspection: BackendIntrospection;
  /** The host directory a passthrough backend shares, for scenarios that change it behind the backend's back. */
  hostRoot?: string;
  /** Ends the scenario as skipped, with the reason printed. */
  skip(reason: string): never;
  /** Notes shown with the result (e.g. a sub-check skipped for lack of a capability). */
  note(text: string): void;
}

/** A conformance scenario: resolves when the backend behaved, throws otherwise. */
export type Scenario = (ctx: ScenarioContext) => Promise<void>;

/** Thrown by ctx.skip(). */
export class SkipScenario extends Error {
  constructor(readonly reason: string) {
    super(`skipped: ${reason}`);
    this.name = 'SkipScenario';
  }
}

/** Reads the introspection methods a backend happens to have. */
export function introspect(backend: Backend): BackendIntrospection {
  const b = backend as Backend & { lookupCount?: unknown; openHandleCount?: unknown };
  const out: BackendIntrospection = {};
  if (typeof b.lookupCount === 'function') out.lookupCount = (id) => (b.lookupCount as (id: number) => number | undefined).call(backend, id);
  if (typeof b.openHandleCount === 'number') out.openHandleCount = () => (backend as unknown as { openHandleCount: number }).openHandleCount;
  else if (typeof b.openHandleCount === 'function') out.openHandleCount = () => (b.openHandleCount as () => number).call(backend);
  return out;
}

/** Fails unless `p` rejects with an FsError whose code is one of `codes`. Returns that code. */
export async function expectErrno(p: Promise<unknown>, codes: string | readonly string[], what = 'operation'): Promise<string> {
  const want = typeof codes === 'string' ? [codes] : codes;
  let value: unknown;
  try {
    value = await p;
  } catch (e) {
    if (e instanceof FsError) {
      if (want.includes(e.code)) return e.code;
      throw new AssertionError({ message: `${what}: expected ${want.join(' or ')}, got ${e.code}${e.opcode !== undefined ? ` (${e.message})` : ''}` });
    }
    throw e;
  }
  throw new AssertionError({ message: `${what}: expected ${want.join(' or ')}, but it succeeded${value === undefined ? '' : ` (${describe(value)})`}` });
}

function describe(v: unknown): string {
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Uint8Array ? `<${x.length} bytes>` : x)).slice(0, 200);
  } catch {
    return String(v);
  }
}

/** True for the errnos that mean "this server/host cannot do that". */
export function isUnsupported(e: unknown): e is FsError {
  return e instanceof FsError && (e.code === 'ENOSYS' || e.code === 'EOPNOTSUPP');
}

/**
 * Runs `fn`; ENOSYS/EOPNOTSUPP (and any extra codes given) skip the
 * scenario with `what` as the reason instead of failing or passing silently.
 */
export async function requireSupport<T>(ctx: ScenarioContext, what: string, fn: () => Promise<T>, extraCodes: readonly string[] = []): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUnsupported(e) || (e instanceof FsError && extraCodes.includes(e.code))) ctx.skip(`${what}: ${(e as FsError).code}`);
    throw e;
  }
}

/** Fails with a message listing duplicates, if any. */
export function assertNoDuplicates(names: readonly string[], what: string): void {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const n of names) {
    if (seen.has(n)) dups.push(n);
    seen.add(n);
  }
  if (dups.length > 0) {
    throw new AssertionError({ message: `${what}: ${dups.length} name(s) returned twice: ${dups.slice(0, 10).join(', ')}${dups.length > 10 ? ', ...' : ''}` });
  }
}

/** Fails unless every name in `expected` occurs exactly once in `names`. */
export function assertEachOnce(names: readonly string[], expected: Iterable<string>, what: string): void {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  const missing: string[] = [];
  const repeated: string[] = [];
  for (const e of expected) {
    const c = counts.get(e) ?? 0;
    if (c === 0) missing.push(e);
    else if (c > 1) repeated.push(e);
  }
  if (missing.length || repeated.length) {
    throw new AssertionError({
      message: `${what}: ${missing.length} missing${missing.length ? ` (${missing.slice(0, 10).join(', ')})` : ''}, ${repeated.length} repeated${repeated.length ? ` (${repeated.slice(0, 10).join(', ')})` : ''}`,
    });
  }
}

/** Fails unless both sets hold the same names. */
export function assertSameSet(actual: Iterable<string>, expected: Iterable<string>, what: string): void {
  const a = new Set(actual);
  const b = new Set(expected);
  const extra = [...a].filter((x) => !b.has(x));
  const missing = [...b].filter((x) => !a.has(x));
  if (extra.length || missing.length) {
    throw new AssertionError({ message: `${what}: unexpected [${extra.slice(0, 10).join(', ')}], missing [${missing.slice(0, 10).join(', ')}]` });
  }
}

/** Plain assertion with a message. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new AssertionError({ message });
}

/** Equality assertion with both values in the message. */
export function checkEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) {
    throw new AssertionError({ message: `${what}: expected ${describe(expected)}, got ${describe(actual)}` });
  }
}

/** Names of a directory listing without "." and "..". */
export function plainNames(entries: readonly { name: string }[]): string[] {
  return entries.map((e) => e.name).filter((n) => n !== '.' && n !== '..');
}

/** Zero-padded numbered names: prefix + 00000..n-1. */
export function numberedNames(prefix: string, n: number, width = 5): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(width, '0')}`);
}

/**
 * Creates empty regular files in the directory `path` quickly: one MKNOD per
 * file (CREATE + RELEASE when the server has no MKNOD for regular files).
 */
export async function makeFiles(ctx: ScenarioContext, path: string, names: readonly string[]): Promise<void> {
  const dir = await ctx.fs.resolve(path);
  let useCreate = false;
  for (const name of names) {
    if (!useCreate) {
      try {
        await ctx.client.mknod(dir.nodeid, name, S.IFREG | 0o644);
        continue;
      } catch (e) {
        if (!(e instanceof FsError && (e.code === 'ENOSYS' || e.code === 'EPERM' || e.code === 'EOPNOTSUPP'))) throw e;
        useCreate = true;
      }
    }
    const out = await ctx.client.create(dir.nodeid, name, O.WRONLY | O.CREAT | O.EXCL | O.LARGEFILE, S.IFREG | 0o644);
    await ctx.client.release(out.entry.nodeid, out.open.fh, O.WRONLY | O.LARGEFILE);
  }
}

/** Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Byte-for-byte equality with the first difference in the message. */
export function checkBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  if (actual.length !== expected.length) {
    throw new AssertionError({ message: `${what}: length ${actual.length}, expected ${expected.length}` });
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      throw new AssertionError({ message: `${what}: first difference at byte ${i}: ${actual[i]} != ${expected[i]}` });
    }
  }
}

/** A deterministic shuffle (Fisher-Yates with the xorshift above). */
export function shuffled<T>(items: readonly T[], seed = 7): T[] {
  const out = [...items];
  const r = patternBytes(out.length * 4, seed);
  for (let i = out.length - 1; i > 0; i--) {
    const v = (r[i * 4]! | (r[i * 4 + 1]! << 8) | (r[i * 4 + 2]! << 16)) >>> 0;
    const j = v % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Waits `ms` milliseconds (timestamp scenarios outwait coarse host clocks). */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export { ProtocolViolation, FsError };
