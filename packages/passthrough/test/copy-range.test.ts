import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copyRange, type PositionalIo } from '../src/index.js';

/** Two in-memory "files" (fd 0 in, fd 1 out); writes accept at most `maxWrite` bytes per call. */
function memoryIo(input: Uint8Array, maxWrite: number) {
  const out = new Uint8Array(64);
  const io: PositionalIo = {
    read: (_fd, buf, off, len, pos) => {
      const n = Math.max(0, Math.min(len, input.length - pos));
      buf.set(input.subarray(pos, pos + n), off);
      return n;
    },
    write: (_fd, buf, off, len, pos) => {
      const n = Math.min(len, maxWrite);
      out.set(buf.subarray(off, off + n), pos);
      return n;
    },
  };
  return { io, out };
}

test('copies through a small buffer chunk by chunk, short writes completed, at the right offsets', () => {
  const input = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
  const { io, out } = memoryIo(input, 3);
  assert.is(copyRange(io, 0, 2, 1, 10, 15, new Uint8Array(4)), 15);
  assert.equal([...out.subarray(10, 25)], [...input.subarray(2, 17)]);
  assert.is(out[9], 0);
  assert.is(out[25], 0);
});

test('stops at the end of the input and says how much it copied', () => {
  const { io, out } = memoryIo(Uint8Array.of(7, 8, 9), 100);
  assert.is(copyRange(io, 0, 1, 1, 0, 50, new Uint8Array(8)), 2);
  assert.equal([...out.subarray(0, 3)], [8, 9, 0]);
  assert.is(copyRange(io, 0, 3, 1, 0, 5, new Uint8Array(8)), 0);
});

test.run();
