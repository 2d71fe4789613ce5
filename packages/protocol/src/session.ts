/**
 * The session engine: one request frame in, at most one reply frame out.
 * Checks everything the header can tell (length, INIT state, opcode, body
 * size, nodeid range, extensions) before the opcode table decodes the body
 * and calls the backend. Synchronous backend results are encoded at once into
 * one reused WireWriter; Promises are tracked in flight (for INTERRUPT) and
 * answered when they settle.
 *
 * One reply per unique, structurally: every request whose unique is readable
 * becomes a Request before anything else happens; every reply goes out through
 * send(), which marks it replied at the moment it calls `respond`; and every
 * step after the header runs inside a guard (process, settle) that answers
 * EIO when anything at all — a backend value that breaks an encoder, a
 * throwing trace hook or logger, a bug in the engine — escapes before a reply
 * went out. The logger is wrapped so that it cannot throw.
 */
import { performance } from 'node:perf_hooks';
import type { Backend, InitInfo } from './backend.js';
import { errno } from './abi/errno.js';
import {
  FUSE_KERNEL_VERSION,
  FUSE_MIN_MINOR_VERSION,
  InitFlags,
  Opcode,
  opcodeName,
} from './abi/constants.js';
import { FuseError } from './error.js';
import { parseExtensions } from './messages/ext.js';
import { decodeInitIn, encodeInitOut, type InitOut } from './messages/init.js';
import { decodeNotifyRetrieveIn } from './messages/notify.js';
import { majorMismatchReply, negotiate, type Negotiated } from './negotiate.js';
import { SessionNotifier, type Notifier, type NotifyHost } from './notifier.js';
import { cuseInitSpec, NEGATIVE_ENTRY, opTable, type Engine, type OpSpec } from './ops.js';
import { parseSessionOptions, type Logger, type SessionOptions, type SessionOptionsInput } from './options.js';
import { RequestPool, uniqueKey, type Request } from './request.js';
import { ReplySlab } from './reply-slab.js';
import type { RetrievePolicy } from './retrieves.js';
import { StatsRecorder, type SessionStats } from './stats.js';
import { formatReplyLine, formatRequestLine } from './trace.js';
import { ProtocolError } from './wire/protocol-error.js';
import { WireReader } from './wire/reader.js';
import { WireWriter } from './wire/writer.js';
import { DirentPacker, DirentPlusPacker } from './messages/dir.js';

/** Where notifications (unsolicited messages, unique 0) are written. */
export interface NotificationSink {
  sendNotification(frame: Uint8Array): void;
}

/** A FUSE session: request frames in, reply frames out, no I/O of its own. */
export interface Session {
  /**
   * One whole request in, its whole reply out, or undefined when the opcode
   * has no reply. Never rejects. The reply is a fresh copy nobody else writes
   * to; small replies share an ArrayBuffer slab (as Buffer.allocUnsafe does),
   * so do not transfer or detach `reply.buffer`. The request bytes must stay
   * untouched until the Promise settles (names and write data are views).
   */
  handle(request: Uint8Array): Promise<Uint8Array | undefined>;
  /**
   * The fast path transports use: `respond` is called once per reply,
   * synchronously when the backend answered synchronously. The reply bytes are
   * valid only during the call (the writer is reused): write or copy them there.
   * No-reply opcodes never call it. Returns true when the request is finished
   * (replied or no reply due); false while it is in flight, and then the
   * request bytes must stay untouched until `respond` is called, because names
   * and write data handed to the backend are views into them. Never throws.
   */
  dispatch(request: Uint8Array, respond: (reply: Uint8Array) => void): boolean;
  /** Where notifications are written. */
  attach(sink: NotificationSink): void;
  readonly notify: Notifier;
  /** Negotiated after INIT. */
  readonly negotiated: Negotiated | undefined;
  stats(): SessionStats;
  /** Ends the session: backend.destroy() once (unless DESTROY did it); later requests are dropped without a reply. */
  close(): Promise<void>;
}

/** How many directory packer buffers are kept for reuse. */
const DIR_BUFFERS = 2;

/** How many interrupts for unknown uniques are remembered. */
const EARLY_INTERRUPTS = 64;

const DROPPED = 0;
const REPLIED = 1;
const PENDING = 2;
const NO_REPLY = 3;

