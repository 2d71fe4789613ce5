/**
 * Command-line parsing for `tsfuse`: a small hand tokenizer (no dependencies)
 * and zod schemas that turn the raw strings into typed options, with errors
 * that name the option, what was given, and what is allowed.
 */
import { z } from 'zod';

export const USAGE = `usage:
  tsfuse mount SRC MNT [options]    serve SRC on MNT in the foreground until unmounted or signalled
  tsfuse umount [-l|--abort] MNT    unmount (also a mount whose server died); -l detaches lazily;
                                    --abort aborts a wedged server's connection first (users get ENOTCONN)
  tsfuse help | --help              this text

mount options:
  --backend auto|linux|macos|memory  what serves MNT (default auto: linux on Linux); memory ignores SRC
  -o OPT[,OPT...]                    mount options: allow_other, default_permissions (noallow_other and
                                     nodefault_permissions undo the root defaults), ro, fsname=NAME,
                                     subtype=NAME, nosuid, nodev, noexec, noatime, max_read=N, ...
  --entry-timeout S                  seconds the kernel caches names (default 1)
  --attr-timeout S                   seconds the kernel caches attributes (default 1)
  --negative-timeout S               seconds the kernel caches "no such name" (default 0)
  --writeback                        kernel write-back cache
  --readdirplus on|auto|off          READDIRPLUS use (default auto)
  --read-only                        mount read-only; every change is refused with EROFS
  --reader inline|relay              serving thread reads /dev/fuse itself (inline, default) or always via a reader thread
  --keep-cache auto|on|off           linux: keep the page cache across opens (auto: when the file is
                                     unchanged since the kernel cached it; default auto)
  --exact-times on|off               linux: nanosecond SETATTR times (default on)
  --max-path-fds N                   linux: O_PATH descriptors kept for known inodes (default 4096)
  --xattrs on|off                    linux: extended attributes (default on; off: EOPNOTSUPP, fewer round trips)
  --map-owner-to-root                macos: show the daemon's own files as root:root
  --debug                            print every request and reply on stderr
  --stats                            print per-opcode counts and latencies on exit
As root the defaults are -o allow_other,default_permissions.`;

/** A command line that makes no sense; the message is one line for humans. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type BackendName = 'auto' | 'linux' | 'macos' | 'memory';

export interface MountCommand {
  command: 'mount';
  source: string;
  mountpoint: string;
  backend: BackendName;
  mountOptions: string[];
  entryTimeout?: number | undefined;
  attrTimeout?: number | undefined;
  negativeTimeout?: number | undefined;
  writeback: boolean;
  readdirplus?: 'on' | 'auto' | 'off' | undefined;
  readOnly: boolean;
  reader: 'inline' | 'relay';
  keepCache?: 'auto' | 'on' | 'off' | undefined;
  exactTimes?: 'on' | 'off' | undefined;
  maxPathFds?: number | undefined;
  xattrs?: 'on' | 'off' | undefined;
  mapOwnerToRoot: boolean;
  debug: boolean;
  stats: boolean;
}

export interface UmountCommand {
  command: 'umount';
  mountpoint: string;
  lazy: boolean;
  abort: boolean;
}

export type Command = MountCommand | UmountCommand | { command: 'help' };

/** How each long option of `mount` takes its value. */
const MOUNT_FLAGS: Record<string, 'value' | 'switch'> = {
  backend: 'value',
  'entry-timeout': 'value',
  'attr-timeout': 'value',
  'negative-timeout': 'value',
  readdirplus: 'value',
  reader: 'value',
  'keep-cache': 'value',
  'exact-times': 'value',
  'max-path-fds': 'value',
  xattrs: 'value',
  'map-owner-to-root': 'switch',
  writeback: 'switch',
  'read-only': 'switch',
  debug: 'switch',
  stats: 'switch',
};

/** A value that must be a number of seconds (0 .. one year, fractions allowed). */
function seconds(flag: string) {
  return z.string().transform((v, ctx) => {
    const n = /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : NaN;
    if (!Number.isFinite(n) || n > 31_536_000) {
      ctx.addIssue({ code: 'custom', message: `--${flag}: expected a number of seconds from 0 to 31536000, got "${v}"` });
      return z.NEVER;
    }
    return n;
  });
}

