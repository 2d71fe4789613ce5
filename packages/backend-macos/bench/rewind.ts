// Benchmark: rewinddir of an unchanged directory, through the whole engine
// in process (FuseClient with glibc-like Dir → session → macOS backend → host),
// for directories of 1,000, 10,000 and 100,000 entries. The cost of a rewind
// (rewinddir + the first readdir) should not grow with the directory's size;
// for comparison, "relist" forces a host listing at every rewind (what
// re-reading the directory at every offset 0 costs). One JSON line per result.
//
// Run: node --conditions=source --import tsx packages/backend-macos/bench/rewind.ts [--tables darwin|host]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSession } from '@tsfuse/protocol';
import { Dir, FuseClient, OPENDIR_FLAGS } from '@tsfuse/testkit';
import { createMacosBackend } from '../src/index.js';

const tables = (process.argv.includes('--tables') ? process.argv[process.argv.indexOf('--tables') + 1] : 'host') as 'darwin' | 'host';
const sizes = [1_000, 10_000, 100_000];
const REWINDS = 50;

async function measure(root: string, n: number, mode: 'snapshot' | 'relist') {
  // 'relist': a racy window longer than the run makes every snapshot untrusted.
  const backend = createMacosBackend({ root, hostTables: tables, racyWindowMs: mode === 'relist' ? 60_000 : 0 });
  const session = createSession(backend, { entryTimeout: 0, attrTimeout: 0, readdirplus: 'off' });
  const client = new FuseClient(session);
  await client.init();
  const dirNode = (await client.lookup(1, 'd')).nodeid;
  const open = await client.opendir(dirNode, OPENDIR_FLAGS);
  const dir = new Dir(client, dirNode, open.fh, OPENDIR_FLAGS, { plus: 'never' });
  let t = process.hrtime.bigint();
  const all = await dir.readAll();
  const listMs = Number(process.hrtime.bigint() - t) / 1e6;
  if (all.length !== n + 2) throw new Error(`listed ${all.length}, expected ${n + 2}`);
  const listingsBefore = backend.stats.hostListings;
  t = process.hrtime.bigint();
  for (let i = 0; i < REWINDS; i++) {
    dir.rewind();
    const e = await dir.read();
    if (e?.name !== '.') throw new Error('rewind did not start over');
  }
  const rewindUs = Number(process.hrtime.bigint() - t) / 1e3 / REWINDS;
  console.log(JSON.stringify({
    workload: `rewinddir + first readdir, ${n} entries (${mode}, ${tables} tables)`,
    entries: n, fullListingMs: Math.round(listMs), rewindMicros: Math.round(rewindUs),
    hostListingsPerRewind: (backend.stats.hostListings - listingsBefore) / REWINDS,
  }));
  await dir.close();
  await session.close();
}

async function main() {
  for (const n of sizes) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-bench-rewind-'));
    try {
      const d = path.join(root, 'd');
      fs.mkdirSync(d);
      for (let i = 0; i < n; i++) fs.closeSync(fs.openSync(path.join(d, `file-${i.toString().padStart(6, '0')}`), 'w'));
      await new Promise((r) => setTimeout(r, 20));
      await measure(root, n, 'snapshot');
      if (n <= 10_000) await measure(root, n, 'relist');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
