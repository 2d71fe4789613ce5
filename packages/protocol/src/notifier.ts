import { FUSE_EXPIRE_ONLY, InitFlags, MAX_SAFE, NAME_MAX, NotifyCode } from './abi/constants.js';
import type { Negotiated } from './negotiate.js';
import { RetrieveTracker, type RetrieveOptions, type RetrievePolicy } from './retrieves.js';
import type { WireWriter } from './wire/writer.js';
import {
  encodeDeleteOut,
  encodeInvalEntryOut,
  encodeInvalInodeOut,
  encodePollWakeupOut,
  encodePruneOut,
  encodeRetrieveOut,
  encodeStoreOut,
} from './messages/notify.js';

/**
 * Unsolicited messages to the kernel (unique 0, the notify code in the error
 * field). Each method builds the frame and hands it to the attached transport.
 * Misuse (no transport, before INIT, a kernel too old for the message, bad
 * arguments) throws an Error: these are programming errors of the caller.
 */
export interface Notifier {
  /** Drop cached data of a node: [offset, offset+length) (length 0: to the end; offset < 0: attributes only). */
  invalInode(nodeid: number, offset?: number, length?: number): void;
  /** Drop a cached name. flags: FUSE_EXPIRE_ONLY (needs FUSE_HAS_EXPIRE_ONLY from the kernel). */
  invalEntry(parent: number, name: string | Uint8Array, flags?: number): void;
  /** A name was removed (like invalEntry, and the kernel drops the child if it still points there). */
  delete(parent: number, child: number, name: string | Uint8Array): void;
  /** Put data into the kernel's page cache of a node. */
  store(nodeid: number, offset: number, data: Uint8Array): void;
  /**
   * Ask for the kernel's cached data of a node; resolved by FUSE_NOTIFY_REPLY.
   * Rejected on close(), after the session's retrieveTimeout (or
   * `options.timeout` seconds), when `options.signal` aborts, and at once when
   * maxPendingRetrieves retrieves already wait.
   */
  retrieve(nodeid: number, offset: number, size: number, options?: RetrieveOptions): Promise<Uint8Array>;
  /** Ask the kernel to forget unused inodes (7.45). Sent in batches. */
  prune(nodeids: readonly number[]): void;
  /** Wake a poller: `kh` is the handle from a POLL request with FUSE_POLL_SCHEDULE_NOTIFY. */
  pollWakeup(kh: bigint): void;
  /** Ask the kernel to resend every request still pending (7.40, needs FUSE_HAS_RESEND). */
  resend(): void;
  /** Invalidate every cached dentry at once by raising the connection epoch (7.44). */
  incEpoch(): void;
}

/** What the notifier needs from the session. */
export interface NotifyHost {
  readonly negotiated: Negotiated | undefined;
  /** Build a notification with `code` and body `encode`, and hand it to the transport. */
  sendNotification(code: number, encode: (w: WireWriter) => void): void;
  /** Register a pending retrieve; returns its notify_unique. May throw (then nothing is sent). */
  addRetrieve(resolve: (data: Uint8Array) => void, reject: (e: Error) => void): number;
  /** Forget a pending retrieve (its notification could not be sent, it timed out, or it was aborted). */
  dropRetrieve(notifyUnique: number): void;
  /** Timeout and bound of retrieves; DEFAULT_RETRIEVE_POLICY when absent. */
  readonly retrievePolicy?: RetrievePolicy;
}

/** Node ids per FUSE_NOTIFY_PRUNE frame. */
export const PRUNE_BATCH = 512;

function id(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > MAX_SAFE) throw new RangeError(`${what} must be an integer in [0, 2^53-1], got ${v}`);
  return v;
}

function signed(v: number, what: string): number {
  if (!Number.isInteger(v) || Math.abs(v) > MAX_SAFE) throw new RangeError(`${what} must be a safe integer, got ${v}`);
  return v;
}

function nameOf(name: string | Uint8Array): Uint8Array {
  const b = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  if (b.length === 0 || b.length > NAME_MAX || b.indexOf(0x2f) >= 0 || b.indexOf(0) >= 0) {
    throw new RangeError('notification name must be 1..255 bytes without "/" or NUL');
  }
  return b;
}

