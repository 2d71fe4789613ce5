import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errno } from '@tsfuse/protocol';
import { AHEAD_MAX_LIST, AHEAD_MAX_NAMES, ErrnoTranslator, O_NOFOLLOW, O_PATH, UTIME_NOW, UTIME_OMIT, HOST_CALL_UNAVAILABLE, HostSyscalls } from '../src/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-utimens-test-'));
const lines: string[] = [];
const helper = new HostSyscalls({ log: (l) => lines.push(l) });
const opened: number[] = [];
test.after(() => {
  helper.close();
  for (const fd of opened) fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh file and a read-only descriptor of it. */
function file(name: string): { p: string; fd: number } {
  const p = path.join(dir, name);
  fs.writeFileSync(p, 'x');
  const fd = fs.openSync(p, 'r');
  opened.push(fd);
  return { p, fd };
}

const ns = (p: string) => {
  const st = fs.lstatSync(p, { bigint: true });
  return [st.atimeNs, st.mtimeNs];
};

/** Whether `pid` runs (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

function waitGone(pid: number, ms = 5000): boolean {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  return false;
}

test('exact nanoseconds both ways, negative (pre-1970) times included', () => {
  const { p, fd } = file('exact');
  assert.is(helper.setTimes(fd, 1_100_000_000, 123_456_789, -7, 999_999_999), 0);
  assert.equal(ns(p), [1_100_000_000_123_456_789n, -6_000_000_001n]);
  assert.is(helper.setTimes(fd, -1, 1, 0, 1), 0);
  assert.equal(ns(p), [-999_999_999n, 1n]);
  assert.ok(helper.running, 'served by the helper, not a fallback');
  assert.is(lines.length, 0, 'nothing logged');
});

test('UTIME_OMIT leaves the other time untouched to the nanosecond', () => {
  const { p, fd } = file('omit');
  assert.is(helper.setTimes(fd, 1_500_000_000, 111_111_111, 1_600_000_000, 222_222_222), 0);
  assert.is(helper.setTimes(fd, 999 /* ignored */, UTIME_OMIT, 1_700_000_000, 333_333_333), 0);
  assert.equal(ns(p), [1_500_000_000_111_111_111n, 1_700_000_000_333_333_333n], 'mtime only: atime unchanged');
  assert.is(helper.setTimes(fd, 1_800_000_000, 444_444_444, 0, UTIME_OMIT), 0);
  assert.equal(ns(p), [1_800_000_000_444_444_444n, 1_700_000_000_333_333_333n], 'atime only: mtime unchanged');
});

test('UTIME_NOW is the kernel clock; the omitted time stays', () => {
  const { p, fd } = file('now');
  assert.is(helper.setTimes(fd, 0, 5, 0, 6), 0);
  const before = BigInt(Date.now()) * 1_000_000n;
  assert.is(helper.setTimes(fd, 0, UTIME_NOW, 0, UTIME_OMIT), 0);
  const after = BigInt(Date.now()) * 1_000_000n;
  const [a, m] = ns(p);
  // The kernel stamps with its coarse clock (up to a tick behind the wall clock).
  assert.ok(a! >= before - 50_000_000n && a! <= after + 50_000_000n, `atime ${a} within [${before}, ${after}]`);
  assert.is(m, 6n);
});

test('errors: a descriptor that is not open answers ENOENT; bad times EINVAL; the errno maps by name', () => {
  const fd = fs.openSync(path.join(dir, 'exact'), 'r');
  fs.closeSync(fd);
  assert.is(helper.setTimes(fd, 1, 1, 1, 1), errno.ENOENT);
  assert.is(helper.setTimes(opened[0]!, 1, 1_000_000_000, 1, 1), errno.EINVAL, 'nanoseconds out of range: the kernel says EINVAL');
  assert.is(helper.setTimes(opened[0]!, 1.5, 1, 1, 1), errno.EINVAL, 'fractional seconds never reach the helper');
  assert.throws(() => helper.setTimes(-1, 1, 1, 1, 1), /not a descriptor/);
  const log: string[] = [];
  const t = new ErrnoTranslator({ log: (l) => log.push(l) });
  assert.is(t.fromHostErrno(errno.ENOENT, 'x').errno, errno.ENOENT);
  assert.is(t.fromHostErrno(errno.EPERM, 'x').errno, errno.EPERM);
  assert.is(t.fromHostErrno(4000, 'x').errno, errno.EIO);
  assert.is(log.length, 1, 'an unknown number is logged');
  assert.is(helper.running, true, 'errors leave the helper running');
});

