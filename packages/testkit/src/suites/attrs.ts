/**
 * Attributes: permission bits, ownership (and the set-id bits a chown or a
 * write kills), and timestamps: which operations update atime/mtime/ctime of
 * which objects, and exact times set by utimensat.
 */
import { O, S } from '../client/abi.js';
import { compareTime, type Stat, type Timespec } from '../client/stat.js';
import { check, checkEqual, requireSupport, sleep, type Scenario, type ScenarioContext } from './context.js';

const PAST: Timespec = { sec: 1_000_000_000, nsec: 0 }; // 2001-09-09
/** Host filesystems stamp times from a coarse clock; wait out a tick before changing things. */
const TICK_MS = 25;

const chmodBits: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  await ctx.fs.mkdir('/d');
  for (const mode of [0o4755, 0o2755, 0o6711, 0o0, 0o644, 0o777]) {
    const st = await ctx.fs.chmod('/f', mode);
    checkEqual(st.mode, S.IFREG | mode, `SETATTR reply after chmod ${mode.toString(8)}`);
    checkEqual((await ctx.fs.stat('/f')).mode, S.IFREG | mode, `stat after chmod ${mode.toString(8)}`);
  }
  for (const mode of [0o1777, 0o2750, 0o700]) {
    await ctx.fs.chmod('/d', mode);
    checkEqual((await ctx.fs.stat('/d')).mode, S.IFDIR | mode, `directory after chmod ${mode.toString(8)}`);
  }
};

const chownIds: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  await ctx.fs.symlink('f', '/l');
  let st = await ctx.fs.chown('/f', 1000, 2000);
  checkEqual(`${st.uid}:${st.gid}`, '1000:2000', 'owner after chown');
  st = await ctx.fs.chown('/f', -1, 3000);
  checkEqual(`${st.uid}:${st.gid}`, '1000:3000', 'owner after chown -1:3000');
  st = await ctx.fs.chown('/f', 4000, -1);
  checkEqual(`${st.uid}:${st.gid}`, '4000:3000', 'owner after chown 4000:-1');
  await ctx.fs.chown('/l', 5000, 5000, false);
  checkEqual((await ctx.fs.lstat('/l')).uid, 5000, 'lchown changes the link');
  checkEqual((await ctx.fs.stat('/f')).uid, 4000, 'lchown leaves the target');
  await ctx.fs.mkdir('/d');
  await ctx.fs.chown('/d', 7, 8);
  const d = await ctx.fs.stat('/d');
  checkEqual(`${d.uid}:${d.gid}`, '7:8', 'directory owner after chown');
};

/** Linux: chown of a non-directory clears S_ISUID, and S_ISGID when group-exec is set; a directory keeps them. */
const chownKillsSetid: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/prog', 'x');
  await ctx.fs.chmod('/prog', 0o6755);
  await ctx.fs.chown('/prog', 1000, 1000);
  checkEqual((await ctx.fs.stat('/prog')).mode & 0o7777, 0o0755, 'mode after chown of a set-id executable');
  await ctx.fs.writeFile('/lock', 'x');
  await ctx.fs.chmod('/lock', 0o2644); // set-gid without group-exec: mandatory-locking marker, kept
  await ctx.fs.chown('/lock', 1000, 1000);
  checkEqual((await ctx.fs.stat('/lock')).mode & 0o7777, 0o2644, 'mode after chown of set-gid without group-exec');
  await ctx.fs.mkdir('/dir');
  await ctx.fs.chmod('/dir', 0o2775);
  await ctx.fs.chown('/dir', 1000, 1000);
  checkEqual((await ctx.fs.stat('/dir')).mode & 0o7777, 0o2775, 'a directory keeps set-gid across chown');
};

