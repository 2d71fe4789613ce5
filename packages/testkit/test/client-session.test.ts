/**
 * The client against the real session: INIT as Linux 6.18 offers it, an
 * INTERRUPT reaching a request that waits on its AbortSignal, and many
 * requests in flight at once.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createSession, FuseError, type Backend, type RequestContext } from '@tsfuse/protocol';
import { FuseClient } from '../src/client/client.js';
import { FsError } from '../src/client/errors.js';
import { Init, KERNEL_INIT_FLAGS } from '../src/client/abi.js';
import { MemoryBackend } from '../src/memory-backend.js';

test('INIT: the session accepts a 6.18 kernel and negotiates a subset of what it offered', async () => {
  const client = new FuseClient(createSession(new MemoryBackend()));
  const n = await client.init();
  assert.equal(n.major, 7);
  assert.equal(n.minor, 45);
  assert.equal(n.flags & ~KERNEL_INIT_FLAGS, 0n);
  assert.ok(n.maxWrite >= 4096);
  assert.ok(client.has(Init.DO_READDIRPLUS), 'MemoryBackend has readdirplus');
});

test('INTERRUPT aborts a request that waits on its signal: EINTR', async () => {
  const backend: Backend = {
    getattr: (ctx: RequestContext) =>
      new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new FuseError('EINTR')))),
  };
  const client = new FuseClient(createSession(backend));
  await client.init();
  const unique = client.nextUnique;
  const pending = client.getattr(1);
  await new Promise((r) => setTimeout(r, 10));
  await client.interrupt(unique);
  try {
    await pending;
    assert.unreachable('getattr completed');
  } catch (e) {
    assert.instance(e, FsError);
    assert.equal((e as FsError).code, 'EINTR');
  }
});

test('two hundred requests in flight, answered out of order, each matched to its unique', async () => {
  let n = 0;
  const backend: Backend = {
    getattr: (_ctx, nodeid) => new Promise((resolve) => setTimeout(() => resolve({
      attr: { ino: nodeid, size: nodeid, blocks: 0, atime: 0, mtime: 0, ctime: 0, atimensec: 0, mtimensec: 0, ctimensec: 0, mode: 0o100644, nlink: 1, uid: 0, gid: 0, rdev: 0, blksize: 4096 },
    }), 20 - (n++ % 20))),
  };
  const client = new FuseClient(createSession(backend));
  await client.init();
  const ids = Array.from({ length: 200 }, (_, i) => i + 2);
  const got = await Promise.all(ids.map((id) => client.getattr(id)));
  assert.equal(got.map((g) => g.attr.size), ids);
});

test.run();
