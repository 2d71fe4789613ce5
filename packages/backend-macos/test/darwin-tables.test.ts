// The darwin tables, value by value, against the numbers in xnu's headers
// (bsd/sys/errno.h, bsd/sys/fcntl.h, sys/_types/_seek_set.h, sys/stdio.h,
// sys/_types/_s_ifmt.h), written out here independently of the tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  darwinDecodeDev, darwinEncodeDev, darwinErrno, darwinErrnoAliases, darwinModeTypes,
  darwinOpenFlags, darwinRenameFlags, darwinSeek,
} from '../src/tables/darwin.js';
import { darwinHostTables } from '../src/tables/host-tables.js';

// name, number, as listed in sys/errno.h (one per #define, in order).
const ERRNO_H = `
EPERM 1 ENOENT 2 ESRCH 3 EINTR 4 EIO 5 ENXIO 6 E2BIG 7 ENOEXEC 8 EBADF 9 ECHILD 10 EDEADLK 11
ENOMEM 12 EACCES 13 EFAULT 14 ENOTBLK 15 EBUSY 16 EEXIST 17 EXDEV 18 ENODEV 19 ENOTDIR 20
EISDIR 21 EINVAL 22 ENFILE 23 EMFILE 24 ENOTTY 25 ETXTBSY 26 EFBIG 27 ENOSPC 28 ESPIPE 29
EROFS 30 EMLINK 31 EPIPE 32 EDOM 33 ERANGE 34 EAGAIN 35 EINPROGRESS 36 EALREADY 37 ENOTSOCK 38
EDESTADDRREQ 39 EMSGSIZE 40 EPROTOTYPE 41 ENOPROTOOPT 42 EPROTONOSUPPORT 43 ESOCKTNOSUPPORT 44
ENOTSUP 45 EPFNOSUPPORT 46 EAFNOSUPPORT 47 EADDRINUSE 48 EADDRNOTAVAIL 49 ENETDOWN 50
ENETUNREACH 51 ENETRESET 52 ECONNABORTED 53 ECONNRESET 54 ENOBUFS 55 EISCONN 56 ENOTCONN 57
ESHUTDOWN 58 ETOOMANYREFS 59 ETIMEDOUT 60 ECONNREFUSED 61 ELOOP 62 ENAMETOOLONG 63 EHOSTDOWN 64
EHOSTUNREACH 65 ENOTEMPTY 66 EPROCLIM 67 EUSERS 68 EDQUOT 69 ESTALE 70 EREMOTE 71 EBADRPC 72
ERPCMISMATCH 73 EPROGUNAVAIL 74 EPROGMISMATCH 75 EPROCUNAVAIL 76 ENOLCK 77 ENOSYS 78 EFTYPE 79
EAUTH 80 ENEEDAUTH 81 EPWROFF 82 EDEVERR 83 EOVERFLOW 84 EBADEXEC 85 EBADARCH 86 ESHLIBVERS 87
EBADMACHO 88 ECANCELED 89 EIDRM 90 ENOMSG 91 EILSEQ 92 ENOATTR 93 EBADMSG 94 EMULTIHOP 95
ENODATA 96 ENOLINK 97 ENOSR 98 ENOSTR 99 EPROTO 100 ETIME 101 EOPNOTSUPP 102 ENOPOLICY 103
ENOTRECOVERABLE 104 EOWNERDEAD 105 EQFULL 106`;

const documented = new Map<string, number>();
{
  const words = ERRNO_H.trim().split(/\s+/);
  for (let i = 0; i < words.length; i += 2) documented.set(words[i]!, Number(words[i + 1]));
}

test('errno: every documented darwin errno, value by value', () => {
  assert.is(documented.size, 106);
  for (const [name, value] of documented) {
    assert.is((darwinErrno as Record<string, number>)[name], value, name);
  }
});

test('errno: the table holds nothing the header does not, and ELAST is 106', () => {
  assert.equal(Object.keys(darwinErrno).sort(), [...documented.keys()].sort());
  assert.is(Math.max(...Object.values(darwinErrno)), 106);
  assert.equal(darwinErrnoAliases, { EWOULDBLOCK: 'EAGAIN' });
});

