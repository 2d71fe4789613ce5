/**
 * Mounting and unmounting through the system's mount(8) and umount(8)
 * (util-linux), without libfuse or fusermount: we open /dev/fuse ourselves and
 * hand the descriptor to `mount -i -t fuse -o fd=3,...` as the child's fd 3.
 */
import { spawn, spawnSync, type StdioOptions } from 'node:child_process';
import { existsSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { MountError } from './mount-error.js';
import {
  FUSE_CONNECTIONS_DIR,
  canonicalMountPath,
  connectionDir,
  findMount,
  isFuseType,
  readMountInfo,
  type MountInfoEntry,
} from './mountinfo.js';

/** What mount(8) is told. */
export interface KernelMountOptions {
  /** Canonical mountpoint (from checkMountpoint). */
  mountpoint: string;
  /** The open /dev/fuse descriptor; becomes fd 3 of the mount child. */
  fd: number;
  /** Shown as the source in /proc/mounts and df (libfuse's fsname). */
  source: string;
  /** Filesystem type becomes "fuse.<subtype>". */
  subtype?: string | undefined;
  /** Let users other than the mounting one in (the kernel then checks permissions only with defaultPermissions). */
  allowOther: boolean;
  /** The kernel checks mode bits and ownership itself before asking the backend. */
  defaultPermissions: boolean;
  readOnly: boolean;
  /** Further mount options for mount(8)/the kernel: nosuid, nodev, noexec, noatime, max_read=N, ... */
  extra: readonly string[];
}

/** Fails with a one-line MountError unless this platform can mount FUSE through /dev/fuse. */
export function assertLinux(): void {
  if (process.platform !== 'linux') {
    const what = process.platform === 'darwin' ? 'macOS has no /dev/fuse (macFUSE and FUSE-T are not supported yet)' : `${process.platform} is not supported`;
    throw new MountError('ENOTSUP', `mounting needs Linux /dev/fuse: ${what}`);
  }
}

/**
 * Checks that `path` can be mounted on: exists, is a directory, is not already
 * a mount point. Returns its canonical form. Each failure is a MountError with
 * a one-line message.
 */
export function checkMountpoint(path: string): string {
  assertLinux();
  const canonical = canonicalMountPath(path);
  // mountinfo first: stat() of a FUSE mount whose server hangs would hang too.
  const mounted = (p: string): void => {
    const existing = findMount(p);
    if (existing !== undefined) {
      throw new MountError('EBUSY', `${path} is already a mount point (${existing.fsType} from ${existing.source}); unmount it first`);
    }
  };
  mounted(canonical);
  try {
    if (!statSync(canonical).isDirectory()) throw new MountError('ENOTDIR', `mountpoint ${path} is not a directory`);
  } catch (e) {
    if (e instanceof MountError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MountError('ENOENT', `mountpoint ${path} does not exist`);
    if (code === 'ENOTDIR') throw new MountError('ENOTDIR', `mountpoint ${path} is not a directory (a parent is not one)`);
    if (code === 'ENOTCONN') {
      throw new MountError('EBUSY', `${path} is a dead FUSE mount (its server exited); clear it first: tsfuse umount ${path}`);
    }
    if (code === 'EACCES') throw new MountError('EACCES', `cannot reach mountpoint ${path}: permission denied`);
    throw new MountError(code ?? 'EIO', `cannot use mountpoint ${path}: ${(e as Error).message}`);
  }
  // The last component may be a symlink to the real directory.
  const real = realpathSync(canonical);
  if (real !== canonical) mounted(real);
  return real;
}

interface RunResult {
  code: number | null;
  stderr: string;
  timedOut: boolean;
  spawnError?: NodeJS.ErrnoException;
}

/** Runs a command, collecting stderr, killing it after timeoutMs. */
function run(cmd: string, args: string[], stdio: StdioOptions, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    let stderr = '';
    let timedOut = false;
    const child = spawn(cmd, args, { stdio });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: null, stderr, timedOut, spawnError: e as NodeJS.ErrnoException });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, timedOut });
    });
  });
}

