/**
 * Split a cache timeout in seconds into the (u64 seconds, u32 nanoseconds)
 * pair the kernel wants. Negative or NaN means 0; huge values are capped.
 */
export function timeoutSeconds(t: number): number {
  if (!(t > 0)) return 0;
  if (t >= Number.MAX_SAFE_INTEGER) return Number.MAX_SAFE_INTEGER;
  return Math.floor(t);
}

/** The nanosecond half of a timeout (see timeoutSeconds). */
export function timeoutNanos(t: number): number {
  if (!(t > 0) || t >= Number.MAX_SAFE_INTEGER) return 0;
  const ns = Math.floor((t - Math.floor(t)) * 1e9);
  return ns > 999_999_999 ? 999_999_999 : ns;
}