function oneOf<T extends string>(flag: string, allowed: readonly T[]) {
  return z.string().transform((v, ctx) => {
    if ((allowed as readonly string[]).includes(v)) return v as T;
    ctx.addIssue({ code: 'custom', message: `--${flag}: expected one of ${allowed.join(', ')}, got "${v}"` });
    return z.NEVER;
  });
}

const nonEmpty = (what: string) => z.string({ error: `missing ${what}` }).min(1, `${what} must not be empty`);

/** zod schema of `tsfuse mount`'s raw strings. */
export const mountSchema = z.object({
  source: nonEmpty('SRC'),
  mountpoint: nonEmpty('MNT'),
  backend: oneOf('backend', ['auto', 'linux', 'macos', 'memory'] as const).default('auto'),
  mountOptions: z.array(z.string()).default([]),
  entryTimeout: seconds('entry-timeout').optional(),
  attrTimeout: seconds('attr-timeout').optional(),
  negativeTimeout: seconds('negative-timeout').optional(),
  readdirplus: oneOf('readdirplus', ['on', 'auto', 'off'] as const).optional(),
  reader: oneOf('reader', ['inline', 'relay'] as const).default('inline'),
  keepCache: oneOf('keep-cache', ['auto', 'on', 'off'] as const).optional(),
  exactTimes: oneOf('exact-times', ['on', 'off'] as const).optional(),
  maxPathFds: z
    .string()
    .transform((v, ctx) => {
      const n = /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
      if (!(n >= 16 && n <= 1_000_000)) {
        ctx.addIssue({ code: 'custom', message: `--max-path-fds: expected a whole number from 16 to 1000000, got "${v}"` });
        return z.NEVER;
      }
      return n;
    })
    .optional(),
  xattrs: oneOf('xattrs', ['on', 'off'] as const).optional(),
  mapOwnerToRoot: z.boolean().default(false),
  writeback: z.boolean().default(false),
  readOnly: z.boolean().default(false),
  debug: z.boolean().default(false),
  stats: z.boolean().default(false),
});

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function firstIssue(e: z.ZodError): string {
  return e.issues[0]?.message ?? 'invalid arguments';
}

function parseMount(args: string[]): MountCommand {
  const raw: Record<string, unknown> = { mountOptions: [] as string[] };
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (a === '-o') {
      const v = args[++i];
      if (v === undefined) throw new UsageError('-o needs a value (e.g. -o allow_other,ro)');
      (raw.mountOptions as string[]).push(v);
    } else if (a.startsWith('-o') && !a.startsWith('--')) {
      (raw.mountOptions as string[]).push(a.slice(2));
    } else if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const flag = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const kind = MOUNT_FLAGS[flag];
      if (kind === undefined) throw new UsageError(`unknown option --${flag} (allowed: ${Object.keys(MOUNT_FLAGS).map((f) => '--' + f).join(', ')}, -o)`);
      if (kind === 'switch') {
        if (eq >= 0) throw new UsageError(`--${flag} takes no value`);
        raw[camel(flag)] = true;
      } else {
        const v = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (v === undefined) throw new UsageError(`--${flag} needs a value`);
        raw[camel(flag)] = v;
      }
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 2) {
    throw new UsageError(positional.length < 2 ? 'mount needs SRC and MNT' : `mount takes SRC and MNT; unexpected "${positional[2]}"`);
  }
  raw.source = positional[0];
  raw.mountpoint = positional[1];
  const r = mountSchema.safeParse(raw);
  if (!r.success) throw new UsageError(firstIssue(r.error));
  return { command: 'mount', ...r.data };
}

function parseUmount(args: string[]): UmountCommand {
  let lazy = false;
  let abort = false;
  const positional: string[] = [];
  for (const a of args) {
    if (a === '-l' || a === '--lazy') lazy = true;
    else if (a === '--abort') abort = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a} (umount takes -l or --abort)`);
    else positional.push(a);
  }
  if (positional.length !== 1) throw new UsageError(positional.length === 0 ? 'umount needs MNT' : 'umount takes one MNT');
  return { command: 'umount', mountpoint: positional[0]!, lazy, abort };
}

/** Parses process.argv.slice(2). Throws UsageError. */
export function parseArgs(argv: readonly string[]): Command {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') return { command: 'help' };
  if (cmd === 'mount') return parseMount(rest);
  if (cmd === 'umount' || cmd === 'unmount') return parseUmount(rest);
  throw new UsageError(`unknown command "${cmd}" (commands: mount, umount, help)`);
}
