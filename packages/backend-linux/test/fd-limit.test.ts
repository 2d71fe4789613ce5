import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sandbox } from './helpers.js';

// The daemon's soft limit lowered to 1,024 while it serves 100,000 inodes,
// all kept looked up: a backend holding one descriptor per inode (libfuse's
// passthrough_hp) dies with EMFILE after ~1,000 here.
test('100,000 inodes created, stat-ed, listed and removed under RLIMIT_NOFILE 1024', () => {
  const box = sandbox('tsfuse-fdlimit-');
  try {
    const child = fileURLToPath(new URL('./fd-limit-child.ts', import.meta.url));
    const r = spawnSync(
      'prlimit',
      ['--nofile=1024:1024', process.execPath, '--expose-gc', '--conditions=source', '--import', 'tsx', child, box.src, '100', '1000'],
      { encoding: 'utf8', timeout: 9 * 60_000, maxBuffer: 1 << 20 },
    );
    if (r.status !== 0) throw new Error(`child failed (${r.status} ${r.signal}): ${r.stderr}\n${r.stdout}`);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`    ${JSON.stringify(res)}`);
    assert.is(res.softLimit, 1024);
    assert.is(res.inodes, 100_100);
    assert.is(res.knownAtPeak, 100_101);
    assert.ok(res.maxOpenFds < 1024, `max open fds ${res.maxOpenFds}`);
    assert.is(res.sizeSum, 100_000);
    assert.is(res.listed, 100_000);
    assert.is(res.left, 0);
    assert.is(res.tableAfter, 1);
  } finally {
    box.cleanup();
  }
});

test('900 open files and 600 new directories under RLIMIT_NOFILE 1024: the working set gives way on EMFILE', () => {
  const box = sandbox('tsfuse-emfile-');
  try {
    const child = fileURLToPath(new URL('./emfile-child.ts', import.meta.url));
    const r = spawnSync('prlimit', ['--nofile=1024:1024', process.execPath, '--conditions=source', '--import', 'tsx', child, box.src], {
      encoding: 'utf8', timeout: 5 * 60_000,
    });
    if (r.status !== 0) throw new Error(`child failed (${r.status} ${r.signal}): ${r.stderr}\n${r.stdout}`);
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`    ${JSON.stringify(res)}`);
    assert.is(res.failures, 0);
    assert.is(res.readBack, 900);
    assert.is(res.statted, 600);
    assert.ok(res.workingSet < 512, 'the working set shrank below where it hit EMFILE');
  } finally {
    box.cleanup();
  }
});

test.run();