test('errno: numbers that mean something else on Linux are named by the darwin table', () => {
  // The traps: each darwin number is a different Linux errno.
  assert.is(darwinHostTables.errnoName(102), 'EOPNOTSUPP'); // Linux 102 = ENETRESET
  assert.is(darwinHostTables.errnoName(93), 'ENOATTR'); // Linux 93 = EPROTONOSUPPORT
  assert.is(darwinHostTables.errnoName(45), 'ENOTSUP'); // Linux 45 = EL2NSYNC
  assert.is(darwinHostTables.errnoName(35), 'EAGAIN'); // Linux 35 = EDEADLK
  assert.is(darwinHostTables.errnoName(11), 'EDEADLK'); // Linux 11 = EAGAIN
  assert.is(darwinHostTables.errnoName(66), 'ENOTEMPTY'); // Linux 66 = EREMOTE
  assert.is(darwinHostTables.errnoName(62), 'ELOOP'); // Linux 62 = ETIME
  assert.is(darwinHostTables.errnoName(63), 'ENAMETOOLONG'); // Linux 63 = ENOSR
  assert.is(darwinHostTables.errnoName(70), 'ESTALE'); // Linux 70 = ECOMM
  assert.is(darwinHostTables.errnoName(69), 'EDQUOT');
  assert.is(darwinHostTables.errnoName(78), 'ENOSYS');
  assert.is(darwinHostTables.errnoName(96), 'ENODATA');
  assert.is(darwinHostTables.errnoName(107), undefined);
  assert.is(darwinHostTables.errnoName(0), undefined);
  for (const [name, value] of documented) assert.is(darwinHostTables.errnoName(value), name);
});

test('open flags: sys/fcntl.h values', () => {
  const expected: Record<string, number> = {
    O_RDONLY: 0x0, O_WRONLY: 0x1, O_RDWR: 0x2, O_ACCMODE: 0x3, O_NONBLOCK: 0x4, O_APPEND: 0x8,
    O_SHLOCK: 0x10, O_EXLOCK: 0x20, O_ASYNC: 0x40, O_SYNC: 0x80, O_NOFOLLOW: 0x100, O_CREAT: 0x200,
    O_TRUNC: 0x400, O_EXCL: 0x800, O_EVTONLY: 0x8000, O_NOCTTY: 0x20000, O_DIRECTORY: 0x100000,
    O_SYMLINK: 0x200000, O_DSYNC: 0x400000, O_CLOEXEC: 0x1000000, O_NOFOLLOW_ANY: 0x20000000,
    O_EXEC: 0x40000000,
  };
  assert.equal({ ...darwinOpenFlags }, expected);
  const t = darwinHostTables.openFlags;
  assert.is(t.O_CREAT, 0x200);
  assert.is(t.O_TRUNC, 0x400);
  assert.is(t.O_EXCL, 0x800);
  assert.is(t.O_NOFOLLOW, 0x100);
  assert.is(t.O_DIRECTORY, 0x100000);
  assert.is(t.O_SYNC, 0x80);
  assert.is(t.O_DSYNC, 0x400000);
  assert.is(t.O_NOCTTY, 0x20000);
  assert.is(t.O_APPEND, 0x8);
  assert.is(t.O_NONBLOCK, 0x4);
  assert.is(t.O_DIRECT, 0, 'darwin has no O_DIRECT');
  assert.is(t.O_NOATIME, 0, 'darwin has no O_NOATIME');
});

test('seek: SEEK_HOLE 3 and SEEK_DATA 4 on darwin (Linux: DATA 3, HOLE 4)', () => {
  assert.equal({ ...darwinSeek }, { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_HOLE: 3, SEEK_DATA: 4 });
});

test('rename: renamex_np RENAME_SWAP 2, RENAME_EXCL 4', () => {
  assert.is(darwinRenameFlags.RENAME_SWAP, 2);
  assert.is(darwinRenameFlags.RENAME_EXCL, 4);
  assert.is(darwinRenameFlags.RENAME_SECLUDE, 1);
  assert.equal(darwinHostTables.renameFlags, { noReplace: 4, exchange: 2 });
});

test('mode types: BSD octal values, S_IFWHT 0160000', () => {
  assert.equal({ ...darwinModeTypes }, {
    S_IFMT: 0o170000, S_IFIFO: 0o010000, S_IFCHR: 0o020000, S_IFDIR: 0o040000, S_IFBLK: 0o060000,
    S_IFREG: 0o100000, S_IFLNK: 0o120000, S_IFSOCK: 0o140000, S_IFWHT: 0o160000,
  });
  assert.is(darwinHostTables.S_IFWHT, 0o160000);
});

test('dev_t: darwin major in the top byte, 24-bit minor', () => {
  assert.equal(darwinDecodeDev(0x01000005), { major: 1, minor: 5 });
  assert.equal(darwinDecodeDev(0x10ffffff), { major: 16, minor: 0xffffff });
  assert.is(darwinEncodeDev(1, 5), 0x01000005);
  assert.is(darwinEncodeDev(255, 1), 0xff000001);
  // dev_t is a signed 32-bit int on darwin: Node may hand back a negative number.
  assert.equal(darwinDecodeDev(0xff000001 | 0), { major: 255, minor: 1 });
});

test.run();
