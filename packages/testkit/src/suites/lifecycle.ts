/**
 * Node and handle lifetimes: the backend's lookup counts must equal the
 * kernel's (here, the client's) after any mix of operations, FORGET must
 * free what nothing else holds, and every handle must be released. These
 * need the backend's introspection (lookupCount, openHandleCount); without
 * it they are skipped.
 */
import { O } from '../client/abi.js';
import { Dir, OPENDIR_FLAGS } from '../client/dir.js';
import { check, checkEqual, makeFiles, numberedNames, type Scenario, type ScenarioContext } from './context.js';

function needLookupCounts(ctx: ScenarioContext): (nodeid: number) => number | undefined {
  return ctx.introspection.lookupCount ?? ctx.skip('the backend exposes no lookupCount(nodeid)');
}

/** Every node the client holds: the backend's count must be the same. */
function compareCounts(ctx: ScenarioContext, lookupCount: (id: number) => number | undefined, when: string): void {
  const mismatches: string[] = [];
  for (const [nodeid, count] of ctx.client.lookupCounts()) {
    const theirs = lookupCount(nodeid);
    if (theirs !== count) mismatches.push(`node ${nodeid}: kernel ${count}, backend ${theirs}`);
  }
  check(mismatches.length === 0, `lookup counts differ ${when}: ${mismatches.slice(0, 8).join('; ')}`);
}

const countsMatch: Scenario = async (ctx) => {
  const lookupCount = needLookupCounts(ctx);
  await ctx.fs.mkdir('/a');
  await ctx.fs.mkdir('/a/b');
  await ctx.fs.writeFile('/a/b/f', 'x');
  await ctx.fs.symlink('b/f', '/a/l');
  await ctx.fs.link('/a/b/f', '/a/hard');
  for (let i = 0; i < 5; i++) await ctx.fs.stat('/a/l'); // walks, LOOKUPs and a symlink each time
  await ctx.fs.rename('/a/hard', '/a/b/hard2');
  await ctx.fs.readdir('/a');
  await ctx.fs.readdir('/a/b');
  compareCounts(ctx, lookupCount, 'after a mixed workload');
  // Forget some of one node's references, then all of everything.
  const f = await ctx.fs.resolve('/a/b/f');
  const held = ctx.client.lookupCount(f.nodeid);
  check(held >= 2, `expected several lookups of /a/b/f, have ${held}`);
  await ctx.client.forget(f.nodeid, 1);
  compareCounts(ctx, lookupCount, 'after a partial FORGET');
  const nodes = [...ctx.client.lookupCounts().keys()];
  await ctx.client.forgetAll();
  for (const id of nodes) {
    const left = lookupCount(id);
    check(left === undefined || left === 0, `node ${id} still has ${left} lookups after BATCH_FORGET`);
  }
  // Everything still works after the kernel forgot it all.
  checkEqual(new TextDecoder().decode(await ctx.fs.readFile('/a/l')), 'x', 'reading after forgetting everything');
  compareCounts(ctx, lookupCount, 'after lookups again');
};

const forgetFreesUnlinked: Scenario = async (ctx) => {
  const lookupCount = needLookupCounts(ctx);
  await ctx.fs.mkdir('/d');
  await ctx.fs.writeFile('/d/f', 'data');
  await ctx.fs.mkdir('/d/sub');
  const f = await ctx.fs.resolve('/d/f');
  const sub = await ctx.fs.resolve('/d/sub');
  await ctx.fs.unlink('/d/f');
  await ctx.fs.rmdir('/d/sub');
  // The kernel still holds them: the backend must keep them.
  check(lookupCount(f.nodeid) !== undefined, 'an unlinked file was freed while the kernel held lookups on it');
  const attr = await ctx.client.getattr(f.nodeid);
  checkEqual(attr.attr.nlink, 0, 'nlink of the unlinked file, by node id');
  await ctx.client.forget(f.nodeid);
  await ctx.client.forget(sub.nodeid);
  checkEqual(lookupCount(f.nodeid), undefined, 'unlinked file after FORGET of all its lookups');
  checkEqual(lookupCount(sub.nodeid), undefined, 'removed directory after FORGET of all its lookups');
  // An unlinked file that is still open lives until RELEASE, whatever the lookups.
  await ctx.fs.writeFile('/d/g', 'open');
  const fd = await ctx.fs.open('/d/g', O.RDONLY);
  const g = ctx.fs.describe(fd).nodeid;
  await ctx.fs.unlink('/d/g');
  await ctx.client.forget(g);
  checkEqual(new TextDecoder().decode(await ctx.fs.read(fd, 10, 0)), 'open', 'reading an open file after unlink and FORGET');
  await ctx.fs.close(fd);
  checkEqual(lookupCount(g), undefined, 'unlinked file after FORGET and RELEASE');
};

