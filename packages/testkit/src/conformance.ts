/**
 * runConformance: runs the conformance scenarios against a backend factory,
 * each on a fresh backend, session and client, and reports every result.
 */
import { createSession, type Backend, type SessionOptionsInput } from '@tsfuse/protocol';
import { FuseClient, type FuseClientOptions } from './client/client.js';
import { FsError, ProtocolViolation } from './client/errors.js';
import { PosixFs } from './client/posix.js';
import type { DirOptions } from './client/dir.js';
import { SkipScenario, introspect, type BackendIntrospection, type ScenarioContext } from './suites/context.js';
import { scenarios as allScenarios } from './suites/index.js';

/** What a backend factory may return: the backend, or the backend with cleanup and introspection. */
export interface BackendFixture {
  backend: Backend;
  /** Called after the scenario (remove a temporary root, ...). */
  cleanup?(): void | Promise<void>;
  /** Overrides what is read from the backend's own methods. */
  introspection?: BackendIntrospection;
  /** The host directory the backend shares (passthrough backends): enables the host.* scenarios. */
  hostRoot?: string;
}

export type BackendFactory = () => Backend | BackendFixture | Promise<Backend | BackendFixture>;

export interface ConformanceOptions {
  /** Run only scenarios whose name includes one of these substrings (default: all). */
  filter?: readonly string[];
  /** Session options for every scenario. */
  session?: SessionOptionsInput;
  /** Client options for every scenario. */
  client?: FuseClientOptions;
  /** Directory stream options for every scenario (default: the Linux 6.18 profile). */
  dir?: DirOptions;
  /** A scenario taking longer fails (default 120 s). */
  timeoutMs?: number;
  /** Called as each scenario finishes. */
  onResult?(result: ScenarioResult): void;
}

export type ScenarioStatus = 'passed' | 'failed' | 'skipped';

export interface ScenarioResult {
  name: string;
  status: ScenarioStatus;
  ms: number;
  /** The failure (message and, for unexpected errors, the stack). */
  error?: string;
  /** Why it was skipped. */
  reason?: string;
  /** Notes the scenario left (partial checks skipped, ...). */
  notes: string[];
}

export interface ConformanceReport {
  passed: number;
  failed: number;
  skipped: number;
  results: ScenarioResult[];
}

function isFixture(v: Backend | BackendFixture): v is BackendFixture {
  return typeof (v as BackendFixture).backend === 'object' && (v as BackendFixture).backend !== null;
}

function describeFailure(e: unknown): string {
  if (e instanceof ProtocolViolation) return `protocol violation: ${e.message}`;
  if (e instanceof FsError) return `unexpected ${e.message}`;
  if (e instanceof Error) return e.name === 'AssertionError' ? e.message : (e.stack ?? e.message);
  return String(e);
}

/** Runs one scenario by name on a fresh backend; never throws. */
export async function runScenario(name: string, makeBackend: BackendFactory, options: ConformanceOptions = {}): Promise<ScenarioResult> {
  const scenario = allScenarios[name];
  const notes: string[] = [];
  const started = performance.now();
  const done = (status: ScenarioStatus, extra: Partial<ScenarioResult> = {}): ScenarioResult =>
    ({ name, status, ms: Math.round(performance.now() - started), notes, ...extra });
  if (!scenario) return done('failed', { error: `no scenario named ${name}` });
  let fixture: BackendFixture | undefined;
  let session: ReturnType<typeof createSession> | undefined;
  try {
    const made = await makeBackend();
    fixture = isFixture(made) ? made : { backend: made };
    session = createSession(fixture.backend, options.session);
    const client = new FuseClient(session, options.client);
    await client.init();
    const fs = new PosixFs(client, { dir: options.dir });
    const ctx: ScenarioContext = {
      client,
      fs,
      backend: fixture.backend,
      introspection: fixture.introspection ?? introspect(fixture.backend),
      hostRoot: fixture.hostRoot,
      skip: (reason: string): never => {
        throw new SkipScenario(reason);
      },
      note: (text: string) => void notes.push(text),
    };
    const timeoutMs = options.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([scenario(ctx), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return done('passed');
  } catch (e) {
    if (e instanceof SkipScenario) return done('skipped', { reason: e.reason });
    return done('failed', { error: describeFailure(e) });
  } finally {
    try {
      await session?.close();
    } catch (e) {
      notes.push(`session.close failed: ${describeFailure(e)}`);
    }
    try {
      await fixture?.cleanup?.();
    } catch (e) {
      notes.push(`cleanup failed: ${describeFailure(e)}`);
    }
  }
}

/** The names of the scenarios `options.filter` selects, in suite order. */
export function selectScenarios(filter?: readonly string[]): string[] {
  const names = Object.keys(allScenarios);
  if (!filter || filter.length === 0) return names;
  return names.filter((n) => filter.some((f) => n.includes(f)));
}

/**
 * Runs the conformance suite: each selected scenario on a fresh backend from
 * `makeBackend`, a fresh session and an initialised FuseClient.
 */
export async function runConformance(makeBackend: BackendFactory, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const results: ScenarioResult[] = [];
  for (const name of selectScenarios(options.filter)) {
    const r = await runScenario(name, makeBackend, options);
    results.push(r);
    options.onResult?.(r);
  }
  return {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
    results,
  };
}

/** One line per result, as the bin prints it. */
export function formatResult(r: ScenarioResult): string {
  const tag = r.status === 'passed' ? 'ok  ' : r.status === 'failed' ? 'FAIL' : 'skip';
  let line = `${tag} ${r.name} (${r.ms} ms)`;
  if (r.status === 'skipped') line += ` skipped: ${r.reason}`;
  if (r.status === 'failed') line += `\n     ${r.error?.split('\n').join('\n     ')}`;
  for (const n of r.notes) line += `\n     note: ${n}`;
  return line;
}

/** The closing line: `N passed, N failed` (and `, N skipped` when any were). */
export function formatSummary(report: ConformanceReport): string {
  return `${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`;
}
