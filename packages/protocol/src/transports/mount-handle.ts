import type { Negotiated } from '../negotiate.js';
import type { Notifier } from '../notifier.js';
import type { SessionStats } from '../stats.js';
import { closeFuseDevice } from './fuse-device.js';
import { abortConnection, detachNow, unmountPath, type UnmountOptions, type UnmountResult } from './kernel-mount.js';
import { readMountInfo, type MountInfoEntry } from './mountinfo.js';

/** How a mount's serving ended. */
export interface MountEnd {
  /**
   * 'unmounted': the connection ended (umount, a lazy unmount's last user
   * left, or an abort). 'failed': serving failed; the connection was aborted
   * and the mount detached.
   */
  reason: 'unmounted' | 'failed';
  error?: Error;
  /** The session's counters at the end (undefined when the session never started). */
  stats?: SessionStats | undefined;
}

/** A mounted, serving FUSE filesystem. */
export interface FuseMount {
  /** Canonical mountpoint. */
  readonly mountpoint: string;
  /** The source shown in /proc/mounts. */
  readonly source: string;
  /** What INIT settled with the kernel. */
  readonly negotiated: Negotiated;
  /** Notifications to the kernel (cache invalidation, store, retrieve, ...), callable from this thread. */
  readonly notify: Notifier;
  /** Settles once serving has ended and every thread and descriptor is released. Never rejects. */
  readonly ended: Promise<MountEnd>;
  /** The session's per-opcode counters. */
  stats(): Promise<SessionStats>;
  /**
   * Unmounts (umount; lazily with { lazy: true }, or when busy with
   * { onBusy: 'lazy' }). A non-lazy unmount resolves after serving ended.
   */
  unmount(options?: UnmountOptions): Promise<UnmountResult>;
  /**
   * Aborts the connection (fusectl): requests in flight and later fail with
   * ENOTCONN, serving ends at once, the mount is detached. For when a lazy
   * unmount waits on users that will not leave. Returns false without fusectl.
   */
  abort(): boolean;
}

/**
 * What every mount handle shares: the descriptor, the mountinfo entry taken
 * right after mounting (it names the fusectl connection even after a lazy
 * unmount removed the mount from mountinfo), a process 'exit' hook, and the
 * `ended` promise.
 */
export abstract class MountHandleBase {
  readonly ended: Promise<MountEnd>;
  protected finalized = false;
  private resolveEnded!: (end: MountEnd) => void;
  private readonly exitHook = (): void => {
    // The process is exiting while we still serve: Node cannot finish exiting
    // while a thread of ours sits in read(2), and programs using the mount
    // would wait for ever. Abort and detach, synchronously.
    if (!this.finalized) detachNow(this.entry);
  };

  constructor(
    readonly mountpoint: string,
    readonly source: string,
    protected readonly fd: number,
    protected readonly entry: MountInfoEntry,
  ) {
    this.ended = new Promise((resolve) => {
      this.resolveEnded = resolve;
    });
    process.on('exit', this.exitHook);
  }

  async unmount(options: UnmountOptions = {}): Promise<UnmountResult> {
    const r = await unmountPath(this.mountpoint, options);
    if (!r.lazy) await this.ended;
    return r;
  }

  abort(): boolean {
    const aborted = abortConnection(this.entry);
    detachNow(this.entry);
    return aborted;
  }

  /** True while the mount is still in this namespace's mountinfo. */
  protected stillMounted(): boolean {
    return readMountInfo().some((e) => e.mountId === this.entry.mountId);
  }

  /** Serving failed: make sure nobody waits on us (abort, detach). */
  protected teardownAfterFailure(): void {
    detachNow(this.entry);
  }

  /** Releases the descriptor and the exit hook; settles `ended`. Call once every thread has stopped. */
  protected finalize(end: MountEnd): void {
    if (this.finalized) return;
    this.finalized = true;
    process.off('exit', this.exitHook);
    closeFuseDevice(this.fd);
    this.resolveEnded(end);
  }
}
