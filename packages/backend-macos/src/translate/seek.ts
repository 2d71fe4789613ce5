/**
 * lseek whence: Linux numbers in, host numbers out. SEEK_DATA and SEEK_HOLE
 * are 3 and 4 on Linux but 4 and 3 on darwin.
 */
import { FuseError } from '@tsfuse/protocol';
import { linuxSeek } from '../tables/linux-client.js';
import type { HostTables } from '../tables/host-tables.js';

/** The host's whence for a Linux whence; EINVAL when the host has no such whence. */
export function translateWhence(whence: number, host: HostTables): number {
  const s = host.seek;
  let out: number | undefined;
  switch (whence) {
    case linuxSeek.SEEK_SET: out = s.SEEK_SET; break;
    case linuxSeek.SEEK_CUR: out = s.SEEK_CUR; break;
    case linuxSeek.SEEK_END: out = s.SEEK_END; break;
    case linuxSeek.SEEK_DATA: out = s.SEEK_DATA; break;
    case linuxSeek.SEEK_HOLE: out = s.SEEK_HOLE; break;
  }
  if (out === undefined) throw new FuseError('EINVAL');
  return out;
}
