/**
 * mountFuse(): mount a backend that a worker thread constructs and serves.
 * The fast design: the worker reads /dev/fuse, dispatches and writes replies
 * itself, so this thread sees no per-request work and may block, await, or
 * even crash without wedging the mount's users.
 */
import type { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Negotiated } from '../negotiate.js';
import type { Notifier } from '../notifier.js';
import { parseSessionOptions } from '../options.js';
import type { SessionStats } from '../stats.js';
import { requestBufferSize } from './fuse-device.js';
import { checkMountpoint } from './kernel-mount.js';
import { EmbedderNotifyHost } from './main-notifier.js';
import { MountError } from './mount-error.js';
import { MountHandleBase, type FuseMount, type MountEnd } from './mount-handle.js';
import { attachDevice, checkOptions, mountBaseSchema, settleMountOptions, type MountBaseOptions } from './mount-setup.js';
import { createRingMemory, ReadWanted, stopReader, type RingMemory } from './request-ring.js';
import { createSharedStats, readSharedStats } from './shared-stats.js';
import { startThread } from './threads.js';
import type { BackendSpec, FromWorker, ServeWorkerData, ToWorker, WorkerSessionOptions } from './worker-messages.js';

/** Options of mountFuse(). */
export interface WorkerMountOptions extends MountBaseOptions {
  /** The backend the worker constructs. */
  backend: BackendSpec;
  /** Session options (plain data; validated by the session in the worker). */
  session?: WorkerSessionOptions | undefined;
  /**
   * 'inline' (default): the worker reads /dev/fuse itself while no request is
   * in flight, and hands reading to a second thread while a Promise is pending.
   * 'relay': the second thread always reads, so the worker's event loop always
   * runs; for backends with their own timers or watchers in the worker.
   */
  reader?: 'inline' | 'relay' | undefined;
  /** One line per request and reply (libfuse -d style). */
  trace?: boolean | undefined;
  /** Receives the trace lines on this thread; without it the worker writes them to stderr. */
  onTrace?: ((line: string) => void) | undefined;
  /** Receives the session's error lines on this thread; without it the worker writes them to stderr. */
  onLog?: ((line: string) => void) | undefined;
}

const fn = z.custom<(line: string) => void>((v) => typeof v === 'function', { error: 'must be a function' });
const workerMountSchema = mountBaseSchema.extend({
  backend: z.object({
    module: z.string({ error: 'backend.module must be a module specifier' }).min(1),
    export: z.string().min(1).optional(),
    options: z.unknown().optional(),
  }),
  session: z.record(z.string(), z.unknown()).optional(),
  reader: z.enum(['inline', 'relay'], { error: "reader must be 'inline' or 'relay'" }).optional(),
  trace: z.boolean().optional(),
  onTrace: fn.optional(),
  onLog: fn.optional(),
});

/** Milliseconds to wait for INIT after mounting before giving up. */
const INIT_TIMEOUT_MS = 30_000;

class WorkerFuseMount extends MountHandleBase implements FuseMount {
  negotiated!: Negotiated;
  readonly notify: Notifier;
  private readonly host: EmbedderNotifyHost;
  /** Counters the worker's loop keeps in shared memory: readable while the worker sleeps in read(2). */
  private readonly sharedStats = createSharedStats();
  /** The session's own final counters, from the worker's last message. */
  private lastStats: SessionStats | undefined;
  private endMessage: Extract<FromWorker, { type: 'ended' }> | undefined;
  private failure: Error | undefined;
  private initWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private reader: Worker | undefined;
  private ring: RingMemory | undefined;
  private workerGone = false;
  private readerGone = false;

