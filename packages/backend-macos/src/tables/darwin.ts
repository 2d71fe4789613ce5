/**
 * The darwin (macOS) numbers the backend translates to and from, as data so
 * that they can be injected and tested on any host. Sources, checked value by
 * value in test/darwin-tables.test.ts:
 * - errno: xnu bsd/sys/errno.h (__DARWIN_UNIX03, __DARWIN_C_FULL), ELAST 106.
 * - open flags: xnu bsd/sys/fcntl.h, O_SYNC from sys/_types/_o_sync.h,
 *   O_DSYNC from sys/_types/_o_dsync.h.
 * - whence: sys/_types/_seek_set.h (SEEK_HOLE 3, SEEK_DATA 4: the reverse of Linux).
 * - renamex_np flags: sys/stdio.h (RENAME_SWAP 2, RENAME_EXCL 4).
 * - st_mode types: sys/_types/_s_ifmt.h (the Linux values plus S_IFWHT).
 */

/** errno names and numbers from darwin's sys/errno.h. Aliases (EWOULDBLOCK) are listed separately. */
export const darwinErrno = Object.freeze({
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EDEADLK: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16,
  EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23,
  EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30,
  EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EAGAIN: 35, EINPROGRESS: 36, EALREADY: 37,
  ENOTSOCK: 38, EDESTADDRREQ: 39, EMSGSIZE: 40, EPROTOTYPE: 41, ENOPROTOOPT: 42,
  EPROTONOSUPPORT: 43, ESOCKTNOSUPPORT: 44, ENOTSUP: 45, EPFNOSUPPORT: 46, EAFNOSUPPORT: 47,
  EADDRINUSE: 48, EADDRNOTAVAIL: 49, ENETDOWN: 50, ENETUNREACH: 51, ENETRESET: 52,
  ECONNABORTED: 53, ECONNRESET: 54, ENOBUFS: 55, EISCONN: 56, ENOTCONN: 57, ESHUTDOWN: 58,
  ETOOMANYREFS: 59, ETIMEDOUT: 60, ECONNREFUSED: 61, ELOOP: 62, ENAMETOOLONG: 63,
  EHOSTDOWN: 64, EHOSTUNREACH: 65, ENOTEMPTY: 66, EPROCLIM: 67, EUSERS: 68, EDQUOT: 69,
  ESTALE: 70, EREMOTE: 71, EBADRPC: 72, ERPCMISMATCH: 73, EPROGUNAVAIL: 74,
  EPROGMISMATCH: 75, EPROCUNAVAIL: 76, ENOLCK: 77, ENOSYS: 78, EFTYPE: 79, EAUTH: 80,
  ENEEDAUTH: 81, EPWROFF: 82, EDEVERR: 83, EOVERFLOW: 84, EBADEXEC: 85, EBADARCH: 86,
  ESHLIBVERS: 87, EBADMACHO: 88, ECANCELED: 89, EIDRM: 90, ENOMSG: 91, EILSEQ: 92,
  ENOATTR: 93, EBADMSG: 94, EMULTIHOP: 95, ENODATA: 96, ENOLINK: 97, ENOSR: 98, ENOSTR: 99,
  EPROTO: 100, ETIME: 101, EOPNOTSUPP: 102, ENOPOLICY: 103, ENOTRECOVERABLE: 104,
  EOWNERDEAD: 105, EQFULL: 106,
} as const);

/** Name of a darwin errno. */
export type DarwinErrnoName = keyof typeof darwinErrno;

/** darwin errno aliases: same number, other name. */
export const darwinErrnoAliases = Object.freeze({ EWOULDBLOCK: 'EAGAIN' } as const);

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