test('an O_PATH descriptor of a symlink sets the symlink itself (as /proc/self/fd/N does), never its target', () => {
  const { p } = file('target');
  const before = ns(p);
  fs.symlinkSync('target', path.join(dir, 'link'));
  fs.symlinkSync('/nonexistent/x', path.join(dir, 'dangling'));
  for (const name of ['link', 'dangling']) {
    const fd = fs.openSync(path.join(dir, name), O_PATH | O_NOFOLLOW);
    opened.push(fd);
    assert.is(helper.setTimes(fd, 42, 424_242_424, 43, 434_343_434), 0);
    assert.equal(ns(path.join(dir, name)), [42_424_242_424n, 43_434_343_434n], name);
  }
  assert.equal(ns(p), before, 'target untouched');
});

test('xattrs: binary values and names both ways, size-0 lengths, ERANGE, long lists (reply buffer grows), host errnos', () => {
  const { p, fd } = file('xattrs');
  const value = Buffer.from(Array.from({ length: 3000 }, (_, i) => i & 0xff)); // every byte value, 0 and \n included
  assert.is(helper.setxattr(fd, Buffer.from('user.v'), value, 0), 0);
  assert.equal(helper.getxattr(fd, Buffer.from('user.v'), 0), { err: 0, length: 3000, value: undefined });
  const got = helper.getxattr(fd, Buffer.from('user.v'), 3000);
  assert.ok(got.err === 0 && got.value !== undefined && got.value.equals(value));
  assert.is(helper.getxattr(fd, Buffer.from('user.v'), 2999).err, errno.ERANGE);
  for (let i = 0; i < 40; i++) assert.is(helper.setxattr(fd, Buffer.from(`user.n${i}`), new Uint8Array(0), 0), 0);
  const list = helper.listxattr(fd, 4096);
  assert.is(list.err, 0);
  assert.is(list.value!.toString('latin1').split('\0').filter((n) => n !== '').length, 41);
  assert.is(helper.listxattr(fd, 0).length, list.length);
  assert.is(helper.removexattr(fd, Buffer.from('user.n0')), 0);
  assert.is(helper.removexattr(fd, Buffer.from('user.n0')), errno.ENODATA);
  assert.is(helper.setxattr(fd, Buffer.from('user.v'), value, 1), errno.EEXIST);
  assert.is(helper.setxattr(fd, Buffer.from('bogus'), value, 0), errno.EOPNOTSUPP);
  // Refused before the helper: a name no C string can carry, a value over XATTR_SIZE_MAX, a bad size.
  assert.is(helper.getxattr(fd, Buffer.from('user.a\0b'), 10).err, errno.EINVAL);
  assert.is(helper.setxattr(fd, Buffer.from(''), value, 0), errno.EINVAL);
  assert.is(helper.setxattr(fd, Buffer.from('user.big'), new Uint8Array(65537), 0), errno.E2BIG);
  assert.is(helper.listxattr(fd, -1).err, errno.EINVAL);
  const host = spawnSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.v").hex())', p], { encoding: 'utf8' });
  assert.is(host.stdout.trim(), value.toString('hex'), 'the host has the exact bytes');
  assert.ok(helper.running);
});