  constructor(
    mountpoint: string,
    source: string,
    fd: number,
    entry: ConstructorParameters<typeof MountHandleBase>[3],
    private readonly worker: Worker,
    private readonly o: WorkerMountOptions,
    private readonly maxWrite: number,
    private readonly ringSlots: number,
  ) {
    super(mountpoint, source, fd, entry);
    this.host = new EmbedderNotifyHost(fd);
    this.notify = this.host.notifier;
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.onFailure(e));
    worker.on('exit', (code) => this.onExit(code));
  }

  /**
   * Starts the reader thread (here, not in the worker: a worker that dies must
   * not be held back by a child blocked in read(2)) and serving; resolves once
   * INIT was answered.
   */
  start(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      this.initWaiter = { resolve, reject };
    });
    const timer = setTimeout(() => this.onFailure(new Error(`no INIT from the kernel within ${INIT_TIMEOUT_MS / 1000} s`)), INIT_TIMEOUT_MS);
    void ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
    const bufferSize = requestBufferSize(this.maxWrite);
    const ring = createRingMemory(this.ringSlots, bufferSize, this.o.reader === 'relay' ? ReadWanted.YES : ReadWanted.NO);
    const reader = startThread('reader-thread', { fd: this.fd, ring });
    this.reader = reader;
    this.ring = ring;
    reader.on('error', (e) => this.log(`reader thread: ${e.message}`));
    reader.on('exit', () => {
      this.readerGone = true;
      this.maybeFinalize();
    });
    this.post({ type: 'serve', fd: this.fd, ring, bufferSize, stats: this.sharedStats });
    return ready;
  }

  private log(line: string): void {
    if (this.o.onLog) this.o.onLog(line);
    else process.stderr.write(`tsfuse: ${line}\n`);
  }

  /**
   * Live per-opcode counters, kept by the worker's serving loop in shared
   * memory (so they are current even while the worker sleeps in read(2));
   * after the end, the session's own final counters.
   */
  stats(): Promise<SessionStats> {
    return Promise.resolve(this.lastStats ?? readSharedStats(this.sharedStats));
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'init':
        if (m.refused !== undefined) {
          this.onFailure(new Error(`the kernel refused the INIT reply (${m.refused})`));
          return;
        }
        if (m.error !== 0 || m.negotiated === undefined) {
          this.onFailure(new Error(`INIT failed (error ${m.error}): the kernel and tsfuse could not agree on a protocol`));
          return;
        }
        this.negotiated = m.negotiated;
        this.host.negotiated = m.negotiated;
        this.initWaiter?.resolve();
        this.initWaiter = undefined;
        return;
      case 'line':
        if (m.kind === 'trace') this.o.onTrace?.(m.line);
        else this.o.onLog?.(m.line);
        return;
      case 'retrieve-reply':
        this.host.settleRetrieve(m.notifyUnique, m.data);
        return;
      case 'ended':
        this.endMessage = m;
        if (m.stats) this.lastStats = m.stats;
        if (m.kind === 'failed') this.onFailure(new Error(m.message ?? 'serving failed'));
        return;
      default:
        return;
    }
  }

  private onFailure(e: Error): void {
    if (this.failure || this.finalized) return;
    this.failure = e;
    this.initWaiter?.reject(e);
    this.initWaiter = undefined;
    // The worker may be gone while a reader still sits in read(2) and users
    // wait on the mount: abort the connection and detach it.
    this.teardownAfterFailure();
  }

  private onExit(code: number): void {
    this.workerGone = true;
    if (!this.endMessage && !this.failure) this.onFailure(new Error(`the serving worker exited unexpectedly (code ${code})`));
    // Nobody consumes the ring any more: a parked reader must be told to go.
    if (this.ring) stopReader(this.ring);
    this.maybeFinalize();
  }

  /** Once the worker and the reader thread are both gone, nothing uses the descriptor any more. */
  private maybeFinalize(): void {
    if (!this.workerGone || !(this.readerGone || this.reader === undefined)) return;
    const err = new Error('the session has ended');
    this.host.rejectAll(err);
    this.initWaiter?.reject(this.failure ?? err);
    const end: MountEnd = this.failure
      ? { reason: 'failed', error: this.failure, stats: this.lastStats }
      : { reason: 'unmounted', stats: this.lastStats };
    this.finalize(end);
  }
}

/** Waits for the worker's first message: loaded, or why it could not load. */
function awaitLoaded(worker: Worker): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker): void => {
      if (m.type !== 'loaded' && m.type !== 'load-failed') return;
      cleanup();
      if (m.type === 'loaded') resolve();
      else reject(new MountError('EBACKEND', `cannot start the backend: ${m.message}`));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(new MountError('EBACKEND', `cannot start the backend: ${e.message}`));
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new MountError('EBACKEND', `the serving worker exited during start-up (code ${code})`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

/**
 * Mounts `options.backend` on `options.mountpoint`, served by a worker thread
 * that constructs the backend. Resolves once the kernel's INIT is answered.
 * Fails with a one-line MountError (mountpoint missing, not a directory,
 * already a mount, no /dev/fuse, no permission, mount refused, backend
 * failed to load) and leaves nothing mounted, open or running.
 */
export async function mountFuse(options: WorkerMountOptions): Promise<FuseMount> {
  const o = checkOptions(workerMountSchema, options) as WorkerMountOptions;
  const mountpoint = checkMountpoint(o.mountpoint);
  const s = settleMountOptions(o);
  const session: WorkerSessionOptions = { ...(o.session ?? {}) };
  if (s.readOnly) session.readOnly = true;
  let maxWrite: number;
  try {
    maxWrite = parseSessionOptions(session).maxWrite;
  } catch (e) {
    throw new MountError('EINVAL', (e as Error).message.replace(/:?\s*\n\s*/g, ': ').replace(/: $/, ''));
  }
  const data: ServeWorkerData = {
    backend: o.backend,
    session,
    trace: o.trace ? (o.onTrace ? 'post' : 'stderr') : 'off',
    log: o.onLog ? 'post' : 'stderr',
    reader: o.reader ?? 'inline',
  };
  const worker = startThread('serve-worker', data);
  try {
    await awaitLoaded(worker);
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  let dev;
  try {
    dev = await attachDevice(mountpoint, s);
  } catch (e) {
    worker.postMessage({ type: 'close' } satisfies ToWorker);
    await new Promise((resolve) => worker.once('exit', resolve));
    throw e;
  }
  const handle = new WorkerFuseMount(mountpoint, s.source, dev.fd, dev.entry, worker, o, maxWrite, s.ringSlots);
  try {
    await handle.start();
  } catch (e) {
    await handle.ended;
    throw new MountError('EWORKER', `serving failed right after mounting: ${(e as Error).message}`);
  }
  return handle;
}
