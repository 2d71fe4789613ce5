// The darwin tables, value by value, against the numbers in xnu's headers
// (bsd/sys/fcntl.h, sys/_types/_seek_set.h, sys/stdio.h,
// sys/_types/_s_ifmt.h), written out here independently of the tables.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { darwinErrnoAliases } from '@tsfuse/passthrough';
import {
  darwinDecodeDev, darwinEncodeDev, darwinModeTypes, darwinOpenFlags, darwinRenameFlags, darwinSeek,
} from '../src/tables/darwin.js';
import { darwinHostTables } from '../src/tables/host-tables.js';

test('errno: darwinHostTables names host errnos with the darwin table (not Linux numbers)', () => {
  // Value by value in packages/passthrough/test/darwin-errno.test.ts; here only the wiring.
  assert.is(darwinHostTables.errnoName(102), 'EOPNOTSUPP'); // Linux 102 = ENETRESET
  assert.is(darwinHostTables.errnoName(93), 'ENOATTR'); // Linux 93 = EPROTONOSUPPORT
  assert.is(darwinHostTables.errnoName(107), undefined);
  assert.equal(darwinHostTables.errnoAliases, darwinErrnoAliases);
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
