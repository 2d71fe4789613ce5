export { ErrnoTranslator, darwinErrnoAliases, defaultLogger, fuseError, type ErrnoTranslatorOptions, type Logger } from './errno.js';
export { NAME_MAX, checkName, dotKind, nameErrno, type NameOp } from './names.js';
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
  direntTypeOfMode, modeAfterKillPriv,
} from './mode.js';
