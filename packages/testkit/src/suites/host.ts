/**
 * Passthrough backends: changes made on the host, behind the backend's back,
 * must show (after rewinddir, at the next lookup), open files must survive
 * host-side unlinks, and a directory swapped for a symlink on the host must
 * never let a request touch anything outside the shared root. These need the
 * fixture's host root (ctx.hostRoot); other backends skip them.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { O, S } from '../client/abi.js';
import { FsError } from '../client/errors.js';
import { assertEachOnce, assertNoDuplicates, assertSameSet, check, checkEqual, expectErrno, numberedNames, plainNames, type Scenario, type ScenarioContext } from './context.js';

function hostRoot(ctx: ScenarioContext): string {
  return ctx.hostRoot ?? ctx.skip('no host directory behind this backend');
}

const rewindSeesHostChanges: Scenario = async (ctx) => {
  const root = hostRoot(ctx);
  await ctx.fs.mkdir('/d');
  for (const n of ['a', 'b', 'c']) writeFileSync(join(root, 'd', n), n);
  const dir = await ctx.fs.opendir('/d');
  try {
    assertSameSet(plainNames(await dir.readAll()), ['a', 'b', 'c'], 'first listing');
    writeFileSync(join(root, 'd', 'new-on-host'), 'x');
    unlinkSync(join(root, 'd', 'b'));
    dir.rewind();
    assertSameSet(plainNames(await dir.readAll()), ['a', 'c', 'new-on-host'], 'listing after host-side create and unlink, then rewinddir');
    mkdirSync(join(root, 'd', 'subdir-on-host'));
    renameSync(join(root, 'd', 'a'), join(root, 'd', 'a-renamed'));
    dir.rewind();
    assertSameSet(plainNames(await dir.readAll()), ['a-renamed', 'c', 'new-on-host', 'subdir-on-host'], 'listing after host-side mkdir and rename, then rewinddir');
  } finally {
    await dir.close();
  }
};

const iterateWhileHostCreates: Scenario = async (ctx) => {
  const root = hostRoot(ctx);
  await ctx.fs.mkdir('/d');
  const originals = numberedNames('orig-with-a-long-name-', 600);
  for (const n of originals) writeFileSync(join(root, 'd', n), '');
  const dir = await ctx.fs.opendir('/d');
  const seen: string[] = [];
  const removed = new Set<string>();
  try {
    seen.push(...plainNames(await dir.readBatch(250)));
    for (const n of numberedNames('host-added-', 300)) writeFileSync(join(root, 'd', n), '');
    // Remove a hundred originals, some already listed and some not.
    for (const n of originals.filter((_, i) => i % 6 === 0).slice(0, 100)) {
      unlinkSync(join(root, 'd', n));
      removed.add(n);
    }
    seen.push(...plainNames(await dir.readAll()));
  } finally {
    await dir.close();
  }
  assertNoDuplicates(seen, 'listing while the host adds and removes entries');
  assertEachOnce(seen, originals.filter((n) => !removed.has(n)), 'originals the host left alone');
};

const lookupSeesHostChanges: Scenario = async (ctx) => {
  const root = hostRoot(ctx);
  writeFileSync(join(root, 'made-on-host'), 'hello');
  checkEqual(new TextDecoder().decode(await ctx.fs.readFile('/made-on-host')), 'hello', 'a file created on the host');
  unlinkSync(join(root, 'made-on-host'));
  await expectErrno(ctx.fs.stat('/made-on-host'), 'ENOENT', 'stat after the host removed the file');
  mkdirSync(join(root, 'dir-on-host'));
  writeFileSync(join(root, 'dir-on-host', 'f'), 'x');
  checkEqual((await ctx.fs.stat('/dir-on-host/f')).size, 1, 'a file in a directory made on the host');
  writeFileSync(join(root, 'dir-on-host', 'f'), 'longer now');
  checkEqual((await ctx.fs.stat('/dir-on-host/f')).size, 10, 'size after the host rewrote the file');
};

const openFileSurvivesHostUnlink: Scenario = async (ctx) => {
  const root = hostRoot(ctx);
  await ctx.fs.writeFile('/f', 'kept alive');
  const fd = await ctx.fs.open('/f', O.RDWR);
  try {
    unlinkSync(join(root, 'f'));
    checkEqual(new TextDecoder().decode(await ctx.fs.read(fd, 100, 0)), 'kept alive', 'read after the host unlinked the file');
    await ctx.fs.write(fd, '!', 10);
    checkEqual((await ctx.fs.fstat(fd)).size, 11, 'fstat after the host unlinked the file');
    writeFileSync(join(root, 'g'), 'replacement');
    const g = await ctx.fs.open('/g', O.RDONLY);
    renameSync(join(root, 'g'), join(root, 'h'));
    checkEqual(new TextDecoder().decode(await ctx.fs.read(g, 100, 0)), 'replacement', 'read after the host renamed the file');
    await ctx.fs.close(g);
  } finally {
    await ctx.fs.close(fd);
  }
};

/**
 * A directory the client knows is swapped for a symlink to a directory outside
 * the root; every kind of request through the old node and through the path
 * must leave the outside untouched.
 */
