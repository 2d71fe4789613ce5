import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { constants } from 'node:os';
import { errno, errnoByName, errnoName } from '../src/abi/errno.js';

test('errno table matches the Linux host numbers name by name', () => {
  if (process.platform !== 'linux') return;
  const host = constants.errno as Record<string, number>;
  let checked = 0;
  for (const [name, value] of Object.entries(errno)) {
    if (name in host) {
      assert.is(value, host[name], name);
      checked++;
    }
  }
  assert.ok(checked > 60, `only ${checked} names checked`);
});

test('canonical names win over aliases', () => {
  assert.is(errnoName(11), 'EAGAIN');
  assert.is(errnoName(95), 'EOPNOTSUPP');
  assert.is(errnoName(35), 'EDEADLK');
  assert.is(errnoByName('ENOATTR'), undefined);
  assert.is(errnoByName('ENODATA'), 61);
});

test.run();