/** The Notifier of a session. */
export class SessionNotifier implements Notifier {
  private readonly retrieves: RetrieveTracker;

  constructor(private readonly host: NotifyHost) {
    this.retrieves = new RetrieveTracker(host);
  }

  /** Retrieves sent through this notifier and still waiting for their reply. */
  get pendingRetrieves(): number {
    return this.retrieves.pending;
  }

  private need(minor: number, what: string): Negotiated {
    const n = this.host.negotiated;
    if (!n) throw new Error(`${what}: the session has not been initialised (no INIT yet)`);
    if (n.minor < minor) throw new Error(`${what} needs protocol 7.${minor}; the kernel speaks 7.${n.minor}`);
    return n;
  }

  invalInode(nodeid: number, offset = 0, length = 0): void {
    this.need(12, 'invalInode');
    id(nodeid, 'nodeid');
    signed(offset, 'offset');
    signed(length, 'length');
    this.host.sendNotification(NotifyCode.INVAL_INODE, (w) => encodeInvalInodeOut(w, nodeid, offset, length));
  }

  invalEntry(parent: number, name: string | Uint8Array, flags = 0): void {
    const n = this.need(12, 'invalEntry');
    id(parent, 'parent');
    const b = nameOf(name);
    if (flags & FUSE_EXPIRE_ONLY && !(n.kernelFlags & InitFlags.HAS_EXPIRE_ONLY)) {
      throw new Error('invalEntry: FUSE_EXPIRE_ONLY needs a kernel offering FUSE_HAS_EXPIRE_ONLY');
    }
    this.host.sendNotification(NotifyCode.INVAL_ENTRY, (w) => encodeInvalEntryOut(w, parent, b, flags));
  }

  delete(parent: number, child: number, name: string | Uint8Array): void {
    this.need(18, 'delete');
    id(parent, 'parent');
    id(child, 'child');
    const b = nameOf(name);
    this.host.sendNotification(NotifyCode.DELETE, (w) => encodeDeleteOut(w, parent, child, b));
  }

  store(nodeid: number, offset: number, data: Uint8Array): void {
    this.need(15, 'store');
    id(nodeid, 'nodeid');
    id(offset, 'offset');
    if (offset + data.length > MAX_SAFE) throw new RangeError('store: offset + length beyond 2^53-1');
    this.host.sendNotification(NotifyCode.STORE, (w) => encodeStoreOut(w, nodeid, offset, data));
  }

  retrieve(nodeid: number, offset: number, size: number, options?: RetrieveOptions): Promise<Uint8Array> {
    try {
      this.need(15, 'retrieve');
      id(nodeid, 'nodeid');
      id(offset, 'offset');
      if (!Number.isInteger(size) || size < 0 || size > 0xffffffff) throw new RangeError('retrieve: size must fit 32 bits');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.retrieves.start(options, (u) =>
      this.host.sendNotification(NotifyCode.RETRIEVE, (w) => encodeRetrieveOut(w, u, nodeid, offset, size)),
    );
  }

  prune(nodeids: readonly number[]): void {
    this.need(45, 'prune');
    for (const n of nodeids) id(n, 'nodeid');
    for (let i = 0; i < nodeids.length; i += PRUNE_BATCH) {
      const batch = nodeids.slice(i, i + PRUNE_BATCH);
      this.host.sendNotification(NotifyCode.PRUNE, (w) => encodePruneOut(w, batch));
    }
  }

  pollWakeup(kh: bigint): void {
    this.need(11, 'pollWakeup');
    this.host.sendNotification(NotifyCode.POLL, (w) => encodePollWakeupOut(w, kh));
  }

  resend(): void {
    const n = this.need(40, 'resend');
    if (!(n.kernelFlags & InitFlags.HAS_RESEND)) throw new Error('resend needs a kernel offering FUSE_HAS_RESEND');
    this.host.sendNotification(NotifyCode.RESEND, () => {});
  }

  incEpoch(): void {
    this.need(44, 'incEpoch');
    this.host.sendNotification(NotifyCode.INC_EPOCH, () => {});
  }
}
