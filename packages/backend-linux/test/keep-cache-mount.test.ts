/**
 * keepCache 'auto' (the default) through a real mount served by
 * `tsfuse mount --backend linux`: a file written through the mount is read
 * back from the kernel's page cache on later opens, and every change made on
 * SRC behind the mount — same size, different size, same size with the old
 * mtime put back — is seen at the next open. All client I/O runs in child
 * processes; `fincore` (util-linux) shows what the kernel holds in its page cache.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canMount, withMount, type Mounted } from './mount-helpers.js';

if (!canMount()) {
  test('real mounts need root, /dev/fuse and the CLI', () => console.log('    skipped: cannot mount here'));
  test.run();
} else {
  const hasFincore = fs.existsSync('/usr/bin/fincore') || fs.existsSync('/bin/fincore');

  /** Bytes of `file` in the kernel's page cache, as a client opening it now sees them (the open itself decides). */
  const resident = (m: Mounted, file: string): number => Number(m.ok(`fincore --bytes --noheadings --output RES ${file}`).trim());

  /** Write `data` to `name` on the host side (outside the mount) for cmp to compare with. */
  const expect = (m: Mounted, name: string, data: Buffer): string => {
    const p = path.join(m.outside, name);
    fs.writeFileSync(p, data);
    return p;
  };

  test('written through the mount, read back from the cache; host changes seen at the next open', async () => {
    await withMount({}, (m) => {
      const f = `${m.mnt}/f`;
      const hostF = path.join(m.src, 'f');
      const MiB = 1 << 20;

      // Through the mount: write, close, reopen and read back.
      const a = expect(m, 'a', randomBytes(2 * MiB));
      m.ok(`cp ${a} ${f}`);
      m.ok(`cmp ${f} ${a}`);
      assert.ok(fs.readFileSync(hostF).equals(fs.readFileSync(a)), 'the host file has what was written');
      if (hasFincore) assert.is(resident(m, f), 2 * MiB, 'unchanged since: a new open keeps the pages');

      // Same size, new content, changed on the host: no sleep, so the kernel's attributes are still fresh.
      const b = expect(m, 'b', randomBytes(2 * MiB));
      fs.copyFileSync(b, hostF);
      m.ok(`cmp ${f} ${b}`);

      // A different size: the size itself reaches the kernel with its attributes (attrTimeout, 1 s here).
      const c = expect(m, 'c', randomBytes(MiB + 12345));
      fs.copyFileSync(c, hostF);
      m.ok(`sleep 1.2; cmp ${f} ${c}`);
      const d = expect(m, 'd', randomBytes(MiB / 2));
      fs.copyFileSync(d, hostF);
      m.ok(`sleep 1.2; cmp ${f} ${d}`);

      // Same size and the old mtime put back: only ctime tells (userspace cannot set it).
      fs.utimesSync(hostF, 1_000_000_000, 1_000_000_000);
      m.ok(`cat ${f} > /dev/null`); // the mount sees (and caches) the file with this mtime
      const before = fs.statSync(hostF, { bigint: true });
      const e = expect(m, 'e', randomBytes(MiB / 2));
      fs.copyFileSync(e, hostF);
      fs.utimesSync(hostF, 1_000_000_000, 1_000_000_000);
      const after = fs.statSync(hostF, { bigint: true });
      assert.is(after.mtimeNs, before.mtimeNs, 'mtime put back');
      assert.is(after.size, before.size, 'same size');
      assert.is.not(after.ctimeNs, before.ctimeNs);
      m.ok(`cmp ${f} ${e}`);
    });
  });

  test('a MAP_SHARED write reaches the host and later opens (kept pages show it)', async () => {
    await withMount({}, (m) => {
      const f = `${m.mnt}/m`;
      const data = randomBytes(1 << 20);
      const a = expect(m, 'a', data);
      m.ok(`cp ${a} ${f} && cat ${f} > /dev/null`);
      m.ok(`python3 -c "import mmap; f = open('${f}', 'r+b'); mm = mmap.mmap(f.fileno(), 0); mm[4096:4101] = b'MMAP!'; mm.flush(); mm.close(); f.close()"`);
      data.write('MMAP!', 4096, 'latin1');
      const want = expect(m, 'want', data);
      assert.ok(fs.readFileSync(path.join(m.src, 'm')).equals(data), 'the host file has the mapped write');
      m.ok(`cmp ${f} ${want}`);
      if (hasFincore) assert.is(resident(m, f), 1 << 20, 'written through the mount: the pages are kept');
    });
  });

  test.run();
}
