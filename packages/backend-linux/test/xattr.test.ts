import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FATTR_FH, FATTR_MODE, FATTR_UID, RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, errno } from '@tsfuse/protocol';
import { SETTLE_MS } from '../src/dir-listing.js';
import { b, backend, ctx, errnoOf, listAll, sandbox, setattrIn } from './helpers.js';

/**
 * Extended attributes and renameat2 (RENAME_EXCHANGE, RENAME_WHITEOUT) of the
 * Linux backend, made by the resident perl helper on the magic links of our
 * O_PATH descriptors. The host's own view is read with python3 (os.getxattr
 * with follow_symlinks=False), never through the backend under test.
 */
const box = sandbox('tsfuse-linux-xattr-');
const { src, outside } = box;
const C = ctx();
const lines: string[] = [];
const be = backend(src, {}, lines);
test.after(() => {
  be.destroy();
  box.cleanup();
});

/** The host's xattrs of `p` (the object itself, a symlink too), as name → hex. */
function hostXattrs(p: string): Record<string, string> {
  const r = spawnSync('python3', ['-c', `import os,sys,json
p=sys.argv[1]
print(json.dumps({n: os.getxattr(p, n, follow_symlinks=False).hex() for n in os.listxattr(p, follow_symlinks=False)}))`, p], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Wait until a change made just now counts as settled (its ctime older than SETTLE_MS). */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS + 50);
}

const bytes = (v: Uint8Array | number): Buffer => {
  if (typeof v === 'number') throw new Error(`a length (${v}), not bytes`);
  return Buffer.from(v);
};

test('xattrs: false leaves the four methods out, so the session answers ENOSYS and the kernel stops asking', () => {
  const off = backend(src, { xattrs: false }, []);
  try {
    for (const m of ['setxattr', 'getxattr', 'listxattr', 'removexattr'] as const) assert.is(typeof (off as unknown as Record<string, unknown>)[m], 'undefined', m);
    assert.is(typeof be.getxattr, 'function', 'on by default');
  } finally {
    off.destroy();
  }
});

test('set/get/list/remove round trip with binary values, size-0 queries, ERANGE', () => {
  fs.writeFileSync(path.join(src, 'f'), 'x');
  const f = be.lookup(C, 1, b('f')).nodeid;
  const bin = Buffer.from([0, 255, 10, 9, 0x5c, 0x0a, 0, 1]);
  be.setxattr(C, f, 'user.bin', bin, 0);
  be.setxattr(C, f, 'user.empty', new Uint8Array(0), 0);
  be.setxattr(C, f, 'user.ünï', Buffer.from('utf8 name'), 0);
  assert.equal(hostXattrs(path.join(src, 'f')), { 'user.bin': bin.toString('hex'), 'user.empty': '', 'user.ünï': Buffer.from('utf8 name').toString('hex') });
  assert.is(be.getxattr(C, f, 'user.bin', 0), 8, 'size 0: the length');
  assert.ok(bytes(be.getxattr(C, f, 'user.bin', 8)).equals(bin));
  assert.ok(bytes(be.getxattr(C, f, 'user.bin', 1 << 20)).equals(bin), 'a larger buffer is fine (capped at XATTR_SIZE_MAX)');
  assert.is(errnoOf(() => be.getxattr(C, f, 'user.bin', 7)), errno.ERANGE);
  assert.is(be.getxattr(C, f, 'user.empty', 0), 0);
  assert.is(bytes(be.getxattr(C, f, 'user.empty', 10)).length, 0, 'an empty value is bytes, not a length');
  const list = Buffer.from('user.bin\0user.empty\0user.ünï\0', 'utf8');
  assert.is(be.listxattr(C, f, 0), list.length);
  const got = bytes(be.listxattr(C, f, list.length));
  assert.equal(got.toString('utf8').split('\0').sort(), list.toString('utf8').split('\0').sort());
  assert.is(errnoOf(() => be.listxattr(C, f, list.length - 1)), errno.ERANGE);
  be.removexattr(C, f, 'user.bin');
  assert.is(errnoOf(() => be.getxattr(C, f, 'user.bin', 0)), errno.ENODATA);
  assert.is(errnoOf(() => be.removexattr(C, f, 'user.bin')), errno.ENODATA, 'remove missing');
  assert.equal(Object.keys(hostXattrs(path.join(src, 'f'))).sort(), ['user.empty', 'user.ünï']);
  // A directory too.
  const d = be.mkdir(C, 1, b('dir'), 0o755, 0).nodeid;
  be.setxattr(C, d, 'user.d', Buffer.from('dv'), 0);
  assert.equal(hostXattrs(path.join(src, 'dir')), { 'user.d': Buffer.from('dv').toString('hex') });
  assert.is(lines.length, 0, lines.join('\n'));
});