/** A write by someone without CAP_FSETID clears S_ISUID (and S_ISGID with group-exec). */
const writeKillsSetuid: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/prog', 'x');
  await ctx.fs.chown('/prog', 1000, 1000);
  await ctx.fs.chmod('/prog', 0o6775);
  ctx.client.credentials = { ...ctx.client.credentials, uid: 1000, gid: 1000 };
  const fd = await ctx.fs.open('/prog', O.WRONLY);
  await ctx.fs.write(fd, 'y', 1);
  await ctx.fs.close(fd);
  ctx.client.credentials = { ...ctx.client.credentials, uid: 0, gid: 0 };
  checkEqual((await ctx.fs.stat('/prog')).mode & 0o7777, 0o0775, 'mode after a write by the (unprivileged) owner');
};

/** An O_TRUNC open by someone without CAP_FSETID clears S_ISUID (and S_ISGID with group-exec), as the truncate of handle_truncate does. */
const truncOpenKillsSetuid: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/prog', 'xyz');
  await ctx.fs.chown('/prog', 1000, 1000);
  await ctx.fs.chmod('/prog', 0o6775);
  ctx.client.credentials = { ...ctx.client.credentials, uid: 1000, gid: 1000 };
  await ctx.fs.close(await ctx.fs.open('/prog', O.WRONLY | O.TRUNC));
  ctx.client.credentials = { ...ctx.client.credentials, uid: 0, gid: 0 };
  const st = await ctx.fs.stat('/prog');
  checkEqual(st.mode & 0o7777, 0o0775, 'mode after an O_TRUNC open by the (unprivileged) owner');
  checkEqual(st.size, 0, 'size after the O_TRUNC open');
  await ctx.fs.chmod('/prog', 0o6775);
  await ctx.fs.close(await ctx.fs.open('/prog', O.WRONLY | O.TRUNC));
  checkEqual((await ctx.fs.stat('/prog')).mode & 0o7777, 0o6775, 'root (CAP_FSETID) keeps them');
};

/** copy_file_range into a set-ID file by someone without CAP_FSETID clears the bits, as any write does (file_modified). */
const copyRangeKillsSetuid: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/src', 'abcdef');
  await ctx.fs.writeFile('/prog', 'xyz');
  for (const p of ['/src', '/prog']) await ctx.fs.chown(p, 1000, 1000);
  await ctx.fs.chmod('/prog', 0o6775);
  ctx.client.credentials = { ...ctx.client.credentials, uid: 1000, gid: 1000 };
  const a = await ctx.fs.open('/src', O.RDONLY);
  const b = await ctx.fs.open('/prog', O.WRONLY);
  const n = await requireSupport(ctx, 'copy_file_range', () => ctx.fs.copyFileRange(a, 0, b, 0, 6));
  await ctx.fs.close(a);
  await ctx.fs.close(b);
  ctx.client.credentials = { ...ctx.client.credentials, uid: 0, gid: 0 };
  checkEqual(n, 6, 'bytes copied');
  checkEqual((await ctx.fs.stat('/prog')).mode & 0o7777, 0o0775, 'mode after copy_file_range by the (unprivileged) owner');
};

function near(t: Timespec, fromMs: number, toMs: number, what: string): void {
  const ms = t.sec * 1000 + t.nsec / 1e6;
  check(ms >= fromMs - 2000 && ms <= toMs + 2000, `${what}: ${new Date(ms).toISOString()} is not the time of the call (${new Date(fromMs).toISOString()})`);
}

function after(a: Timespec, b: Timespec, what: string): void {
  check(compareTime(a, b) > 0, `${what}: ${a.sec}.${a.nsec} is not after ${b.sec}.${b.nsec}`);
}

function same(actual: Timespec, expected: Timespec, what: string): void {
  check(compareTime(actual, expected) === 0, `${what}: expected ${expected.sec}.${String(expected.nsec).padStart(9, '0')}, got ${actual.sec}.${String(actual.nsec).padStart(9, '0')}`);
}

const timesOnCreate: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/d');
  await ctx.fs.utimes('/d', PAST, PAST);
  const t0 = Date.now();
  await ctx.fs.writeFile('/d/f', '');
  const t1 = Date.now();
  const f = await ctx.fs.stat('/d/f');
  near(f.atime, t0, t1, 'atime of a new file');
  near(f.mtime, t0, t1, 'mtime of a new file');
  near(f.ctime, t0, t1, 'ctime of a new file');
  const d = await ctx.fs.stat('/d');
  near(d.mtime, t0, t1, 'parent mtime after a create');
  near(d.ctime, t0, t1, 'parent ctime after a create');
};

