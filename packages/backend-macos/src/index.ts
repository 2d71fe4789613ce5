/**
 * @tsfuse/backend-macos: a passthrough backend for macOS hosts serving Linux
 * clients, with snapshot directories and a generation counter. It runs on
 * Linux too (tests), with the darwin tables injected (`hostTables: 'darwin'`)
 * or the host's own.
 */
import fs from 'node:fs';
import { defaultLogger } from '@tsfuse/passthrough';
import { darwinEmulatedHostFs } from './host/darwin-emulation.js';
import type { HostFs } from './host/host-fs.js';
import { nodeHostFs } from './host/node-host-fs.js';
import { ChainPaths, VolumePaths, type NodePaths } from './identity/node-paths.js';
import { MacosBackend } from './macos-backend.js';
import { macosBackendOptionsSchema, type MacosBackendOptionsInput } from './options.js';
import { defaultLinuxClientArch, linuxOpenFlagsFor } from './tables/linux-client.js';
import { hostTablesFor, nodeHostTables, type HostTablesName } from './tables/host-tables.js';
import { AttrPresenter } from './translate/attr.js';

export { MacosBackend, type MacosBackendStats } from './macos-backend.js';
export { macosBackendOptionsSchema, type MacosBackendOptions, type MacosBackendOptionsInput } from './options.js';
export { darwinHostTables, nodeHostTables, hostTablesFor, type HostTables, type HostTablesName } from './tables/host-tables.js';
export * from './tables/darwin.js';
export * from './tables/linux-client.js';
// Moved to @tsfuse/passthrough (shared with the Linux backend); re-exported so this package's API keeps them.
export { darwinErrno, darwinErrnoSynonyms, linuxDecodeDev, linuxEncodeDev, type DarwinErrnoName } from '@tsfuse/passthrough';
export { DirectoryStates, type DirectoryStats } from './dir/directory-states.js';

/** True when darwin's volfs answers for the root: `/.vol/<dev>/<ino>` is the root itself. */
function volfsWorks(host: HostFs, rootStat: fs.BigIntStats): boolean {
  try {
    const st = host.lstat(Buffer.from(`/.vol/${Number(rootStat.dev)}/${rootStat.ino}`));
    return st.ino === rootStat.ino && st.dev === rootStat.dev;
  } catch {
    return false;
  }
}

/** Build the macOS backend over `options.root` (validated with zod; throws on bad options or a missing root). */
export function createMacosBackend(options: MacosBackendOptionsInput): MacosBackend {
  const o = macosBackendOptionsSchema.parse(options);
  const log = o.log ?? defaultLogger;
  const tablesName: HostTablesName = o.hostTables ?? (process.platform === 'darwin' ? 'darwin' : 'host');
  const tables = hostTablesFor(tablesName);
  let host: HostFs = nodeHostFs();
  if (tablesName === 'darwin' && process.platform !== 'darwin') {
    if (process.platform !== 'linux') throw new Error(`hostTables 'darwin' runs on darwin, or on Linux through the darwin emulation; not on ${process.platform}`);
    host = darwinEmulatedHostFs(host, fs.constants as unknown as Record<string, number | undefined>, nodeHostTables().decodeDev);
  }
  const rootPath = Buffer.from(fs.realpathSync(o.root));
  const rootStat = host.lstat(rootPath);
  if (!rootStat.isDirectory()) throw new Error(`${o.root} is not a directory`);
  const wantVol = o.identity === 'vol' || (o.identity === 'auto' && process.platform === 'darwin' && volfsWorks(host, rootStat));
  if (wantVol && !volfsWorks(host, rootStat)) throw new Error(`identity 'vol' needs darwin's /.vol, which does not answer here`);
  const uid = process.geteuid?.() ?? 0;
  const gid = process.getegid?.() ?? 0;
  return new MacosBackend({
    host,
    tables,
    linuxFlags: linuxOpenFlagsFor(o.clientArch ?? defaultLinuxClientArch()),
    rootStat,
    paths: (root): NodePaths => (wantVol ? new VolumePaths(host) : new ChainPaths(host, rootPath, root)),
    presenter: new AttrPresenter(tables, { enabled: o.mapOwnerToRoot, uid, gid }),
    racyWindowMs: o.racyWindowMs,
    log,
    euid: uid,
  });
}

/** The CLI's factory name: same as createMacosBackend. */
export const createBackend = createMacosBackend;