test('XATTR_CREATE on existing → EEXIST, XATTR_REPLACE on missing → ENODATA, each leaves the value', () => {
  fs.writeFileSync(path.join(src, 'cr'), 'x');
  const f = be.lookup(C, 1, b('cr')).nodeid;
  be.setxattr(C, f, 'user.a', Buffer.from('1'), 1 /* XATTR_CREATE */);
  assert.is(errnoOf(() => be.setxattr(C, f, 'user.a', Buffer.from('2'), 1)), errno.EEXIST);
  assert.is(errnoOf(() => be.setxattr(C, f, 'user.b', Buffer.from('2'), 2 /* XATTR_REPLACE */)), errno.ENODATA);
  be.setxattr(C, f, 'user.a', Buffer.from('3'), 2);
  assert.equal(hostXattrs(path.join(src, 'cr')), { 'user.a': Buffer.from('3').toString('hex') });
  assert.is(errnoOf(() => be.setxattr(C, f, 'user.a', Buffer.from('4'), 3)), errno.EEXIST, 'both flags on an existing one: the host checks CREATE first');
  assert.is(errnoOf(() => be.setxattr(C, f, 'user.a', Buffer.from('4'), 4)), errno.EINVAL, 'an unknown flag: the host says EINVAL');
  assert.is(errnoOf(() => be.setxattr(C, f, 'nonamespace', Buffer.from('4'), 0)), errno.EOPNOTSUPP, 'unknown namespace');
  assert.is(errnoOf(() => be.setxattr(C, f, 'user.big', Buffer.alloc(65537), 0)), errno.E2BIG, 'over XATTR_SIZE_MAX');
  const fsLimit = errnoOf(() => be.setxattr(C, f, 'user.big', Buffer.alloc(65536, 1), 0));
  // ext4 answers ENOSPC (value over a block), tmpfs/xfs/btrfs may take it: either way the host's own answer.
  assert.ok(fsLimit === 0 || fsLimit === errno.ENOSPC || fsLimit === errno.E2BIG, `64 KiB value: ${fsLimit}`);
  if (fsLimit === 0) assert.is(be.getxattr(C, f, 'user.big', 0), 65536);
});

test('trusted.* and security.* as root', () => {
  if (process.getuid?.() !== 0) return;
  fs.writeFileSync(path.join(src, 'tr'), 'x');
  const f = be.lookup(C, 1, b('tr')).nodeid;
  be.setxattr(C, f, 'trusted.t', Buffer.from([1, 2, 3]), 0);
  be.setxattr(C, f, 'security.tsfuse', Buffer.from('s'), 0);
  assert.ok(bytes(be.getxattr(C, f, 'trusted.t', 3)).equals(Buffer.from([1, 2, 3])));
  const host = hostXattrs(path.join(src, 'tr'));
  assert.is(host['trusted.t'], '010203');
  assert.is(host['security.tsfuse'], Buffer.from('s').toString('hex'));
});

