/**
 * The numbers a Linux FUSE client puts on the wire: open(2) flags, lseek
 * whence values and renameat2 flags. They are the client kernel's own numbers,
 * and four open flags differ between architectures (asm-generic/fcntl.h versus
 * arch/arm{,64}/include/uapi/asm/fcntl.h), so an arm64 guest on an Apple
 * Silicon Mac sends O_DIRECT where an x86-64 guest sends O_DIRECTORY.
 */

/** Linux open(2) flag numbers for one client architecture. */
export interface LinuxOpenFlags {
  readonly O_ACCMODE: number;
  readonly O_RDONLY: number;
  readonly O_WRONLY: number;
  readonly O_RDWR: number;
  readonly O_CREAT: number;
  readonly O_EXCL: number;
  readonly O_NOCTTY: number;
  readonly O_TRUNC: number;
  readonly O_APPEND: number;
  readonly O_NONBLOCK: number;
  readonly O_DSYNC: number;
  readonly FASYNC: number;
  readonly O_DIRECT: number;
  readonly O_LARGEFILE: number;
  readonly O_DIRECTORY: number;
  readonly O_NOFOLLOW: number;
  readonly O_NOATIME: number;
  readonly O_CLOEXEC: number;
  /** The bit O_SYNC adds to O_DSYNC; O_SYNC itself is __O_SYNC | O_DSYNC. */
  readonly __O_SYNC: number;
  readonly O_SYNC: number;
  readonly O_PATH: number;
  /** The bit O_TMPFILE adds to O_DIRECTORY. */
  readonly __O_TMPFILE: number;
  /** Kernel-internal: set in f_flags of a file opened by execve(); FUSE passes it on. */
  readonly __FMODE_EXEC: number;
}

/** asm-generic numbering: x86-64, x86, riscv, loongarch, s390 and most others. */
export const linuxGenericOpenFlags: LinuxOpenFlags = Object.freeze({
  O_ACCMODE: 0o3,
  O_RDONLY: 0o0,
  O_WRONLY: 0o1,
  O_RDWR: 0o2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_DSYNC: 0o10000,
  FASYNC: 0o20000,
  O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000,
  O_DIRECTORY: 0o200000,
  O_NOFOLLOW: 0o400000,
  O_NOATIME: 0o1000000,
  O_CLOEXEC: 0o2000000,
  __O_SYNC: 0o4000000,
  O_SYNC: 0o4010000,
  O_PATH: 0o10000000,
  __O_TMPFILE: 0o20000000,
  __FMODE_EXEC: 0x20,
});

/** arm and arm64 numbering: four flags moved (arch/arm64/include/uapi/asm/fcntl.h). */
export const linuxArmOpenFlags: LinuxOpenFlags = Object.freeze({
  ...linuxGenericOpenFlags,
  O_DIRECTORY: 0o40000,
  O_NOFOLLOW: 0o100000,
  O_DIRECT: 0o200000,
  O_LARGEFILE: 0o400000,
});

/** Which numbering a client uses. */
export type LinuxClientArch = 'generic' | 'arm';

/** The open-flag table for a client architecture. */
export function linuxOpenFlagsFor(arch: LinuxClientArch): LinuxOpenFlags {
  return arch === 'arm' ? linuxArmOpenFlags : linuxGenericOpenFlags;
}

/** The client numbering to assume when none is configured: the daemon's own architecture (virtualisation, not emulation). */
export function defaultLinuxClientArch(processArch: string = process.arch): LinuxClientArch {
  return processArch === 'arm64' || processArch === 'arm' ? 'arm' : 'generic';
}

/** lseek(2) whence, Linux numbers (include/uapi/linux/fs.h). */
export const linuxSeek = Object.freeze({ SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_DATA: 3, SEEK_HOLE: 4 });

/** renameat2(2) flags, Linux numbers (include/uapi/linux/fs.h). */
export const linuxRenameFlags = Object.freeze({ RENAME_NOREPLACE: 1, RENAME_EXCHANGE: 2, RENAME_WHITEOUT: 4 });

/** st_mode file types, Linux numbers (include/uapi/linux/stat.h); BSD uses the same octal values. */
export const linuxModeTypes = Object.freeze({
  S_IFMT: 0o170000,
  S_IFSOCK: 0o140000,
  S_IFLNK: 0o120000,
  S_IFREG: 0o100000,
  S_IFBLK: 0o060000,
  S_IFDIR: 0o040000,
  S_IFCHR: 0o020000,
  S_IFIFO: 0o010000,
});
