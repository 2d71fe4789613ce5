import { NotifyCode } from '../abi/constants.js';
import type { NotificationSink } from '../session.js';
import { writeMessage } from './fuse-device.js';

/**
 * A NotificationSink writing each frame to /dev/fuse. The kernel answers a
 * notification about an inode or name it has not cached with ENOENT: nothing
 * was cached, so nothing is stale, and that is not an error — except for
 * RETRIEVE, whose Promise would otherwise never settle. After unmount writes
 * fail with ENODEV: there is nothing left to notify, so that is ignored too.
 * Any other refusal (EINVAL: e.g. RETRIEVE of a directory) is thrown.
 */
export function deviceNotificationSink(fd: number): NotificationSink {
  return {
    sendNotification(frame: Uint8Array): void {
      const outcome = writeMessage(fd, frame);
      if (outcome === 'ok') return;
      const code = frame[4]!;
      if (code === NotifyCode.RETRIEVE && outcome !== 'ok') {
        throw new Error(`retrieve refused by the kernel (${outcome === 'stale' ? 'ENOENT: inode not cached' : outcome === 'gone' ? 'unmounted' : outcome})`);
      }
      if (outcome === 'stale' || outcome === 'gone') return;
      throw new Error(`notification refused by the kernel (${outcome})`);
    },
  };
}
