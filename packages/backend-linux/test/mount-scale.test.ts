/**
 * Through a real mount: a 100,000-inode tree created, stat-ed and removed while
 * the daemon's open-file limit is 1,024 (a daemon keeping one descriptor per
 * inode dies with EMFILE here), and the stress-ng filesystem class for a
 * bounded time with zero failures.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import { canMount, withMount } from './mount-helpers.js';
import { aloneWithMount, shellCommand } from '@tsfuse/testkit';

if (!canMount()) {
  test('real mounts need root, /dev/fuse and the CLI', () => console.log('    skipped: cannot mount here'));
} else {
  test('100,000 inodes created, stat-ed and removed through the mount with the daemon at RLIMIT_NOFILE 1024', async () => {
    await withMount({ nofile: 1024 }, async (m) => {
      let maxFds = 0;
      const sampler = setInterval(() => {
        try {
          maxFds = Math.max(maxFds, fs.readdirSync(`/proc/${m.pid}/fd`).length);
        } catch {
          // exiting
        }
      }, 100);
      try {
        const t0 = Date.now();
        await m.run(`${process.execPath} -e '
          const fs = require("fs");
          for (let d = 0; d < 100; d++) {
            fs.mkdirSync(process.argv[1] + "/d" + d);
            for (let f = 0; f < 1000; f++) fs.writeFileSync(process.argv[1] + "/d" + d + "/file-" + f, "x");
          }' ${m.mnt}`, 600_000);
        const t1 = Date.now();
        assert.is((await m.run(`find ${m.mnt} -type f -printf '%s\\n' | awk '{ n++; s += $1 } END { print n, s }'`)).trim(), '100000 100000');
        assert.is((await m.run(`find ${m.mnt} -type d | wc -l`)).trim(), '101');
        const t2 = Date.now();
        await m.run(`rm -rf ${m.mnt}/*`);
        const t3 = Date.now();
        assert.equal(fs.readdirSync(m.src), []);
        const limits = fs.readFileSync(`/proc/${m.pid}/limits`, 'utf8');
        assert.match(limits, /Max open files\s+1024\s+1024/);
        console.log(`    create ${(t1 - t0) / 1000} s, find+stat ${(t2 - t1) / 1000} s, rm -rf ${(t3 - t2) / 1000} s; daemon peak ${maxFds} open fds`);
        assert.ok(maxFds > 0 && maxFds < 1024, `peak ${maxFds}`);
        assert.not.match(m.serverLog(), /EMFILE|unexpected/);
      } finally {
        clearInterval(sampler);
      }
    });
  });

  // Excluded: binderfs (a kernel feature, not a filesystem one; absent here). xattr runs: the
  // backend makes the xattr calls through its perl helper (xattr-mount.test.ts runs it alone too).
  test('stress-ng --class filesystem, every stressor in turn for 2 s: zero failures', async () => {
    await withMount({}, (m) => {
      // Where no other FUSE mount is visible: its getdent stressor walks all of /tmp (see aloneWithMount).
      const stress = `cd ${m.mnt} && stress-ng --class filesystem --exclude binderfs --sequential 1 --timeout 2 --temp-path ${m.mnt} 2>&1`;
      const r = m.sh(shellCommand(aloneWithMount(m.mnt, ['sh', '-c', stress])), 900_000);
      const failures = r.stdout.split('\n').filter((l) => /\bfail|FAIL|failed:|unsuccessful/.test(l));
      console.log(`    ${r.stdout.split('\n').filter((l) => /successful run|skipp|not supported/.test(l)).join('\n    ')}`);
      assert.is(r.status, 0, r.stdout.slice(-3000));
      assert.equal(failures, []);
      assert.match(r.stdout, /successful run completed/);
    });
  });
}

test.run();
