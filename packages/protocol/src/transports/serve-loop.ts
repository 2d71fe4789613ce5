/**
 * The request loop of one serving thread: requests from /dev/fuse into
 * session.dispatch, replies back with one write each.
 *
 * Two ways to get requests, chosen per moment:
 * - inline: this thread blocks in read(2) itself, dispatches, writes the reply
 *   and reads again: no hand-off, the fastest path. Used while no request is
 *   in flight. The thread's event loop does not run meanwhile.
 * - relay: a reader thread blocks in read(2) and hands requests over through
 *   a SharedArrayBuffer ring; this thread waits with Atomics.waitAsync, so its
 *   event loop runs: Promises of async backends settle, messages arrive.
 *
 * With reader 'inline', a request whose dispatch did not finish synchronously
 * switches to relay at once (so other requests keep being read while the
 * Promise is pending) and back to inline when nothing is in flight and the
 * reader thread has parked. With reader 'relay' the loop never reads itself:
 * for the main thread, and for backends that need their event loop (timers,
 * watchers) even when the filesystem is idle.
 */
import { performance } from 'node:perf_hooks';
import { Opcode } from '../abi/constants.js';
import { BufferPool } from './buffer-pool.js';
import { CONNECTION_ENDED, readRequest, writeMessage, type WriteOutcome } from './fuse-device.js';
import { ReadWanted, ReaderState, RingConsumer, type RingMemory } from './request-ring.js';
import { SharedStatsWriter } from './shared-stats.js';

/** The part of a Session the loop drives. */
export interface Dispatcher {
  /** As Session.dispatch: true when finished, false while the request is in flight (its bytes must stay untouched). */
  dispatch(request: Uint8Array, respond: (reply: Uint8Array) => void): boolean;
}

/** Why a loop ended. */
export type LoopEnd = { kind: 'unmounted' } | { kind: 'failed'; error: Error };

export interface ServeLoopOptions {
  fd: number;
  session: Dispatcher;
  /** Shared with the reader thread. */
  ring: RingMemory;
  /** Bytes per read: max_write plus headers (requestBufferSize()). */
  bufferSize: number;
  reader: 'inline' | 'relay';
  /** Offered every NOTIFY_REPLY first; returns true when it took it (a retrieve of the embedding thread). */
  interceptNotifyReply?: ((request: Uint8Array) => boolean) | undefined;
  /** Called with the INIT reply once written, and how the write went ('ok', or why the kernel refused it). */
  onInitReply?: ((reply: Uint8Array, outcome: WriteOutcome) => void) | undefined;
  /** Called once, when the connection ended or the loop failed. */
  onEnd: (end: LoopEnd) => void;
  /** One line per problem that is not fatal (a reply the kernel refused). */
  log: (line: string) => void;
  /** Shared counters (createSharedStats()) the loop keeps per opcode, readable from other threads. */
  stats?: SharedArrayBuffer | undefined;
}

/** A request whose reply is still due: the buffer holding its bytes, for its statistics the opcode and start. */
interface InFlight {
  buf: Uint8Array;
  opcode: number;
  t0: number;
}

const TWO_32 = 4294967296;

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 16777216;
}

/** Map key of a 64-bit unique: a number while exact, a string beyond 2^53 (resent requests carry bit 63). */
function uniqueKey(lo: number, hi: number): number | string {
  return hi <= 0x1fffff ? hi * TWO_32 + lo : `${hi}:${lo}`;
}

/** Serves one FUSE connection on the current thread. */
export class ServeLoop {
  private readonly o: ServeLoopOptions;
  private readonly consumer: RingConsumer;
  private readonly pool = new BufferPool();
  /** Requests in flight by unique. */
  private readonly inflight = new Map<number | string, InFlight>();
  private readonly stats: SharedStatsWriter | undefined;
  /** The request being dispatched: its unique, opcode and start time, and whether its reply was written. */
  private curLo = -1;
  private curHi = -1;
  private curOpcode = 0;
  private curT0 = 0;
  private curReplied = false;
  private directBuffer: Uint8Array;
  private relaying = false;
  private waitArmed = false;
  private drainQueued = false;
  private ended = false;
  private initLo = -1;
  private initHi = -1;
  private readonly respond = (reply: Uint8Array): void => this.reply(reply);
  private readonly onWake = (): void => {
    this.waitArmed = false;
    this.drain();
  };
  private readonly queuedDrain = (): void => {
    this.drainQueued = false;
    this.drain();
  };

  constructor(options: ServeLoopOptions) {
    this.o = options;
    this.consumer = new RingConsumer(options.ring);
    this.directBuffer = this.pool.take(options.bufferSize);
    this.stats = options.stats ? new SharedStatsWriter(options.stats) : undefined;
  }

  /** Requests whose reply is still due. */
  get inFlight(): number {
    return this.inflight.size;
  }

  /** Starts serving (returns at once; the work happens from the event loop). */
  start(): void {
    if (this.o.reader === 'inline') setImmediate(this.directLoop);
    else this.enterRelay();
  }