test('routine names (ACLs, SELinux label, capabilities): one listxattr answers them while ctime stays; any change is seen', () => {
  if (process.getuid?.() !== 0) return;
  const calls = { get: 0, list: 0 };
  const h = be.hostCalls;
  const get = h.getxattr.bind(h);
  const list = h.listxattr.bind(h);
  h.getxattr = (...a) => (calls.get++, get(...a));
  h.listxattr = (...a) => (calls.list++, list(...a));
  try {
    const file = path.join(src, 'routine');
    fs.writeFileSync(file, 'x');
    const f = be.lookup(C, 1, b('routine')).nodeid;
    // Fresh: its ctime is too recent to vouch for a list, so each name is asked for.
    assert.is(errnoOf(() => be.getxattr(C, f, 'security.selinux', 255)), errno.ENODATA);
    assert.is(errnoOf(() => be.getxattr(C, f, 'system.posix_acl_access', 4096)), errno.ENODATA);
    assert.equal(calls, { get: 2, list: 0 }, 'unsettled: no list kept');
    settle();
    calls.get = 0;
    assert.is(errnoOf(() => be.getxattr(C, f, 'security.selinux', 255)), errno.ENODATA);
    assert.is(errnoOf(() => be.getxattr(C, f, 'system.posix_acl_access', 4096)), errno.ENODATA);
    assert.is(errnoOf(() => be.getxattr(C, f, 'system.posix_acl_default', 4096)), errno.ENODATA);
    assert.is(errnoOf(() => be.getxattr(C, f, 'security.capability', 0)), errno.ENODATA);
    assert.equal(calls, { get: 0, list: 1 }, 'settled: one list for four routine queries');
    assert.is(errnoOf(() => be.getxattr(C, f, 'user.other', 0)), errno.ENODATA);
    assert.is(calls.get, 1, 'a name outside the routine set is always asked for');
    // Set on the host (ctime moves): seen at once, with its value.
    const cap = spawnSync('python3', ['-c', 'import os,struct,sys; os.setxattr(sys.argv[1], "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0))', file], { encoding: 'utf8' });
    assert.is(cap.status, 0, cap.stderr);
    const v = bytes(be.getxattr(C, f, 'security.capability', 100));
    assert.is(v.length, 20);
    assert.is(v.readUInt32LE(4), 1 << 13);
    // Removed through the mount: gone at once too (no list to trust until it settles again).
    be.removexattr(C, f, 'security.capability');
    assert.is(errnoOf(() => be.getxattr(C, f, 'security.capability', 0)), errno.ENODATA);
    settle();
    calls.list = 0;
    assert.is(errnoOf(() => be.getxattr(C, f, 'security.capability', 0)), errno.ENODATA);
    assert.is(errnoOf(() => be.getxattr(C, f, 'security.selinux', 0)), errno.ENODATA);
    assert.is(calls.list, 1);
  } finally {
    h.getxattr = get;
    h.listxattr = list;
  }
});

/** How many xattr requests the helper got during `fn`. */
function helperCalls(fn: () => void): number {
  const h = be.hostCalls;
  const get = h.getxattr.bind(h);
  const list = h.listxattr.bind(h);
  const ahead = h.listxattrAhead.bind(h);
  let n = 0;
  h.getxattr = (...a) => (n++, get(...a));
  h.listxattr = (...a) => (n++, list(...a));
  h.listxattrAhead = (...a) => (n++, ahead(...a));
  try {
    fn();
  } finally {
    h.getxattr = get;
    h.listxattr = list;
    h.listxattrAhead = ahead;
  }
  return n;
}

