import type { Negotiated } from '../negotiate.js';
import { SessionNotifier, type Notifier, type NotifyHost } from '../notifier.js';
import type { NotificationSink } from '../session.js';
import { WireWriter } from '../wire/writer.js';
import { deviceNotificationSink } from './notification-sink.js';

/**
 * notify_unique values of retrieves asked by the embedding thread start here,
 * far above the session's own counter (which starts at 1), so the serving
 * worker can tell the two apart when FUSE_NOTIFY_REPLY comes back.
 */
export const EMBEDDER_RETRIEVE_BASE = 2 ** 52;

/** True for a notify_unique issued by an EmbedderNotifyHost. */
export function isEmbedderRetrieve(uniqueLo: number, uniqueHi: number): boolean {
  return uniqueHi >= EMBEDDER_RETRIEVE_BASE / 4294967296 && uniqueHi < 2 ** 21;
}

/**
 * Notifications from the thread that mounted (while the session serves in a
 * worker): frames are encoded here and written straight to /dev/fuse, so they
 * go out at once even while the worker sleeps in read(2). Retrieve replies
 * arrive in the worker, which posts them back (settleRetrieve).
 */
export class EmbedderNotifyHost implements NotifyHost {
  negotiated: Negotiated | undefined = undefined;
  readonly notifier: Notifier = new SessionNotifier(this);
  private readonly writer = new WireWriter(4096);
  private readonly sink: NotificationSink;
  private next = EMBEDDER_RETRIEVE_BASE;
  private readonly retrieves = new Map<number, { resolve: (d: Uint8Array) => void; reject: (e: Error) => void }>();

  constructor(fd: number) {
    this.sink = deviceNotificationSink(fd);
  }

  sendNotification(code: number, encode: (w: WireWriter) => void): void {
    const w = this.writer.busy ? new WireWriter(4096) : this.writer;
    w.begin();
    try {
      encode(w);
      this.sink.sendNotification(w.finish(code, 0, 0));
    } finally {
      w.reset();
    }
  }

  addRetrieve(resolve: (data: Uint8Array) => void, reject: (e: Error) => void): number {
    const u = this.next++;
    this.retrieves.set(u, { resolve, reject });
    return u;
  }

  dropRetrieve(notifyUnique: number): void {
    this.retrieves.delete(notifyUnique);
  }

  /** The worker saw the FUSE_NOTIFY_REPLY of one of our retrieves. */
  settleRetrieve(notifyUnique: number, data: Uint8Array): void {
    const p = this.retrieves.get(notifyUnique);
    if (p === undefined) return;
    this.retrieves.delete(notifyUnique);
    p.resolve(data);
  }

  /** Rejects every pending retrieve (the connection ended). */
  rejectAll(reason: Error): void {
    for (const p of this.retrieves.values()) p.reject(reason);
    this.retrieves.clear();
  }
}
