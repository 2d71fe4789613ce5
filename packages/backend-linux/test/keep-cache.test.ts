/**
 * keepCache 'auto' in process: FOPEN_KEEP_CACHE on OPEN/CREATE exactly when
 * the kernel's pages are known to match the host file — after an open that
 * dropped them or a change made through the backend — and never after a
 * change made on SRC behind the mount. Also keepCache true/false, and the
 * writeback cache turning 'auto' off.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { FATTR_FH, FATTR_MODE, FATTR_SIZE, FOPEN_KEEP_CACHE, InitFlags, O_RDWR, O_TRUNC } from '@tsfuse/protocol';
import { linuxBackendOptionsSchema, type LinuxBackend } from '../src/index.js';
import { b, backend, ctx, sandbox, setattrIn } from './helpers.js';

const C = ctx();
const O_CREAT = 0o100;


/** A backend on a fresh SRC, handed to `fn`, always torn down. */
function withBackend(extra: Parameters<typeof backend>[1], fn: (be: LinuxBackend, src: string) => void): void {
  const box = sandbox('tsfuse-keep-');
  const be = backend(box.src, extra);
  try {
    fn(be, box.src);
  } finally {
    be.destroy();
    box.cleanup();
  }
}

/** OPEN then RELEASE at once; true when the reply carried FOPEN_KEEP_CACHE. */
function keptOnOpen(be: LinuxBackend, nodeid: number, flags = 0): boolean {
  const r = be.open(C, nodeid, flags);
  be.release(C, nodeid, r.fh, 0, 0, 0n);
  return (r.openFlags & FOPEN_KEEP_CACHE) !== 0;
}

/** Write `data` at `offset` through a fresh handle, then release it. */
function writeThrough(be: LinuxBackend, nodeid: number, offset: number, data: string): void {
  const h = be.open(C, nodeid, O_RDWR);
  assert.is(be.write(C, nodeid, h.fh, offset, b(data), 0, 0), data.length);
  be.release(C, nodeid, h.fh, 0, 0, 0n);
}

test("'auto' is the default and the only string accepted; booleans still are", () => {
  assert.is(linuxBackendOptionsSchema.parse({ root: '/' }).keepCache, 'auto');
  assert.is(linuxBackendOptionsSchema.parse({ root: '/', keepCache: true }).keepCache, true);
  assert.is(linuxBackendOptionsSchema.parse({ root: '/', keepCache: false }).keepCache, false);
  assert.not.ok(linuxBackendOptionsSchema.safeParse({ root: '/', keepCache: 'always' }).success);
});

test('auto (no FUSE_AUTO_INVAL_DATA): keep while only the mount changes the file, drop after a host change', () => {
  withBackend({}, (be, src) => {
    const file = path.join(src, 'f');
    fs.writeFileSync(file, 'hello world');
    const id = be.lookup(C, 1, b('f')).nodeid;
    assert.not.ok(keptOnOpen(be, id), 'first open: nothing known, the pages go');
    assert.ok(keptOnOpen(be, id), 'unchanged: keep');
    writeThrough(be, id, 6, 'WORLD!');
    assert.is(fs.readFileSync(file, 'utf8'), 'hello WORLD!');
    assert.ok(keptOnOpen(be, id), 'written through the mount: keep');

    const h = be.open(C, id, O_RDWR);
    be.setattr(C, id, setattrIn({ valid: FATTR_SIZE | FATTR_FH, fh: h.fh, size: 5 }));
    be.release(C, id, h.fh, 0, 0, 0n);
    assert.is(fs.statSync(file).size, 5);
    assert.ok(keptOnOpen(be, id), 'truncated through a handle: keep');
    be.setattr(C, id, setattrIn({ valid: FATTR_SIZE, size: 3 }));
    assert.ok(keptOnOpen(be, id), 'truncated by inode (no handle): keep');
    be.setattr(C, id, setattrIn({ valid: FATTR_MODE, mode: 0o600 }));
    assert.ok(keptOnOpen(be, id), 'chmod (ctime moves, data does not): keep');

    fs.writeFileSync(file, 'changed on the host');
    assert.not.ok(keptOnOpen(be, id), 'host change: drop');
    assert.ok(keptOnOpen(be, id), 'the drop restarted the stamp: keep again');
    fs.appendFileSync(file, '!');
    assert.not.ok(keptOnOpen(be, id), 'host append: drop');
  });
});

test('auto: a same-size host rewrite with its old mtime put back is still seen (ctime moved)', () => {
  withBackend({}, (be, src) => {
    const file = path.join(src, 'f');
    fs.writeFileSync(file, 'aaaa');
    fs.utimesSync(file, 1_000_000_000, 1_000_000_000);
    const id = be.lookup(C, 1, b('f')).nodeid;
    keptOnOpen(be, id);
    assert.ok(keptOnOpen(be, id));
    const before = fs.statSync(file, { bigint: true });
    fs.writeFileSync(file, 'bbbb');
    fs.utimesSync(file, 1_000_000_000, 1_000_000_000);
    const after = fs.statSync(file, { bigint: true });
    assert.is(after.mtimeNs, before.mtimeNs, 'mtime restored');
    assert.is(after.size, before.size, 'same size');
    assert.is.not(after.ctimeNs, before.ctimeNs, 'ctime cannot be restored');
    assert.not.ok(keptOnOpen(be, id), 'ctime differs: drop');
  });
});

