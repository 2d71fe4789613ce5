/**
 * Entry of the reader thread: blocks in read(2) on /dev/fuse whenever the
 * serving thread asks for reads, and hands each request over through the ring.
 * It runs no JavaScript between reads, so it never needs its event loop.
 */
import { workerData } from 'node:worker_threads';
import { CONNECTION_ENDED, readRequest } from './fuse-device.js';
import { ReaderState, RingProducer, type RingMemory } from './request-ring.js';

/** What the serving thread passes to the reader thread. */
export interface ReaderThreadData {
  fd: number;
  ring: RingMemory;
}

const { fd, ring } = workerData as ReaderThreadData;
const producer = new RingProducer(ring);
try {
  while (producer.awaitReadWanted()) {
    const slot = producer.nextSlot();
    const n = readRequest(fd, slot);
    if (n === CONNECTION_ENDED) {
      producer.finish(ReaderState.ENDED);
      break;
    }
    producer.publish(n);
  }
} catch (e) {
  producer.finish(ReaderState.FAILED);
  throw e;
}
