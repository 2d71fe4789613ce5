/**
 * The darwin (macOS) numbers the backend translates to and from, as data so
 * that they can be injected and tested on any host. Sources, checked value by
 * value in test/darwin-tables.test.ts:
 * - errno: in @tsfuse/passthrough (darwinErrno, darwinErrnoName), next to the
 *   darwin → Linux aliases the ErrnoTranslator uses.
 * - open flags: xnu bsd/sys/fcntl.h, O_SYNC from sys/_types/_o_sync.h,
 *   O_DSYNC from sys/_types/_o_dsync.h.
 * - whence: sys/_types/_seek_set.h (SEEK_HOLE 3, SEEK_DATA 4: the reverse of Linux).
 * - renamex_np flags: sys/stdio.h (RENAME_SWAP 2, RENAME_EXCL 4).
 * - st_mode types: sys/_types/_s_ifmt.h (the Linux values plus S_IFWHT).
 */

/** darwin open(2) flags (sys/fcntl.h). */
export const darwinOpenFlags = Object.freeze({
  O_RDONLY: 0x0000,
  O_WRONLY: 0x0001,
  O_RDWR: 0x0002,
  O_ACCMODE: 0x0003,
  O_NONBLOCK: 0x0004,
  O_APPEND: 0x0008,
  O_SHLOCK: 0x0010,
  O_EXLOCK: 0x0020,
  O_ASYNC: 0x0040,
  O_SYNC: 0x0080,
  O_NOFOLLOW: 0x0100,
  O_CREAT: 0x0200,
  O_TRUNC: 0x0400,
  O_EXCL: 0x0800,
  O_EVTONLY: 0x8000,
  O_NOCTTY: 0x20000,
  O_DIRECTORY: 0x100000,
  O_SYMLINK: 0x200000,
  O_DSYNC: 0x400000,
  O_CLOEXEC: 0x1000000,
  O_NOFOLLOW_ANY: 0x20000000,
  O_EXEC: 0x40000000,
} as const);

/** darwin lseek(2) whence (sys/_types/_seek_set.h): HOLE and DATA are swapped relative to Linux. */
export const darwinSeek = Object.freeze({ SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_HOLE: 3, SEEK_DATA: 4 });

/** darwin renamex_np(2) flags (sys/stdio.h). */
export const darwinRenameFlags = Object.freeze({ RENAME_SECLUDE: 0x1, RENAME_SWAP: 0x2, RENAME_EXCL: 0x4 });

/** darwin st_mode types: the BSD values Linux shares, plus the union-mount whiteout. */
export const darwinModeTypes = Object.freeze({
  S_IFMT: 0o170000,
  S_IFIFO: 0o010000,
  S_IFCHR: 0o020000,
  S_IFDIR: 0o040000,
  S_IFBLK: 0o060000,
  S_IFREG: 0o100000,
  S_IFLNK: 0o120000,
  S_IFSOCK: 0o140000,
  S_IFWHT: 0o160000,
});

/** darwin's dev_t: 8-bit major in the top byte, 24-bit minor (sys/types.h major()/minor()/makedev()). */
export function darwinDecodeDev(dev: number): { major: number; minor: number } {
  return { major: (dev >>> 24) & 0xff, minor: dev & 0xffffff };
}

/** makedev() on darwin. */
export function darwinEncodeDev(major: number, minor: number): number {
  return (((major & 0xff) << 24) | (minor & 0xffffff)) >>> 0;
}

/** The longest name component darwin's volumes take (NAME_MAX in sys/syslimits.h). */
export const darwinNameMax = 255;
