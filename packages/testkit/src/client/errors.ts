import { errno, errnoName } from '@tsfuse/protocol';
import { opName } from './abi.js';

/**
 * A well-formed error reply, surfaced as a POSIX call would: `.errno` is the
 * positive Linux number, `.code` its name ("ENOENT").
 */
export class FsError extends Error {
  readonly errno: number;
  readonly code: string;
  /** The FUSE opcode that failed, when the error came from the wire. */
  readonly opcode: number | undefined;
  constructor(errnoValue: number, opcode?: number, detail?: string) {
    const code = errnoName(errnoValue) ?? `E${errnoValue}`;
    const where = opcode === undefined ? '' : ` (${opName(opcode)})`;
    super(`${code}${where}${detail ? `: ${detail}` : ''}`);
    this.name = 'FsError';
    this.errno = errnoValue;
    this.code = code;
    this.opcode = opcode;
  }
}

/** Builds an FsError from a name, for errors the client's VFS layer raises itself. */
export function fsError(code: keyof typeof errno, detail?: string): FsError {
  return new FsError(errno[code], undefined, detail);
}

/**
 * The server broke the wire contract (wrong length, wrong unique, a body of
 * the wrong size, a malformed dirent...). Never an errno: a test that sees
 * one has found a bug in the engine or the backend.
 */
export class ProtocolViolation extends Error {
  readonly opcode: number | undefined;
  constructor(message: string, opcode?: number) {
    super(opcode === undefined ? message : `${opName(opcode)}: ${message}`);
    this.name = 'ProtocolViolation';
    this.opcode = opcode;
  }
}

/** True when `e` is an FsError, optionally with the given code. */
export function isFsError(e: unknown, code?: string): e is FsError {
  return e instanceof FsError && (code === undefined || e.code === code);
}
