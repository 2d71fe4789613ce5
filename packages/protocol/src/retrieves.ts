/** Per-call options of notify.retrieve(). */
export interface RetrieveOptions {
  /** Give up when this signal aborts: the Promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Seconds to wait for FUSE_NOTIFY_REPLY (overrides the host's policy; 0: wait forever). */
  timeout?: number;
}

/** How long a retrieve waits, and how many may wait at once. */
export interface RetrievePolicy {
  /** Seconds before an unanswered retrieve is rejected (0: never). */
  timeout: number;
  /** Most retrieves waiting at once; more are rejected at once. */
  maxPending: number;
}

/** The policy of a host that states none (the session options' defaults). */
export const DEFAULT_RETRIEVE_POLICY: RetrievePolicy = { timeout: 30, maxPending: 1024 };

/** The part of a notify host that keeps retrieves (see NotifyHost). */
export interface RetrieveHost {
  addRetrieve(resolve: (data: Uint8Array) => void, reject: (e: Error) => void): number;
  dropRetrieve(notifyUnique: number): void;
  readonly retrievePolicy?: RetrievePolicy;
}

/**
 * Retrieves sent and not yet answered. The kernel answers every retrieve it
 * accepted with FUSE_NOTIFY_REPLY, but not one it refused (an inode it no
 * longer has fails the notification write with ENOENT, which a transport may
 * not pass on), so each retrieve has a deadline and can be cancelled by an
 * AbortSignal; either way the host forgets it (dropRetrieve). At most
 * `maxPending` wait at once: memory stays bounded whatever the kernel does.
 */
export class RetrieveTracker {
  /** Retrieves waiting for their reply. */
  pending = 0;

  constructor(private readonly host: RetrieveHost) {}

  /**
   * Register a retrieve with the host, arm its deadline and signal, and call
   * `send(notifyUnique)` to put the notification on the wire. Rejects (and
   * sends nothing) when the limit is reached, the signal already aborted, or
   * the timeout is not a number >= 0; rejects when `send` throws.
   */
  start(options: RetrieveOptions | undefined, send: (notifyUnique: number) => void): Promise<Uint8Array> {
    const policy = this.host.retrievePolicy ?? DEFAULT_RETRIEVE_POLICY;
    const signal = options?.signal;
    const timeout = options?.timeout ?? policy.timeout;
    return new Promise<Uint8Array>((resolve, reject) => {
      if (typeof timeout !== 'number' || !(timeout >= 0)) {
        throw new RangeError(`retrieve: timeout must be a number of seconds >= 0, got ${String(timeout)}`);
      }
      if (signal?.aborted) throw signal.reason ?? abortError();
      if (this.pending >= policy.maxPending) {
        throw new Error(`retrieve: ${policy.maxPending} retrieves already wait for the kernel (maxPendingRetrieves)`);
      }
      let open = true;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => giveUp(signal!.reason ?? abortError());
      const close = (): boolean => {
        if (!open) return false;
        open = false;
        this.pending--;
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const unique = this.host.addRetrieve(
        (data) => {
          if (close()) resolve(data);
        },
        (e) => {
          if (close()) reject(e);
        },
      );
      this.pending++;
      const giveUp = (e: unknown): void => {
        if (!close()) return;
        this.host.dropRetrieve(unique);
        reject(e);
      };
      if (timeout > 0) {
        // Not unref'd: the Promise must settle even if nothing else keeps the
        // process alive. close() (which rejects every retrieve) clears it.
        timer = setTimeout(() => giveUp(timeoutError(timeout)), Math.min(timeout * 1000, 2 ** 31 - 1));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        send(unique);
      } catch (e) {
        giveUp(e);
      }
    });
  }
}

function timeoutError(seconds: number): Error {
  const e = new Error(`retrieve: no FUSE_NOTIFY_REPLY within ${seconds} s`);
  e.name = 'TimeoutError';
  return e;
}

function abortError(): Error {
  const e = new Error('retrieve aborted');
  e.name = 'AbortError';
  return e;
}
