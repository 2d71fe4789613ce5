/**
 * @tsfuse/protocol: the FUSE wire codec (protocol 7.45), the Backend
 * interface, and the session engine that turns request frames into replies.
 */
export { createSession } from './session.js';
export type { Session, NotificationSink } from './session.js';
export type { Notifier } from './notifier.js';
export { PRUNE_BATCH } from './notifier.js';
export type { Negotiated } from './negotiate.js';
export { sessionOptionsSchema, parseSessionOptions } from './options.js';
export type { SessionOptions, SessionOptionsInput, Logger } from './options.js';
export type { SessionStats, OpStats } from './stats.js';
export { percentile, LATENCY_BUCKETS } from './stats.js';
export type * from './backend.js';
export { FuseError, isFuseError } from './error.js';
export { errno, errnoName, errnoByName } from './abi/errno.js';
export type { ErrnoName } from './abi/errno.js';
export * from './abi/constants.js';
export { StructSize } from './abi/structs.js';
export { WireReader } from './wire/reader.js';
export { WireWriter, OUT_HEADER_SIZE } from './wire/writer.js';
export { ProtocolError } from './wire/protocol-error.js';
export type { ProtocolErrorKind } from './wire/protocol-error.js';
export { opSpec, allOps, MAX_DIR_REPLY } from './ops.js';
export type { OpSpec } from './ops.js';
export { checkName } from './names.js';
export * from './messages/header.js';
export * from './messages/attr.js';
export * from './messages/entry.js';
export * from './messages/io.js';
export * from './messages/dir.js';
export * from './messages/xattr.js';
export * from './messages/lock.js';
export * from './messages/misc.js';
export * from './messages/init.js';
export * from './messages/notify.js';
export * from './messages/ext.js';
export { timeoutSeconds, timeoutNanos } from './messages/timeout.js';
export * from './transports/index.js';
export type { RetrieveOptions, RetrievePolicy } from './retrieves.js';
export { DEFAULT_RETRIEVE_POLICY } from './retrieves.js';
