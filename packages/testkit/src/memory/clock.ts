import { performance } from 'node:perf_hooks';
/** A point in time as Linux stores it: whole seconds and nanoseconds (0..999,999,999). */
export interface Timespec {
  readonly sec: number;
  readonly nsec: number;
}

/** Where the memory backend reads the current time; tests inject a fake one. */
export type Clock = () => Timespec;

/**
 * The wall clock with sub-microsecond resolution: the process's time origin
 * plus the monotonic performance.now(), so times never run backwards within
 * a process (a host clock step is not followed, which a test fs can live with).
 */
export const wallClock: Clock = () => {
  const ms = performance.timeOrigin + performance.now();
  const sec = Math.floor(ms / 1000);
  const nsec = Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6));
  return { sec, nsec };
};