const timesOnWrite: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'abc');
  await ctx.fs.utimes('/f', PAST, PAST);
  const before = await ctx.fs.stat('/f');
  await sleep(TICK_MS);
  const fd = await ctx.fs.open('/f', O.WRONLY);
  const t0 = Date.now();
  await ctx.fs.write(fd, 'd', 3);
  await ctx.fs.close(fd);
  const st = await ctx.fs.stat('/f');
  near(st.mtime, t0, Date.now(), 'mtime after a write');
  after(st.ctime, before.ctime, 'ctime after a write');
  same(st.atime, PAST, 'atime after a write');
  // ftruncate and truncate stamp mtime too (the daemon does it for ftruncate: the kernel sends only the size).
  await ctx.fs.utimes('/f', PAST, PAST);
  const fd2 = await ctx.fs.open('/f', O.RDWR);
  await ctx.fs.ftruncate(fd2, 2);
  await ctx.fs.close(fd2);
  near((await ctx.fs.stat('/f')).mtime, t0, Date.now(), 'mtime after ftruncate');
  await ctx.fs.utimes('/f', PAST, PAST);
  await ctx.fs.truncate('/f', 1);
  near((await ctx.fs.stat('/f')).mtime, t0, Date.now(), 'mtime after truncate');
};

const timesOnMetadataChange: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  await ctx.fs.utimes('/f', PAST, PAST);
  const base = await ctx.fs.stat('/f');
  const steps: [string, () => Promise<unknown>][] = [
    ['chmod', () => ctx.fs.chmod('/f', 0o600)],
    ['chown', () => ctx.fs.chown('/f', 10, 10)],
    ['link', () => ctx.fs.link('/f', '/f2')],
    ['unlink of another name', () => ctx.fs.unlink('/f2')],
    ['rename', () => ctx.fs.rename('/f', '/g')],
  ];
  let prev: Stat = base;
  let path = '/f';
  for (const [what, step] of steps) {
    await sleep(TICK_MS);
    await step();
    if (what === 'rename') path = '/g';
    const st = await ctx.fs.stat(path);
    same(st.mtime, PAST, `mtime after ${what}`);
    if (what === 'rename') check(compareTime(st.ctime, prev.ctime) >= 0, 'ctime went backwards after rename');
    else after(st.ctime, prev.ctime, `ctime after ${what}`);
    prev = st;
  }
};

const timesUtimensat: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  const gran = ctx.client.negotiated.timeGran || 1;
  const trunc = (t: Timespec): Timespec => ({ sec: t.sec, nsec: t.nsec - (t.nsec % gran) });
  const a = { sec: 1_100_000_000, nsec: 123_456_789 };
  const m = { sec: 1_200_000_000, nsec: 987_654_321 };
  await ctx.fs.utimes('/f', a, m);
  let st = await ctx.fs.stat('/f');
  same(st.atime, trunc(a), 'atime set exactly');
  same(st.mtime, trunc(m), 'mtime set exactly');
  await ctx.fs.utimes('/f', 'omit', { sec: 1_300_000_000, nsec: 5 });
  st = await ctx.fs.stat('/f');
  same(st.atime, trunc(a), 'atime with UTIME_OMIT');
  same(st.mtime, trunc({ sec: 1_300_000_000, nsec: 5 }), 'mtime beside UTIME_OMIT');
  const t0 = Date.now();
  await ctx.fs.utimes('/f', 'now', 'omit');
  st = await ctx.fs.stat('/f');
  near(st.atime, t0, Date.now(), 'atime with UTIME_NOW');
  same(st.mtime, trunc({ sec: 1_300_000_000, nsec: 5 }), 'mtime with UTIME_OMIT');
  await ctx.fs.utimes('/f', 'now', 'now');
  near((await ctx.fs.stat('/f')).mtime, t0, Date.now(), 'mtime with UTIME_NOW');
  await ctx.fs.symlink('f', '/l');
  await ctx.fs.utimes('/l', a, m, false);
  same((await ctx.fs.lstat('/l')).mtime, trunc(m), 'mtime of a symlink (AT_SYMLINK_NOFOLLOW)');
  check(compareTime((await ctx.fs.stat('/f')).mtime, trunc(m)) !== 0, 'setting the link time changed the target');
  await ctx.fs.utimes('/f', { sec: 0, nsec: 0 }, { sec: 4_102_444_800, nsec: 0 }); // 1970 and 2100
  st = await ctx.fs.stat('/f');
  same(st.atime, { sec: 0, nsec: 0 }, 'atime at the epoch');
  same(st.mtime, { sec: 4_102_444_800, nsec: 0 }, 'mtime in 2100');
};