/** READDIRPLUS counts a lookup for each entry sent, "." and ".." excepted, even those the caller's buffer drops. */
const readdirplusCounts: Scenario = async (ctx) => {
  const lookupCount = needLookupCounts(ctx);
  if (!ctx.client.has(1n << 13n)) ctx.skip('READDIRPLUS not negotiated');
  await ctx.fs.mkdir('/p');
  const names = numberedNames('plus-entry-with-a-name-of-some-length-', 300);
  await makeFiles(ctx, '/p', names);
  await ctx.client.forgetAll();
  const dirNode = (await ctx.fs.resolve('/p')).nodeid;
  const dirHeld = ctx.client.lookupCount(dirNode);
  // A small getdents buffer: the kernel drops entries that do not fit and asks again, counting them twice.
  for (const bufferSize of [32768, 600]) {
    const open = await ctx.client.opendir(dirNode, OPENDIR_FLAGS);
    const d = new Dir(ctx.client, dirNode, open.fh, OPENDIR_FLAGS, { plus: 'always', bufferSize });
    const listed = await d.readAll();
    await d.close();
    checkEqual(listed.filter((e) => e.name !== '.' && e.name !== '..').length, names.length, `entries listed with a ${bufferSize}-byte buffer`);
    check(d.stats.plusRequests > 0, 'no READDIRPLUS was sent');
  }
  checkEqual(ctx.client.lookupCount(dirNode), dirHeld, 'the client counted "." or ".." (client bug)');
  compareCounts(ctx, lookupCount, 'after READDIRPLUS listings');
  await ctx.client.forgetAll();
  // The kernel forgot the directory too: look it up again before using it.
  const again = (await ctx.fs.resolve('/p')).nodeid;
  for (const n of names.slice(0, 20)) {
    const e = await ctx.client.lookup(again, n);
    await ctx.client.forget(e.nodeid);
    const left = lookupCount(e.nodeid);
    check(left === 0 || left === undefined, `${n}: ${left} lookups left after all were forgotten`);
  }
};

const handlesReleased: Scenario = async (ctx) => {
  const count = ctx.introspection.openHandleCount ?? ctx.skip('the backend exposes no openHandleCount');
  const base = count();
  await ctx.fs.mkdir('/h');
  const fds: number[] = [];
  for (let i = 0; i < 20; i++) fds.push(await ctx.fs.open(`/h/f${i}`, O.CREAT | O.RDWR, 0o644));
  const dirs = [await ctx.fs.opendir('/h'), await ctx.fs.opendir('/h'), await ctx.fs.opendir('/')];
  checkEqual(count(), base + 23, 'handles while 20 files and 3 directories are open');
  for (const fd of fds) await ctx.fs.close(fd);
  for (const d of dirs) await d.close();
  checkEqual(count(), base, 'handles after closing everything');
  // Zero-length and failed opens leave nothing behind either.
  try {
    await ctx.fs.open('/h/missing', O.RDONLY);
  } catch {
    /* ENOENT expected */
  }
  await ctx.fs.readdir('/h');
  checkEqual(count(), base, 'handles after a failed open and a full listing');
};

export const lifecycleScenarios: Record<string, Scenario> = {
  'lookup.counts-match-backend': countsMatch,
  'lookup.forget-frees-unlinked': forgetFreesUnlinked,
  'lookup.readdirplus-counting': readdirplusCounts,
  'handles.all-released': handlesReleased,
};
