import { writeSync } from 'node:fs';
import { FuseError, errno, errnoByName, errnoName } from '@tsfuse/protocol';

/** Where the passthrough writes its (rare) log lines. */
export type Logger = (line: string) => void;

/**
 * One line on stderr, prefixed so it is recognisable in a daemon's output.
 * Written synchronously: a backend usually runs on a serving worker whose
 * event loop is blocked in read(2), where process.stderr would hold the line
 * until the mount ends.
 */
export const defaultLogger: Logger = (line) => {
  try {
    writeSync(2, `tsfuse: ${line}\n`);
  } catch {
    // stderr closed: nowhere to report
  }
};

/** Options of an ErrnoTranslator. */
export interface ErrnoTranslatorOptions {
  /** Host code name → Linux errno name, consulted before the Linux table (e.g. darwinErrnoAliases). */
  aliases?: Readonly<Record<string, string>>;
  /**
   * Host errno number (positive) → Linux name, used when Node could not name the
   * error (err.code 'UNKNOWN'). Defaults to the Linux table on Linux, none elsewhere.
   */
  hostErrnoName?: (value: number) => string | undefined;
  log?: Logger;
}

const cached: FuseError[] = [];

/** A shared FuseError for `value`: errors are immutable, and building one (with its stack) per failed lookup costs µs. */
export function fuseError(value: number): FuseError {
  let e = cached[value];
  if (e === undefined) {
    e = new FuseError(value);
    if (value > 0 && value < 4096) cached[value] = e;
  }
  return e;
}

/** Translates whatever a host call threw into the Linux errno the wire carries. */
export class ErrnoTranslator {
  private readonly aliases: Readonly<Record<string, string>>;
  private readonly hostErrnoName: ((value: number) => string | undefined) | undefined;
  /** Where unexpected errors are logged (one line each). */
  readonly log: Logger;

  constructor(options: ErrnoTranslatorOptions = {}) {
    this.aliases = options.aliases ?? {};
    this.hostErrnoName = options.hostErrnoName ?? (process.platform === 'linux' ? errnoName : undefined);
    this.log = options.log ?? defaultLogger;
  }

  /** The Linux errno for a host error code name (Node's err.code), or undefined. */
  errnoOf(code: string): number | undefined {
    const alias = Object.prototype.hasOwnProperty.call(this.aliases, code) ? this.aliases[code] : undefined;
    return errnoByName(alias ?? code);
  }

  /**
   * A host errno number (positive, e.g. one a helper process reported) →
   * FuseError, by its name; EIO plus one log line naming `op` when unknown.
   */
  fromHostErrno(value: number, op: string): FuseError {
    const name = this.hostErrnoName?.(value);
    const mapped = name === undefined ? undefined : this.errnoOf(name);
    if (mapped !== undefined) return fuseError(mapped);
    this.log(`${op}: unknown host errno ${value} answered EIO`);
    return fuseError(errno.EIO);
  }

  /**
   * Any thrown value → FuseError. A FuseError passes through; a host error maps by
   * its code name; anything else becomes EIO plus exactly one log line naming `op`.
   * Never throws.
   */
  toFuseError(e: unknown, op: string): FuseError {
    if (e instanceof FuseError) return e;
    if (e !== null && typeof e === 'object') {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string') {
        let value = this.errnoOf(code);
        if (value === undefined && code === 'UNKNOWN') {
          const n = (e as { errno?: unknown }).errno;
          const name = typeof n === 'number' && this.hostErrnoName ? this.hostErrnoName(Math.abs(n)) : undefined;
          if (name !== undefined) value = this.errnoOf(name);
        }
        if (value !== undefined) return fuseError(value);
      }
    }
    this.log(`${op}: unexpected error answered EIO: ${describe(e)}`);
    return fuseError(errno.EIO);
  }
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const where = e.stack?.split('\n')[1]?.trim();
    return `${e.name}${code !== undefined ? ` ${String(code)}` : ''}: ${e.message}${where ? ` (${where})` : ''}`;
  }
  try {
    return String(e);
  } catch {
    return typeof e;
  }
}
