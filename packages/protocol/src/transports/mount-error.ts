/**
 * A mount or unmount failure with a one-line message meant for humans
 * ("mountpoint /x does not exist"). `code` names the cause for programs:
 * ENOENT, ENOTDIR, EBUSY (already a mount), ENODEVICE (no /dev/fuse), EACCES,
 * EPERM, ENOTSUP (no /dev/fuse on this platform), EMOUNT (mount(8) refused),
 * EINVAL (bad option), EWORKER (the serving thread failed), ENOTMOUNTED.
 */
export class MountError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'MountError';
    this.code = code;
  }
}

/** True when `e` is a MountError. */
export function isMountError(e: unknown): e is MountError {
  return e instanceof MountError;
}
