import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { errno } from '@tsfuse/protocol';
import { HandleTable } from '../src/index.js';

test('handles are small numbers from 1, reused after remove', () => {
  const t = new HandleTable<string>();
  assert.is(t.add('a'), 1);
  assert.is(t.add('b'), 2);
  assert.is(t.get(1), 'a');
  assert.is(t.remove(1), 'a');
  assert.is(t.get(1), undefined);
  assert.is(t.size, 1);
  assert.is(t.add('c'), 1);
  assert.equal([...t], [[1, 'c'], [2, 'b']]);
  assert.is(t.remove(7), undefined);
  assert.is(t.get(0), undefined);
});

test('handle() throws EBADF for an unknown fh', () => {
  const t = new HandleTable<string>();
  try {
    t.handle(3);
    assert.unreachable();
  } catch (e) {
    assert.is((e as { errno: number }).errno, errno.EBADF);
  }
});

test.run();
