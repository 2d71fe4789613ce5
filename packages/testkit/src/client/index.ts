/** The kernel's side of FUSE, in process: wire client, POSIX facade, glibc-like Dir. */
export * as abi from './abi.js';
export * as requests from './requests.js';
export { FuseClient, type FuseServer, type FuseClientOptions, type Credentials, type Negotiated, type RawReply } from './client.js';
export { PosixFs, type OpenFile, type Resolved, type TimeArg } from './posix.js';
export { Dir, OPENDIR_FLAGS, linuxDirentSize, type DirEntry, type DirOptions, type DirStats } from './dir.js';
export { FsError, ProtocolViolation, fsError, isFsError } from './errors.js';
export { statFromAttr, isDir, isFile, isSymlink, compareTime, type Stat } from './stat.js';
export type { FuseAttr, FuseEntry, FuseAttrOut, FuseOpenOut, FuseStatfs, FuseInitOut, FuseDirent, FuseLock, FuseStatx } from './replies.js';
export { RequestWriter, ReplyReader, nameBytes, type InHeader } from './wire.js';