/** The first meaningful line of a util-linux error, without the "mount: " prefix. */
function firstLine(stderr: string): string {
  const line = stderr.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? 'no message';
  return line.replace(/^u?mount(\.\S+)?: /, '');
}

/** The -o list for the kernel (fd, rootmode and ids first; options the kernel does not know are refused by it with EINVAL). */
export function kernelOptionString(o: KernelMountOptions, fdInChild: number): string {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const opts = [`fd=${fdInChild}`, 'rootmode=40000', `user_id=${uid}`, `group_id=${gid}`];
  if (o.allowOther) opts.push('allow_other');
  if (o.defaultPermissions) opts.push('default_permissions');
  if (o.readOnly) opts.push('ro');
  opts.push(...o.extra);
  return opts.join(',');
}

/**
 * Mounts the FUSE connection behind `o.fd` on `o.mountpoint`. mount(2)
 * returns without waiting for INIT, so the caller may start serving after
 * this resolves. Throws a MountError with mount(8)'s own one-line reason.
 */
export async function mountDevice(o: KernelMountOptions, timeoutMs = 30_000): Promise<void> {
  const type = o.subtype ? `fuse.${o.subtype}` : 'fuse';
  const args = ['-i', '-t', type, '-o', kernelOptionString(o, 3), o.source, o.mountpoint];
  const r = await run('mount', args, ['ignore', 'ignore', 'pipe', o.fd], timeoutMs);
  if (r.spawnError) {
    const why = r.spawnError.code === 'ENOENT' ? 'the mount command (util-linux) is not installed' : r.spawnError.message;
    throw new MountError('EMOUNT', `cannot run mount: ${why}`);
  }
  if (r.timedOut) throw new MountError('EMOUNT', `mount did not finish within ${timeoutMs / 1000} s`);
  if (r.code !== 0) {
    const msg = firstLine(r.stderr);
    const code = /permission denied|superuser|not permitted|operation not permitted/i.test(msg) ? 'EPERM' : 'EMOUNT';
    throw new MountError(code, `mount failed: ${msg}`);
  }
}

/** How an unmount went. */
export interface UnmountResult {
  /** Detached lazily: open files inside keep working until closed; the server ends after the last one. */
  lazy: boolean;
  /** The connection was aborted (the server did not answer umount in time). */
  aborted: boolean;
}

export interface UnmountOptions {
  /** Detach at once even when busy (umount -l). */
  lazy?: boolean;
  /** When a plain umount finds the mount busy: fail (default), or detach lazily. */
  onBusy?: 'fail' | 'lazy';
  /**
   * Abort the connection first (fusectl), then detach: for a server that is
   * alive but wedged. Every waiting program gets ENOTCONN at once.
   */
  abort?: boolean;
  /** A plain umount that takes longer means a hung server: abort its connection, then detach. Default 10 s. */
  timeoutMs?: number;
}

/** The FUSE mount at `path`, or a MountError saying why there is none. */
export function findFuseMount(path: string): MountInfoEntry {
  assertLinux();
  const entries = readMountInfo();
  let entry = findMount(canonicalMountPath(path), entries);
  if (entry === undefined) {
    try {
      entry = findMount(realpathSync(path), entries);
    } catch {
      // a dead mount cannot be resolved; the canonical parent spelling was tried above
    }
  }
  if (entry === undefined) throw new MountError('ENOTMOUNTED', `${path} is not mounted`);
  if (!isFuseType(entry.fsType)) {
    throw new MountError('EINVAL', `${path} is not a FUSE mount (it is ${entry.fsType}); refusing to unmount it`);
  }
  return entry;
}

/**
 * How often, and how far apart, a busy umount is retried before it counts as
 * busy: about 3 s, for a reference that goes by itself (a process walking the
 * tree, one that is exiting). A pending RELEASE does not hold the mount (a
 * stopped server's mount unmounts at once after the last close).
 */
const BUSY_RETRIES = 24;
const BUSY_RETRY_MS = 125;

function umountArgs(target: string, lazy: boolean): string[] {
  // -c: do not canonicalize, which would stat the mountpoint: ENOTCONN on a
  // dead mount, and a hang on a server that does not answer.
  return lazy ? ['-i', '-c', '-l', target] : ['-i', '-c', target];
}

