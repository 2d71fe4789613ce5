import { errno } from '../abi/errno.js';

/** Why a request could not be decoded. */
export type ProtocolErrorKind = 'short' | 'range' | 'invalid';

/**
 * A malformed request: thrown by WireReader and the decoders, turned by the
 * session into an error reply (when the unique is readable) plus a log line.
 */
export class ProtocolError extends Error {
  readonly kind: ProtocolErrorKind;
  /** The errno the reply carries. */
  readonly errno: number;
  constructor(kind: ProtocolErrorKind, message: string, errnoValue?: number) {
    super(message);
    this.name = 'ProtocolError';
    this.kind = kind;
    this.errno = errnoValue ?? (kind === 'short' ? errno.EIO : errno.EINVAL);
  }
}
