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
  /**
   * FOPEN_KEEP_CACHE on open. 'auto': only when the kernel's pages of the file
   * are known to match the host file (same mtime, ctime and size as when the
   * kernel last dropped them or last changed the file through the mount), so a
   * change made on SRC behind the mount is seen at the next open. true: always
   * (only safe when nothing changes SRC behind the mount). false: never (every
   * open re-reads through the daemon). With the writeback cache, 'auto' is
   * false. See "Caching" in the README for the coherence contract.
   */
  keepCache: z.union([z.literal('auto'), z.boolean()], { error: "keepCache must be 'auto', true or false" }).default('auto'),
  /** FOPEN_CACHE_DIR on opendir: let the kernel cache directory listings. */
  cacheDir: z.boolean().default(false),
  /**
   * Who owns what the mount creates: 'caller' chowns new objects to the
   * requesting uid/gid (needs root, the default when the daemon is root);
   * 'daemon' leaves them to the daemon's own user.
   */
  ownership: z.enum(['caller', 'daemon']).optional(),
  /**
   * Exact utimensat(2) times: nanoseconds, UTIME_NOW and UTIME_OMIT, made by a
   * resident perl helper (one pipe round trip, no spawn per call). Where the
   * helper cannot run, Node's utimes plus `touch -d @S.N` (a spawn per exact
   * time). false: Node's utimes only (microseconds, an omitted time re-set to
   * its read value).
   */
  exactTimes: z.boolean().default(true),
  /**
   * Serve extended attributes (through the resident host-syscall helper).
   * false: no xattr methods, so the session answers ENOSYS once and the kernel
   * answers EOPNOTSUPP to every caller without asking again. That saves the
   * round trips the kernel makes for xattrs nobody set: `ls -l` asks for ACLs
   * (and SELinux labels) of each entry, and the first write after an open asks
   * for security.capability.
   */
  xattrs: z.boolean().default(true),
  /** Where the rare log lines go (default: stderr). */
  log: z.custom<Logger>((v) => typeof v === 'function').optional(),
});

/** Options as a caller writes them. */
export type LinuxBackendOptionsInput = z.input<typeof linuxBackendOptionsSchema>;
/** Options after defaults. */
export type LinuxBackendOptions = z.output<typeof linuxBackendOptionsSchema>;
