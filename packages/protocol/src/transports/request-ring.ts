/**
 * The hand-off between a reader thread (blocked in read(2) on /dev/fuse) and
 * the thread that serves requests: a single-producer single-consumer ring of
 * request-sized slots in SharedArrayBuffers, plus a few control words.
 *
 * The consumer copies each request out of its slot and releases the slot at
 * once, so slots are reused in order and a request that stays in flight
 * (a pending Promise) never holds one. Wake-ups use Atomics.wait/notify, and
 * each side calls notify only when the other announced that it sleeps.
 */

/** Int32 indexes of the control block. */
export const Ctl = {
  /** Requests published by the reader (a count; slot = count % slots). */
  HEAD: 0,
  /** Requests taken by the consumer. */
  TAIL: 1,
  /** 1 while the reader sleeps waiting for a free slot. */
  PRODUCER_WAITING: 2,
  /** 1 while the consumer sleeps (or is about to) waiting for SEQ to change. */
  CONSUMER_WAITING: 3,
  /** What the consumer wants from the reader: ReadWanted.*. */
  READ_WANTED: 4,
  /** What the reader is doing: ReaderState.*. */
  READER_STATE: 5,
  /** Bumped by the reader after every publish and every state change: what the consumer waits on. */
  SEQ: 6,
} as const;
const CONTROL_WORDS = 8;

/** Values of Ctl.READ_WANTED. */
export const ReadWanted = { NO: 0, YES: 1, EXIT: 2 } as const;

/** Values of Ctl.READER_STATE. */
export const ReaderState = {
  /** Not reading and will not until READ_WANTED is YES again. */
  PARKED: 0,
  /** In read(2) or about to be. */
  READING: 1,
  /** The read failed with ENODEV: the filesystem is unmounted. The reader thread has ended. */
  ENDED: 2,
  /** The read failed otherwise; the reader thread has ended with the error. */
  FAILED: 3,
} as const;

/** The shared memory of one ring; plain data, posted to the reader thread. */
export interface RingMemory {
  control: SharedArrayBuffer;
  lengths: SharedArrayBuffer;
  data: SharedArrayBuffer;
  slots: number;
  slotSize: number;
}

/** Allocates a ring of `slots` slots of `slotSize` bytes (pages are touched only when used). */
export function createRingMemory(slots: number, slotSize: number, readWanted: number = ReadWanted.NO): RingMemory {
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
  new Int32Array(control)[Ctl.READ_WANTED] = readWanted;
  return { control, lengths: new SharedArrayBuffer(slots * 4), data: new SharedArrayBuffer(slots * slotSize), slots, slotSize };
}

/**
 * Tells the reader thread to exit (from any thread): at once when parked,
 * after its current read when reading (which the end of the connection ends).
 */
export function stopReader(mem: RingMemory): void {
  const ctl = new Int32Array(mem.control);
  Atomics.store(ctl, Ctl.READ_WANTED, ReadWanted.EXIT);
  Atomics.notify(ctl, Ctl.READ_WANTED);
}

/** The reader's side: find a free slot, fill it, publish it. */
export class RingProducer {
  private readonly ctl: Int32Array;
  private readonly lengths: Int32Array;
  private readonly views: Uint8Array[] = [];
  private head: number;

  constructor(private readonly mem: RingMemory) {
    this.ctl = new Int32Array(mem.control);
    this.lengths = new Int32Array(mem.lengths);
    for (let i = 0; i < mem.slots; i++) this.views.push(new Uint8Array(mem.data, i * mem.slotSize, mem.slotSize));
    this.head = Atomics.load(this.ctl, Ctl.HEAD);
  }

  /**
   * Blocks until the consumer wants reads and returns true, or returns false
   * when it asks the reader to exit. Announces PARKED while it waits.
   */
  awaitReadWanted(): boolean {
    const ctl = this.ctl;
    for (;;) {
      const want = Atomics.load(ctl, Ctl.READ_WANTED);
      if (want === ReadWanted.EXIT) return false;
      if (want === ReadWanted.YES) {
        Atomics.store(ctl, Ctl.READER_STATE, ReaderState.READING);
        // Re-check after announcing READING: the consumer stores NO and then
        // loads the state, so one of us always sees the other's write.
        if (Atomics.load(ctl, Ctl.READ_WANTED) === ReadWanted.YES) return true;
      }
      if (Atomics.load(ctl, Ctl.READER_STATE) !== ReaderState.PARKED) {
        Atomics.store(ctl, Ctl.READER_STATE, ReaderState.PARKED);
        this.bump();
      }
      Atomics.wait(ctl, Ctl.READ_WANTED, ReadWanted.NO);
    }
  }

