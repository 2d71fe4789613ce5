/**
 * @tsfuse/backend-linux: a passthrough of a host directory on Linux, safe
 * against symlink races, bounded in descriptors, with cookie readdir offsets.
 */
import type { Backend } from '@tsfuse/protocol';
import { LinuxBackend } from './backend.js';
import type { LinuxBackendOptionsInput } from './options.js';

export { LinuxBackend } from './backend.js';
export { linuxBackendOptionsSchema, type LinuxBackendOptions, type LinuxBackendOptionsInput } from './options.js';

/** A Linux passthrough backend sharing `options.root`. */
export function createLinuxBackend(options: LinuxBackendOptionsInput): LinuxBackend {
  return new LinuxBackend(options);
}

/** The factory the CLI uses: `createBackend({ root })`. */
export function createBackend(options: LinuxBackendOptionsInput): Backend {
  return new LinuxBackend(options);
}
