#!/usr/bin/env node
/**
 * tsfuse-conformance: runs the conformance suite in process against a backend
 * and prints one line per scenario, then `N passed, N failed` (", N skipped"
 * when any were). Exit status 1 when a scenario failed, 2 on bad usage.
 *
 *   tsfuse-conformance --backend memory|linux|macos [--root DIR] [--filter TEXT]... [--list]
 *                      [--readdir-size BYTES] [--fill single|until-full]
 *
 * Directory streams follow Linux 6.18 (one READDIR of 32 KiB per getdents)
 * unless --readdir-size/--fill say otherwise (e.g. 4096 and until-full: many
 * page-sized requests per buffer, the most resumption points).
 *
 * The passthrough backends are loaded from @tsfuse/backend-linux and
 * @tsfuse/backend-macos when installed; each scenario gets a fresh temporary
 * directory (under --root, default the system temp dir) as the backend's root,
 * removed afterwards.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '@tsfuse/protocol';
import { formatResult, formatSummary, runConformance, selectScenarios, type BackendFactory } from '../conformance.js';
import type { DirOptions } from '../client/dir.js';
import { MemoryBackend } from '../memory-backend.js';

const USAGE = 'usage: tsfuse-conformance --backend memory|linux|macos [--root DIR] [--filter TEXT]... [--list] [--readdir-size BYTES] [--fill single|until-full]';

interface Args {
  backend: string;
  root: string | undefined;
  filter: string[];
  list: boolean;
  dir: DirOptions;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { backend: 'memory', root: undefined, filter: [], list: false, dir: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--backend') args.backend = value();
    else if (a.startsWith('--backend=')) args.backend = a.slice('--backend='.length);
    else if (a === '--root') args.root = value();
    else if (a.startsWith('--root=')) args.root = a.slice('--root='.length);
    else if (a === '--filter') args.filter.push(value());
    else if (a.startsWith('--filter=')) args.filter.push(a.slice('--filter='.length));
    else if (a === '--list') args.list = true;
    else if (a === '--readdir-size') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 64 || n > 1 << 20) throw new Error('--readdir-size must be an integer from 64 to 1048576');
      args.dir.readdirSize = n;
    } else if (a === '--fill') {
      const f = value();
      if (f !== 'single' && f !== 'until-full') throw new Error('--fill must be single or until-full');
      args.dir.fill = f;
    }
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!['memory', 'linux', 'macos'].includes(args.backend)) throw new Error(`unknown backend ${args.backend}`);
  return args;
}

type Module = Record<string, unknown>;

/**
 * Finds how a passthrough package builds a backend for a root directory:
 * a factory function (createBackend, createLinuxBackend, createMacosBackend,
 * or the default export) called with { root }, or a class (LinuxBackend,
 * MacosBackend) constructed with { root }.
 */
function passthroughFactory(mod: Module, kind: 'linux' | 'macos'): (root: string) => Backend | Promise<Backend> {
  const title = kind === 'linux' ? 'Linux' : 'Macos';
  for (const name of ['createBackend', `create${title}Backend`, `create${kind === 'macos' ? 'MacOS' : title}Backend`, 'default']) {
    const f = mod[name];
    if (typeof f === 'function' && !/^class\b/.test(Function.prototype.toString.call(f))) return (root) => (f as (o: { root: string }) => Backend)({ root });
  }
  for (const name of [`${title}Backend`, `${kind === 'macos' ? 'MacOS' : title}Backend`, 'PassthroughBackend']) {
    const C = mod[name];
    if (typeof C === 'function') return (root) => new (C as new (o: { root: string }) => Backend)({ root });
  }
  throw new Error(`@tsfuse/backend-${kind} exports no createBackend(), create${title}Backend() or ${title}Backend class`);
}

async function backendFactory(args: Args): Promise<BackendFactory> {
  if (args.backend === 'memory') return () => new MemoryBackend();
  const kind = args.backend as 'linux' | 'macos';
  const spec = `@tsfuse/backend-${kind}`;
  let mod: Module;
  try {
    mod = (await import(spec)) as Module;
  } catch (e) {
    throw new Error(`cannot load ${spec}: ${(e as Error).message}`);
  }
  const make = passthroughFactory(mod, kind);
  const parent = args.root ?? tmpdir();
  return async () => {
    const root = await mkdtemp(join(parent, `tsfuse-conformance-${kind}-`));
    const backend = await make(root);
    return { backend, hostRoot: root, cleanup: () => rm(root, { recursive: true, force: true }) };
  };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`tsfuse-conformance: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.list) {
    for (const n of selectScenarios(args.filter)) console.log(n);
    return 0;
  }
  let factory: BackendFactory;
  try {
    factory = await backendFactory(args);
  } catch (e) {
    console.error(`tsfuse-conformance: ${(e as Error).message}`);
    return 2;
  }
  console.log(`tsfuse-conformance: backend ${args.backend}, ${selectScenarios(args.filter).length} scenarios`);
  const report = await runConformance(factory, { filter: args.filter, dir: args.dir, onResult: (r) => console.log(formatResult(r)) });
  console.log(formatSummary(report));
  return report.failed > 0 ? 1 : 0;
}

process.exitCode = await main();
