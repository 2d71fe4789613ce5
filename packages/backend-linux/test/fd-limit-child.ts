/**
 * Run by fd-limit.test.ts under `prlimit --nofile=1024:1024`: serves a
 * 100,000-inode tree through the backend's methods (the kernel's side keeping
 * every lookup, as `find` over a cold tree does), and prints one JSON line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { b, backend, ctx, listAll } from './helpers.js';

const root = process.argv[2]!;
const DIRS = Number(process.argv[3] ?? 100);
const FILES = Number(process.argv[4] ?? 1000);
const C = ctx();
const gc = (globalThis as { gc?: () => void }).gc;

function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

const limits = /Max open files\s+(\d+)\s+(\d+)/.exec(fs.readFileSync('/proc/self/limits', 'utf8'))!;
const be = backend(root, {}, []);
let maxFds = openFds();
const sample = () => {
  const n = openFds();
  if (n > maxFds) maxFds = n;
};

gc?.();
const heap0 = process.memoryUsage().heapUsed;
const t0 = performance.now();
const dirIds: number[] = [];
const fileIds: number[] = [];
for (let d = 0; d < DIRS; d++) {
  const de = be.mkdir(C, 1, b(`d${d}`), 0o755, 0);
  dirIds.push(de.nodeid);
  for (let f = 0; f < FILES; f++) {
    const r = be.create(C, de.nodeid, b(`file-${f}`), 0o644, 0, 0o101);
    be.write(C, r.entry.nodeid, r.fh, 0, b('x'), 0, 0);
    be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
    fileIds.push(r.entry.nodeid);
  }
  sample();
}
const t1 = performance.now();
gc?.();
const heap1 = process.memoryUsage().heapUsed;
const known = be.table.size;

// stat everything (every inode evicted long ago: re-resolved from its parent)
let sizeSum = 0;
for (const id of fileIds) sizeSum += be.getattr(C, id, undefined).attr.size;
for (const id of dirIds) be.getattr(C, id, undefined);
sample();
const t2 = performance.now();

// find: list every directory with READDIRPLUS (counts one more lookup per entry)
let listed = 0;
for (const id of dirIds) {
  const { fh } = be.opendir(C, id, 0);
  listed += listAll(be, id, fh, 40, { plus: true }).length - 2;
  be.releasedir(C, id, fh, 0);
}
sample();
const t3 = performance.now();

// rm -rf: the kernel forgets an unlinked inode as soon as its dentry goes
for (let d = 0; d < DIRS; d++) {
  for (let f = 0; f < FILES; f++) {
    be.unlink(C, dirIds[d]!, b(`file-${f}`));
    be.forget(fileIds[d * FILES + f]!, 2);
  }
  be.rmdir(C, 1, b(`d${d}`));
  be.forget(dirIds[d]!, 2);
  sample();
}
const t4 = performance.now();
const left = fs.readdirSync(root).length;
sample();
const result = {
  softLimit: Number(limits[1]),
  hardLimit: Number(limits[2]),
  inodes: fileIds.length + dirIds.length,
  knownAtPeak: known,
  bytesPerInode: Math.round((heap1 - heap0) / (known - 1)),
  maxOpenFds: maxFds,
  workingSetCapacity: be.resolver.workingSet.capacity,
  sizeSum,
  listed,
  left,
  tableAfter: be.table.size,
  seconds: { create: (t1 - t0) / 1000, statAll: (t2 - t1) / 1000, listAll: (t3 - t2) / 1000, removeAll: (t4 - t3) / 1000 },
};
be.destroy();
console.log(JSON.stringify(result));
void path;
