/** The reader→server ring across real threads: order, no overwrite when full, park/resume/exit. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { createRingMemory, Ctl, ReaderState, ReadWanted, RingConsumer } from '../../src/transports/request-ring.js';

function startProducer(ring: ReturnType<typeof createRingMemory>, count: number): Worker {
  const url = new URL('./fixtures/ring-producer.ts', import.meta.url).href;
  const api = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(code, { eval: true, workerData: { ring, count } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drains everything until ENDED, checking contents; `slowEvery` adds pauses so the producer fills the ring. */
async function consume(c: RingConsumer, count: number, slowEvery: number): Promise<number> {
  const buf = new Uint8Array(8192);
  let got = 0;
  for (;;) {
    const seen = c.seq();
    let len: number;
    while ((len = c.peekLength()) >= 0) {
      c.take(buf, len);
      const i = got;
      assert.is(len, 1 + ((i * 7919) % 5000), `length of request ${i}`);
      for (let k = 0; k < len; k += 97) assert.is(buf[k], (i + k) & 255, `byte ${k} of request ${i}`);
      got++;
      if (slowEvery && got % slowEvery === 0) await sleep(5);
    }
    if (c.readerState() === ReaderState.ENDED) return got;
    const w = c.waitAsync(seen);
    if (w) await w;
  }
}

test('1,000 requests through 4 slots arrive complete and in order, with a slow consumer', async () => {
  const ring = createRingMemory(4, 8192, ReadWanted.YES);
  const w = startProducer(ring, 1000);
  const c = new RingConsumer(ring);
  try {
    assert.is(await consume(c, 1000, 50), 1000);
  } finally {
    await w.terminate();
  }
});

test('the reader parks when reads are not wanted, resumes on YES, and exits on EXIT', async () => {
  const ring = createRingMemory(4, 8192, ReadWanted.NO);
  const ctl = new Int32Array(ring.control);
  const w = startProducer(ring, 1_000_000);
  const exited = new Promise<number>((r) => w.on('exit', r));
  const c = new RingConsumer(ring);
  try {
    // Parked from the start: nothing published, state PARKED.
    await sleep(300);
    assert.is(c.peekLength(), -1);
    assert.is(c.readerState(), ReaderState.PARKED);
    // Wanted: it fills the ring (4 slots) and blocks for room.
    c.setReadWanted(ReadWanted.YES);
    for (let i = 0; i < 100 && Atomics.load(ctl, Ctl.HEAD) < 4; i++) await sleep(20);
    assert.is(Atomics.load(ctl, Ctl.HEAD), 4);
    await sleep(100);
    assert.is(Atomics.load(ctl, Ctl.HEAD), 4, 'never more than the slots in flight');
    // Not wanted any more: after the slot it is filling, it parks (and says so through SEQ).
    c.setReadWanted(ReadWanted.NO);
    const buf = new Uint8Array(8192);
    for (let i = 0; i < 4; i++) c.take(buf, c.peekLength());
    for (let i = 0; i < 100 && c.readerState() !== ReaderState.PARKED; i++) await sleep(20);
    assert.is(c.readerState(), ReaderState.PARKED);
    const head = Atomics.load(ctl, Ctl.HEAD);
    assert.ok(head === 4 || head === 5, `at most the one request in progress was published (HEAD ${head})`);
    await sleep(100);
    assert.is(Atomics.load(ctl, Ctl.HEAD), head, 'a parked reader publishes nothing');
    c.setReadWanted(ReadWanted.EXIT);
    assert.is(await Promise.race([exited, sleep(5000).then(() => -1)]), 0);
  } finally {
    await w.terminate();
  }
});

test.run();
