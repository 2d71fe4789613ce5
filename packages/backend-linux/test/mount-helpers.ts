/**
 * Real-mount helpers (not a test file): serve a temporary SRC on a temporary
 * MNT with the `tsfuse` CLI in a child process, run every file operation on
 * the mount from other child processes (never from this process, which must
 * not hang on a mount it cannot abort), and always unmount, aborting the
 * connection if the server stopped answering.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cliMain = path.join(repo, 'packages/cli/src/main.ts');

/** True when this machine can mount FUSE (root and /dev/fuse). */
export function canMount(): boolean {
  return process.getuid?.() === 0 && fs.existsSync('/dev/fuse') && fs.existsSync(cliMain);
}

/** What a test gets while the mount is up. */
export interface Mounted {
  base: string;
  src: string;
  mnt: string;
  outside: string;
  /** Run a shell command (in a child process) with a timeout; returns its result. */
  sh(cmd: string, timeoutMs?: number): SpawnSyncReturns<string>;
  /** As sh(), but throws with stderr when the command fails. */
  ok(cmd: string, timeoutMs?: number): string;
  /** As ok(), without blocking this process's event loop (timers keep running). */
  run(cmd: string, timeoutMs?: number): Promise<string>;
  /** The server's stderr so far. */
  serverLog(): string;
  /** The serving process. */
  pid: number;
}

/** Options of withMount. */
export interface MountOptions {
  /** Extra `tsfuse mount` arguments. */
  args?: string[];
  /** Run the server under `prlimit --nofile=N:N`. */
  nofile?: number;
  /** Prepare SRC before mounting. */
  setup?: (src: string, outside: string) => void;
}

/** Compile a C tool from test/tools once per process; returns the binary. */
export function tool(name: string): string {
  const out = path.join(os.tmpdir(), `tsfuse-test-${name}-${process.pid}`);
  if (!fs.existsSync(out)) {
    const r = spawnSync('gcc', ['-O2', '-o', out, fileURLToPath(new URL(`./tools/${name}.c`, import.meta.url))], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`gcc ${name}: ${r.stderr}`);
    process.on('exit', () => fs.rmSync(out, { force: true }));
  }
  return out;
}

function mountEntry(mnt: string): { minor: string } | undefined {
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[4] === mnt && line.includes(' - fuse')) return { minor: f[2]!.split(':')[1]! };
  }
  return undefined;
}

function unmount(mnt: string): void {
  if (mountEntry(mnt) === undefined) return;
  const r = spawnSync('umount', [mnt], { timeout: 15_000, encoding: 'utf8' });
  if (r.status === 0 && mountEntry(mnt) === undefined) return;
  // Busy or hung: abort our own connection only, then detach.
  const e = mountEntry(mnt);
  if (e !== undefined) {
    try {
      fs.writeFileSync(`/sys/fs/fuse/connections/${e.minor}/abort`, '1');
    } catch {
      // fusectl not mounted
    }
  }
  spawnSync('umount', ['-l', mnt], { timeout: 15_000 });
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Mount, run `fn`, unmount and clean up whatever happens. */
export async function withMount(options: MountOptions, fn: (m: Mounted) => Promise<void> | void): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-mount-'));
  // Other users (ownership tests) must reach MNT.
  fs.chmodSync(base, 0o755);
  const src = path.join(base, 'src');
  const outside = path.join(base, 'outside');
  // MNT one level deeper than SRC: a relative symlink "../outside" leads out of
  // SRC on the host, but to nothing from the client's side of the mount.
  const mnt = path.join(base, 'client', 'mnt');
  for (const d of [src, outside, mnt]) fs.mkdirSync(d, { recursive: true });
  options.setup?.(src, outside);
  const argv = [process.execPath, '--conditions=source', '--import', 'tsx', cliMain, 'mount', src, mnt, '--backend', 'linux', ...(options.args ?? [])];
  const cmd = options.nofile !== undefined ? ['prlimit', `--nofile=${options.nofile}:${options.nofile}`, ...argv] : argv;
  const child = spawn(cmd[0]!, cmd.slice(1), { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  try {
    const mounted = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 60_000);
      const check = () => {
        if (/mounted/.test(stdout)) {
          clearTimeout(t);
          resolve(true);
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', () => {
        clearTimeout(t);
        resolve(false);
      });
    });
    if (!mounted) throw new Error(`the server did not mount: ${stderr}${stdout}`);
    const sh = (c: string, timeoutMs = 120_000) =>
      spawnSync('sh', ['-c', c], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 << 20, env: { ...process.env, LC_ALL: 'C' } });
    const m: Mounted = {
      base, src, mnt, outside, sh,
      ok: (c, timeoutMs) => {
        const r = sh(c, timeoutMs);
        if (r.status !== 0) throw new Error(`\`${c}\` failed (${r.status ?? r.signal}): ${r.stderr}\nserver: ${stderr}`);
        return r.stdout;
      },
      run: (c, timeoutMs = 600_000) =>
        new Promise((resolve, reject) => {
          const p = spawn('sh', ['-c', c], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
          let out = '';
          let err = '';
          p.stdout!.on('data', (d) => (out += d));
          p.stderr!.on('data', (d) => (err += d));
          const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
          p.once('exit', (code, signal) => {
            clearTimeout(t);
            if (code === 0) resolve(out);
            else reject(new Error(`\`${c}\` failed (${code ?? signal}): ${err}\nserver: ${stderr}`));
          });
        }),
      serverLog: () => stderr,
      pid: child.pid!,
    };
    await fn(m);
  } finally {
    unmount(mnt);
    if (!(await waitExit(child, 15_000))) {
      child.kill('SIGKILL');
      await waitExit(child, 5_000);
    }
    spawnSync('rm', ['-rf', base], { timeout: 300_000 });
  }
}
