import { spawnSync } from 'node:child_process';
import { errno } from '@tsfuse/protocol';
import { fuseError, type Logger } from './errno.js';

/**
 * Runs a host program (coreutils on Linux, the BSD tools on darwin) for the
 * few things Node cannot do: mknod of FIFOs and devices, nanosecond
 * timestamps. A descriptor may be handed over as the child's fd 3, so the
 * program works on "/proc/self/fd/3/..." and never on a path that could be
 * swapped. Its strerror text is mapped back to the errno. Costs a process
 * spawn (~1-3 ms).
 */

/** strerror texts of coreutils (Linux) and the BSD tools (darwin), by errno name. */
const STRERROR: readonly (readonly [text: string, name: keyof typeof errno])[] = [
  ['File exists', 'EEXIST'],
  ['Permission denied', 'EACCES'],
  ['Operation not permitted', 'EPERM'],
  ['No space left on device', 'ENOSPC'],
  ['Disk quota exceeded', 'EDQUOT'],
  ['Disc quota exceeded', 'EDQUOT'],
  ['Read-only file system', 'EROFS'],
  ['No such file or directory', 'ENOENT'],
  ['Not a directory', 'ENOTDIR'],
  ['Invalid argument', 'EINVAL'],
  ['Too many links', 'EMLINK'],
  ['File name too long', 'ENAMETOOLONG'],
  ['Input/output error', 'EIO'],
  ['Operation not supported', 'EOPNOTSUPP'],
  ['Too many levels of symbolic links', 'ELOOP'],
  ['Value too large for defined data type', 'EOVERFLOW'],
];

/**
 * Run `program args`, with `fd` (when given) as the child's fd 3; throw the
 * FuseError its failure means (EIO plus one log line when its message is not
 * one we know).
 */
export function runHostTool(program: string, args: string[], log: Logger, fd?: number): void {
  const stdio = fd === undefined ? (['ignore', 'ignore', 'pipe'] as const) : (['ignore', 'ignore', 'pipe', fd] as const);
  const r = spawnSync(program, args, { stdio: [...stdio], encoding: 'utf8', timeout: 10_000 });
  if (r.error === undefined && r.status === 0) return;
  const stderr = r.stderr ?? '';
  for (const [text, name] of STRERROR) if (stderr.includes(text)) throw fuseError(errno[name]);
  log(`${program}: failed (${r.error?.message ?? `status ${r.status}, signal ${r.signal}`}): ${stderr.trim()}`);
  throw fuseError(errno.EIO);
}

/** A timestamp as `touch -d` reads it: "@SECONDS.NANOSECONDS", exact, negative times included. */
export function touchDate(sec: number, nsec: number): string {
  if (sec < 0 && nsec > 0) return `@-${-sec - 1}.${String(1_000_000_000 - nsec).padStart(9, '0')}`;
  return `@${sec}.${String(nsec).padStart(9, '0')}`;
}
