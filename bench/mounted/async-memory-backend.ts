/**
 * The memory backend answering GETATTR and LOOKUP through Promises (already
 * resolved: a microtask each), to measure the serving loop's async path
 * (relay through the reader thread while a request is in flight).
 */
import type { AttrReply, Entry, RequestContext } from '@tsfuse/protocol';
import { MemoryBackend } from '@tsfuse/testkit';

export class AsyncMemoryBackend extends MemoryBackend {
  override getattr(ctx: RequestContext, nodeid: number, fh: number | undefined): Promise<AttrReply> {
    return Promise.resolve().then(() => super.getattr(ctx, nodeid, fh) as AttrReply);
  }
  override lookup(ctx: RequestContext, parent: number, name: Buffer): Promise<Entry> {
    const n = Buffer.from(name);
    return Promise.resolve().then(() => super.lookup(ctx, parent, n) as Entry);
  }
}
