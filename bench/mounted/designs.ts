/**
 * Compares the serving designs on one workload: stat() of 10,000 files by 4
 * client processes, attr timeout 0 (every stat is one GETATTR to the daemon),
 * no default_permissions (which would add a GETATTR per path component).
 *
 *   node --conditions=source --import tsx bench/mounted/designs.ts [seconds]
 *
 * Designs: worker reading inline (default), worker with the reader thread
 * always relaying, worker with an async backend (relay while in flight), and
 * the main-thread mode (reader thread + ring, session on this thread).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryBackend } from '@tsfuse/testkit';
import { mountFuse, mountFuseOnMainThread, type FuseMount } from '@tsfuse/protocol';

const seconds = Number(process.argv[2] ?? 5);
/** Optional second argument: which designs to run, e.g. "0,3" (indexes into the list below). */
const only = process.argv[3]?.split(',').map(Number);
const here = fileURLToPath(new URL('.', import.meta.url));
const work = mkdtempSync('/tmp/tsfuse-bench-designs-');
const fsbench = join(work, 'fsbench');
execFileSync('cc', ['-O2', '-o', fsbench, join(here, 'fsbench.c')]);
const session = { attrTimeout: 0, entryTimeout: 60 };
const mountOptions = ['nodefault_permissions'];
const memory = { module: '@tsfuse/testkit', export: 'MemoryBackend' };
const asyncMemory = { module: new URL('./async-memory-backend.ts', import.meta.url).href, export: 'AsyncMemoryBackend' };

const designs: [string, (mp: string) => Promise<FuseMount>][] = [
  ['worker, inline reads (default)', (mp) => mountFuse({ mountpoint: mp, backend: memory, session, mountOptions })],
  ['worker, reader thread relays', (mp) => mountFuse({ mountpoint: mp, backend: memory, session, mountOptions, reader: 'relay' })],
  ['worker, async backend', (mp) => mountFuse({ mountpoint: mp, backend: asyncMemory, session, mountOptions })],
  ['main thread (reader thread + ring)', (mp) => mountFuseOnMainThread(new MemoryBackend(), { mountpoint: mp, session, mountOptions })],
];

/** Runs fsbench asynchronously: in the main-thread design this thread is the server, and must not block. */
function rate(args: string[]): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(fsbench, args, (err, stdout, stderr) => {
      if (err) reject(new Error(`fsbench ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(Number(/rate=([0-9.]+)/.exec(stdout)![1]));
    }),
  );
}

const results: [string, number][] = [];
try {
  for (const [name, mount] of designs.filter((_, i) => only === undefined || only.includes(i))) {
    const mp = join(work, `m${results.length}`);
    mkdirSync(mp);
    const m = await mount(mp);
    void m.ended.then((e) => {
      if (e.reason === 'failed') console.error(`${name}: serving failed: ${e.error?.stack ?? e.error?.message}`);
    });
    try {
      await rate(['mkfiles', mp, '10000', '0']);
      await rate(['stat', mp, '10000', '4', '1']);
      results.push([name, await rate(['stat', mp, '10000', '4', String(seconds)])]);
    } finally {
      await m.unmount({ onBusy: 'lazy' });
      await m.ended;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`stat() of 10,000 files, 4 client processes, ${seconds} s, attr timeout 0; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const [name, r] of results) console.log(`${name.padEnd(40)} ${String(Math.round(r)).padStart(8)} stats/s`);
