import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { R_OK, W_OK, X_OK, accessAllowed, hostNow, hostTime } from '../src/index.js';

test('owner, group, supplementary group, other', () => {
  const st = { mode: 0o100640, uid: 1000, gid: 100 };
  assert.ok(accessAllowed(st, { uid: 1000, gid: 1 }, R_OK | W_OK));
  assert.not.ok(accessAllowed(st, { uid: 1000, gid: 1 }, X_OK));
  assert.ok(accessAllowed(st, { uid: 1001, gid: 100 }, R_OK));
  assert.not.ok(accessAllowed(st, { uid: 1001, gid: 100 }, W_OK));
  assert.ok(accessAllowed(st, { uid: 1001, gid: 5, groups: [7, 100] }, R_OK));
  assert.not.ok(accessAllowed(st, { uid: 1001, gid: 5 }, R_OK));
  assert.ok(accessAllowed(st, { uid: 1001, gid: 5 }, 0), 'F_OK');
  // Owner bits decide for the owner even when group/other would allow more.
  assert.not.ok(accessAllowed({ mode: 0o100077, uid: 1000, gid: 100 }, { uid: 1000, gid: 100 }, R_OK));
});

test('root: read/write always, execute only with an x bit or on a directory', () => {
  assert.ok(accessAllowed({ mode: 0o100000, uid: 5, gid: 5 }, { uid: 0, gid: 0 }, R_OK | W_OK));
  assert.not.ok(accessAllowed({ mode: 0o100644, uid: 5, gid: 5 }, { uid: 0, gid: 0 }, X_OK));
  assert.ok(accessAllowed({ mode: 0o100001, uid: 5, gid: 5 }, { uid: 0, gid: 0 }, X_OK));
  assert.ok(accessAllowed({ mode: 0o040000, uid: 5, gid: 5 }, { uid: 0, gid: 0 }, X_OK));
});

test('hostTime sets times exactly to the microsecond, before 1970 too', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-times-'));
  try {
    const f = path.join(dir, 'f');
    fs.writeFileSync(f, '');
    fs.utimesSync(f, hostTime(1700000000, 123456000), hostTime(-5, 250000000));
    const st = fs.statSync(f, { bigint: true });
    assert.is(st.atimeNs, 1700000000123456000n);
    assert.is(st.mtimeNs, -4750000000n);
    // Every microsecond value lands exactly, despite double rounding.
    for (let us = 0; us < 1_000_000; us += 7919) {
      fs.utimesSync(f, hostTime(1600000000, us * 1000), hostTime(-1600000000, us * 1000));
      const s2 = fs.statSync(f, { bigint: true });
      assert.is(s2.atimeNs, 1600000000_000000000n + BigInt(us) * 1000n);
      assert.is(s2.mtimeNs, -1600000000_000000000n + BigInt(us) * 1000n);
    }
    const now = hostNow();
    assert.ok(Math.abs(now - Date.now() / 1000) < 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