const symlinkSwapNoEscape: Scenario = async (ctx) => {
  const root = hostRoot(ctx);
  const outside = mkdtempSync(join(tmpdir(), 'tsfuse-outside-'));
  try {
    writeFileSync(join(outside, 'victim'), 'do not touch');
    const victimMode = statSync(join(outside, 'victim')).mode;
    await ctx.fs.mkdir('/d');
    await ctx.fs.writeFile('/d/inner', 'inside');
    const d = (await ctx.fs.resolve('/d')).nodeid;
    renameSync(join(root, 'd'), join(root, 'd.moved'));
    symlinkSync(outside, join(root, 'd'));
    const attempts: [string, () => Promise<unknown>][] = [
      ['MKDIR in the old node', () => ctx.client.mkdir(d, 'made')],
      ['CREATE in the old node', () => ctx.client.create(d, 'created', O.CREAT | O.WRONLY | O.LARGEFILE, S.IFREG | 0o644)],
      ['MKNOD in the old node', () => ctx.client.mknod(d, 'node', S.IFREG | 0o644)],
      ['SYMLINK in the old node', () => ctx.client.symlink(d, 'link', '/etc/passwd')],
      ['UNLINK victim in the old node', () => ctx.client.unlink(d, 'victim')],
      ['RENAME victim out of the old node', () => ctx.client.rename(d, 'victim', 1, 'stolen')],
      ['LOOKUP victim in the old node', () => ctx.client.lookup(d, 'victim')],
      ['create through the path', () => ctx.fs.writeFile('/d/created-by-path', 'x')],
      ['mkdir through the path', () => ctx.fs.mkdir('/d/dir-by-path')],
      ['unlink through the path', () => ctx.fs.unlink('/d/victim')],
      ['chmod through the path', () => ctx.fs.chmod('/d/victim', 0o777)],
      ['truncate through the path', () => ctx.fs.truncate('/d/victim', 0)],
    ];
    const leaks: string[] = [];
    const other: string[] = [];
    for (const [what, attempt] of attempts) {
      try {
        const r = await attempt();
        // Success is fine only if it stayed inside (the old node followed its inode to d.moved).
        if (what.startsWith('LOOKUP') && r && typeof r === 'object') leaks.push(`${what} found the outside file`);
      } catch (e) {
        // Errnos are fine; anything else (a protocol violation) is reported after the escape check.
        if (!(e instanceof FsError)) other.push(`${what}: ${(e as Error).message}`);
      }
    }
    const outsideNow = readdirSync(outside).sort();
    check(outsideNow.length === 1 && outsideNow[0] === 'victim', `the outside directory changed: it now holds ${outsideNow.join(', ')}`);
    checkEqual(readFileSync(join(outside, 'victim'), 'utf8'), 'do not touch', 'the outside file');
    checkEqual(statSync(join(outside, 'victim')).mode, victimMode, 'the outside file mode');
    check(leaks.length === 0, leaks.join('; '));
    check(other.length === 0, other.join('; '));
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
};

export const hostScenarios: Record<string, Scenario> = {
  'host.rewind-sees-host-changes': rewindSeesHostChanges,
  'host.iterate-while-host-changes': iterateWhileHostCreates,
  'host.lookup-sees-host-changes': lookupSeesHostChanges,
  'host.open-file-survives-host-unlink': openFileSurvivesHostUnlink,
  'host.symlink-swap-no-escape': symlinkSwapNoEscape,
};
