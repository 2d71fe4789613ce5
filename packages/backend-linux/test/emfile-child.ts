/**
 * Run by fd-limit.test.ts under `prlimit --nofile=1024:1024`: 900 files held
 * open (real descriptors) while 600 directories are created and used, so the
 * O_PATH working set must give way when open(2) says EMFILE. Prints one JSON line.
 */
import fs from 'node:fs';
import { b, backend, ctx } from './helpers.js';

const root = process.argv[2]!;
const C = ctx();
const be = backend(root, {}, []);
const handles: { nodeid: number; fh: number }[] = [];
let failures = 0;
const errors = new Set<string>();
for (let i = 0; i < 900; i++) {
  try {
    const r = be.create(C, 1, b(`open-${i}`), 0o644, 0, 0o102);
    be.write(C, r.entry.nodeid, r.fh, 0, b(`data-${i}`), 0, 0);
    handles.push({ nodeid: r.entry.nodeid, fh: r.fh });
  } catch (e) {
    failures++;
    errors.add(String((e as { errno?: number }).errno));
  }
}
const dirs: number[] = [];
for (let i = 0; i < 600; i++) {
  try {
    const d = be.mkdir(C, 1, b(`dir-${i}`), 0o755, 0);
    dirs.push(d.nodeid);
    const f = be.create(C, d.nodeid, b('inner'), 0o644, 0, 0o101);
    be.release(C, f.entry.nodeid, f.fh, 0, 0, 0n);
  } catch (e) {
    failures++;
    errors.add(String((e as { errno?: number }).errno));
  }
}
let readBack = 0;
for (const [i, h] of handles.entries()) if (Buffer.from(be.read(C, h.nodeid, h.fh, 0, 100, 0)).toString() === `data-${i}`) readBack++;
let statted = 0;
for (const d of dirs) if (be.lookup(C, d, b('inner')).attr.size === 0) statted++;
const open = fs.readdirSync('/proc/self/fd').length;
for (const h of handles) be.release(C, h.nodeid, h.fh, 0, 0, 0n);
console.log(JSON.stringify({ failures, errors: [...errors], handles: handles.length, dirs: dirs.length, readBack, statted, openAtEnd: open, workingSet: be.resolver.workingSet.size }));
be.destroy();
