import type { RequestContext } from './backend.js';

/**
 * One request in the session: the RequestContext a backend sees, plus what the
 * session needs to answer it exactly once. One object per request, no closures.
 */
export class Request implements RequestContext {
  readonly uid: number;
  readonly gid: number;
  readonly pid: number;
  readonly groups: readonly number[] | undefined;
  readonly opcode: number;
  readonly nodeid: number;
  readonly uniqueLo: number;
  readonly uniqueHi: number;
  /** performance.now() when the request arrived (0 when stats are off). */
  readonly t0: number;
  /** Per-opcode state between run and reply (a dirent packer, the asked size, ...). */
  aux: unknown = undefined;
  /** Where the reply goes (kept only while the request is in flight). */
  respond: ((reply: Uint8Array) => void) | undefined = undefined;
  /** Set once FUSE_INTERRUPT named this request. */
  interrupted = false;
  /** Set once the reply went out: the session's one-reply guarantee. */
  replied = false;
  private controller: AbortController | undefined = undefined;

  constructor(
    opcode: number,
    nodeid: number,
    uniqueLo: number,
    uniqueHi: number,
    uid: number,
    gid: number,
    pid: number,
    groups: readonly number[] | undefined,
    t0: number,
  ) {
    this.opcode = opcode;
    this.nodeid = nodeid;
    this.uniqueLo = uniqueLo;
    this.uniqueHi = uniqueHi;
    this.uid = uid;
    this.gid = gid;
    this.pid = pid;
    this.groups = groups;
    this.t0 = t0;
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

/** A request's unique for logs: decimal, exact. */
export function uniqueText(lo: number, hi: number): string {
  return hi <= 0x1fffff ? String(hi * 4294967296 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** The key of a unique in the in-flight table: a number when exact, else a string. */
export function uniqueKey(lo: number, hi: number): number | string {
  return hi <= 0x1fffff ? hi * 4294967296 + lo : `${hi}:${lo}`;
}
