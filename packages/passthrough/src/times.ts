import { performance } from 'node:perf_hooks';

/**
 * A time fs.utimesSync/futimesSync set as given, to the nearest microsecond:
 * libuv truncates the double toward zero at microseconds, and a double near
 * 1.7e9 s is only exact to ~240 ns, so half a microsecond of bias makes the
 * truncation land on the right microsecond. Node turns a negative *number*
 * into "now", but accepts a numeric string as is, so times before 1970 travel
 * as strings.
 */
export function hostTime(sec: number, nsec: number): number | string {
  const exact = sec + nsec / 1e9;
  return exact >= 0 ? exact + 5e-7 : String(exact - 5e-7);
}

/**
 * The wall clock now, in seconds with sub-millisecond precision, for
 * FATTR_ATIME_NOW / FATTR_MTIME_NOW (Node cannot pass UTIME_NOW through).
 */
export function hostNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}