/** Sets a file capability (cap_net_bind_service) on the host, behind the backend. */
function hostSetCapability(file: string): void {
  const r = spawnSync('python3', ['-c', 'import os,struct,sys; os.setxattr(sys.argv[1], "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 10, 0, 0, 0))', file], { encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
}

const O_CREAT_WRONLY = 0o101;

test('a file the backend created answers security.capability without the helper while only it changed the file; a host change is seen', () => {
  if (process.getuid?.() !== 0) return;
  const r = be.create(C, 1, b('made-here'), 0o644, 0, O_CREAT_WRONLY);
  const id = r.entry.nodeid;
  const calls = helperCalls(() => {
    // The kernel's queries on a new file: before the first write, and before a chown.
    assert.is(errnoOf(() => be.getxattr(C, id, 'security.capability', 0)), errno.ENODATA);
    assert.is(be.write(C, id, r.fh, 0, b('data'), 0, 0), 4);
    be.setattr(C, id, setattrIn({ valid: FATTR_UID | FATTR_FH, fh: r.fh, uid: 0 }));
    be.setattr(C, id, setattrIn({ valid: FATTR_MODE, mode: 0o600 }));
    assert.is(errnoOf(() => be.getxattr(C, id, 'security.capability', 0)), errno.ENODATA);
  });
  assert.is(calls, 0, 'no helper round trip for the file the backend made and alone changed');
  // Any other routine name is not covered by that knowledge: the helper is asked.
  assert.is(helperCalls(() => assert.is(errnoOf(() => be.getxattr(C, id, 'security.selinux', 0)), errno.ENODATA)), 1);
  // Set on the host behind the backend (ctime moves): seen at once, and the knowledge is gone.
  hostSetCapability(path.join(src, 'made-here'));
  assert.is(bytes(be.getxattr(C, id, 'security.capability', 100)).readUInt32LE(4), 1 << 10);
  assert.is(be.write(C, id, r.fh, 4, b('more'), 0, 0), 4);
  // The host removed it at our write (as for any writer); the answer now comes from the host, not from memory.
  assert.is(helperCalls(() => assert.is(errnoOf(() => be.getxattr(C, id, 'security.capability', 0)), errno.ENODATA)), 1);
  be.release(C, id, r.fh, 0, 0, 0n);
});

test('a capability set on the host right after the backend created the file is seen; a file made on the host is always asked about', () => {
  if (process.getuid?.() !== 0) return;
  const r = be.create(C, 1, b('made-then-set'), 0o644, 0, O_CREAT_WRONLY);
  hostSetCapability(path.join(src, 'made-then-set'));
  assert.is(bytes(be.getxattr(C, r.entry.nodeid, 'security.capability', 100)).readUInt32LE(4), 1 << 10);
  be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
  fs.writeFileSync(path.join(src, 'host-made'), '');
  const o = be.lookup(C, 1, b('host-made')).nodeid;
  assert.is(helperCalls(() => assert.is(errnoOf(() => be.getxattr(C, o, 'security.capability', 0)), errno.ENODATA)), 1);
});

test('ls -l of a listed directory: the routine names of its entries are read ahead, a part of the listing per helper call; a host change is still seen', () => {
  if (process.getuid?.() !== 0) return;
  const dir = path.join(src, 'ahead');
  fs.mkdirSync(dir);
  const count = 300;
  for (let i = 0; i < count; i++) fs.writeFileSync(path.join(dir, `f${i}`), '');
  fs.symlinkSync('/etc/passwd', path.join(dir, 'link'));
  settle();
  const d = be.lookup(C, 1, b('ahead')).nodeid;
  const { fh } = be.opendir(C, d, 0);
  const entries = listAll(be, d, fh, 100, { plus: true }).filter((e) => e.name !== '.' && e.name !== '..');
  be.releasedir(C, d, fh, 0);
  assert.is(entries.length, count + 1);
  const ids = new Map(entries.map((e) => [e.name, e.entry!.nodeid]));
  // As ls -l asks: name order, two routine names per entry.
  const names = [...ids.keys()].sort();
  const calls = helperCalls(() => {
    for (const n of names) {
      assert.is(errnoOf(() => be.getxattr(C, ids.get(n)!, 'security.selinux', 0)), errno.ENODATA);
      assert.is(errnoOf(() => be.getxattr(C, ids.get(n)!, 'system.posix_acl_access', 0)), errno.ENODATA);
    }
  });
  // The first miss alone, then one call per part of 128 entries (3 parts); was one per entry.
  assert.ok(calls <= 1 + Math.ceil((count + 1) / 128), `${calls} helper calls for ${count + 1} entries`);
  // A list read ahead but not yet used, then a capability set on the host: the query sees it.
  const dir2 = path.join(src, 'ahead2');
  fs.mkdirSync(dir2);
  for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(dir2, `g${i}`), '');
  settle();
  const d2 = be.lookup(C, 1, b('ahead2')).nodeid;
  const h2 = be.opendir(C, d2, 0);
  const ids2 = new Map(listAll(be, d2, h2.fh, 100, { plus: true }).map((e) => [e.name, e.entry?.nodeid ?? 0]));
  be.releasedir(C, d2, h2.fh, 0);
  assert.is(errnoOf(() => be.getxattr(C, ids2.get('g0')!, 'security.capability', 0)), errno.ENODATA);
  // The second miss reads the part ahead (one call), so g2 and g3 have lists waiting.
  assert.is(helperCalls(() => assert.is(errnoOf(() => be.getxattr(C, ids2.get('g1')!, 'security.capability', 0)), errno.ENODATA)), 1);
  hostSetCapability(path.join(dir2, 'g2'));
  hostSetCapability(path.join(dir2, 'g3'));
  assert.is(bytes(be.getxattr(C, ids2.get('g3')!, 'security.capability', 100)).readUInt32LE(4), 1 << 10);
  assert.is(bytes(be.getxattr(C, ids2.get('g2')!, 'security.capability', 100)).readUInt32LE(4), 1 << 10);
});

test('a symlink node: user.* is EPERM (as Linux), trusted.* lands on the link itself; its target (outside SRC) is never touched', () => {
  const victim = path.join(outside, 'victim');
  fs.writeFileSync(victim, 'secret');
  spawnSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "user.keep", b"orig")', victim]);
  const before = hostXattrs(victim);
  assert.equal(before, { 'user.keep': Buffer.from('orig').toString('hex') });
  fs.symlinkSync(victim, path.join(src, 'out-link'));
  fs.symlinkSync('/nonexistent/x', path.join(src, 'dangling'));
  for (const name of ['out-link', 'dangling']) {
    const l = be.lookup(C, 1, b(name)).nodeid;
    assert.is(errnoOf(() => be.setxattr(C, l, 'user.x', Buffer.from('evil'), 0)), errno.EPERM, `${name}: user.* on a symlink`);
    assert.is(errnoOf(() => be.getxattr(C, l, 'user.keep', 0)), errno.ENODATA, `${name}: the target's value is not read`);
    assert.is(errnoOf(() => be.removexattr(C, l, 'user.keep')), errno.EPERM, `${name}: nor removed (user.* on a symlink)`);
    if (process.getuid?.() === 0) {
      be.setxattr(C, l, 'trusted.l', Buffer.from('on-link'), 0);
      assert.equal(hostXattrs(path.join(src, name)), { 'trusted.l': Buffer.from('on-link').toString('hex') }, `${name}: the link itself`);
      const list = bytes(be.listxattr(C, l, 100)).toString();
      assert.is(list, 'trusted.l\0', `${name}: the link's list, not the target's`);
    }
  }
  assert.equal(hostXattrs(victim), before, 'the target outside SRC is untouched');
  assert.is(fs.readFileSync(victim, 'utf8'), 'secret');
});

