import { z } from 'zod';
import type { Logger } from '@tsfuse/passthrough';

/** zod schema of the Linux backend's options (validated once, at construction). */
export const linuxBackendOptionsSchema = z.object({
  /** The host directory to share. Symlinks in this path itself are followed once, at start. */
  root: z.string().min(1),
  /**
   * Most O_PATH descriptors kept open for known inodes (least recently used are
   * closed and re-opened from an ancestor on demand). Capped at half the
   * process's soft RLIMIT_NOFILE, so file handles always have room.
   */
  maxPathFds: z.number().int().min(16).max(1_000_000).default(4096),
  /** Seconds the kernel may cache names (default: the session's option). */
  entryTimeout: z.number().nonnegative().optional(),
  /** Seconds the kernel may cache attributes (default: the session's option). */
  attrTimeout: z.number().nonnegative().optional(),
  /** FOPEN_KEEP_CACHE on open: keep the page cache across opens (only safe when nobody changes SRC behind the mount). */
  keepCache: z.boolean().default(false),
  /** FOPEN_CACHE_DIR on opendir: let the kernel cache directory listings. */
  cacheDir: z.boolean().default(false),
  /**
   * Who owns what the mount creates: 'caller' chowns new objects to the
   * requesting uid/gid (needs root, the default when the daemon is root);
   * 'daemon' leaves them to the daemon's own user.
   */
  ownership: z.enum(['caller', 'daemon']).optional(),
  /**
   * Set timestamps to the nanosecond. Node's utimes stops at microseconds, so a
   * time with sub-microsecond digits is finished by `touch -d @S.N` on our
   * descriptor (a process spawn, ~2 ms; `cp -a` of ext4 files pays it per
   * file). false: microseconds, no spawn.
   */
  exactTimes: z.boolean().default(true),
  /** Where the rare log lines go (default: stderr). */
  log: z.custom<Logger>((v) => typeof v === 'function').optional(),
});

/** Options as a caller writes them. */
export type LinuxBackendOptionsInput = z.input<typeof linuxBackendOptionsSchema>;
/** Options after defaults. */
export type LinuxBackendOptions = z.output<typeof linuxBackendOptionsSchema>;
