import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** One line of /proc/self/mountinfo (proc(5)). */
export interface MountInfoEntry {
  mountId: number;
  parentId: number;
  major: number;
  minor: number;
  /** Root of the mount within its filesystem. */
  root: string;
  /** Where it is mounted, unescaped. */
  mountPoint: string;
  mountOptions: string;
  /** "fuse", "fuse.sshfs", "fuseblk", "ext4", ... */
  fsType: string;
  source: string;
  superOptions: string;
}

/** Undo the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash). */
function unescapeField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text; malformed lines are skipped. */
export function parseMountInfo(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (dash < 0 || dash + 2 >= f.length) continue;
    const [maj, min] = (f[2] ?? '').split(':');
    out.push({
      mountId: Number(f[0]),
      parentId: Number(f[1]),
      major: Number(maj),
      minor: Number(min),
      root: unescapeField(f[3] ?? ''),
      mountPoint: unescapeField(f[4] ?? ''),
      mountOptions: f[5] ?? '',
      fsType: f[dash + 1] ?? '',
      source: unescapeField(f[dash + 2] ?? ''),
      superOptions: f[dash + 3] ?? '',
    });
  }
  return out;
}

/** The mounts of this process's mount namespace. */
export function readMountInfo(file = '/proc/self/mountinfo'): MountInfoEntry[] {
  try {
    return parseMountInfo(readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
}

/**
 * An absolute, symlink-free spelling of `path` that never stats `path` itself:
 * only its parent is resolved. A dead FUSE mountpoint answers every stat with
 * ENOTCONN, so resolving it directly would fail exactly when we need it.
 */
export function canonicalMountPath(path: string): string {
  const abs = resolve(path);
  if (abs === '/') return abs;
  let parent = dirname(abs);
  try {
    parent = realpathSync(parent);
  } catch {
    // keep the unresolved parent: the caller reports what is wrong with it
  }
  return join(parent, basename(abs));
}

/** The topmost mount at `path` (already canonical), or undefined when nothing is mounted there. */
export function findMount(path: string, entries: MountInfoEntry[] = readMountInfo()): MountInfoEntry | undefined {
  let found: MountInfoEntry | undefined;
  for (const e of entries) if (e.mountPoint === path) found = e;
  return found;
}

/** True for the kernel's FUSE filesystem types ("fuse", "fuse.<subtype>", "fuseblk"). */
export function isFuseType(fsType: string): boolean {
  return fsType === 'fuse' || fsType === 'fuseblk' || fsType.startsWith('fuse.') || fsType.startsWith('fuseblk.');
}

/** Directory holding the FUSE control filesystem (fusectl). */
export const FUSE_CONNECTIONS_DIR = '/sys/fs/fuse/connections';

/**
 * The directory of a FUSE mount's connection in fusectl: named after the
 * superblock's device number (major is 0 for FUSE, so the minor), e.g.
 * /sys/fs/fuse/connections/52. Undefined when fusectl is not mounted.
 */
export function connectionDir(entry: MountInfoEntry): string | undefined {
  // The kernel names it with its internal dev_t: major << 20 | minor.
  const dev = entry.major * 2 ** 20 + entry.minor;
  const dir = join(FUSE_CONNECTIONS_DIR, String(dev));
  return existsSync(dir) ? dir : undefined;
}
