/**
 * Entry of the serving worker: constructs the backend and its session here
 * (objects cannot cross threads), then serves /dev/fuse with a ServeLoop:
 * read, dispatch, write, in this thread, with a reader thread for the moments
 * a request is in flight. The mounting thread is never involved per request.
 */
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { Backend } from '../backend.js';
import { createSession, type Session } from '../session.js';
import type { Logger } from '../options.js';
import { LateNotifier } from './late-notifier.js';
import { isEmbedderRetrieve } from './main-notifier.js';
import { deviceNotificationSink } from './notification-sink.js';
import type { RingMemory } from './request-ring.js';
import { ServeLoop, type LoopEnd } from './serve-loop.js';
import type { BackendSpec, FromWorker, ServeWorkerData, ToWorker } from './worker-messages.js';

const data = workerData as ServeWorkerData;
const port = parentPort!;
const post = (m: FromWorker, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function writeStderr(line: string): void {
  try {
    writeSync(2, line + '\n');
  } catch {
    // stderr closed: nowhere to report
  }
}

/** Imports the backend's module and builds it from plain options. */
async function constructBackend(spec: BackendSpec, context: { notify: LateNotifier }): Promise<Backend> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const name = spec.export ?? 'default';
  const exported = mod[name];
  if (typeof exported !== 'function') throw new Error(`${spec.module} has no export "${name}" that is a class or a factory function`);
  const isClass = /^class[\s{]/.test(Function.prototype.toString.call(exported));
  const made: unknown = isClass
    ? new (exported as new (o: unknown, c: unknown) => unknown)(spec.options, context)
    : await (exported as (o: unknown, c: unknown) => unknown)(spec.options, context);
  if (typeof made !== 'object' || made === null) throw new Error(`${spec.module} export "${name}" did not produce a backend object`);
  return made as Backend;
}

const postLine = (kind: 'trace' | 'log') => (line: string) => post({ type: 'line', kind, line });
const logger: Logger =
  data.log === 'post'
    ? { error: postLine('log'), warn: postLine('log') }
    : { error: (m) => writeStderr(`tsfuse: ${m}`), warn: (m) => writeStderr(`tsfuse: ${m}`) };
const trace = data.trace === 'off' ? undefined : data.trace === 'post' ? postLine('trace') : writeStderr;

let session!: Session;
let loaded = false;
try {
  const notify = new LateNotifier(() => session?.notify);
  const backend = await constructBackend(data.backend, { notify });
  session = createSession(backend, { ...data.session, trace, logger });
  loaded = true;
  post({ type: 'loaded' });
} catch (e) {
  post({ type: 'load-failed', message: describe(e).replace(/\s*\n\s*/g, '; ') });
  port.close();
}

let finishing = false;

/** Takes FUSE_NOTIFY_REPLY of retrieves the mounting thread asked for, and posts them there. */
function interceptNotifyReply(request: Uint8Array): boolean {
  const v = new DataView(request.buffer, request.byteOffset, request.byteLength);
  const lo = v.getUint32(8, true);
  const hi = v.getUint32(12, true);
  if (!isEmbedderRetrieve(lo, hi)) return false;
  // fuse_notify_retrieve_in: dummy1 u64, offset u64, size u32, dummy2 u32, dummy3 u64, dummy4 u64; then the data.
  const size = request.length >= 80 ? v.getUint32(56, true) : 0;
  const bytes = request.slice(80, 80 + Math.min(size, Math.max(0, request.length - 80)));
  post({ type: 'retrieve-reply', notifyUnique: hi * 4294967296 + lo, data: bytes }, [bytes.buffer as ArrayBuffer]);
  return true;
}

async function finish(end: LoopEnd | { kind: 'closed' }): Promise<void> {
  if (finishing) return;
  finishing = true;
  try {
    await session.close();
  } catch (e) {
    logger.error(`closing the session failed: ${describe(e)}`);
  }
  let stats;
  try {
    stats = session.stats();
  } catch {
    stats = undefined;
  }
  const message = end.kind === 'failed' ? describe(end.error) : undefined;
  post({ type: 'ended', kind: end.kind, ...(message === undefined ? {} : { message }), stats });
  port.close();
}

/**
 * Serves through `ring`, whose reader thread the mounting thread started:
 * if this worker dies, the mounting thread sees it at once (a reader thread
 * of ours blocked in read(2) would hold our exit back) and aborts the
 * connection, which ends the reader.
 */
function serve(fd: number, ring: RingMemory, bufferSize: number, stats: SharedArrayBuffer): void {
  session.attach(deviceNotificationSink(fd));
  const loop = new ServeLoop({
    fd,
    session,
    ring,
    bufferSize,
    reader: data.reader,
    interceptNotifyReply,
    onInitReply: (reply, outcome) => {
      let error = new DataView(reply.buffer, reply.byteOffset, reply.byteLength).getInt32(4, true);
      if (outcome !== 'ok' && error === 0) error = outcome === 'stale' ? -2 : -22;
      post({ type: 'init', negotiated: session.negotiated, error, ...(outcome === 'ok' ? {} : { refused: outcome }) });
    },
    onEnd: (end) => void finish(end),
    log: (line) => logger.error(line),
    stats,
  });
  loop.start();
}

if (loaded) {
  port.on('message', (m: ToWorker) => {
    if (m.type === 'serve') serve(m.fd, m.ring, m.bufferSize, m.stats);
    else if (m.type === 'close') void finish({ kind: 'closed' });
  });
}
