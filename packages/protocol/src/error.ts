import { errno, errnoName, type ErrnoName } from './abi/errno.js';

/**
 * The one way a backend reports failure: throw (or reject with) a FuseError
 * carrying a positive Linux errno. Anything else thrown becomes EIO and one
 * log line.
 */
export class FuseError extends Error {
  readonly errno: number;
  constructor(code: number | ErrnoName, message?: string) {
    const value = typeof code === 'number' ? code : errno[code];
    super(message ?? errnoName(value) ?? `errno ${value}`);
    this.name = 'FuseError';
    this.errno = value;
  }
}

/** True when `e` carries a Linux errno the session may put on the wire. */
export function isFuseError(e: unknown): e is FuseError {
  return e instanceof FuseError;
}
