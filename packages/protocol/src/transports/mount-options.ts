import { MountError } from './mount-error.js';

/**
 * mount(8)-style options after parsing: what tsfuse handles itself, and what
 * goes to the kernel as is. noallow_other and nodefault_permissions turn off
 * what is on by default for root.
 */
export interface ParsedMountOptions {
  allowOther?: boolean;
  defaultPermissions?: boolean;
  readOnly?: boolean;
  /** fsname=NAME: the source shown in /proc/mounts. */
  fsname?: string;
  /** subtype=NAME: the type shown as fuse.NAME. */
  subtype?: string;
  /** Generic VFS options and max_read=N, passed to mount(8). */
  extra: string[];
}

/** Options mount(8) or the kernel understand for a FUSE mount, passed through unchanged. */
const PASSTHROUGH = new Set([
  'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'noatime', 'atime', 'relatime', 'norelatime',
  'strictatime', 'nostrictatime', 'nodiratime', 'diratime', 'lazytime', 'nolazytime', 'sync', 'async', 'dirsync',
]);

/** Options libfuse or fusermount take that have no meaning without them. */
const LIBFUSE_ONLY = new Set(['allow_root', 'auto_unmount', 'big_writes', 'nonempty', 'auto_cache', 'kernel_cache', 'direct_io', 'use_ino']);

/** A one-line description of what -o accepts, for error messages. */
export const MOUNT_OPTIONS_HELP =
  'allow_other, noallow_other, default_permissions, nodefault_permissions, ro, rw, fsname=NAME, subtype=NAME, max_read=N, ' +
  [...PASSTHROUGH].join(', ');

const NAME = /^[A-Za-z0-9_.+@:-]+$/;

/**
 * Parses options such as ["allow_other", "ro", "fsname=data", "nosuid"]
 * (each may itself be a comma list). Throws a MountError naming the option,
 * what was given, and what is allowed.
 */
export function parseMountOptionList(list: readonly string[]): ParsedMountOptions {
  const out: ParsedMountOptions = { extra: [] };
  for (const item of list.flatMap((s) => s.split(','))) {
    const opt = item.trim();
    if (opt === '') continue;
    const eq = opt.indexOf('=');
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? undefined : opt.slice(eq + 1);
    const bad = (why: string): never => {
      throw new MountError('EINVAL', `-o ${opt}: ${why}`);
    };
    if (value === undefined) {
      if (key === 'allow_other') out.allowOther = true;
      else if (key === 'noallow_other') out.allowOther = false;
      else if (key === 'default_permissions') out.defaultPermissions = true;
      else if (key === 'nodefault_permissions') out.defaultPermissions = false;
      else if (key === 'ro') out.readOnly = true;
      else if (key === 'rw') out.readOnly = false;
      else if (PASSTHROUGH.has(key)) out.extra.push(key);
      else if (LIBFUSE_ONLY.has(key)) bad('a libfuse/fusermount option that tsfuse does not support');
      else if (key === 'fsname' || key === 'subtype' || key === 'max_read') bad(`needs a value (${key}=...)`);
      else bad(`unknown mount option; allowed: ${MOUNT_OPTIONS_HELP}`);
    } else if (key === 'fsname') {
      if (!NAME.test(value)) bad('fsname must be 1 or more of A-Z a-z 0-9 _ . + @ : -');
      out.fsname = value;
    } else if (key === 'subtype') {
      if (!NAME.test(value)) bad('subtype must be 1 or more of A-Z a-z 0-9 _ . + @ : -');
      out.subtype = value;
    } else if (key === 'max_read') {
      if (!/^[0-9]+$/.test(value) || Number(value) < 4096 || Number(value) > 0xffffffff) bad('max_read must be an integer from 4096 to 4294967295');
      out.extra.push(`max_read=${Number(value)}`);
    } else if (['fd', 'rootmode', 'user_id', 'group_id'].includes(key)) {
      bad('set by tsfuse itself');
    } else {
      bad(`unknown mount option; allowed: ${MOUNT_OPTIONS_HELP}`);
    }
  }
  return out;
}
