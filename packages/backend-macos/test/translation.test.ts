// Linux → host translations (open flags, whence, rename flags) and host →
// Linux (errno by name, rdev, whiteouts, owners), value by value, for the
// darwin tables and for the running host's.
import fs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrnoTranslator, linuxDecodeDev, linuxEncodeDev } from '@tsfuse/passthrough';
import { darwinHostTables, nodeHostTables } from '../src/tables/host-tables.js';
import { linuxArmOpenFlags, linuxGenericOpenFlags, defaultLinuxClientArch } from '../src/tables/linux-client.js';
import { translateOpenFlags } from '../src/translate/open-flags.js';
import { translateWhence } from '../src/translate/seek.js';
import { translateRenameFlags } from '../src/translate/rename-flags.js';
import { AttrPresenter } from '../src/translate/attr.js';

const errnoOf = (fn: () => unknown) => {
  try { fn(); } catch (e) { return (e as { errno?: number }).errno; }
  return undefined;
};

// Linux numbers written out (asm-generic/fcntl.h), independent of the tables.
const L = { RDONLY: 0, WRONLY: 1, RDWR: 2, CREAT: 0o100, EXCL: 0o200, NOCTTY: 0o400, TRUNC: 0o1000, APPEND: 0o2000, NONBLOCK: 0o4000, DSYNC: 0o10000, FASYNC: 0o20000, DIRECT: 0o40000, LARGEFILE: 0o100000, DIRECTORY: 0o200000, NOFOLLOW: 0o400000, NOATIME: 0o1000000, CLOEXEC: 0o2000000, SYNC: 0o4010000, PATH: 0o10000000, TMPFILE: 0o20200000 };
// darwin numbers written out (sys/fcntl.h).
const D = { RDONLY: 0, WRONLY: 1, RDWR: 2, NONBLOCK: 0x4, APPEND: 0x8, SYNC: 0x80, NOFOLLOW: 0x100, CREAT: 0x200, TRUNC: 0x400, EXCL: 0x800, NOCTTY: 0x20000, DIRECTORY: 0x100000, DSYNC: 0x400000 };
const ALWAYS = D.NOFOLLOW | D.NOCTTY;

test('open flags, Linux → darwin, one flag at a time', () => {
  const t = (f: number) => translateOpenFlags(f, linuxGenericOpenFlags, darwinHostTables);
  assert.is(t(L.RDONLY).hostFlags, D.RDONLY | ALWAYS);
  assert.is(t(L.WRONLY).hostFlags, D.WRONLY | ALWAYS);
  assert.is(t(L.RDWR).hostFlags, D.RDWR | ALWAYS);
  assert.is(t(L.CREAT).hostFlags, D.CREAT | ALWAYS);
  assert.is(t(L.EXCL).hostFlags, D.EXCL | ALWAYS);
  assert.is(t(L.TRUNC).hostFlags, D.TRUNC | ALWAYS);
  assert.is(t(L.APPEND).hostFlags, D.APPEND | ALWAYS);
  assert.is(t(L.NONBLOCK).hostFlags, D.NONBLOCK | ALWAYS);
  assert.is(t(L.DIRECTORY).hostFlags, D.DIRECTORY | ALWAYS);
  assert.is(t(L.NOFOLLOW).hostFlags, ALWAYS);
  assert.is(t(L.NOCTTY).hostFlags, ALWAYS);
  // O_SYNC is __O_SYNC|O_DSYNC on Linux: it becomes darwin's O_SYNC alone; O_DSYNC alone stays DSYNC.
  assert.is(t(L.SYNC).hostFlags, D.SYNC | ALWAYS);
  assert.is(t(L.DSYNC).hostFlags, D.DSYNC | ALWAYS);
  // Dropped: client-side or unavailable on darwin.
  for (const f of [L.CLOEXEC, L.LARGEFILE, L.FASYNC, L.NOATIME, 0x20 /* __FMODE_EXEC */]) assert.is(t(f).hostFlags, ALWAYS, f.toString(8));
  // O_DIRECT: never to the host, answered with FOPEN_DIRECT_IO.
  assert.equal(t(L.DIRECT), { hostFlags: ALWAYS, directIo: true });
  assert.is(t(L.RDWR).directIo, false);
  // Never through FUSE_OPEN: refused.
  assert.is(errnoOf(() => t(L.PATH)), 22);
  assert.is(errnoOf(() => t(L.TMPFILE)), 22);
  assert.is(errnoOf(() => t(3)), 22);
  // A realistic combination: open(O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC|O_LARGEFILE).
  assert.is(t(L.WRONLY | L.CREAT | L.TRUNC | L.CLOEXEC | L.LARGEFILE).hostFlags, D.WRONLY | D.CREAT | D.TRUNC | ALWAYS);
});