const consoleLogger: Logger = { error: (m) => console.error(`tsfuse: ${m}`), warn: (m) => console.error(`tsfuse: ${m}`) };

/** A logger that never throws: a failing log line must not cost a request its reply. */
function safeLogger(l: Logger): Required<Logger> {
  return {
    error(m) {
      try {
        l.error(m);
      } catch {
        // Nowhere left to report it.
      }
    },
    warn(m) {
      try {
        l.warn?.(m);
      } catch {
        // As above.
      }
    },
  };
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v instanceof Promise || (typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function');
}

function isAbortError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'AbortError';
}

/** One line about a thrown value; never throws (a value may refuse to become a string). */
function describeError(e: unknown): string {
  try {
    if (e instanceof Error) return `${e.name}: ${e.message}`;
    return String(e);
  } catch {
    return '<a value that cannot be printed>';
  }
}

/** The stack of a thrown value, for internal errors; never throws. */
function stackOf(e: unknown): string {
  try {
    if (e instanceof Error) return e.stack ?? e.message;
  } catch {
    // fall through
  }
  return describeError(e);
}

/** The INIT result: the reply and the minor that sizes it. */
interface InitResult {
  out: InitOut;
  kernelMinor: number;
}

/** Create a session serving `backend`. Options are validated here (TypeError listing every problem). */
export function createSession(backend: Backend, options?: SessionOptionsInput): Session {
  return new FuseSession(backend, parseSessionOptions(options));
}

class FuseSession implements Session, Engine, NotifyHost {
  readonly backend: Backend;
  readonly options: SessionOptions;
  readonly notify: Notifier;
  negotiated: Negotiated | undefined = undefined;
  minor = 45;
  setxattrExt = false;

  private initialized = false;
  private closed = false;
  private destroyed = false;
  private readonly writer = new WireWriter(64 * 1024, true);
  private readonly reader = new WireReader();
  private readonly traceReader = new WireReader();
  private readonly requests = new RequestPool();
  private readonly slab = new ReplySlab();
  private readonly inflight = new Map<number | string, Request>();
  /** 1 where ENOSYS is remembered (method missing, or the backend said so for an opcode the kernel remembers). */
  private readonly enosys = new Uint8Array(64);
  private readonly recorder = new StatsRecorder();
  private readonly log: Required<Logger>;
  private readonly tracer: ((line: string) => void) | undefined;
  private readonly timed: boolean;
  private sink: NotificationSink | undefined = undefined;
  /** Retrieves waiting for FUSE_NOTIFY_REPLY, by notify_unique (bounded and timed out by the notifier). */
  private readonly retrieves = new Map<number, { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }>();
  private nextNotifyUnique = 1;
  readonly retrievePolicy: RetrievePolicy;
  /**
   * INTERRUPTs that named no in-flight request, newest last (at most
   * EARLY_INTERRUPTS): with several reader threads an interrupt can overtake
   * its request, which then starts interrupted.
   */
  private readonly earlyInterrupts = new Set<number | string>();
  private lastBuffer: ArrayBufferLike | undefined = undefined;
  private lastOffset = -1;
  private lastView: DataView = new DataView(new ArrayBuffer(0));
  private loggedClosed = false;
  /** Buffers of finished directory packers, for the next READDIR(PLUS) (at most DIR_BUFFERS). */
  private readonly dirBuffers: WireWriter[] = [];
  /** The request process() just left in flight (read by handle() right after). */
  private leftPending: Request | undefined = undefined;
  /** handle()'s synchronous reply, copied out of the reused writer. */
  private captured: Uint8Array | undefined = undefined;
  /** handle()'s respond: one shared function, so a synchronous handle() makes no closure. */
  private readonly capture = (reply: Uint8Array): void => {
    this.captured = this.slab.copy(reply);
  };

  constructor(backend: Backend, options: SessionOptions) {
    this.backend = backend;
    this.options = options;
    this.log = safeLogger(options.logger ?? consoleLogger);
    this.tracer = options.trace;
    this.timed = options.latencyStats || options.trace !== undefined;
    this.retrievePolicy = { timeout: options.retrieveTimeout, maxPending: options.maxPendingRetrieves };
    this.notify = new SessionNotifier(this);
    // Backend methods are looked up once: a missing one is ENOSYS from the start.
    for (const spec of opTable) {
      if (spec?.method !== undefined && typeof backend[spec.method] !== 'function') this.enosys[spec.opcode] = 1;
    }
  }