  private readonly directLoop = (): void => {
    if (this.ended) return;
    const fd = this.o.fd;
    try {
      for (;;) {
        const buf = this.directBuffer;
        const n = readRequest(fd, buf);
        if (n === CONNECTION_ENDED) return this.end({ kind: 'unmounted' });
        if (!this.serve(buf, n)) this.directBuffer = this.pool.take(this.o.bufferSize);
        if (this.inflight.size > 0) return this.enterRelay();
      }
    } catch (e) {
      this.end({ kind: 'failed', error: e as Error });
    }
  };

  /** Dispatches one request; true when its buffer is free again, false while a pending request holds it. */
  private serve(buf: Uint8Array, n: number): boolean {
    const request = buf.subarray(0, n);
    const opcode = u32(buf, 4);
    if (opcode === Opcode.NOTIFY_REPLY && this.o.interceptNotifyReply?.(request)) return true;
    const lo = u32(buf, 8);
    const hi = u32(buf, 12);
    if (opcode === Opcode.INIT) {
      this.initLo = lo;
      this.initHi = hi;
    }
    this.curLo = lo;
    this.curHi = hi;
    this.curOpcode = opcode;
    this.curReplied = false;
    const stats = this.stats;
    if (stats) this.curT0 = performance.now();
    const finished = this.o.session.dispatch(request, this.respond);
    this.curLo = this.curHi = -1;
    if (finished) {
      // Opcodes without a reply (FORGET, INTERRUPT, ...) count when dispatched.
      if (stats && !this.curReplied) stats.record(opcode, false, performance.now() - this.curT0);
      return true;
    }
    this.inflight.set(uniqueKey(lo, hi), { buf, opcode, t0: this.curT0 });
    stats?.setInFlight(this.inflight.size);
    return false;
  }

  private reply(reply: Uint8Array): void {
    const outcome = writeMessage(this.o.fd, reply);
    if (outcome !== 'ok' && outcome !== 'stale' && outcome !== 'gone') {
      this.o.log(`the kernel refused a reply (${outcome}): ${reply.length} bytes, error ${u32(reply, 4) | 0}`);
    }
    const lo = u32(reply, 8);
    const hi = u32(reply, 12);
    if (lo === this.initLo && hi === this.initHi) {
      this.initLo = this.initHi = -1;
      this.o.onInitReply?.(reply, outcome);
    }
    const stats = this.stats;
    if (lo === this.curLo && hi === this.curHi) {
      // The synchronous reply of the request being dispatched.
      this.curReplied = true;
      stats?.record(this.curOpcode, (reply[4]! | reply[5]! | reply[6]! | reply[7]!) !== 0, performance.now() - this.curT0);
      return;
    }
    if (this.inflight.size === 0) return;
    // A reply to a request that was in flight: its buffer is free again.
    const key = uniqueKey(lo, hi);
    const f = this.inflight.get(key);
    if (f === undefined) return;
    this.inflight.delete(key);
    this.pool.give(f.buf);
    if (stats) {
      stats.record(f.opcode, (reply[4]! | reply[5]! | reply[6]! | reply[7]!) !== 0, performance.now() - f.t0);
      stats.setInFlight(this.inflight.size);
    }
    if (this.inflight.size === 0 && this.o.reader === 'inline') this.queueDrain();
  }

  private enterRelay(): void {
    this.relaying = true;
    this.consumer.setReadWanted(ReadWanted.YES);
    this.drain();
  }

  private queueDrain(): void {
    if (this.drainQueued || !this.relaying) return;
    this.drainQueued = true;
    setImmediate(this.queuedDrain);
  }

  /** Serves everything the reader published, steers the reader, and waits (asynchronously) for more. */
  private drain(): void {
    if (this.ended || !this.relaying) return;
    const c = this.consumer;
    try {
      for (;;) {
        const seen = c.seq();
        let len: number;
        while ((len = c.peekLength()) >= 0) {
          const buf = this.pool.take(len);
          c.take(buf, len);
          if (this.serve(buf, len)) this.pool.give(buf);
          if (this.ended) return;
        }
        const state = c.readerState();
        if (state === ReaderState.ENDED) return this.end({ kind: 'unmounted' });
        if (state === ReaderState.FAILED) return this.end({ kind: 'failed', error: new Error('the /dev/fuse reader thread failed') });
        if (this.o.reader === 'inline') {
          if (this.inflight.size === 0) {
            c.setReadWanted(ReadWanted.NO);
            // Only when the reader has parked can this thread read again
            // without a request being stranded in the ring.
            if (c.readerState() === ReaderState.PARKED && c.peekLength() < 0) {
              this.relaying = false;
              setImmediate(this.directLoop);
              return;
            }
          } else {
            c.setReadWanted(ReadWanted.YES);
          }
        }
        if (this.waitArmed) return;
        const wait = c.waitAsync(seen);
        if (wait === undefined) continue;
        this.waitArmed = true;
        void wait.then(this.onWake);
        return;
      }
    } catch (e) {
      this.end({ kind: 'failed', error: e as Error });
    }
  }

  private end(end: LoopEnd): void {
    if (this.ended) return;
    this.ended = true;
    this.relaying = false;
    // A parked reader exits; one blocked in read(2) ends with the connection.
    this.consumer.setReadWanted(ReadWanted.EXIT);
    this.o.onEnd(end);
  }
}
