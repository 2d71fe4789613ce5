/**
 * Extended attributes and RENAME_EXCHANGE through a real /dev/fuse mount
 * served by `tsfuse mount SRC MNT --backend linux`. Clients are python3 child
 * processes (os.*xattr, and renameat2 through ctypes: Debian 12's mv has no
 * --exchange); the host side is checked in SRC directly.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { canMount, withMount } from './mount-helpers.js';

/** A python3 one-liner for the shell (single-quoted; the script must not contain single quotes). */
const py = (script: string) => `python3 -c '${script}'`;

if (!canMount()) {
  test('real mounts need root, /dev/fuse and the CLI', () => console.log('    skipped: cannot mount here'));
  test.run();
} else {
  test('os.setxattr/getxattr/listxattr/removexattr on the mount act on SRC, with exact errnos', async () => {
    await withMount({ setup: (src) => fs.writeFileSync(path.join(src, 'f'), 'x') }, (m) => {
      const f = `${m.mnt}/f`;
      m.ok(py(`import os; os.setxattr("${f}", "user.bin", bytes([0,255,10,0])); os.setxattr("${f}", "user.two", b"2")`));
      const hostValue = spawnSync('python3', ['-c', 'import os,sys; print(os.getxattr(sys.argv[1], "user.bin").hex())', path.join(m.src, 'f')], { encoding: 'utf8' });
      assert.is(hostValue.stdout.trim(), '00ff0a00', 'the host file has it');
      assert.is(m.ok(py(`import os; print(os.getxattr("${f}", "user.bin").hex(), sorted(os.listxattr("${f}")))`)).trim(), "00ff0a00 ['user.bin', 'user.two']");
      const errs = m.ok(py(`import os, errno
def e(fn):
    try:
        fn(); return "ok"
    except OSError as x:
        return errno.errorcode[x.errno]
print(e(lambda: os.setxattr("${f}", "user.two", b"x", os.XATTR_CREATE)), e(lambda: os.setxattr("${f}", "user.none", b"x", os.XATTR_REPLACE)),
  e(lambda: os.getxattr("${f}", "user.none")), e(lambda: os.removexattr("${f}", "user.none")), e(lambda: os.removexattr("${f}", "user.two")),
  e(lambda: os.getxattr("${f}", "user.two")))`)).trim();
      assert.is(errs, 'EEXIST ENODATA ENODATA ENODATA ok ENODATA');
      assert.not.match(m.serverLog(), /unexpected|ENOSYS/);
    });
  });

  test('a symlink on the mount: user.* EPERM, its target outside SRC untouched', async () => {
    await withMount({
      setup: (src, outside) => {
        fs.writeFileSync(path.join(outside, 'victim'), 'v');
        fs.symlinkSync(path.join(outside, 'victim'), path.join(src, 'link'));
      },
    }, (m) => {
      const out = m.ok(py(`import os, errno
try:
    os.setxattr("${m.mnt}/link", "user.x", b"evil", follow_symlinks=False); print("ok")
except OSError as x:
    print(errno.errorcode[x.errno])
os.setxattr("${m.mnt}/link", "trusted.x", b"onlink", follow_symlinks=False)
print(os.getxattr("${m.mnt}/link", "trusted.x", follow_symlinks=False).decode())`)).trim();
      assert.is(out, 'EPERM\nonlink');
      const host = spawnSync('python3', ['-c', 'import os,sys; print(os.listxattr(sys.argv[1], follow_symlinks=False), os.listxattr(sys.argv[2]))', path.join(m.src, 'link'), path.join(m.outside, 'victim')], { encoding: 'utf8' });
      assert.is(host.stdout.trim(), "['trusted.x'] []", 'on the link in SRC; nothing on the target outside');
    });
  });

  test('renameat2(RENAME_EXCHANGE) through ctypes swaps two names on the host, and the mount sees it', async () => {
    await withMount({
      setup: (src) => {
        fs.writeFileSync(path.join(src, 'a'), 'AAA');
        fs.mkdirSync(path.join(src, 'd'));
        fs.writeFileSync(path.join(src, 'd', 'in'), 'i');
      },
    }, (m) => {
      // stat both first, so the kernel holds both dentries and must move them on the exchange.
      const out = m.ok(py(`import ctypes, os
os.stat("${m.mnt}/a"); os.stat("${m.mnt}/d/in")
libc = ctypes.CDLL(None, use_errno=True)
r = libc.renameat2(-100, b"${m.mnt}/a", -100, b"${m.mnt}/d", 2)
print(r, ctypes.get_errno() if r else 0, open("${m.mnt}/d").read(), os.listdir("${m.mnt}/a"), open("${m.mnt}/a/in").read())`)).trim();
      assert.is(out, "0 0 AAA ['in'] i");
      assert.is(fs.readFileSync(path.join(m.src, 'd'), 'utf8'), 'AAA');
      assert.ok(fs.statSync(path.join(m.src, 'a')).isDirectory());
      assert.not.match(m.serverLog(), /unexpected/);
    });
  });

  test('kill-priv (HANDLE_KILLPRIV_V2): non-root writes and O_TRUNC opens clear set-ID bits, writes remove file capabilities, one capability query per inode', async () => {
    // A v2 vfs_cap_data granting CAP_NET_RAW (bit 13), effective.
    const setCap = (file: string) =>
      spawnSync('python3', ['-c', 'import os,struct,sys; os.setxattr(sys.argv[1], "security.capability", struct.pack("<IIIII", 0x02000001, 1 << 13, 0, 0, 0))', file], { encoding: 'utf8' });
    const hasCap = (file: string) =>
      spawnSync('python3', ['-c', 'import os,sys\ntry:\n  os.getxattr(sys.argv[1], "security.capability"); print("yes")\nexcept OSError: print("no")', file], { encoding: 'utf8' }).stdout.trim();
    await withMount({
      args: ['--debug'],
      setup: (src) => {
        for (const f of ['trunc', 'append', 'root']) {
          fs.writeFileSync(path.join(src, f), 'x');
          fs.chmodSync(path.join(src, f), 0o6777);
        }
        fs.writeFileSync(path.join(src, 'cap'), 'x');
        fs.chmodSync(path.join(src, 'cap'), 0o755);
      },
    }, async (m) => {
      const mode = (f: string) => (fs.statSync(path.join(m.src, f)).mode & 0o7777).toString(8);
      const as1000 = (c: string) => m.ok(`setpriv --reuid=1000 --regid=1000 --clear-groups sh -c '${c}'`);
      as1000(`: > ${m.mnt}/trunc`);
      assert.is(mode('trunc'), '777', 'O_TRUNC open by a non-owner without CAP_FSETID');
      as1000(`echo y >> ${m.mnt}/append`);
      assert.is(mode('append'), '777', 'write by a non-owner without CAP_FSETID');
      m.ok(`echo y >> ${m.mnt}/root`);
      assert.is(mode('root'), '6777', 'root (CAP_FSETID) keeps them, as on Linux');
      assert.is(setCap(path.join(m.src, 'cap')).status, 0, 'set a capability on the host file');
      assert.is(hasCap(path.join(m.src, 'cap')), 'yes');
      m.ok(`echo y >> ${m.mnt}/cap`);
      assert.is(hasCap(path.join(m.src, 'cap')), 'no', 'a write removes file capabilities, as on Linux');

      // The debug log arrives through a pipe: let the event loop take it in (run(), not ok()).
      const capQueries = async (): Promise<number> => {
        await m.run('sleep 0.3');
        return (m.serverLog().match(/→ \d+ GETXATTR .*security\.capability/g) ?? []).length;
      };
      const before = await capQueries();
      await m.run(`dd if=/dev/zero of=${m.mnt}/many bs=4k count=8 2>/dev/null`);
      const queries = (await capQueries()) - before;
      assert.is(queries, 1, 'eight writes to a new file: one security.capability query (not one per write)');
      assert.not.match(m.serverLog(), /unexpected/);
    });
  });

  const haveStress = spawnSync('sh', ['-c', 'command -v stress-ng'], { encoding: 'utf8' }).status === 0;
  test('stress-ng --xattr 1 -t 3 on the mount: zero failures', async () => {
    if (!haveStress) return console.log('    skipped: stress-ng is not installed');
    await withMount({}, (m) => {
      const r = m.sh(`cd ${m.mnt} && stress-ng --xattr 1 -t 3 --temp-path ${m.mnt} --metrics-brief 2>&1`, 120_000);
      const failures = r.stdout.split('\n').filter((l) => /\bfail|FAIL|failed:|unsuccessful|skipp|not supported|no resources/.test(l));
      assert.is(r.status, 0, r.stdout.slice(-3000));
      assert.equal(failures, [], r.stdout);
      assert.match(r.stdout, /successful run completed/);
      const ops = /xattr\s+(\d+)/.exec(r.stdout);
      console.log(`    stress-ng xattr: ${ops?.[1] ?? '?'} bogo ops in 3 s`);
      assert.ok(ops !== null && Number(ops[1]) > 0, r.stdout);
    });
  });

  test.run();
}
