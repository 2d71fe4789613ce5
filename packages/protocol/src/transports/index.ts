/** Real kernel mounts on Linux: /dev/fuse, mount(8)/umount(8), serving threads. */
export { mountFuse } from './worker-mount.js';
export type { WorkerMountOptions } from './worker-mount.js';
export { mountFuseOnMainThread } from './main-thread-mount.js';
export type { MainThreadMountOptions } from './main-thread-mount.js';
export type { FuseMount, MountEnd } from './mount-handle.js';
export type { MountBaseOptions } from './mount-setup.js';
export type { BackendSpec, WorkerSessionOptions } from './worker-messages.js';
export { unmountPath, findFuseMount, checkMountpoint, abortConnection, assertLinux } from './kernel-mount.js';
export type { UnmountOptions, UnmountResult } from './kernel-mount.js';
export { MountError, isMountError } from './mount-error.js';
export { parseMountOptionList, MOUNT_OPTIONS_HELP } from './mount-options.js';
export type { ParsedMountOptions } from './mount-options.js';
export { readMountInfo, parseMountInfo, findMount } from './mountinfo.js';
export type { MountInfoEntry } from './mountinfo.js';
