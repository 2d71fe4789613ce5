// The darwin errno table, value by value, against the numbers in xnu's
// bsd/sys/errno.h, written out here independently of the table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrnoTranslator, darwinErrno, darwinErrnoAliases, darwinErrnoName, darwinErrnoSynonyms } from '../src/index.js';

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
  assert.equal(darwinErrnoSynonyms, { EWOULDBLOCK: 'EAGAIN' });
});

test('errno: numbers that mean something else on Linux are named by the darwin table', () => {
  // The traps: each darwin number is a different Linux errno.
  assert.is(darwinErrnoName(102), 'EOPNOTSUPP'); // Linux 102 = ENETRESET
  assert.is(darwinErrnoName(93), 'ENOATTR'); // Linux 93 = EPROTONOSUPPORT
  assert.is(darwinErrnoName(45), 'ENOTSUP'); // Linux 45 = EL2NSYNC
  assert.is(darwinErrnoName(35), 'EAGAIN'); // Linux 35 = EDEADLK
  assert.is(darwinErrnoName(11), 'EDEADLK'); // Linux 11 = EAGAIN
  assert.is(darwinErrnoName(66), 'ENOTEMPTY'); // Linux 66 = EREMOTE
  assert.is(darwinErrnoName(62), 'ELOOP'); // Linux 62 = ETIME
  assert.is(darwinErrnoName(63), 'ENAMETOOLONG'); // Linux 63 = ENOSR
  assert.is(darwinErrnoName(70), 'ESTALE'); // Linux 70 = ECOMM
  assert.is(darwinErrnoName(69), 'EDQUOT');
  assert.is(darwinErrnoName(78), 'ENOSYS');
  assert.is(darwinErrnoName(96), 'ENODATA');
  assert.is(darwinErrnoName(107), undefined);
  assert.is(darwinErrnoName(0), undefined);
  for (const [name, value] of documented) assert.is(darwinErrnoName(value), name);
});

test('aliases: each darwin-only name is a darwin errno and maps to a Linux errno', () => {
  const tr = new ErrnoTranslator({ aliases: darwinErrnoAliases, log: () => {} });
  for (const [name, linux] of Object.entries(darwinErrnoAliases)) {
    assert.ok(name in darwinErrno, name);
    assert.ok(tr.errnoOf(name) !== undefined, `${name} → ${linux}`);
  }
});

test.run();
