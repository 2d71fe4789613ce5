/** Messages between the thread that mounted and the serving worker (plain data for postMessage). */
import type { Negotiated } from '../negotiate.js';
import type { SessionOptionsInput } from '../options.js';
import type { SessionStats } from '../stats.js';
import type { RingMemory } from './request-ring.js';

/**
 * Which backend the worker constructs: objects cannot cross threads, so the
 * worker imports `module` and builds the backend itself.
 */
export interface BackendSpec {
  /** What the worker imports: a package name ('@tsfuse/testkit'), an absolute path, or a file: URL. */
  module: string;
  /**
   * The export to use (default 'default'): a class, constructed as
   * `new Export(options, context)`, or a factory function, called as
   * `Export(options, context)` (it may return a Promise of the backend).
   * context is { notify }: the session's Notifier.
   */
  export?: string | undefined;
  /** Plain data (structured-clonable) handed to the backend. */
  options?: unknown;
}

/** Session options that can cross threads: no functions (trace and logger are decided by the transport). */
export type WorkerSessionOptions = Omit<SessionOptionsInput, 'trace' | 'logger'>;

/** workerData of the serving worker. */
export interface ServeWorkerData {
  backend: BackendSpec;
  session: WorkerSessionOptions;
  /** 'off', write trace lines to stderr from the worker ('stderr'), or post them to the mounting thread ('post'). */
  trace: 'off' | 'stderr' | 'post';
  /** Error lines of the session: straight to stderr, or posted. */
  log: 'stderr' | 'post';
  reader: 'inline' | 'relay';
}

/** From the mounting thread to the worker. */
export type ToWorker =
  | { type: 'serve'; fd: number; ring: RingMemory; bufferSize: number; stats: SharedArrayBuffer }
  | { type: 'close' };

/** From the worker to the mounting thread. */
export type FromWorker =
  | { type: 'loaded' }
  | { type: 'load-failed'; message: string }
  | { type: 'init'; negotiated: Negotiated | undefined; error: number; refused?: string }
  | { type: 'line'; kind: 'trace' | 'log'; line: string }
  | { type: 'retrieve-reply'; notifyUnique: number; data: Uint8Array }
  | { type: 'ended'; kind: 'unmounted' | 'failed' | 'closed'; message?: string; stats: SessionStats | undefined };