test('RENAME_EXCHANGE of two files: host swapped, lookups give the swapped inodes, old nodeids still answer', () => {
  fs.writeFileSync(path.join(src, 'xa'), 'A');
  fs.mkdirSync(path.join(src, 'sub'));
  fs.writeFileSync(path.join(src, 'sub', 'xb'), 'BB');
  const a = be.lookup(C, 1, b('xa'));
  const sub = be.lookup(C, 1, b('sub'));
  const bb = be.lookup(C, sub.nodeid, b('xb'));
  be.rename(C, 1, b('xa'), sub.nodeid, b('xb'), RENAME_EXCHANGE);
  assert.is(fs.readFileSync(path.join(src, 'xa'), 'utf8'), 'BB');
  assert.is(fs.readFileSync(path.join(src, 'sub', 'xb'), 'utf8'), 'A');
  assert.is(be.lookup(C, 1, b('xa')).nodeid, bb.nodeid, 'xa now names the old sub/xb');
  assert.is(be.lookup(C, sub.nodeid, b('xb')).nodeid, a.nodeid, 'sub/xb now names the old xa');
  assert.is(be.getattr(C, a.nodeid, undefined).attr.size, 1);
  assert.is(be.getattr(C, bb.nodeid, undefined).attr.size, 2);
  // The records' paths are right: after their descriptors are dropped, each re-resolves by its new path.
  be.resolver.workingSet.clear();
  assert.is(be.getattr(C, a.nodeid, undefined).attr.size, 1, 'old xa re-resolved at sub/xb');
  assert.is(be.getattr(C, bb.nodeid, undefined).attr.size, 2, 'old sub/xb re-resolved at xa');
  assert.is(errnoOf(() => be.rename(C, 1, b('xa'), 1, b('missing'), RENAME_EXCHANGE)), errno.ENOENT, 'exchange needs both names');
  assert.is(errnoOf(() => be.rename(C, 1, b('xa'), 1, b('..'), RENAME_EXCHANGE)), errno.EBUSY, 'hostile name refused before the host (as rename of ".." on Linux)');
});

