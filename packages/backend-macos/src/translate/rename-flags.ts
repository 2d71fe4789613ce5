/**
 * renameat2 flags (Linux numbers) to the host's rename flags (darwin:
 * renamex_np's RENAME_EXCL and RENAME_SWAP). RENAME_WHITEOUT has no darwin
 * counterpart and unknown bits are invalid: both EINVAL, as Linux answers a
 * filesystem that lacks them. NOREPLACE together with EXCHANGE is EINVAL on
 * Linux too.
 */
import { FuseError } from '@tsfuse/protocol';
import { linuxRenameFlags } from '../tables/linux-client.js';
import type { HostTables } from '../tables/host-tables.js';

/** Host rename flags for Linux renameat2 flags. */
export function translateRenameFlags(flags: number, host: HostTables): number {
  const { RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT } = linuxRenameFlags;
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) throw new FuseError('EINVAL');
  if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) throw new FuseError('EINVAL');
  if (flags & RENAME_WHITEOUT) throw new FuseError('EINVAL');
  let out = 0;
  if (flags & RENAME_NOREPLACE) {
    if (host.renameFlags.noReplace === undefined) throw new FuseError('EINVAL');
    out |= host.renameFlags.noReplace;
  }
  if (flags & RENAME_EXCHANGE) {
    if (host.renameFlags.exchange === undefined) throw new FuseError('EINVAL');
    out |= host.renameFlags.exchange;
  }
  return out;
}
