/**
 * Through a real /dev/fuse mount served by `tsfuse mount SRC MNT --backend linux`:
 * glibc directory iteration, big listings and rm -rf, ownership for a
 * non-root caller, and host symlink swaps while clients work. File operations
 * on the mount run in child processes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import path from 'node:path';
import { canMount, tool, withMount, type Mounted } from './mount-helpers.js';

if (!canMount()) {
  test('real mounts need root, /dev/fuse and the CLI', () => console.log('    skipped: cannot mount here'));
  test.run();
} else {
  const dirscan = tool('dirscan');

  /** Names of a dirscan section. */
  const names = (section: string) => section.split('\n').filter((l) => l !== '').map((l) => l.split('\t')[0]!);
  const sections = (out: string) => out.split('--\n');

  test('the mount behaves like SRC: contents, metadata, d_ino and d_type via glibc', async () => {
    await withMount({ setup: (src) => fs.writeFileSync(path.join(src, 'hello'), 'hello\n') }, (m) => {
      assert.is(m.ok(`cat ${m.mnt}/hello`), 'hello\n');
      m.ok(`echo data > ${m.mnt}/new && mkdir ${m.mnt}/dir && ln -s hello ${m.mnt}/link && mkfifo ${m.mnt}/fifo && ln ${m.mnt}/new ${m.mnt}/hard`);
      assert.is(fs.readFileSync(path.join(m.src, 'new'), 'utf8'), 'data\n');
      assert.is(fs.readlinkSync(path.join(m.src, 'link')), 'hello');
      assert.ok(fs.lstatSync(path.join(m.src, 'fifo')).isFIFO());
      assert.is(fs.statSync(path.join(m.src, 'hard')).nlink, 2);
      const st = m.ok(`stat -c '%i %s %h %a %Y' ${m.mnt}/new`).trim();
      const h = fs.statSync(path.join(m.src, 'new'));
      assert.is(st, `${h.ino} ${h.size} ${h.nlink} ${(h.mode & 0o777).toString(8)} ${Math.floor(h.mtimeMs / 1000)}`);
      const listing = m.ok(`${dirscan} list ${m.mnt}`).trim().split('\n').map((l) => l.split('\t'));
      for (const [name, ino, type] of listing) {
        const p = path.join(m.src, name!);
        const s = name === '..' ? fs.statSync(m.src) : fs.lstatSync(p);
        assert.is(Number(ino), s.ino, `d_ino of ${name}`);
        const want = s.isDirectory() ? 4 : s.isSymbolicLink() ? 10 : s.isFIFO() ? 1 : 8;
        assert.is(Number(type), want, `d_type of ${name}`);
      }
      m.ok(`touch -d '2001-02-03 04:05:06.123456789' ${m.mnt}/new`);
      assert.is(fs.statSync(path.join(m.src, 'new'), { bigint: true }).mtimeNs, BigInt(Date.UTC(2001, 1, 3, 4, 5, 6)) * 1_000_000n + 123456789n);
      m.ok(`truncate -s 3 ${m.mnt}/new && chmod 600 ${m.mnt}/new && mv ${m.mnt}/new ${m.mnt}/dir/moved`);
      assert.is(fs.statSync(path.join(m.src, 'dir/moved')).size, 3);
      assert.is(fs.statSync(path.join(m.src, 'dir/moved')).mode & 0o777, 0o600);
      m.ok(`rm -r ${m.mnt}/dir ${m.mnt}/hard ${m.mnt}/fifo ${m.mnt}/link`);
      assert.equal(fs.readdirSync(m.src), ['hello']);
    });
  });

  test('rewinddir after each kind of mutation shows exactly the change', async () => {
    await withMount({ setup: (src) => {
      fs.mkdirSync(path.join(src, 'd'));
      for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(src, 'd', `f${i}`), '');
      fs.mkdirSync(path.join(src, 'd', 'sub'));
    } }, (m) => {
      const d = `${m.mnt}/d`;
      const cases: [string, string[], (before: Set<string>) => Set<string>][] = [
        ['create', ['c1'], (s) => new Set([...s, 'c1'])],
        ['unlink', ['f3'], (s) => new Set([...s].filter((n) => n !== 'f3'))],
        ['mkdir', ['m1'], (s) => new Set([...s, 'm1'])],
        ['rmdir', ['sub'], (s) => new Set([...s].filter((n) => n !== 'sub'))],
        ['symlink', ['f4', 's1'], (s) => new Set([...s, 's1'])],
        ['link', ['f5', 'l1'], (s) => new Set([...s, 'l1'])],
        ['rename', ['f6', 'r1'], (s) => new Set([...[...s].filter((n) => n !== 'f6'), 'r1'])],
      ];
      for (const [op, args, expect] of cases) {
        const [before, after] = sections(m.ok(`${dirscan} rewind ${d} ${op} ${args.join(' ')}`));
        const b = new Set(names(before!));
        const a = names(after!);
        assert.is(new Set(a).size, a.length, `${op}: no duplicates after rewind`);
        assert.equal([...new Set(a)].sort(), [...expect(b)].sort(), `${op}: rewind shows the change`);
      }
      // rename across two directories, one of them open
      fs.mkdirSync(path.join(m.src, 'e'));
      const [, after] = sections(m.ok(`${dirscan} rewind ${d} rename f7 ../e/f7`));
      assert.not.ok(names(after!).includes('f7'));
      assert.ok(fs.existsSync(path.join(m.src, 'e/f7')));
    });
  });

  test('iterate while creating, iterate while deleting, telldir/seekdir', async () => {
    await withMount({ setup: (src) => {
      for (const d of ['c', 'x', 's']) fs.mkdirSync(path.join(src, d));
      for (let i = 0; i < 3000; i++) {
        fs.writeFileSync(path.join(src, 'c', `orig-${i}`), '');
        fs.writeFileSync(path.join(src, 'x', `orig-${i}`), '');
        fs.writeFileSync(path.join(src, 's', `orig-${i}`), '');
      }
    } }, (m) => {
      const seen = names(m.ok(`${dirscan} iterate-create ${m.mnt}/c 3000`));
      assert.is(new Set(seen).size, seen.length, 'no name twice while creating');
      for (let i = 0; i < 3000; i++) assert.ok(seen.includes(`orig-${i}`), `orig-${i} seen`);
      const [deleted, left] = sections(m.ok(`${dirscan} iterate-delete ${m.mnt}/x`));
      assert.is(names(deleted!).length, 3000);
      assert.equal(names(left!).sort(), ['.', '..']);
      assert.is(fs.readdirSync(path.join(m.src, 'x')).length, 0);
      assert.match(m.ok(`${dirscan} seek ${m.mnt}/s`), /entries 3002 mismatches 0/);
    });
  });

  test('rm -rf of 10,000 entries; a 50,000-entry listing has no duplicate', async () => {
    await withMount({ setup: (src) => {
      fs.mkdirSync(path.join(src, 'rm'));
      for (let i = 0; i < 10_000; i++) fs.writeFileSync(path.join(src, 'rm', `file-with-a-longish-name-${i}`), '');
      fs.mkdirSync(path.join(src, 'big'));
      for (let i = 0; i < 50_000; i++) fs.closeSync(fs.openSync(path.join(src, 'big', `entry-${i}`), 'w'));
    } }, (m) => {
      m.ok(`rm -rf ${m.mnt}/rm`, 300_000);
      assert.not.ok(fs.existsSync(path.join(m.src, 'rm')));
      const listed = names(m.ok(`${dirscan} list ${m.mnt}/big`, 300_000));
      assert.is(listed.length, 50_002);
      assert.is(new Set(listed).size, 50_002);
      assert.is(m.ok(`ls -f ${m.mnt}/big | sort | uniq -d | wc -l`, 300_000).trim(), '0');
    });
  });

  test('a non-root caller owns what it creates; umask applies', async () => {
    await withMount({ setup: (src) => {
      fs.mkdirSync(path.join(src, 'pub'));
      fs.chmodSync(path.join(src, 'pub'), 0o777);
    } }, (m) => {
      const as = (c: string) => m.ok(`setpriv --reuid=1000 --regid=1000 --clear-groups sh -c 'umask 027; ${c}'`);
      as(`cd ${m.mnt}/pub && echo x > file && mkdir dir && ln -s file sym && mkfifo fifo && python3 -c \"import socket; socket.socket(socket.AF_UNIX).bind(\\\"sock\\\")\"`);
      for (const [name, mode] of [['file', 0o640], ['dir', 0o750], ['sym', -1], ['fifo', 0o640], ['sock', 0o750]] as const) {
        const st = fs.lstatSync(path.join(m.src, 'pub', name));
        assert.is(st.uid, 1000, `${name} uid`);
        assert.is(st.gid, 1000, `${name} gid`);
        if (mode >= 0) assert.is(st.mode & 0o7777, mode, `${name} mode`);
      }
      assert.ok(fs.lstatSync(path.join(m.src, 'pub', 'sock')).isSocket());
      // default_permissions: the kernel refuses what the mode bits refuse.
      fs.writeFileSync(path.join(m.src, 'rootonly'), 'secret');
      fs.chmodSync(path.join(m.src, 'rootonly'), 0o600);
      const r = m.sh(`setpriv --reuid=1000 --regid=1000 --clear-groups cat ${m.mnt}/rootonly`);
      assert.is.not(r.status, 0);
      assert.match(r.stderr, /Permission denied/);
    });
  });

  /** A client loop (in a child process) doing every kind of operation on MNT while the host swaps names for symlinks. */
  const clientLoop = (mnt: string, seconds: number) => `
    end=$(( $(date +%s) + ${seconds} )); i=0
    while [ $(date +%s) -lt $end ]; do
      i=$((i+1))
      echo w > ${mnt}/d/x 2>/dev/null; echo w >> ${mnt}/f 2>/dev/null
      chmod 777 ${mnt}/d/x ${mnt}/f ${mnt}/d 2>/dev/null; chown 4242:4242 ${mnt}/d/x ${mnt}/f 2>/dev/null
      truncate -s 0 ${mnt}/d/x ${mnt}/f 2>/dev/null; touch -d @5 ${mnt}/d/x ${mnt}/f 2>/dev/null
      mkdir ${mnt}/d/m$i 2>/dev/null; ln -s /etc ${mnt}/d/s$i 2>/dev/null; mkfifo ${mnt}/d/p$i 2>/dev/null
      mv ${mnt}/d/m$i ${mnt}/d/n$i 2>/dev/null; rm -rf ${mnt}/d/n$i ${mnt}/d/s$i ${mnt}/d/p$i 2>/dev/null
      ln ${mnt}/f ${mnt}/d/h$i 2>/dev/null; rm -f ${mnt}/d/h$i 2>/dev/null
      ls -la ${mnt}/d > /dev/null 2>&1; cat ${mnt}/d/x ${mnt}/f > /dev/null 2>&1
    done; echo done $i`;

  test('host symlink swaps during client operations through the mount: nothing outside SRC changes', async () => {
    const swapper = fileURLToPathLocal('./race-swapper.mjs');
    await withMount({ setup: (src, outside) => {
      fs.mkdirSync(path.join(src, 'd'));
      fs.writeFileSync(path.join(src, 'd', 'x'), 'inside');
      fs.writeFileSync(path.join(src, 'f'), 'inside');
      fs.mkdirSync(path.join(outside, 'sub'));
      fs.writeFileSync(path.join(outside, 'x'), 'OUTSIDE');
      fs.writeFileSync(path.join(outside, 'target'), 'OUTSIDE');
      fs.writeFileSync(path.join(outside, 'sub', 'x'), 'OUTSIDE');
    } }, async (m: Mounted) => {
      const before = snapshotOf(m.outside);
      const { spawn } = await import('node:child_process');
      const sw = spawn(process.execPath, [swapper, m.src, m.outside, 'relative'], { stdio: 'ignore' });
      try {
        const out = m.ok(clientLoop(m.mnt, 8), 60_000);
        assert.match(out, /done \d+/);
      } finally {
        sw.kill('SIGKILL');
      }
      assert.fixture(snapshotOf(m.outside), before);
      assert.not.ok(fs.existsSync(path.join(m.base, 'client', 'outside')), 'the client itself never got out either');
      assert.not.match(m.serverLog(), /unexpected/);
    });
  });

  function fileURLToPathLocal(rel: string): string {
    return new URL(rel, import.meta.url).pathname;
  }

  function snapshotOf(dir: string): string {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const n of fs.readdirSync(d).sort()) {
        const p = path.join(d, n);
        const st = fs.lstatSync(p, { bigint: true });
        out.push(`${p} ${st.mode} ${st.uid}:${st.gid} ${st.size} ${st.mtimeNs} ${st.isFile() ? fs.readFileSync(p, 'latin1') : ''}`);
        if (st.isDirectory()) walk(p);
      }
    };
    const st = fs.lstatSync(dir, { bigint: true });
    out.push(`${dir} ${st.mode} ${st.mtimeNs}`);
    walk(dir);
    return out.join('\n');
  }

  test.run();
}
