import { FuseError, NAME_MAX } from '@tsfuse/protocol';

/**
 * Names are bytes on Linux, not text. The backend keys them by their latin1
 * string (one char per byte), which round-trips any byte string exactly.
 */
export function nameKey(name: Uint8Array): string {
  const buf = Buffer.isBuffer(name) ? name : Buffer.from(name.buffer, name.byteOffset, name.byteLength);
  return buf.toString('latin1');
}

/**
 * Refuses what no directory may contain (the session checks too; a backend
 * called directly must not trust it): empty → ENOENT, over 255 bytes →
 * ENAMETOOLONG, '/' or NUL → EINVAL.
 */
export function checkName(key: string): void {
  if (key.length === 0) throw new FuseError('ENOENT');
  if (key.length > NAME_MAX) throw new FuseError('ENAMETOOLONG');
  if (key.includes('/') || key.includes('\0')) throw new FuseError('EINVAL');
}

/** True for "." and "..", which name no entry of their own. */
export function isDotOrDotDot(key: string): boolean {
  return key === '.' || key === '..';
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * The name as a dirent sink wants it: the string itself when it is ASCII (the
 * same bytes in any encoding), otherwise its exact bytes.
 */
export function wireName(key: string): string | Buffer {
  return ASCII.test(key) ? key : Buffer.from(key, 'latin1');
}
