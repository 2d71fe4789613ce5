/**
 * Real kernel mounts on Linux: /dev/fuse, mount(8)/umount(8), serving threads.
 *
 * mountFuse(): a worker thread constructs the backend and its session and
 * serves: it blocks in read(2) itself while nothing is in flight (no hand-off:
 * the fastest design measured), and lets a reader thread read through a
 * SharedArrayBuffer ring while a backend Promise is pending (so other
 * requests keep flowing and the worker's event loop runs). The mounting
 * thread does no per-request work; it can notify the kernel directly and read
 * live counters from shared memory.
 *
 * mountFuseOnMainThread(): the session lives on the calling thread; the reader
 * thread hands every request over through the ring (the event loop never
 * blocks). For backends that must share objects with the program.
 *
 * A process cannot exit while one of its threads sits in read(2) on
 * /dev/fuse: every handle installs a process 'exit' hook that aborts its
 * connection and detaches the mount, and serving always ends by ending the
 * connection (umount, or abort through fusectl).
 */
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