test('RENAME_EXCHANGE of a file and a directory, and with NOREPLACE → EINVAL', () => {
  fs.writeFileSync(path.join(src, 'ef'), 'file');
  fs.mkdirSync(path.join(src, 'ed'));
  fs.writeFileSync(path.join(src, 'ed', 'inner'), 'in');
  const f = be.lookup(C, 1, b('ef'));
  const d = be.lookup(C, 1, b('ed'));
  const inner = be.lookup(C, d.nodeid, b('inner'));
  be.rename(C, 1, b('ef'), 1, b('ed'), RENAME_EXCHANGE);
  assert.ok(fs.statSync(path.join(src, 'ef')).isDirectory());
  assert.is(fs.readFileSync(path.join(src, 'ed'), 'utf8'), 'file');
  assert.is(be.lookup(C, 1, b('ef')).nodeid, d.nodeid);
  assert.is(be.lookup(C, 1, b('ed')).nodeid, f.nodeid);
  be.resolver.workingSet.clear();
  assert.is(be.getattr(C, inner.nodeid, undefined).attr.size, 2, 'a child of the moved directory re-resolves through ef/inner');
  assert.is(be.lookup(C, d.nodeid, b('inner')).nodeid, inner.nodeid);
  assert.is(errnoOf(() => be.rename(C, 1, b('ef'), 1, b('ed'), RENAME_EXCHANGE | RENAME_NOREPLACE)), errno.EINVAL);
});

test('RENAME_WHITEOUT as root: a 0/0 character device stays at the old name; the new name is replaced', () => {
  if (process.getuid?.() !== 0) return;
  fs.writeFileSync(path.join(src, 'w1'), 'w');
  fs.writeFileSync(path.join(src, 'w2'), 'old');
  const w1 = be.lookup(C, 1, b('w1'));
  const w2 = be.lookup(C, 1, b('w2'));
  be.rename(C, 1, b('w1'), 1, b('w2'), RENAME_WHITEOUT);
  const st = fs.lstatSync(path.join(src, 'w1'));
  assert.ok(st.isCharacterDevice() && st.rdev === 0, 'whiteout');
  assert.is(fs.readFileSync(path.join(src, 'w2'), 'utf8'), 'w');
  assert.is(be.lookup(C, 1, b('w2')).nodeid, w1.nodeid);
  assert.is(be.getattr(C, w2.nodeid, undefined).attr.nlink, 0, 'the replaced inode still answers (held)');
  assert.is(errnoOf(() => be.rename(C, 1, b('w2'), 1, b('w1'), RENAME_WHITEOUT | RENAME_NOREPLACE)), errno.EEXIST);
});

test('helper unavailable (killed): xattrs answer ENOSYS, EXCHANGE/WHITEOUT EINVAL as before, one log line', () => {
  const log: string[] = [];
  const dead = backend(src, {}, log);
  try {
    fs.writeFileSync(path.join(src, 'u1'), '1');
    fs.writeFileSync(path.join(src, 'u2'), '2');
    const u = dead.lookup(C, 1, b('u1')).nodeid;
    dead.listxattr(C, u, 0); // starts it
    const pid = dead.hostCalls.pid!;
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 5000;
    while (fs.existsSync(`/proc/${pid}/stat`) && !/\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'latin1')) && Date.now() < until) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
    assert.is(errnoOf(() => dead.getxattr(C, u, 'user.a', 0)), errno.ENOSYS);
    assert.is(errnoOf(() => dead.setxattr(C, u, 'user.a', Buffer.from('x'), 0)), errno.ENOSYS);
    assert.is(errnoOf(() => dead.listxattr(C, u, 10)), errno.ENOSYS);
    assert.is(errnoOf(() => dead.removexattr(C, u, 'user.a')), errno.ENOSYS);
    assert.is(errnoOf(() => dead.rename(C, 1, b('u1'), 1, b('u2'), RENAME_EXCHANGE)), errno.EINVAL);
    assert.is(errnoOf(() => dead.rename(C, 1, b('u1'), 1, b('u3'), RENAME_WHITEOUT)), errno.EINVAL);
    assert.is(fs.readFileSync(path.join(src, 'u1'), 'utf8'), '1', 'nothing moved');
    assert.is(log.length, 1, log.join('\n'));
    assert.match(log[0]!, /helper unavailable.*xattrs are unsupported/);
  } finally {
    dead.destroy();
  }
});

test.run();
