import type { RequestContext } from './backend.js';

/**
 * One request in the session: the RequestContext a backend sees, plus what the
 * session needs to answer it exactly once. No closures. A request the backend
 * answered synchronously is reused for a later one (see RequestPool), so the
 * fields are written in place by `reset` rather than set in a constructor.
 */
export class Request implements RequestContext {
  uid = 0;
  gid = 0;
  pid = 0;
  groups: readonly number[] | undefined = undefined;
  opcode = 0;
  nodeid = 0;
  uniqueLo = 0;
  uniqueHi = 0;
  /** performance.now() when the request arrived (0 when stats are off). */
  t0 = 0;
  /** The opcode expects no reply (FORGET, BATCH_FORGET, INTERRUPT, NOTIFY_REPLY). */
  noReply = false;
  /** Per-opcode state between run and reply (a dirent packer, the asked size, ...). */
  aux: unknown = undefined;
  /** Where the reply goes (kept only while the request is in flight). */
  respond: ((reply: Uint8Array) => void) | undefined = undefined;
  /** Set once FUSE_INTERRUPT named this request. */
  interrupted = false;
  /**
   * Set at the moment the reply frame is handed to `respond`, and only there:
   * the session's one-reply guarantee reads this flag.
   */
  replied = false;
  /**
   * Set once the backend answered with a Promise: the request is then owned by
   * the in-flight table and its settle callbacks, and is never reused.
   */
  async = false;
  private controller: AbortController | undefined = undefined;

  /** Fill in a request from its header (t0 is performance.now(), or 0). */
  reset(
    opcode: number,
    nodeid: number,
    uniqueLo: number,
    uniqueHi: number,
    uid: number,
    gid: number,
    pid: number,
    t0: number,
  ): this {
    this.opcode = opcode;
    this.nodeid = nodeid;
    this.uniqueLo = uniqueLo;
    this.uniqueHi = uniqueHi;
    this.uid = uid;
    this.gid = gid;
    this.pid = pid;
    this.t0 = t0;
    this.groups = undefined;
    this.noReply = false;
    this.aux = undefined;
    this.respond = undefined;
    this.interrupted = false;
    this.replied = false;
    this.async = false;
    this.controller = undefined;
    return this;
  }

  /** Created on first access: backends that never look pay nothing. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.interrupted) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** FUSE_INTERRUPT arrived for this request. */
  interrupt(): void {
    if (this.interrupted) return;
    this.interrupted = true;
    this.controller?.abort();
  }

  /** The unique as a number (exact below 2^53) or a decimal string, for logs and traces. */
  get uniqueText(): string {
    return uniqueText(this.uniqueLo, this.uniqueHi);
  }
}

/**
 * A free list of Request objects, so a synchronously answered request costs
 * no context allocation. Only requests that never went async come back here;
 * the pool is small (re-entrant dispatch is the only reason for more than one).
 */
export class RequestPool {
  private readonly free: Request[] = [];

  constructor(private readonly capacity = 8) {}

  take(): Request {
    return this.free.pop() ?? new Request();
  }

  /** Give back a finished synchronous request; drops references it holds. */
  give(q: Request): void {
    if (q.async || this.free.length >= this.capacity) return;
    q.aux = undefined;
    q.respond = undefined;
    q.groups = undefined;
    this.free.push(q);
  }
}

/** A request's unique for logs: decimal, exact. */
export function uniqueText(lo: number, hi: number): string {
  return hi <= 0x1fffff ? String(hi * 4294967296 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** The key of a unique in the in-flight table: a number when exact, else a string. */
export function uniqueKey(lo: number, hi: number): number | string {
  return hi <= 0x1fffff ? hi * 4294967296 + lo : `${hi}:${lo}`;
}
