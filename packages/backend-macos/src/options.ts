/** Options of the macOS backend, validated with zod at construction (never on the request path). */
import { z } from 'zod';

/** Where the backend writes its rare log lines. */
export type LogFn = (line: string) => void;

/** The options schema: `{ root, ... }` like the Linux backend's, plus the darwin switches. */
export const macosBackendOptionsSchema = z.object({
  /** The host directory to share. */
  root: z.string().min(1),
  /**
   * Which numbering the host calls use: 'darwin' (the default on macOS; on
   * Linux it runs the darwin tables through a darwin emulation, for tests) or
   * 'host' (the running host's own numbers from Node).
   */
  hostTables: z.enum(['darwin', 'host']).optional(),
  /** Show objects owned by the daemon's own uid/gid as 0:0, and map chown to 0 back to them. */
  mapOwnerToRoot: z.boolean().default(false),
  /**
   * How inodes are found again: 'vol' (darwin's /.vol/<dev>/<ino>), 'path'
   * (verified parent/name chains), or 'auto' (vol where /.vol works, else path).
   */
  identity: z.enum(['auto', 'vol', 'path']).default('auto'),
  /** The client's open-flag numbering; default: the daemon's own architecture. */
  clientArch: z.enum(['generic', 'arm']).optional(),
  /**
   * A directory changed less than this many ms before it was listed is listed
   * again at the next rewind even if its stat looks unchanged: timestamps are
   * coarse (HFS+ whole seconds, FAT two seconds, Linux one tick).
   */
  racyWindowMs: z.number().int().min(0).max(60_000).default(2_000),
  /** Where log lines go (default: stderr). */
  log: z.custom<LogFn>((v) => typeof v === 'function').optional(),
});

/** Options as given. */
export type MacosBackendOptionsInput = z.input<typeof macosBackendOptionsSchema>;
/** Options after defaults. */
export type MacosBackendOptions = z.output<typeof macosBackendOptionsSchema>;
