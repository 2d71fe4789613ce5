export { ErrnoTranslator, defaultLogger, fuseError, type ErrnoTranslatorOptions, type Logger } from './errno.js';
export { darwinErrno, darwinErrnoAliases, darwinErrnoName, darwinErrnoSynonyms, type DarwinErrnoName } from './darwin-errno.js';
export { NAME_MAX, checkName, dotKind, nameErrno, type NameOp } from './names.js';
export { glibcDecodeDev, glibcDecodeDevBig, glibcEncodeDev, linuxDecodeDev, linuxEncodeDev, wireRdev, type DevDecoder, type DevNumbers } from './dev.js';
export { inoOf, statToAttr, statToAttrWith, statfsToReply } from './attr.js';
export { identityOf, sameFile, type FileIdentity } from './identity.js';
export { Inode, InodeTable, type InodeTableOptions } from './inode-table.js';
export { HandleTable } from './handle-table.js';
export { FdWorkingSet, type FdHolder } from './fd-working-set.js';
export { O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, O_TMPFILE, openPathBeneath, procChildPath, procFdPath } from './proc-path.js';
export { R_OK, W_OK, X_OK, accessAllowed, type Caller } from './permissions.js';
export { hostNow, hostTime } from './times.js';
export {
  S_IALLUGO, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID, S_ISUID, S_ISVTX, S_IXGRP,
  modeAfterKillPriv,
} from './mode.js';
export { runHostTool, touchDate } from './host-tool.js';
export {
  AHEAD_MAX_LIST, AHEAD_MAX_NAMES, HOST_CALL_UNAVAILABLE, UTIME_NOW, UTIME_OMIT, HostSyscalls, XATTR_MAX, type HostSyscallsOptions,
  type XattrAnswer, type XattrListing,
} from './host-syscalls.js';
export { makeSpecialFile, type SpecialFileDir, type SpecialFileFs, type SpecialFileRequest } from './special-files.js';
export { copyRange, type PositionalIo } from './copy-range.js';
export { PageCacheStamp } from './cache-stamp.js';
