import { readFileSync } from 'node:fs';

/** The process's soft RLIMIT_NOFILE, read from /proc/self/limits (Node has no getrlimit); undefined if unreadable. */
export function softOpenFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (m === null) return undefined;
    return m[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** The process umask, read from /proc/self/status (process.umask() is deprecated without an argument and cannot be set in a worker). */
export function processUmask(): number {
  try {
    const m = /^Umask:\s+([0-7]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    if (m !== null) return parseInt(m[1]!, 8);
  } catch {
    // fall through
  }
  return 0o022;
}

/** Supplementary groups of a process (for ACCESS when the kernel did not send them), or undefined. */
export function groupsOfPid(pid: number): number[] | undefined {
  if (!(pid > 0)) return undefined;
  try {
    const m = /^Groups:[ \t]*([0-9 \t]*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    if (m === null) return undefined;
    return m[1]!.split(/\s+/).filter((s) => s !== '').map(Number);
  } catch {
    return undefined;
  }
}
