import { z } from 'zod';
import { closeFuseDevice, openFuseDevice } from './fuse-device.js';
import { mountDevice } from './kernel-mount.js';
import { MountError } from './mount-error.js';
import { parseMountOptionList } from './mount-options.js';
import { findMount, type MountInfoEntry } from './mountinfo.js';

/** Mount options common to both serving modes. */
export interface MountBaseOptions {
  /** Directory to mount on. */
  mountpoint: string;
  /** Source shown in /proc/mounts and df (libfuse's fsname). Default "tsfuse". */
  source?: string | undefined;
  /** Type shown as fuse.<subtype>. */
  subtype?: string | undefined;
  /** Let other users in. Default: true when running as root (as bindfs does); see defaultPermissions. */
  allowOther?: boolean | undefined;
  /** The kernel enforces mode bits and ownership. Default: true when running as root. */
  defaultPermissions?: boolean | undefined;
  /** Mount read-only (and make the session answer EROFS to every change). */
  readOnly?: boolean | undefined;
  /** mount(8)-style options: "nosuid", "noatime", "fsname=x", "max_read=N", ... */
  mountOptions?: readonly string[] | undefined;
  /** Request-ring slots between the reader thread and the serving thread. Default 8. */
  ringSlots?: number | undefined;
}

/** zod schema of MountBaseOptions (the edge: checked once per mount). */
export const mountBaseSchema = z.object({
  mountpoint: z.string({ error: 'mountpoint must be a path' }).min(1, 'mountpoint must not be empty'),
  source: z.string().min(1).max(4096).regex(/^[^\0\n]+$/, 'source must not contain NUL or newlines').optional(),
  subtype: z.string().regex(/^[A-Za-z0-9_.+@:-]+$/, 'subtype must be letters, digits or _.+@:-').optional(),
  allowOther: z.boolean().optional(),
  defaultPermissions: z.boolean().optional(),
  readOnly: z.boolean().optional(),
  mountOptions: z.array(z.string()).optional(),
  ringSlots: z.number().int().min(2).max(1024).optional(),
});

/** Throws a one-line MountError('EINVAL') naming the first bad option. */
export function checkOptions<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0]!;
  throw new MountError('EINVAL', `invalid mount option ${i.path.join('.') || '(options)'}: ${i.message}`);
}

/** Mount settings after defaults. */
export interface MountSettings {
  source: string;
  subtype: string | undefined;
  allowOther: boolean;
  /** allowOther came from the root default, not from the caller: it may be dropped if refused. */
  allowOtherDefaulted: boolean;
  defaultPermissions: boolean;
  readOnly: boolean;
  extra: string[];
  ringSlots: number;
}

/** Applies defaults and the -o list to the options. */
export function settleMountOptions(o: MountBaseOptions): MountSettings {
  const parsed = parseMountOptionList(o.mountOptions ?? []);
  const root = process.getuid?.() === 0;
  const allowOther = o.allowOther ?? parsed.allowOther;
  return {
    source: o.source ?? parsed.fsname ?? 'tsfuse',
    subtype: o.subtype ?? parsed.subtype,
    allowOther: allowOther ?? root,
    allowOtherDefaulted: allowOther === undefined,
    defaultPermissions: o.defaultPermissions ?? parsed.defaultPermissions ?? root,
    readOnly: o.readOnly ?? parsed.readOnly ?? false,
    extra: parsed.extra,
    ringSlots: o.ringSlots ?? 8,
  };
}

/** An open /dev/fuse whose connection is mounted. */
export interface AttachedDevice {
  fd: number;
  /** The mount as mountinfo shows it right after mounting. */
  entry: MountInfoEntry;
  /** Whether allow_other ended up in effect. */
  allowOther: boolean;
}

/**
 * Opens /dev/fuse and mounts its connection on `mountpoint`. When allow_other
 * was only a default and mount refuses it (an unprivileged user namespace may),
 * mounts again without it. On failure nothing is left open or mounted.
 */
export async function attachDevice(mountpoint: string, s: MountSettings): Promise<AttachedDevice> {
  const fd = openFuseDevice();
  try {
    const base = {
      mountpoint,
      fd,
      source: s.source,
      subtype: s.subtype,
      defaultPermissions: s.defaultPermissions,
      readOnly: s.readOnly,
      extra: s.extra,
    };
    let allowOther = s.allowOther;
    try {
      await mountDevice({ ...base, allowOther });
    } catch (e) {
      if (!(e instanceof MountError) || !allowOther || !s.allowOtherDefaulted) throw e;
      allowOther = false;
      await mountDevice({ ...base, allowOther });
    }
    const entry = findMount(mountpoint);
    if (entry === undefined) throw new MountError('EMOUNT', `mount reported success but ${mountpoint} is not in /proc/self/mountinfo`);
    return { fd, entry, allowOther };
  } catch (e) {
    closeFuseDevice(fd);
    throw e;
  }
}