/**
 * Unmounts the FUSE filesystem at `path`: umount, or umount -l when asked or
 * (onBusy 'lazy') when busy. Works on a dead mount whose server was killed
 * (it answers ENOTCONN). A server that does not let umount finish within
 * timeoutMs has its connection aborted through fusectl, then the mount is
 * detached. Throws a one-line MountError.
 */
export async function unmountPath(path: string, o: UnmountOptions = {}): Promise<UnmountResult> {
  const entry = findFuseMount(path);
  const target = entry.mountPoint;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const lazyUmount = async (aborted: boolean): Promise<UnmountResult> => {
    const r = await run('umount', umountArgs(target, true), ['ignore', 'ignore', 'pipe'], timeoutMs);
    if (r.code !== 0) throw new MountError('EUMOUNT', `umount -l failed: ${r.spawnError?.message ?? firstLine(r.stderr)}`);
    return { lazy: true, aborted };
  };
  if (o.abort) {
    if (!abortConnection(entry)) throw new MountError('ENOTSUP', `cannot abort ${path}: the fuse control filesystem (fusectl) is not available`);
    return lazyUmount(true);
  }
  if (o.lazy) return lazyUmount(false);
  // "busy" may pass by itself (see BUSY_RETRIES): retried for a few seconds before it counts as an error.
  for (let attempt = 0; ; attempt++) {
    const r = await run('umount', umountArgs(target, false), ['ignore', 'ignore', 'pipe'], timeoutMs);
    if (r.spawnError) throw new MountError('EUMOUNT', `cannot run umount: ${r.spawnError.message}`);
    if (r.code === 0) return { lazy: false, aborted: false };
    if (r.timedOut) {
      const aborted = abortConnection(entry);
      return lazyUmount(aborted);
    }
    const msg = firstLine(r.stderr);
    if (/busy/i.test(msg)) {
      // Lazily detaching (SIGINT/SIGTERM) is right at once, busy or not: no waiting.
      if (o.onBusy !== 'lazy' && attempt < BUSY_RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
        continue;
      }
      if (o.onBusy === 'lazy') return lazyUmount(false);
      throw new MountError('EBUSY', `${path} is busy (open files or a working directory inside); use -l to detach it lazily`);
    }
    if (/not mounted/i.test(msg)) throw new MountError('ENOTMOUNTED', `${path} is not mounted`);
    throw new MountError('EUMOUNT', `umount failed: ${msg}`);
  }
}

/** Mounts fusectl on /sys/fs/fuse/connections when it is not (needs root in the initial namespace). */
function ensureFusectl(): boolean {
  if (readMountInfo().some((e) => e.fsType === 'fusectl')) return true;
  if (!existsSync(FUSE_CONNECTIONS_DIR)) return false;
  const r = spawnSync('mount', ['-t', 'fusectl', 'fusectl', FUSE_CONNECTIONS_DIR], { stdio: 'ignore', timeout: 5000 });
  return r.status === 0;
}

/**
 * Aborts the FUSE connection of a mount (echo 1 > /sys/fs/fuse/connections/N/abort):
 * every waiting request fails with ENOTCONN and the server's reads with ENODEV.
 * Only this mount's connection is touched. Returns false when fusectl is unavailable.
 */
export function abortConnection(entry: MountInfoEntry): boolean {
  let dir = connectionDir(entry);
  if (dir === undefined && ensureFusectl()) dir = connectionDir(entry);
  if (dir === undefined) return false;
  try {
    writeFileSync(`${dir}/abort`, '1');
    return true;
  } catch {
    return false;
  }
}

/**
 * Last-resort cleanup for a process about to exit (synchronous, for 'exit'
 * handlers): abort our connection and detach the mount, so that no thread of
 * ours stays blocked in read(2) — Node cannot exit while one is — and no
 * program is left waiting on a server that is gone.
 */
export function detachNow(entry: MountInfoEntry): void {
  abortConnection(entry);
  if (readMountInfo().some((e) => e.mountId === entry.mountId)) {
    spawnSync('umount', umountArgs(entry.mountPoint, true), { stdio: 'ignore', timeout: 10_000 });
  }
}
