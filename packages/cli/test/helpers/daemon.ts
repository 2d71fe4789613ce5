/**
 * Test helpers for real kernel mounts: start `tsfuse mount` as a child process
 * (from the sources, no build), run file operations from other child
 * processes, and always clean up — unmount and kill — even when a test fails
 * (try/finally in the tests, plus a process 'exit' hook here as a last resort).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const CLI = join(ROOT, 'packages/cli/src/main.ts');

/** node arguments that run the tsfuse CLI from its sources. */
export function cliArgs(...args: string[]): string[] {
  return ['--conditions=source', '--import', 'tsx', CLI, ...args];
}

/** A running `tsfuse mount`. */
export interface Daemon {
  child: ChildProcess;
  mountpoint: string;
  stdout(): string;
  stderr(): string;
  /** Settles when the daemon exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<Daemon>();
const tempDirs = new Set<string>();

process.on('exit', () => {
  for (const d of live) {
    try {
      d.child.kill('SIGKILL');
    } catch {
      // already gone
    }
    spawnSync('umount', ['-l', d.mountpoint], { stdio: 'ignore' });
  }
  for (const dir of tempDirs) {
    if (!isMounted(dir)) spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'ignore' });
  }
});

/** A fresh directory under /tmp named tsfuse-test-* (CI sweeps leftover mounts there). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tsfuse-test-'));
  tempDirs.add(dir);
  return dir;
}

/** Removes a temporary directory, but never through a live mount. */
export function removeTempDir(dir: string): void {
  if (anyMountUnder(dir)) return;
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
}

/** True when something is mounted exactly at `path`. */
export function isMounted(path: string): boolean {
  return mountPoints().includes(path);
}

function anyMountUnder(dir: string): boolean {
  return mountPoints().some((m) => m === dir || m.startsWith(dir + '/'));
}

/** The mountinfo fs type at `path`, or undefined. */
export function mountType(path: string): string | undefined {
  for (const l of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = l.split(' ');
    if (f[4] === path) return f[f.indexOf('-') + 1];
  }
  return undefined;
}

/**
 * Starts `tsfuse mount memory MNT --backend memory ...extra` and resolves once
 * it printed its ready line. Rejects (after cleaning up) if it exits first.
 */
export async function startDaemon(mountpoint: string, extra: string[] = [], timeoutMs = 90_000): Promise<Daemon> {
  const child = spawn(process.execPath, cliArgs('mount', 'memory', mountpoint, '--backend', 'memory', ...extra), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const d: Daemon = { child, mountpoint, stdout: () => out, stderr: () => err, exited };
  live.add(d);
  void exited.then(() => {
    if (!isMounted(mountpoint)) live.delete(d);
  });
  const started = Date.now();
  while (!out.includes('tsfuse: mounted')) {
    const done = await Promise.race([exited.then(() => true), sleep(50).then(() => false)]);
    if (done) {
      await stopDaemon(d);
      throw new Error(`tsfuse mount exited before it was ready: ${err.trim()}`);
    }
    if (Date.now() - started > timeoutMs) {
      await stopDaemon(d);
      throw new Error(`tsfuse mount was not ready after ${timeoutMs} ms: ${err.trim()}`);
    }
  }
  return d;
}

/**
 * Stops a daemon whatever its state: SIGTERM, SIGKILL after `graceMs`, then
 * a lazy unmount if the mount is still there. Never throws.
 */
export async function stopDaemon(d: Daemon, graceMs = 15_000): Promise<void> {
  if (d.child.exitCode === null && d.child.signalCode === null) {
    d.child.kill('SIGTERM');
    const timedOut = await Promise.race([d.exited.then(() => false), sleep(graceMs).then(() => true)]);
    if (timedOut) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  }
  if (isMounted(d.mountpoint)) spawnSync('umount', ['-l', d.mountpoint], { stdio: 'ignore' });
  live.delete(d);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in a separate process, collecting output; kills it after timeoutMs. */
export function run(cmd: string, args: string[], options: SpawnOptions & { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const withInput = options.input !== undefined;
    const child = spawn(cmd, args, { cwd: ROOT, stdio: [withInput ? 'pipe' : 'ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (withInput) {
      child.stdin!.on('error', () => {});
      child.stdin!.end(options.input);
    }
  });
}

/** Runs `sh -c script` in a separate process (the mount is never touched from the test process itself). */
export function sh(script: string, timeoutMs = 120_000): Promise<RunResult> {
  return run('sh', ['-c', script], { timeoutMs });
}

/** Runs the tsfuse CLI to completion (umount, error cases). */
export function tsfuse(args: string[], options: { timeoutMs?: number; uid?: number; gid?: number; execArgv?: string[] } = {}): Promise<RunResult> {
  const spawnOpts: SpawnOptions & { timeoutMs?: number } = { timeoutMs: options.timeoutMs ?? 90_000 };
  if (options.uid !== undefined) spawnOpts.uid = options.uid;
  if (options.gid !== undefined) spawnOpts.gid = options.gid;
  return run(process.execPath, [...(options.execArgv ?? []), ...cliArgs(...args)], spawnOpts);
}

/** True when `cmd` is on PATH. */
export function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** True when this process may mount FUSE (root with /dev/fuse). */
export function canMount(): boolean {
  try {
    readFileSync('/proc/self/mountinfo');
  } catch {
    return false;
  }
  return process.platform === 'linux' && process.getuid?.() === 0 && spawnSync('test', ['-c', '/dev/fuse']).status === 0;
}
