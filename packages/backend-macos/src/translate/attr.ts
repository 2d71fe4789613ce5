/**
 * Host stat → the attributes a Linux client sees. On top of the shared
 * statToAttr (64-bit inode numbers, nanosecond times; st_flags and the birth
 * time are not carried):
 * - st_rdev is split with the host's dev_t layout (darwin: 8-bit major,
 *   24-bit minor) and rebuilt the way Linux puts it on the wire.
 * - darwin's S_IFWHT whiteout is shown as Linux shows a whiteout: a character
 *   device 0:0 (what overlayfs uses).
 * - With mapOwnerToRoot, the daemon's own uid and gid are shown as 0.
 */
import type { BigIntStats } from 'node:fs';
import type { Attr } from '@tsfuse/protocol';
import { S_IFCHR, S_IFMT, statToAttr } from '@tsfuse/passthrough';
import type { HostTables } from '../tables/host-tables.js';

/** Who the daemon is on the host, and whether to show that user as root. */
export interface OwnerMapping {
  readonly enabled: boolean;
  readonly uid: number;
  readonly gid: number;
}

/** Builds client attributes from host stats. */
export class AttrPresenter {
  constructor(private readonly host: HostTables, readonly owners: OwnerMapping) {}

  /** The attributes the client sees for `st`. */
  attr(st: BigIntStats): Attr {
    const attr = statToAttr(st, this.host.decodeDev);
    if (this.host.S_IFWHT !== undefined && (attr.mode & S_IFMT) === this.host.S_IFWHT) {
      attr.mode = S_IFCHR | (attr.mode & 0o7777);
      attr.rdev = 0;
    }
    this.presentOwner(attr);
    return attr;
  }

  /** Replace the daemon's own ids by 0 when mapping is on. */
  presentOwner(attr: { uid: number; gid: number }): void {
    const o = this.owners;
    if (!o.enabled) return;
    if (attr.uid === o.uid) attr.uid = 0;
    if (attr.gid === o.gid) attr.gid = 0;
  }

  /** The host uid for a uid the client asked for (0 is the daemon's user when mapping is on; -1 stays "unchanged"). */
  hostUid(uid: number): number {
    return this.owners.enabled && uid === 0 ? this.owners.uid : uid;
  }

  /** As hostUid, for groups. */
  hostGid(gid: number): number {
    return this.owners.enabled && gid === 0 ? this.owners.gid : gid;
  }
}