  // ------------------------------------------------------------ public API

  handle(request: Uint8Array): Promise<Uint8Array | undefined> {
    this.captured = undefined;
    const status = this.run(request, this.capture);
    if (status !== PENDING) {
      // The common case: answered already; no closure, one copy, one Promise.
      const out = this.captured;
      this.captured = undefined;
      return Promise.resolve(out);
    }
    const q = this.leftPending!;
    this.leftPending = undefined;
    return new Promise((resolve) => {
      q.respond = (reply: Uint8Array) => resolve(this.slab.copy(reply));
    });
  }

  dispatch(request: Uint8Array, respond: (reply: Uint8Array) => void): boolean {
    const pending = this.run(request, respond) === PENDING;
    this.leftPending = undefined;
    return !pending;
  }

  attach(sink: NotificationSink): void {
    this.sink = sink;
  }

  stats(): SessionStats {
    return this.recorder.snapshot(this.inflight.size, this.options.latencyStats);
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.retrieves.values()];
    this.retrieves.clear();
    for (const r of pending) r.reject(new Error('session closed'));
    if (this.destroyed) return;
    this.destroyed = true;
    try {
      await this.backend.destroy?.();
    } catch (e) {
      this.log.error(`backend destroy failed: ${describeError(e)}`);
    }
  }

  // ------------------------------------------------------------ dispatch

  /** process() behind a last guard for what happens before the unique is read. Never throws. */
  private run(frame: Uint8Array, respond: (reply: Uint8Array) => void): number {
    try {
      return this.process(frame, respond);
    } catch (e) {
      this.recorder.dropped++;
      this.log.error(`internal error before the request could be read; dropped: ${stackOf(e)}`);
      return DROPPED;
    }
  }

  /**
   * Read the header into a Request, then serve it under the guard that
   * guarantees its reply. Requests answered synchronously go back to the pool.
   */
  private process(frame: Uint8Array, respond: (reply: Uint8Array) => void): number {
    if (this.closed) {
      if (!this.loggedClosed) this.log.warn('request after the session ended; dropped (logged once)');
      this.loggedClosed = true;
      this.recorder.dropped++;
      return DROPPED;
    }
    const flen = frame.length;
    if (flen < 40) {
      this.drop(`frame of ${flen} bytes is shorter than fuse_in_header (40); dropped`);
      return DROPPED;
    }
    let view = this.lastView;
    if (frame.buffer !== this.lastBuffer || frame.byteOffset !== this.lastOffset || view.byteLength < flen) {
      view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
      this.lastBuffer = frame.buffer;
      this.lastOffset = frame.byteOffset;
      this.lastView = view;
    }
    const opcode = view.getUint32(4, true);
    const spec = opcode < 64 ? opTable[opcode] : opcode === Opcode.CUSE_INIT ? cuseInitSpec : undefined;
    const nLo = view.getUint32(16, true);
    const nHi = view.getUint32(20, true);
    const q = this.requests.take().reset(
      opcode,
      nHi > 0x1fffff ? -1 : nHi * 4294967296 + nLo,
      view.getUint32(8, true),
      view.getUint32(12, true),
      view.getUint32(24, true),
      view.getUint32(28, true),
      view.getUint32(32, true),
      this.timed ? performance.now() : 0,
    );
    q.noReply = spec !== undefined && spec.noReply;
    let status: number;
    try {
      status = this.serve(q, spec, frame, view, respond);
    } catch (e) {
      status = this.rescue(q, e, respond);
    }
    if (status === PENDING) {
      this.leftPending = q;
    } else {
      if (q.aux !== undefined) this.releaseSink(q);
      this.requests.give(q);
    }
    return status;
  }

  /** A READDIR(PLUS) is answered: its packer closes for good and its buffer serves the next one. */
  private releaseSink(q: Request): void {
    const sink = q.aux;
    if (!(sink instanceof DirentPacker || sink instanceof DirentPlusPacker)) return;
    q.aux = undefined;
    const buffer = sink.detach();
    if (this.dirBuffers.length < DIR_BUFFERS) this.dirBuffers.push(buffer);
  }

  /** Check everything a header can tell, then run the opcode. May throw: process() guards it. */
  private serve(q: Request, spec: OpSpec | undefined, frame: Uint8Array, view: DataView, respond: (reply: Uint8Array) => void): number {
    const opcode = q.opcode;
    const flen = frame.length;
    const len = view.getUint32(0, true);
    if (len !== flen) return this.reject(q, spec, errno.EIO, `length field says ${len} but the frame has ${flen} bytes`, respond);
    const extBytes = view.getUint16(36, true) * 8;
    const argsEnd = len - extBytes;
    if (argsEnd < 40) return this.reject(q, spec, errno.EIO, `extension length ${extBytes} exceeds the request`, respond);
    if (!this.initialized) {
      if (opcode !== Opcode.INIT) {
        if (opcode === Opcode.CUSE_INIT) {
          q.noReply = false;
          return this.reject(q, spec, errno.ENOSYS, 'CUSE is not supported', respond);
        }
        return this.reject(q, spec, errno.EIO, 'request before INIT', respond);
      }
    } else if (opcode === Opcode.INIT) {
      return this.reject(q, spec, errno.EIO, 'second INIT', respond);
    }
    if (spec === undefined) return this.reject(q, spec, errno.ENOSYS, `unknown opcode ${opcode}`, respond);
    const body = argsEnd - 40;
    if (body < spec.minBody(this.minor, this.setxattrExt)) {
      return this.reject(q, spec, errno.EIO, `body of ${body} bytes is too short`, respond);
    }
    if (q.nodeid < 0) return this.reject(q, spec, errno.EINVAL, 'nodeid does not fit 53 bits', respond);
    if (extBytes !== 0) {
      try {
        q.groups = parseExtensions(view, argsEnd, len);
      } catch (e) {
        return this.reject(q, spec, errno.EIO, describeError(e), respond);
      }
    }
    const noReply = spec.noReply;
    if (!noReply && this.inflight.size !== 0 && this.inflight.has(uniqueKey(q.uniqueLo, q.uniqueHi))) {
      this.drop(`${spec.name}: unique ${q.uniqueText} is already in flight; duplicate dropped`);
      return DROPPED;
    }
    if (this.earlyInterrupts.size !== 0 && this.earlyInterrupts.delete(uniqueKey(q.uniqueLo, q.uniqueHi))) q.interrupt();
    if (this.tracer !== undefined) this.traceRequest(spec, q, frame, view, argsEnd);
    if (this.options.readOnly && (spec.mutating || this.writes(spec, frame, view, argsEnd))) {
      return this.fail(spec, q, errno.EROFS, respond);
    }
    if (this.enosys[opcode] === 1 || spec.unsupported) return this.fail(spec, q, errno.ENOSYS, respond);

    let result: unknown;
    try {
      result = spec.run(this, q, this.reader.reset(frame, view, 40, argsEnd));
    } catch (e) {
      return this.fail(spec, q, e, respond);
    }
    if (noReply) {
      if (isThenable(result)) {
        q.async = true;
        result.then(undefined, (e: unknown) => this.log.error(`${spec.name}: ${describeError(e)}`));
      }
      this.recorder.record(opcode, false, q.t0, q.t0 ? performance.now() : 0);
      return NO_REPLY;
    }
    if (isThenable(result)) {
      q.respond = respond;
      q.async = true;
      this.inflight.set(uniqueKey(q.uniqueLo, q.uniqueHi), q);
      result.then(
        (v) => this.settle(spec, q, v, undefined, false),
        (e) => this.settle(spec, q, undefined, e, true),
      );
      // A thenable may call back before then() returns.
      return q.replied ? REPLIED : PENDING;
    }
    return this.complete(spec, q, result, respond);
  }

  /** Whether a request of an opcode that writes only sometimes (OPEN, ACCESS) would write. */
  private writes(spec: OpSpec, frame: Uint8Array, view: DataView, argsEnd: number): boolean {
    if (spec.writes === undefined) return false;
    try {
      return spec.writes(this.traceReader.reset(frame, view, 40, argsEnd));
    } catch {
      return false;
    }
  }

  /** An async result arrived. Never throws (it runs in a promise callback); answers EIO if replying fails. */
  private settle(spec: OpSpec, q: Request, value: unknown, error: unknown, failed: boolean): void {
    const respond = q.respond;
    // A thenable may call back twice, or after the guard already answered.
    if (respond === undefined) return;
    q.respond = undefined;
    const key = uniqueKey(q.uniqueLo, q.uniqueHi);
    if (this.inflight.get(key) === q) this.inflight.delete(key);
    try {
      if (failed) this.fail(spec, q, error, respond);
      else this.complete(spec, q, value, respond);
    } catch (e) {
      this.rescue(q, e, respond);
    }
    if (q.aux !== undefined) this.releaseSink(q);
  }

  /**
   * The guarantee's last step: something escaped while `q` was served. Logged;
   * if no reply went out and one is due, a bare EIO goes out now (built in a
   * fresh buffer: the shared writer may hold another reply in use).
   */
  private rescue(q: Request, e: unknown, respond: (reply: Uint8Array) => void): number {
    const name = opcodeName(q.opcode) ?? `opcode ${q.opcode}`;
    this.log.error(`${name} (unique ${q.uniqueText}): internal error: ${stackOf(e)}`);
    if (q.async) {
      const key = uniqueKey(q.uniqueLo, q.uniqueHi);
      if (this.inflight.get(key) === q) this.inflight.delete(key);
      q.respond = undefined;
    }
    if (q.replied) return REPLIED;
    if (q.noReply) return NO_REPLY;
    const frame = new Uint8Array(16);
    const v = new DataView(frame.buffer);
    v.setUint32(0, 16, true);
    v.setInt32(4, -errno.EIO, true);
    v.setUint32(8, q.uniqueLo, true);
    v.setUint32(12, q.uniqueHi, true);
    q.replied = true;
    try {
      respond(frame);
    } catch (err) {
      this.log.error(`${name}: transport failed to take the reply: ${describeError(err)}`);
    }
    try {
      this.recorder.record(q.opcode, true, 0, 0);
    } catch {
      // Counting is not worth a second failure.
    }
    return REPLIED;
  }

  /** The writer for one reply: the shared one unless it is in use (a reply sent from inside a reply callback). */
  private acquireWriter(): WireWriter {
    const w = this.writer.busy ? new WireWriter(4096) : this.writer;
    return w.begin();
  }

  /** Encode and send a success reply (or the errno the encoder threw). */
  private complete(spec: OpSpec, q: Request, result: unknown, respond: (reply: Uint8Array) => void): number {
    if (q.replied) {
      this.log.error(`${spec.name}: second reply for unique ${q.uniqueText} suppressed`);
      return REPLIED;
    }
    const w = this.acquireWriter();
    try {
      let error = 0;
      try {
        spec.reply(this, w, q, result);
      } catch (e) {
        error = this.errnoOf(spec, e);
        w.begin();
      }
      return this.send(q, spec.name, w, error, respond);
    } finally {
      w.reset();
    }
  }

  /**
   * Answer with an error. A READDIR(PLUS) whose sink already accepted entries
   * sends those instead: the backend counted lookups for them.
   */
  private fail(spec: OpSpec, q: Request, e: unknown, respond: (reply: Uint8Array) => void): number {
    const sink = q.aux;
    if (sink instanceof DirentPacker || sink instanceof DirentPlusPacker) {
      if (sink.count > 0 && !sink.closed) {
        this.log.warn(`${spec.name}: backend failed after ${sink.count} entries (${describeError(e)}); sending the entries`);
        return this.complete(spec, q, undefined, respond);
      }
      sink.close();
    }
    const code = typeof e === 'number' ? e : this.errnoOf(spec, e);
    if (code === errno.ENOSYS && spec.remembersEnosys) this.enosys[spec.opcode] = 1;
    if (spec.noReply) {
      this.recorder.record(spec.opcode, true, q.t0, q.t0 ? performance.now() : 0);
      return NO_REPLY;
    }
    if (q.replied) {
      this.log.error(`${spec.name}: second reply for unique ${q.uniqueText} suppressed`);
      return REPLIED;
    }
    const w = this.acquireWriter();
    try {
      if (code === errno.ENOENT && spec.opcode === Opcode.LOOKUP && this.options.negativeTimeout > 0) {
        try {
          spec.reply(this, w, q, NEGATIVE_ENTRY);
          return this.send(q, spec.name, w, 0, respond);
        } catch (err) {
          if (q.replied) throw err;
          w.begin();
          this.log.error(`LOOKUP: negative entry: ${describeError(err)}`);
        }
      }
      return this.send(q, spec.name, w, code, respond);
    } finally {
      w.reset();
    }
  }

  /**
   * An error reply decided from the header (or a drop for no-reply opcodes):
   * logged, then sent like any other reply.
   */
  private reject(q: Request, spec: OpSpec | undefined, code: number, why: string, respond: (reply: Uint8Array) => void): number {
    const name = spec?.name ?? opcodeName(q.opcode) ?? `opcode ${q.opcode}`;
    if (code !== errno.ENOSYS || q.opcode !== Opcode.CUSE_INIT) this.log.error(`${name} (unique ${q.uniqueText}): ${why}`);
    if (q.noReply) {
      this.recorder.dropped++;
      return DROPPED;
    }
    const w = this.acquireWriter();
    try {
      return this.send(q, name, w, code, respond);
    } finally {
      w.reset();
    }
  }

  /**
   * Fill in the header, record, trace, and hand the frame to the transport.
   * `q.replied` is set here and only here, right before `respond` is called.
   */
  private send(q: Request, name: string, w: WireWriter, error: number, respond: (reply: Uint8Array) => void): number {
    const frame = w.finish(error === 0 ? 0 : -error, q.uniqueLo, q.uniqueHi);
    const t0 = q.t0;
    const now = t0 ? performance.now() : 0;
    this.recorder.record(q.opcode, error !== 0, this.options.latencyStats ? t0 : 0, now);
    if (this.tracer !== undefined) {
      this.emitTrace(formatReplyLine(q.uniqueText, name, error, frame.length, t0 ? (now - t0) * 1000 : undefined));
    }
    q.replied = true;
    try {
      respond(frame);
    } catch (e) {
      this.log.error(`${name}: transport failed to take the reply: ${describeError(e)}`);
    }
    return REPLIED;
  }

  /** The errno for something thrown; anything that is not a FuseError is logged. */
  private errnoOf(spec: OpSpec, e: unknown): number {
    if (e instanceof FuseError) {
      const n = e.errno;
      if (Number.isInteger(n) && n > 0 && n < 4096) return n;
      this.log.error(`${spec.name}: FuseError with invalid errno ${describeError(n)}; answering EIO`);
      return errno.EIO;
    }
    if (e instanceof ProtocolError) {
      this.log.error(`${spec.name}: malformed request: ${e.message}`);
      return e.errno;
    }
    if (isAbortError(e)) return errno.EINTR;
    this.log.error(`${spec.name}: ${describeError(e)}; answering EIO`);
    return errno.EIO;
  }

  private drop(why: string): void {
    this.recorder.dropped++;
    this.log.error(why);
  }

  // ------------------------------------------------------------ Engine

  warn(message: string): void {
    this.log.warn(message);
  }

  direntBuffer(): WireWriter | undefined {
    return this.dirBuffers.pop();
  }

  init(_q: Request, r: WireReader): unknown {
    const body = r.remaining;
    const a = decodeInitIn(r);
    if (a.major === FUSE_KERNEL_VERSION && body < 16) {
      throw new ProtocolError('short', `INIT 7.${a.minor} body of ${body} bytes is shorter than fuse_init_in (16)`);
    }
    if (a.major < FUSE_KERNEL_VERSION) {
      throw new FuseError(errno.EPROTO, `unsupported protocol ${a.major}.${a.minor}`);
    }
    if (a.major > FUSE_KERNEL_VERSION) {
      // The kernel retries with our major after this reply.
      this.log.warn(`kernel offers protocol ${a.major}.${a.minor}; answering ${FUSE_KERNEL_VERSION}.45 and waiting for its retry`);
      return { out: majorMismatchReply(), kernelMinor: 45 } satisfies InitResult;
    }
    if (a.minor < FUSE_MIN_MINOR_VERSION) {
      this.log.error(`kernel protocol 7.${a.minor} is older than 7.${FUSE_MIN_MINOR_VERSION}; refusing with EPROTO`);
      throw new FuseError(errno.EPROTO);
    }
    const { out, negotiated } = negotiate(a, this.options, this.backend);
    this.negotiated = negotiated;
    this.minor = negotiated.minor;
    this.setxattrExt = (negotiated.flags & InitFlags.SETXATTR_EXT) !== 0n;
    const result: InitResult = { out, kernelMinor: a.minor };
    const info: InitInfo = { minor: negotiated.minor, flags: negotiated.flags };
    const ready = this.backend.init?.(info);
    if (isThenable(ready)) {
      return Promise.resolve(ready).then(
        () => {
          this.initialized = true;
          return result;
        },
        (e: unknown) => {
          this.negotiated = undefined;
          this.minor = 45;
          this.setxattrExt = false;
          throw e;
        },
      );
    }
    this.initialized = true;
    return result;
  }

  encodeInit(w: WireWriter, result: unknown): void {
    const r = result as InitResult;
    encodeInitOut(w, r.out, r.kernelMinor);
  }

  destroy(): unknown {
    this.closed = true;
    if (this.destroyed) return undefined;
    this.destroyed = true;
    return this.backend.destroy?.();
  }

  interrupt(uniqueLo: number, uniqueHi: number): void {
    const key = uniqueKey(uniqueLo, uniqueHi);
    const q = this.inflight.get(key);
    if (q !== undefined) {
      q.interrupt();
      return;
    }
    // Not in flight: almost always already answered (the kernel sends INTERRUPT
    // only after the request was read, and uniques are never reused), so no
    // reply: an EAGAIN for a request the kernel no longer has fails its write
    // with ENOENT. Remember a few, in case a request read by another thread
    // arrives after its interrupt.
    this.earlyInterrupts.add(key);
    if (this.earlyInterrupts.size > EARLY_INTERRUPTS) {
      this.earlyInterrupts.delete(this.earlyInterrupts.values().next().value!);
    }
  }

  notifyReply(q: Request, r: WireReader): void {
    const key = q.uniqueHi * 4294967296 + q.uniqueLo;
    const pending = q.uniqueHi <= 0x1fffff ? this.retrieves.get(key) : undefined;
    if (pending === undefined) {
      this.log.warn(`NOTIFY_REPLY for unknown retrieve ${q.uniqueText} (timed out, aborted, or never asked); ignored`);
      return;
    }
    this.retrieves.delete(key);
    const { data } = decodeNotifyRetrieveIn(r);
    pending.resolve(data.slice());
  }

  // ------------------------------------------------------------ NotifyHost

  sendNotification(code: number, encode: (w: WireWriter) => void): void {
    const sink = this.sink;
    if (sink === undefined) throw new Error('no transport attached: call session.attach() first');
    const w = this.acquireWriter();
    try {
      encode(w);
      sink.sendNotification(w.finish(code, 0, 0));
    } finally {
      w.reset();
    }
  }

  addRetrieve(resolve: (data: Uint8Array) => void, reject: (e: Error) => void): number {
    if (this.closed) throw new Error('retrieve: the session has ended');
    const u = this.nextNotifyUnique++;
    this.retrieves.set(u, { resolve, reject });
    return u;
  }

  dropRetrieve(notifyUnique: number): void {
    this.retrieves.delete(notifyUnique);
  }

  // ------------------------------------------------------------ trace

  private traceRequest(spec: OpSpec, q: Request, frame: Uint8Array, view: DataView, argsEnd: number): void {
    let args: string;
    try {
      args = spec.describe(this.traceReader.reset(frame, view, 40, argsEnd), this.minor, this.setxattrExt);
    } catch (e) {
      args = `<malformed: ${describeError(e)}>`;
    }
    if (q.groups) args += ` groups=${q.groups.join(',')}`;
    this.emitTrace(formatRequestLine(q.uniqueText, spec.name, q.nodeid, q.uid, q.gid, q.pid, args));
  }

  private emitTrace(line: string): void {
    try {
      this.tracer!(line);
    } catch (e) {
      this.log.error(`trace hook threw: ${describeError(e)}`);
    }
  }
}