/** Each namespace change stamps mtime and ctime of the directories it changes. */
const timesOfDirectories: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/a');
  await ctx.fs.mkdir('/b');
  await ctx.fs.writeFile('/a/f', 'x');
  await ctx.fs.mkdir('/a/sub');
  const steps: [string, string[], () => Promise<unknown>][] = [
    ['create', ['/a'], () => ctx.fs.writeFile('/a/new', '')],
    ['mkdir', ['/a'], () => ctx.fs.mkdir('/a/newdir')],
    ['symlink', ['/a'], () => ctx.fs.symlink('f', '/a/sym')],
    ['link', ['/a'], () => ctx.fs.link('/a/f', '/a/hard')],
    ['unlink', ['/a'], () => ctx.fs.unlink('/a/hard')],
    ['rmdir', ['/a'], () => ctx.fs.rmdir('/a/newdir')],
    ['rename within', ['/a'], () => ctx.fs.rename('/a/new', '/a/new2')],
    ['rename across', ['/a', '/b'], () => ctx.fs.rename('/a/new2', '/b/moved')],
    ['rename of a directory across', ['/a', '/b'], () => ctx.fs.rename('/a/sub', '/b/sub')],
  ];
  for (const [what, dirs, step] of steps) {
    const before = new Map<string, Stat>();
    for (const d of dirs) {
      await ctx.fs.utimes(d, PAST, PAST);
      before.set(d, await ctx.fs.stat(d));
    }
    await sleep(TICK_MS);
    await step();
    for (const d of dirs) {
      const st = await ctx.fs.stat(d);
      after(st.mtime, PAST, `mtime of ${d} after ${what}`);
      after(st.ctime, before.get(d)!.ctime, `ctime of ${d} after ${what}`);
    }
  }
};

/** Reading does not change mtime or ctime (atime may move, per relatime). */
const readKeepsTimes: Scenario = async (ctx: ScenarioContext) => {
  await ctx.fs.writeFile('/f', 'content');
  await ctx.fs.utimes('/f', PAST, PAST);
  const before = await ctx.fs.stat('/f');
  await sleep(TICK_MS);
  await ctx.fs.readFile('/f');
  await ctx.fs.readdir('/');
  const st = await ctx.fs.stat('/f');
  same(st.mtime, before.mtime, 'mtime after a read');
  same(st.ctime, before.ctime, 'ctime after a read');
};

export const attrScenarios: Record<string, Scenario> = {
  'attr.chmod-bits': chmodBits,
  'attr.chown-ids': chownIds,
  'attr.chown-kills-setid': chownKillsSetid,
  'attr.write-kills-setuid': writeKillsSetuid,
  'attr.trunc-open-kills-setuid': truncOpenKillsSetuid,
  'attr.copy-range-kills-setuid': copyRangeKillsSetuid,
  'times.create': timesOnCreate,
  'times.write-and-truncate': timesOnWrite,
  'times.metadata-changes-ctime-only': timesOnMetadataChange,
  'times.utimensat-exact-omit-now': timesUtimensat,
  'times.directories': timesOfDirectories,
  'times.read-keeps-mtime-ctime': readKeepsTimes,
};