test('open flags: an arm64 client numbers O_DIRECT/O_DIRECTORY/O_NOFOLLOW/O_LARGEFILE differently', () => {
  const t = (f: number) => translateOpenFlags(f, linuxArmOpenFlags, darwinHostTables);
  assert.is(linuxArmOpenFlags.O_DIRECTORY, 0o40000);
  assert.is(linuxArmOpenFlags.O_NOFOLLOW, 0o100000);
  assert.is(linuxArmOpenFlags.O_DIRECT, 0o200000);
  assert.is(linuxArmOpenFlags.O_LARGEFILE, 0o400000);
  assert.is(t(0o40000).hostFlags, D.DIRECTORY | ALWAYS); // x86's O_DIRECT number is arm's O_DIRECTORY
  assert.is(t(0o200000).directIo, true); // x86's O_DIRECTORY number is arm's O_DIRECT
  assert.is(t(0o400000 | L.RDWR).hostFlags, D.RDWR | ALWAYS); // arm's O_LARGEFILE is dropped
  assert.is(defaultLinuxClientArch('arm64'), 'arm');
  assert.is(defaultLinuxClientArch('x64'), 'generic');
});

test('open flags, Linux → this Linux host: the same numbers, O_NOATIME kept, O_DIRECT never', () => {
  const host = nodeHostTables();
  const c = fs.constants;
  const t = (f: number) => translateOpenFlags(f, linuxGenericOpenFlags, host).hostFlags;
  const always = c.O_NOFOLLOW | c.O_NOCTTY;
  assert.is(t(L.WRONLY | L.CREAT | L.EXCL | L.TRUNC | L.APPEND), c.O_WRONLY | c.O_CREAT | c.O_EXCL | c.O_TRUNC | c.O_APPEND | always);
  assert.is(t(L.SYNC), c.O_SYNC | always);
  assert.is(t(L.DSYNC), c.O_DSYNC | always);
  assert.is(t(L.NOATIME), c.O_NOATIME! | always);
  assert.is(t(L.DIRECT), always);
});

test('lseek whence: SEEK_DATA 3 → darwin 4, SEEK_HOLE 4 → darwin 3', () => {
  assert.is(translateWhence(0, darwinHostTables), 0);
  assert.is(translateWhence(1, darwinHostTables), 1);
  assert.is(translateWhence(2, darwinHostTables), 2);
  assert.is(translateWhence(3, darwinHostTables), 4);
  assert.is(translateWhence(4, darwinHostTables), 3);
  assert.is(errnoOf(() => translateWhence(5, darwinHostTables)), 22);
  assert.is(translateWhence(3, nodeHostTables()), 3);
  assert.is(translateWhence(4, nodeHostTables()), 4);
});

test('rename flags: NOREPLACE 1 → RENAME_EXCL 4, EXCHANGE 2 → RENAME_SWAP 2, the rest EINVAL', () => {
  assert.is(translateRenameFlags(0, darwinHostTables), 0);
  assert.is(translateRenameFlags(1, darwinHostTables), 4);
  assert.is(translateRenameFlags(2, darwinHostTables), 2);
  assert.is(errnoOf(() => translateRenameFlags(3, darwinHostTables)), 22); // NOREPLACE|EXCHANGE
  assert.is(errnoOf(() => translateRenameFlags(4, darwinHostTables)), 22); // WHITEOUT: darwin has none
  assert.is(errnoOf(() => translateRenameFlags(8, darwinHostTables)), 22);
  assert.is(translateRenameFlags(1, nodeHostTables()), 1);
  assert.is(translateRenameFlags(2, nodeHostTables()), 2);
});

// What Node on macOS throws: code when libuv knows the name, else 'UNKNOWN' with -errno.
const darwinError = (code: string, n: number) => Object.assign(new Error(code), { code, errno: -n });

test('errno: darwin errors to Linux by name, value by value', () => {
  const lines: string[] = [];
  const tr = new ErrnoTranslator({ aliases: darwinHostTables.errnoAliases, hostErrnoName: darwinHostTables.errnoName, log: (l) => lines.push(l) });
  const to = (e: unknown) => tr.toFuseError(e, 'test').errno;
  // Named by libuv: the name decides, never the darwin number.
  assert.is(to(darwinError('ENOENT', 2)), 2);
  assert.is(to(darwinError('EAGAIN', 35)), 11);
  assert.is(to(darwinError('ENOTEMPTY', 66)), 39);
  assert.is(to(darwinError('ELOOP', 62)), 40);
  assert.is(to(darwinError('ENAMETOOLONG', 63)), 36);
  assert.is(to(darwinError('ENOTSUP', 45)), 95);
  assert.is(to(darwinError('ENOSYS', 78)), 38);
  assert.is(to(darwinError('EOVERFLOW', 84)), 75);
  assert.is(to(darwinError('EILSEQ', 92)), 84);
  // Unnamed by libuv: the darwin number names it through the darwin table.
  assert.is(to(darwinError('UNKNOWN', 102)), 95, 'EOPNOTSUPP, not Linux 102 ENETRESET');
  assert.is(to(darwinError('UNKNOWN', 93)), 61, 'ENOATTR → ENODATA');
  assert.is(to(darwinError('UNKNOWN', 70)), 116, 'ESTALE');
  assert.is(to(darwinError('UNKNOWN', 69)), 122, 'EDQUOT');
  assert.is(to(darwinError('UNKNOWN', 77)), 37, 'ENOLCK');
  assert.is(to(darwinError('UNKNOWN', 11)), 35, 'EDEADLK');
  assert.is(to(darwinError('UNKNOWN', 10)), 10, 'ECHILD');
  assert.is(to(darwinError('UNKNOWN', 67)), 11, 'EPROCLIM → EAGAIN');
  assert.is(to(darwinError('UNKNOWN', 80)), 13, 'EAUTH → EACCES');
  assert.is(lines.length, 0);
  // Unknown everywhere: EIO and one log line.
  assert.is(to(darwinError('UNKNOWN', 107)), 5);
  assert.is(lines.length, 1);
  assert.is(to(new TypeError('boom')), 5);
  assert.is(lines.length, 2);
  // Every darwin errno maps to a Linux errno or EIO; never to the darwin number when it means something else.
  for (let n = 1; n <= 106; n++) {
    const name = darwinHostTables.errnoName(n)!;
    const linux = to(darwinError('UNKNOWN', n));
    assert.ok(linux !== undefined && linux > 0, name);
  }
});

