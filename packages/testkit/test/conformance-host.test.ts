/**
 * The host.* scenarios must be able to fail: a naive path-based passthrough
 * (node id -> path, every call following symlinks on the host, the design
 * libfuse's early examples had) must be caught escaping the root when a
 * directory is swapped for a symlink.
 */
import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import { FuseError, type Backend, type Entry } from '@tsfuse/protocol';
import { runScenario } from '../src/conformance.js';

function naivePassthrough(root: string): Backend {
  const paths = new Map<number, string>([[1, root]]);
  const ids = new Map<string, number>([[root, 1]]);
  const fds = new Map<number, number>();
  let nextFh = 1;
  const idOf = (p: string): number => {
    let id = ids.get(p);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(p, id);
      paths.set(id, p);
    }
    return id;
  };
  const pathOf = (nodeid: number): string => {
    const p = paths.get(nodeid);
    if (p === undefined) throw new FuseError('ESTALE');
    return p;
  };
  const wrap = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code && code in { ENOENT: 1, EEXIST: 1, ENOTDIR: 1, EISDIR: 1, ENOTEMPTY: 1, EACCES: 1, EPERM: 1, EINVAL: 1 }) throw new FuseError(code as 'ENOENT');
      throw e;
    }
  };
  const attr = (st: fs.Stats) => ({
    ino: st.ino, size: st.size, blocks: st.blocks, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000),
    ctime: Math.floor(st.ctimeMs / 1000), atimensec: 0, mtimensec: 0, ctimensec: 0, mode: st.mode, nlink: st.nlink,
    uid: st.uid, gid: st.gid, rdev: 0, blksize: 4096,
  });
  const entry = (p: string): Entry => ({ nodeid: idOf(p), attr: attr(wrap(() => fs.lstatSync(p))) });
  return {
    lookup: (_c, parent, name) => entry(join(pathOf(parent), name.toString())),
    getattr: (_c, nodeid) => ({ attr: attr(wrap(() => fs.lstatSync(pathOf(nodeid)))) }),
    setattr: (_c, nodeid, a) => {
      const p = pathOf(nodeid);
      wrap(() => {
        if (a.valid & 1) fs.chmodSync(p, a.mode & 0o7777);
        if (a.valid & 8) fs.truncateSync(p, a.size);
      });
      return { attr: attr(fs.lstatSync(p)) };
    },
    mkdir: (_c, parent, name, mode) => {
      const p = join(pathOf(parent), name.toString());
      wrap(() => fs.mkdirSync(p, mode));
      return entry(p);
    },
    mknod: (_c, parent, name) => {
      const p = join(pathOf(parent), name.toString());
      wrap(() => fs.writeFileSync(p, '', { flag: 'wx' }));
      return entry(p);
    },
    symlink: (_c, parent, name, target) => {
      const p = join(pathOf(parent), name.toString());
      wrap(() => fs.symlinkSync(target.toString(), p));
      return entry(p);
    },
    create: (_c, parent, name, mode) => {
      const p = join(pathOf(parent), name.toString());
      const fd = wrap(() => fs.openSync(p, 'w', mode & 0o777));
      const fh = nextFh++;
      fds.set(fh, fd);
      return { fh, entry: entry(p) };
    },
    open: (_c, nodeid) => {
      const fd = wrap(() => fs.openSync(pathOf(nodeid), 'r+'));
      const fh = nextFh++;
      fds.set(fh, fd);
      return { fh };
    },
    write: (_c, _n, fh, offset, data) => fs.writeSync(fds.get(fh)!, data, 0, data.length, offset),
    flush: () => undefined,
    release: (_c, _n, fh) => {
      const fd = fds.get(fh);
      if (fd !== undefined) fs.closeSync(fd);
      fds.delete(fh);
    },
    unlink: (_c, parent, name) => wrap(() => fs.unlinkSync(join(pathOf(parent), name.toString()))),
    rename: (_c, parent, name, newParent, newName) => wrap(() => fs.renameSync(join(pathOf(parent), name.toString()), join(pathOf(newParent), newName.toString()))),
  };
}

test('a path-following passthrough is caught writing outside its root', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tsfuse-naive-'));
  try {
    const r = await runScenario('host.symlink-swap-no-escape', () => ({ backend: naivePassthrough(root), hostRoot: root }));
    if (r.status !== 'failed') throw new Error(`host.symlink-swap-no-escape ${r.status} against a naive passthrough`);
    if (!/outside/.test(r.error ?? '')) throw new Error(`failed for another reason: ${r.error}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('host.* scenarios skip without a host root', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tsfuse-naive-'));
  try {
    const r = await runScenario('host.lookup-sees-host-changes', () => naivePassthrough(root));
    if (r.status !== 'skipped') throw new Error(`${r.status}: ${r.error}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
