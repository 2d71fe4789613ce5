/**
 * mountFuseOnMainThread(): for embedders whose backend must live on the
 * calling thread (it shares objects with the rest of the program). A reader
 * thread blocks in read(2) and hands requests over through a SharedArrayBuffer
 * ring; this thread dispatches them from its event loop (Atomics.waitAsync,
 * never a blocking wait) and writes the replies. Slower than mountFuse() —
 * every request crosses threads — but this thread is never blocked.
 *
 * As in libfuse's single-threaded mode, a backend must not call
 * notify.invalEntry/delete for a directory from inside a handler of a request
 * on that directory: the kernel holds the directory lock until the reply.
 */
import type { Backend } from '../backend.js';
import type { Negotiated } from '../negotiate.js';
import type { Notifier } from '../notifier.js';
import type { SessionOptionsInput } from '../options.js';
import { createSession, type Session } from '../session.js';
import type { SessionStats } from '../stats.js';
import type { Worker } from 'node:worker_threads';
import { requestBufferSize } from './fuse-device.js';
import { checkMountpoint } from './kernel-mount.js';
import { MountError } from './mount-error.js';
import { MountHandleBase, type FuseMount } from './mount-handle.js';
import { attachDevice, checkOptions, mountBaseSchema, settleMountOptions, type MountBaseOptions } from './mount-setup.js';
import { deviceNotificationSink } from './notification-sink.js';
import { createRingMemory, ReadWanted } from './request-ring.js';
import { ServeLoop, type LoopEnd } from './serve-loop.js';
import { startThread } from './threads.js';

/** Options of mountFuseOnMainThread(). */
export interface MainThreadMountOptions extends MountBaseOptions {
  /** Session options, functions allowed (trace, logger): the session lives on this thread. */
  session?: SessionOptionsInput | undefined;
}

const INIT_TIMEOUT_MS = 30_000;

class MainThreadFuseMount extends MountHandleBase implements FuseMount {
  negotiated!: Negotiated;
  readonly notify: Notifier;
  private reader: Worker | undefined;
  private loopEnd: LoopEnd | undefined;

  constructor(
    mountpoint: string,
    source: string,
    fd: number,
    entry: ConstructorParameters<typeof MountHandleBase>[3],
    private readonly session: Session,
    private readonly maxWrite: number,
    private readonly ringSlots: number,
  ) {
    super(mountpoint, source, fd, entry);
    this.notify = session.notify;
  }

  start(): Promise<void> {
    const bufferSize = requestBufferSize(this.maxWrite);
    const ring = createRingMemory(this.ringSlots, bufferSize, ReadWanted.YES);
    this.session.attach(deviceNotificationSink(this.fd));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.teardownAfterFailure();
        reject(new Error(`no INIT from the kernel within ${INIT_TIMEOUT_MS / 1000} s`));
      }, INIT_TIMEOUT_MS);
      const reader = startThread('reader-thread', { fd: this.fd, ring });
      this.reader = reader;
      reader.on('error', (e) => {
        console.error(`tsfuse: reader thread: ${e.message}`);
      });
      reader.on('exit', () => void this.onReaderExit());
      const loop = new ServeLoop({
        fd: this.fd,
        session: this.session,
        ring,
        bufferSize,
        reader: 'relay',
        onInitReply: (reply, outcome) => {
          clearTimeout(timer);
          const error = new DataView(reply.buffer, reply.byteOffset, reply.byteLength).getInt32(4, true);
          const n = this.session.negotiated;
          if (error !== 0 || n === undefined || outcome !== 'ok') {
            this.teardownAfterFailure();
            reject(new Error(outcome !== 'ok' ? `the kernel refused the INIT reply (${outcome})` : `INIT failed (error ${error})`));
            return;
          }
          this.negotiated = n;
          resolve();
        },
        onEnd: (end) => {
          clearTimeout(timer);
          this.loopEnd = end;
          if (end.kind === 'failed') {
            this.teardownAfterFailure();
            reject(end.error);
          }
        },
        log: (line) => console.error(`tsfuse: ${line}`),
      });
      loop.start();
    });
  }

  stats(): Promise<SessionStats> {
    return Promise.resolve(this.session.stats());
  }

  private async onReaderExit(): Promise<void> {
    try {
      await this.session.close();
    } catch (e) {
      console.error(`tsfuse: closing the session failed: ${(e as Error).message}`);
    }
    const stats = this.session.stats();
    const end = this.loopEnd;
    if (end?.kind === 'failed') this.finalize({ reason: 'failed', error: end.error, stats });
    else if (end === undefined) {
      const error = new Error('the /dev/fuse reader thread stopped unexpectedly');
      this.teardownAfterFailure();
      this.finalize({ reason: 'failed', error, stats });
    } else this.finalize({ reason: 'unmounted', stats });
  }
}

/**
 * Mounts `backend`, served from this thread's event loop (see the file
 * comment). Resolves once INIT is answered; fails with a one-line MountError
 * and leaves nothing mounted, open or running.
 */
export async function mountFuseOnMainThread(backend: Backend, options: MainThreadMountOptions): Promise<FuseMount> {
  const o = checkOptions(mountBaseSchema.passthrough(), options) as MainThreadMountOptions;
  const mountpoint = checkMountpoint(o.mountpoint);
  const s = settleMountOptions(o);
  const sessionOptions: SessionOptionsInput = { ...(o.session ?? {}) };
  if (s.readOnly) sessionOptions.readOnly = true;
  let session: Session;
  try {
    session = createSession(backend, sessionOptions);
  } catch (e) {
    throw new MountError('EINVAL', (e as Error).message.replace(/\n\s*/g, '; '));
  }
  const dev = await attachDevice(mountpoint, s);
  const handle = new MainThreadFuseMount(mountpoint, s.source, dev.fd, dev.entry, session, sessionOptions.maxWrite ?? 1024 * 1024, s.ringSlots);
  try {
    await handle.start();
  } catch (e) {
    await handle.ended;
    throw new MountError('EWORKER', `serving failed right after mounting: ${(e as Error).message}`);
  }
  return handle;
}