  /** The slot the next request goes into, after waiting for the consumer to free one. */
  nextSlot(): Uint8Array {
    const ctl = this.ctl;
    const slots = this.mem.slots;
    for (;;) {
      const tail = Atomics.load(ctl, Ctl.TAIL);
      if (this.head - tail < slots) break;
      Atomics.store(ctl, Ctl.PRODUCER_WAITING, 1);
      if (this.head - Atomics.load(ctl, Ctl.TAIL) < slots) break;
      Atomics.wait(ctl, Ctl.TAIL, tail);
    }
    return this.views[this.head % slots]!;
  }

  /** Publishes the slot returned by nextSlot(), holding `length` bytes. */
  publish(length: number): void {
    this.lengths[this.head % this.mem.slots] = length;
    this.head++;
    Atomics.store(this.ctl, Ctl.HEAD, this.head);
    this.bump();
  }

  /** Announces the end of reading (ENDED or FAILED). */
  finish(state: number): void {
    Atomics.store(this.ctl, Ctl.READER_STATE, state);
    this.bump();
  }

  private bump(): void {
    Atomics.add(this.ctl, Ctl.SEQ, 1);
    if (Atomics.exchange(this.ctl, Ctl.CONSUMER_WAITING, 0) !== 0) Atomics.notify(this.ctl, Ctl.SEQ);
  }
}

/** Atomics.waitAsync (ES2024; Node >= 16), typed here because the project's lib is ES2022. */
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, index: number, value: number): { async: boolean; value: Promise<unknown> | string };
}).waitAsync as (a: Int32Array, index: number, value: number) => { async: true; value: Promise<unknown> } | { async: false; value: string };

/** The serving thread's side: take requests, steer the reader, wait without blocking the event loop. */
export class RingConsumer {
  private readonly ctl: Int32Array;
  private readonly lengths: Int32Array;
  private readonly data: Uint8Array;
  private tail: number;

  constructor(private readonly mem: RingMemory) {
    this.ctl = new Int32Array(mem.control);
    this.lengths = new Int32Array(mem.lengths);
    this.data = new Uint8Array(mem.data);
    this.tail = Atomics.load(this.ctl, Ctl.TAIL);
  }

  /** Current event sequence number: pass it to waitAsync() to sleep until something changes. */
  seq(): number {
    return Atomics.load(this.ctl, Ctl.SEQ);
  }

  /** Length of the oldest published request, or -1 when there is none. */
  peekLength(): number {
    if (Atomics.load(this.ctl, Ctl.HEAD) === this.tail) return -1;
    return this.lengths[this.tail % this.mem.slots]!;
  }

  /** Copies the oldest published request into `into` (at least peekLength() bytes) and frees its slot. */
  take(into: Uint8Array, length: number): void {
    const start = (this.tail % this.mem.slots) * this.mem.slotSize;
    into.set(this.data.subarray(start, start + length));
    this.tail++;
    Atomics.store(this.ctl, Ctl.TAIL, this.tail);
    if (Atomics.exchange(this.ctl, Ctl.PRODUCER_WAITING, 0) !== 0) Atomics.notify(this.ctl, Ctl.TAIL);
  }

  /** Tells the reader to read (YES), to park after its current read (NO), or to exit (EXIT). */
  setReadWanted(want: number): void {
    if (Atomics.exchange(this.ctl, Ctl.READ_WANTED, want) !== want) Atomics.notify(this.ctl, Ctl.READ_WANTED);
  }

  readerState(): number {
    return Atomics.load(this.ctl, Ctl.READER_STATE);
  }

  /**
   * A Promise settled when SEQ moves away from `seen`, or undefined when it
   * already has. Never blocks the thread: the event loop keeps running.
   */
  waitAsync(seen: number): Promise<unknown> | undefined {
    Atomics.store(this.ctl, Ctl.CONSUMER_WAITING, 1);
    if (Atomics.load(this.ctl, Ctl.SEQ) !== seen) return undefined;
    const r = waitAsync(this.ctl, Ctl.SEQ, seen);
    return r.async ? r.value : undefined;
  }
}