test('auto: a host change while the file is open is not absorbed by a later write through the mount', () => {
  withBackend({}, (be, src) => {
    const file = path.join(src, 'f');
    fs.writeFileSync(file, '0123456789');
    const id = be.lookup(C, 1, b('f')).nodeid;
    keptOnOpen(be, id);
    const h = be.open(C, id, O_RDWR);
    assert.ok(h.openFlags & FOPEN_KEEP_CACHE);
    fs.writeFileSync(file, 'ABCDEFGHIJ'); // behind the mount, while the kernel holds pages of the old text
    be.write(C, id, h.fh, 0, b('x'), 0, 0);
    be.write(C, id, h.fh, 1, b('y'), 0, 0);
    be.release(C, id, h.fh, 0, 0, 0n);
    assert.is(fs.readFileSync(file, 'utf8'), 'xyCDEFGHIJ');
    assert.not.ok(keptOnOpen(be, id), 'the pages may still show the old text: drop');
    assert.ok(keptOnOpen(be, id));
  });
});

test('auto: CREATE stamps the new file; O_TRUNC opens and copy_file_range keep it coherent', () => {
  withBackend({}, (be, src) => {
    const r = be.create(C, 1, b('new'), 0o100644, 0o022, O_RDWR | O_CREAT);
    assert.not.ok(r.openFlags & FOPEN_KEEP_CACHE, 'a new inode has no pages to keep');
    const id = r.entry.nodeid;
    assert.is(be.write(C, id, r.fh, 0, b('fresh data'), 0, 0), 10);
    be.release(C, id, r.fh, 0, 0, 0n);
    assert.ok(keptOnOpen(be, id), 'created and written through the mount: keep');

    assert.not.ok(keptOnOpen(be, id, O_RDWR | O_TRUNC), 'O_TRUNC changed the file: no keep (the kernel truncates its pages)');
    assert.is(fs.statSync(path.join(src, 'new')).size, 0);
    assert.ok(keptOnOpen(be, id), 'stamped after the truncate: keep');

    fs.writeFileSync(path.join(src, 'source'), 'copied!');
    const s = be.lookup(C, 1, b('source')).nodeid;
    const hin = be.open(C, s, 0);
    const hout = be.open(C, id, O_RDWR);
    assert.is(be.copyFileRange(C, s, hin.fh, 0, id, hout.fh, 0, 7, 0), 7);
    be.release(C, s, hin.fh, 0, 0, 0n);
    be.release(C, id, hout.fh, 0, 0, 0n);
    assert.is(fs.readFileSync(path.join(src, 'new'), 'utf8'), 'copied!');
    assert.ok(keptOnOpen(be, id), 'copied into through the mount: keep');

    // CREATE (no O_EXCL) of a name the host made meanwhile: an open of an existing file.
    fs.writeFileSync(path.join(src, 'raced'), 'host');
    const c = be.create(C, 1, b('raced'), 0o100644, 0o022, O_RDWR | O_CREAT);
    be.release(C, c.entry.nodeid, c.fh, 0, 0, 0n);
    assert.not.ok(c.openFlags & FOPEN_KEEP_CACHE);
    assert.ok(keptOnOpen(be, c.entry.nodeid));
  });
});

test('keepCache false never keeps; true always keeps, even after a host change', () => {
  withBackend({ keepCache: false }, (be, src) => {
    fs.writeFileSync(path.join(src, 'f'), 'x');
    const id = be.lookup(C, 1, b('f')).nodeid;
    for (let i = 0; i < 3; i++) assert.not.ok(keptOnOpen(be, id));
    writeThrough(be, id, 0, 'y');
    assert.not.ok(keptOnOpen(be, id));
    const r = be.create(C, 1, b('g'), 0o100644, 0, O_RDWR | O_CREAT);
    be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
    assert.not.ok(r.openFlags & FOPEN_KEEP_CACHE);
  });
  withBackend({ keepCache: true }, (be, src) => {
    fs.writeFileSync(path.join(src, 'f'), 'x');
    const id = be.lookup(C, 1, b('f')).nodeid;
    assert.ok(keptOnOpen(be, id));
    fs.writeFileSync(path.join(src, 'f'), 'changed');
    assert.ok(keptOnOpen(be, id), 'true means always');
    const r = be.create(C, 1, b('g'), 0o100644, 0, O_RDWR | O_CREAT);
    be.release(C, r.entry.nodeid, r.fh, 0, 0, 0n);
    assert.ok(r.openFlags & FOPEN_KEEP_CACHE);
  });
});

test('auto with FUSE_AUTO_INVAL_DATA negotiated: writes are not stamped (the next open drops), the rest is as without', () => {
  withBackend({}, (be, src) => {
    be.init({ minor: 45, flags: InitFlags.AUTO_INVAL_DATA | InitFlags.ATOMIC_O_TRUNC });
    fs.writeFileSync(path.join(src, 'f'), 'hello');
    const id = be.lookup(C, 1, b('f')).nodeid;
    assert.not.ok(keptOnOpen(be, id));
    assert.ok(keptOnOpen(be, id));
    writeThrough(be, id, 0, 'J');
    assert.not.ok(keptOnOpen(be, id), 'the kernel drops its pages after our writes anyway: so does the next open');
    assert.ok(keptOnOpen(be, id));
    be.setattr(C, id, setattrIn({ valid: FATTR_SIZE, size: 2 }));
    assert.ok(keptOnOpen(be, id), 'truncate is still stamped');
    fs.writeFileSync(path.join(src, 'f'), 'host');
    assert.not.ok(keptOnOpen(be, id));
  });
});

test("auto with the writeback cache negotiated: never keeps", () => {
  withBackend({}, (be, src) => {
    be.init({ minor: 45, flags: InitFlags.WRITEBACK_CACHE });
    fs.writeFileSync(path.join(src, 'f'), 'x');
    const id = be.lookup(C, 1, b('f')).nodeid;
    for (let i = 0; i < 3; i++) assert.not.ok(keptOnOpen(be, id));
    writeThrough(be, id, 0, 'y');
    assert.not.ok(keptOnOpen(be, id));
  });
});

test.run();
