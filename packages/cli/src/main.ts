#!/usr/bin/env node
/**
 * The `tsfuse` command: mount a backend in the foreground, or unmount.
 * Every failure is one line on stderr ("tsfuse: ...") and a non-zero exit:
 * 1 for a failure, 2 for a bad command line. Never a stack trace.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  assertLinux,
  isMountError,
  mountFuse,
  unmountPath,
  type BackendSpec,
  type FuseMount,
  type WorkerSessionOptions,
} from '@tsfuse/protocol';
import { parseArgs, USAGE, UsageError, type BackendName, type MountCommand, type UmountCommand } from './args.js';
import { formatStatsTable } from './stats-table.js';

/** A failure to report in one line and exit 1. */
class CliError extends Error {}

const say = (line: string): void => {
  process.stderr.write(`tsfuse: ${line}\n`);
};

/** The package and export serving each backend name. */
const BACKEND_MODULES: Record<Exclude<BackendName, 'auto'>, { pkg: string; export: string; usesSource: boolean }> = {
  memory: { pkg: '@tsfuse/testkit', export: 'MemoryBackend', usesSource: false },
  linux: { pkg: '@tsfuse/backend-linux', export: 'createBackend', usesSource: true },
  macos: { pkg: '@tsfuse/backend-macos', export: 'createBackend', usesSource: true },
};

function pickBackend(name: BackendName): Exclude<BackendName, 'auto'> {
  if (name !== 'auto') return name;
  return process.platform === 'darwin' ? 'macos' : 'linux';
}

/** Resolves the backend's module here (the worker imports the resolved URL) and checks SRC. */
function backendSpec(name: Exclude<BackendName, 'auto'>, c: MountCommand): BackendSpec {
  const source = c.source;
  const b = BACKEND_MODULES[name];
  let url: string;
  try {
    url = import.meta.resolve(b.pkg);
  } catch (e) {
    throw new CliError(`the ${name} backend (${b.pkg}) is not available: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!b.usesSource) return { module: url, export: b.export, options: backendOptions(name, c) };
  const root = resolve(source);
  try {
    if (!statSync(root).isDirectory()) throw new CliError(`SRC ${source} is not a directory`);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`SRC ${source}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as Error).message}`);
  }
  return { module: url, export: b.export, options: { root, ...backendOptions(name, c) } };
}

/** The backend options given on the command line; an option of another backend is a usage error. */
function backendOptions(name: Exclude<BackendName, 'auto'>, c: MountCommand): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const only = (flag: string, backend: string): void => {
    if (name !== backend) throw new CliError(`--${flag} applies to the ${backend} backend only (this mount uses ${name})`);
  };
  if (c.keepCache !== undefined) {
    only('keep-cache', 'linux');
    o.keepCache = c.keepCache === 'auto' ? 'auto' : c.keepCache === 'on';
  }
  if (c.exactTimes !== undefined) {
    only('exact-times', 'linux');
    o.exactTimes = c.exactTimes === 'on';
  }
  if (c.maxPathFds !== undefined) {
    only('max-path-fds', 'linux');
    o.maxPathFds = c.maxPathFds;
  }
  if (c.xattrs !== undefined) {
    only('xattrs', 'linux');
    o.xattrs = c.xattrs === 'on';
  }
  if (c.mapOwnerToRoot) {
    only('map-owner-to-root', 'macos');
    o.mapOwnerToRoot = true;
  }
  return o;
}

function sessionOptions(c: MountCommand, backend: Exclude<BackendName, 'auto'>): WorkerSessionOptions {
  const s: WorkerSessionOptions = {};
  // The Linux backend's keep-cache 'auto' keeps the page cache across opens
  // while the host file is as the kernel last saw it (writes through the mount
  // included). With FUSE_AUTO_INVAL_DATA the kernel would drop its pages after
  // our own writes anyway; without it, host changes are seen at the next open
  // (libfuse's auto_cache contract). --keep-cache off restores both.
  if (backend === 'linux' && (c.keepCache ?? 'auto') === 'auto') s.autoInvalData = false;
  if (c.entryTimeout !== undefined) s.entryTimeout = c.entryTimeout;
  if (c.attrTimeout !== undefined) s.attrTimeout = c.attrTimeout;
  if (c.negativeTimeout !== undefined) s.negativeTimeout = c.negativeTimeout;
  if (c.readdirplus !== undefined) s.readdirplus = c.readdirplus;
  if (c.writeback) s.writeback = true;
  if (c.readOnly) s.readOnly = true;
  return s;
}

async function runMount(c: MountCommand): Promise<number> {
  assertLinux();
  const name = pickBackend(c.backend);
  const backend = backendSpec(name, c);

  // Signals that arrive while mounting are acted on once the mount exists.
  let mount: FuseMount | undefined;
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (mount === undefined) return;
    if (signals === 1) void stop(mount, sig);
    else {
      say(`${sig} again: aborting the connection`);
      if (!mount.abort()) say('cannot abort: fusectl is not available; waiting for the last user to leave');
    }
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);

  mount = await mountFuse({
    mountpoint: c.mountpoint,
    source: c.source,
    subtype: 'tsfuse',
    mountOptions: c.mountOptions,
    readOnly: c.readOnly || undefined,
    backend,
    session: sessionOptions(c, name),
    reader: c.reader,
    trace: c.debug,
  });
  process.stdout.write(`tsfuse: mounted ${name} on ${mount.mountpoint}\n`);
  if (signals > 0) void stop(mount, 'SIGTERM');

  const end = await mount.ended;
  if (c.stats && end.stats) process.stderr.write(formatStatsTable(end.stats));
  if (end.reason === 'failed') {
    say(`serving failed: ${end.error?.message ?? 'unknown error'}; the mount was detached`);
    return 1;
  }
  return 0;
}

/** First signal: unmount; lazily when busy (open files keep working until closed). */
async function stop(mount: FuseMount, sig: string): Promise<void> {
  try {
    const r = await mount.unmount({ onBusy: 'lazy' });
    if (r.lazy) say(`${sig}: ${mount.mountpoint} is busy; detached it lazily, serving open files until they close (signal again to abort)`);
  } catch (e) {
    say(`${sig}: unmount failed: ${(e as Error).message}; aborting`);
    mount.abort();
  }
}

async function runUmount(c: UmountCommand): Promise<number> {
  const r = await unmountPath(c.mountpoint, { lazy: c.lazy, abort: c.abort });
  if (r.aborted && !c.abort) say(`${c.mountpoint}: the server did not answer; aborted its connection and detached the mount`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  let cmd;
  try {
    cmd = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      say(e.message);
      process.stderr.write("Try 'tsfuse --help'.\n");
      return 2;
    }
    throw e;
  }
  try {
    if (cmd.command === 'help') {
      process.stdout.write(USAGE + '\n');
      return 0;
    }
    if (cmd.command === 'umount') return await runUmount(cmd);
    return await runMount(cmd);
  } catch (e) {
    if (isMountError(e) || e instanceof CliError) say(e.message);
    else say(`unexpected error: ${(e as Error)?.message ?? String(e)}`);
    return 1;
  }
}

process.exit(await main(process.argv.slice(2)));