test('listxattrAhead: each name\'s inode, ctime and own list in one call; a symlink\'s own list, never its target\'s; gone, long or refused names answer undefined', () => {
  const d = path.join(dir, 'ahead');
  fs.mkdirSync(d);
  const target = file('ahead-target');
  assert.is(helper.setxattr(target.fd, Buffer.from('user.target'), Buffer.from('t'), 0), 0);
  const plain = path.join(d, 'plain\nname');
  fs.writeFileSync(plain, '');
  fs.symlinkSync(target.p, path.join(d, 'link'));
  const tagged = path.join(d, 'tagged');
  fs.writeFileSync(tagged, '');
  const fd = fs.openSync(tagged, 'r');
  opened.push(fd);
  assert.is(helper.setxattr(fd, Buffer.from('user.one'), Buffer.from('1'), 0), 0);
  const long = path.join(d, 'long');
  fs.writeFileSync(long, '');
  const lfd = fs.openSync(long, 'r');
  opened.push(lfd);
  for (let i = 0; i < 30; i++) assert.is(helper.setxattr(lfd, Buffer.from(`user.long-name-${i}`), new Uint8Array(0), 0), 0);
  const dfd = fs.openSync(d, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  opened.push(dfd);
  const names = ['plain\nname', 'link', 'tagged', 'long', 'missing', '..', 'a/b'].map((n) => Buffer.from(n));
  const got = helper.listxattrAhead(dfd, names)!;
  assert.is(got.length, names.length);
  const st = (p: string) => fs.lstatSync(p, { bigint: true });
  for (const [i, p] of [[0, plain], [1, path.join(d, 'link')], [2, tagged]] as const) {
    assert.is(got[i]!.ino, st(p).ino);
    assert.is(got[i]!.ctimeNs, st(p).ctimeNs);
  }
  assert.is(got[0]!.list.length, 0);
  assert.is(got[1]!.list.length, 0, 'the link itself has no user.* names; its target\'s are not listed');
  assert.is(got[2]!.list.toString('latin1'), 'user.one\0');
  assert.ok(30 * 'user.long-name-N'.length > AHEAD_MAX_LIST);
  assert.equal(got.slice(3), [undefined, undefined, undefined, undefined], 'a list over AHEAD_MAX_LIST, a missing name, "..", a name with "/"');
  assert.equal(helper.listxattrAhead(dfd, []), []);
  assert.throws(() => helper.listxattrAhead(dfd, Array.from({ length: AHEAD_MAX_NAMES + 1 }, () => Buffer.from('x'))), /more than/);
  assert.ok(helper.running);
});

test('renameat2: EXCHANGE and NOREPLACE by the host; names with "/" or dots never reach it', () => {
  const d = path.join(dir, 'ren');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'a'), 'A');
  fs.writeFileSync(path.join(d, 'b'), 'B');
  const dfd = fs.openSync(d, O_PATH);
  opened.push(dfd);
  assert.is(helper.renameat2(dfd, Buffer.from('a'), dfd, Buffer.from('b'), 2 /* RENAME_EXCHANGE */), 0);
  assert.equal([fs.readFileSync(path.join(d, 'a'), 'utf8'), fs.readFileSync(path.join(d, 'b'), 'utf8')], ['B', 'A']);
  assert.is(helper.renameat2(dfd, Buffer.from('a'), dfd, Buffer.from('b'), 1 /* RENAME_NOREPLACE */), errno.EEXIST);
  assert.is(helper.renameat2(dfd, Buffer.from('a'), dfd, Buffer.from('c'), 2), errno.ENOENT);
  for (const bad of ['../x', '..', '.', 'a/b', '', 'a\0b']) {
    assert.is(helper.renameat2(dfd, Buffer.from('a'), dfd, Buffer.from(bad), 0), errno.EINVAL, JSON.stringify(bad));
    assert.is(helper.renameat2(dfd, Buffer.from(bad), dfd, Buffer.from('z'), 0), errno.EINVAL, JSON.stringify(bad));
  }
  assert.equal(fs.readdirSync(d).sort(), ['a', 'b']);
  assert.not.ok(fs.existsSync(path.join(dir, 'x')));
});

test('many calls, no process spawned for them', () => {
  const { p, fd } = file('many');
  const pid = helper.pid;
  const n0 = helper.answered;
  for (let i = 0; i < 500; i++) assert.is(helper.setTimes(fd, i, i, -i, 999_999_999 - i), 0);
  assert.is(helper.answered - n0, 500);
  assert.is(helper.pid, pid, 'the same helper process answered all of them');
  assert.equal(ns(p), [499_000_000_499n, -499_000_000_000n + 999_999_500n]);
});

