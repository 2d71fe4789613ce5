/**
 * darwin (macOS) errno numbers, as data so that they can be injected and
 * tested on any host: the number → name table a darwin host's 'UNKNOWN' errors
 * are named with, and the darwin-only names → the Linux errno that stands for
 * each (what ErrnoTranslator's `aliases` takes on macOS). Source, checked
 * value by value in test/darwin-errno.test.ts: xnu bsd/sys/errno.h
 * (__DARWIN_UNIX03, __DARWIN_C_FULL), ELAST 106.
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

/** darwin errno synonyms: same number, other name (not in darwinErrno). */
export const darwinErrnoSynonyms = Object.freeze({ EWOULDBLOCK: 'EAGAIN' } as const);

const darwinNames: string[] = [];
for (const [name, value] of Object.entries(darwinErrno)) darwinNames[value] ??= name;

/** The darwin name of a darwin errno number (positive), or undefined. */
export function darwinErrnoName(value: number): string | undefined {
  return darwinNames[value];
}

/**
 * Error code names darwin hosts report that Linux spells differently or lacks.
 * Inject with `new ErrnoTranslator({ aliases: darwinErrnoAliases })`.
 */
export const darwinErrnoAliases: Readonly<Record<string, string>> = {
  ENOATTR: 'ENODATA',
  EFTYPE: 'EINVAL',
  EAUTH: 'EACCES',
  ENEEDAUTH: 'EACCES',
  EPROCLIM: 'EAGAIN',
  EBADRPC: 'EIO',
  ERPCMISMATCH: 'EIO',
  EPROGUNAVAIL: 'EIO',
  EPROGMISMATCH: 'EIO',
  EPROCUNAVAIL: 'EIO',
  EPWROFF: 'EIO',
  EDEVERR: 'EIO',
  EBADEXEC: 'ENOEXEC',
  EBADARCH: 'ENOEXEC',
  ESHLIBVERS: 'ENOEXEC',
  EBADMACHO: 'ENOEXEC',
  ENOPOLICY: 'EPERM',
  EQFULL: 'ENOBUFS',
};