test('errno: Linux host errors keep their meaning (UNKNOWN codes named by os.constants)', () => {
  const host = nodeHostTables();
  const tr = new ErrnoTranslator({ aliases: host.errnoAliases, hostErrnoName: host.errnoName, log: () => {} });
  assert.is(tr.toFuseError(Object.assign(new Error(), { code: 'UNKNOWN', errno: -116 }), 't').errno, 116);
  assert.is(tr.toFuseError(Object.assign(new Error(), { code: 'UNKNOWN', errno: -122 }), 't').errno, 122);
  assert.is(tr.toFuseError(Object.assign(new Error(), { code: 'ENOTSUP', errno: -95 }), 't').errno, 95);
});

function fakeStat(over: Partial<Record<keyof BigIntStats, bigint>>): BigIntStats {
  const base = fs.lstatSync('/', { bigint: true });
  return Object.assign(Object.create(Object.getPrototypeOf(base)), base, over) as BigIntStats;
}

test('stat: darwin rdev (8/24 bits) becomes Linux new_encode_dev; whiteout becomes char 0:0', () => {
  const p = new AttrPresenter(darwinHostTables, { enabled: false, uid: 501, gid: 20 });
  const tty = p.attr(fakeStat({ mode: 0o20620n, rdev: BigInt((16 << 24) | 3) }));
  assert.equal(linuxDecodeDev(tty.rdev), { major: 16, minor: 3 });
  const big = p.attr(fakeStat({ mode: 0o60640n, rdev: BigInt((1 << 24) | 0x12345) }));
  assert.equal(linuxDecodeDev(big.rdev), { major: 1, minor: 0x12345 });
  assert.is(big.rdev, linuxEncodeDev(1, 0x12345));
  const wht = p.attr(fakeStat({ mode: 0o160000n | 0o644n, rdev: 0n }));
  assert.is(wht.mode, 0o020644);
  assert.is(wht.rdev, 0);
  // 64-bit inode numbers stay exact; nanoseconds stay.
  const huge = p.attr(fakeStat({ ino: (1n << 62n) + 5n, mtimeNs: 1_700_000_000_123_456_789n }));
  assert.is(huge.ino, (1n << 62n) + 5n);
  assert.is(huge.mtime, 1_700_000_000);
  assert.is(huge.mtimensec, 123_456_789);
});

test('stat: Linux host rdev keeps its numbers', () => {
  const p = new AttrPresenter(nodeHostTables(), { enabled: false, uid: 0, gid: 0 });
  const st = fs.statSync('/dev/null', { bigint: true });
  assert.equal(linuxDecodeDev(p.attr(st).rdev), { major: 1, minor: 3 });
});

test('owners: mapOwnerToRoot shows the daemon ids as 0 and maps 0 back', () => {
  const p = new AttrPresenter(darwinHostTables, { enabled: true, uid: 501, gid: 20 });
  const a = p.attr(fakeStat({ uid: 501n, gid: 20n }));
  assert.is(a.uid, 0);
  assert.is(a.gid, 0);
  const other = p.attr(fakeStat({ uid: 502n, gid: 12n }));
  assert.is(other.uid, 502);
  assert.is(other.gid, 12);
  assert.is(p.hostUid(0), 501);
  assert.is(p.hostGid(0), 20);
  assert.is(p.hostUid(7), 7);
  assert.is(p.hostUid(-1), -1);
  const off = new AttrPresenter(darwinHostTables, { enabled: false, uid: 501, gid: 20 });
  assert.is(off.attr(fakeStat({ uid: 501n })).uid, 501);
  assert.is(off.hostUid(0), 0);
});

test.run();