test('helper killed while a request is in flight: the call answers UNAVAILABLE, one log line, no hang', () => {
  const log: string[] = [];
  const h = new HostSyscalls({ log: (l) => log.push(l) });
  const { p, fd } = file('killed');
  assert.is(h.setTimes(fd, 1, 1, 1, 1), 0);
  const pid = h.pid!;
  // Freeze it, so our request sits in the FIFO unanswered, then kill it from another process while we block on the reply.
  process.kill(pid, 'SIGSTOP');
  const killer = spawn('sh', ['-c', `sleep 0.3; kill -KILL ${pid}`], { stdio: 'ignore' });
  const t0 = Date.now();
  assert.is(h.setTimes(fd, 2, 2, 2, 2), HOST_CALL_UNAVAILABLE);
  assert.ok(Date.now() - t0 < 5000);
  assert.is(h.running, false);
  assert.is(log.length, 1);
  assert.match(log[0]!, /helper exited/);
  assert.is(h.setTimes(fd, 3, 3, 3, 3), HOST_CALL_UNAVAILABLE, 'stays unavailable');
  assert.is(log.length, 1, 'logged once');
  assert.equal(ns(p), [1_000_000_001n, 1_000_000_001n], 'the unanswered request was not applied');
  killer.unref();
});

test('helper killed between calls: the next write fails (EPIPE), answered UNAVAILABLE', () => {
  const log: string[] = [];
  const h = new HostSyscalls({ log: (l) => log.push(l) });
  const { fd } = file('killed2');
  assert.is(h.setTimes(fd, 1, 1, 1, 1), 0);
  const pid = h.pid!;
  process.kill(pid, 'SIGKILL');
  assert.ok(waitGone(pid));
  assert.is(h.setTimes(fd, 2, 2, 2, 2), HOST_CALL_UNAVAILABLE);
  assert.is(log.length, 1);
  assert.match(log[0]!, /EPIPE|helper exited/);
});

test('unavailable at start: unknown arch, missing perl, perl exiting, a perl of another arch — fast, logged once', () => {
  const cases: [string, ConstructorParameters<typeof HostSyscalls>[0] extends infer O ? Partial<O> : never, RegExp][] = [
    ['unknown arch', { arch: 'ia32' }, /no utimensat syscall number known for ia32/],
    ['missing perl', { perl: '/nonexistent/perl' }, /cannot run|perl exited/],
    ['perl exits at start', { perl: '/bin/false' }, /perl exited at start/],
    // A perl whose archname does not match must refuse before making any syscall (88 is symlink on x86_64).
    ['arch mismatch', { arch: process.arch === 'x64' ? 'arm64' : 'x64' }, /unsupported perl/],
  ];
  const { p, fd } = file('unavailable');
  const before = ns(p);
  for (const [what, opts, why] of cases) {
    const log: string[] = [];
    const h = new HostSyscalls({ log: (l) => log.push(l), ...opts });
    const t0 = Date.now();
    assert.is(h.setTimes(fd, 1, 1, 1, 1), HOST_CALL_UNAVAILABLE, what);
    assert.ok(Date.now() - t0 < 3000, `${what}: no long wait (${Date.now() - t0} ms)`);
    assert.is(h.setTimes(fd, 1, 1, 1, 1), HOST_CALL_UNAVAILABLE, what);
    assert.is(log.length, 1, `${what}: one line`);
    assert.match(log[0]!, why, what);
    h.close();
  }
  assert.equal(ns(p), before, 'nothing was changed');
  assert.not.ok(fs.existsSync(path.join(dir, 'x')), 'no stray symlink');
});

test('close() and the owner exiting both end the helper', () => {
  const h = new HostSyscalls({ log: () => {} });
  const { fd } = file('close');
  assert.is(h.setTimes(fd, 1, 1, 1, 1), 0);
  const pid = h.pid!;
  h.close();
  assert.ok(waitGone(pid), 'close(): the helper exits at EOF');
  assert.is(h.setTimes(fd, 1, 1, 1, 1), HOST_CALL_UNAVAILABLE);
  // A daemon that exits without closing: EOF ends the helper too.
  const script = `import { HostSyscalls } from './packages/passthrough/src/index.ts';
    import fs from 'node:fs';
    const h = new HostSyscalls({ log: () => {} });
    const fd = fs.openSync(${JSON.stringify(path.join(dir, 'close'))}, 'r');
    if (h.setTimes(fd, 1, 1, 1, 1) !== 0) process.exit(1);
    process.stdout.write(String(h.pid));`;
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.is(r.status, 0, r.stderr);
  const orphan = Number(r.stdout);
  assert.ok(orphan > 0);
  assert.ok(waitGone(orphan), 'the helper did not outlive its daemon');
});

test.run();
