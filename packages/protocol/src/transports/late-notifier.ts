import type { Notifier } from '../notifier.js';

/**
 * A Notifier that forwards to one that exists only later: the backend is
 * constructed before its session, yet wants `notify` in its constructor.
 * Calls before the session exists throw, like calls before INIT.
 */
export class LateNotifier implements Notifier {
  constructor(private readonly target: () => Notifier | undefined) {}

  private get t(): Notifier {
    const n = this.target();
    if (n === undefined) throw new Error('notify: the session does not exist yet');
    return n;
  }

  invalInode(nodeid: number, offset?: number, length?: number): void {
    this.t.invalInode(nodeid, offset, length);
  }
  invalEntry(parent: number, name: string | Uint8Array, flags?: number): void {
    this.t.invalEntry(parent, name, flags);
  }
  delete(parent: number, child: number, name: string | Uint8Array): void {
    this.t.delete(parent, child, name);
  }
  store(nodeid: number, offset: number, data: Uint8Array): void {
    this.t.store(nodeid, offset, data);
  }
  retrieve(nodeid: number, offset: number, size: number): Promise<Uint8Array> {
    return this.t.retrieve(nodeid, offset, size);
  }
  prune(nodeids: readonly number[]): void {
    this.t.prune(nodeids);
  }
  pollWakeup(kh: bigint): void {
    this.t.pollWakeup(kh);
  }
  resend(): void {
    this.t.resend();
  }
  incEpoch(): void {
    this.t.incEpoch();
  }
}
