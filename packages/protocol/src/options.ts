import { z } from 'zod';

/** A line-oriented logger; the session writes one line per malformed request or backend failure. */
export interface Logger {
  error(message: string): void;
  warn?(message: string): void;
}

const seconds = (name: string, dflt: number) =>
  z
    .number({ error: `${name} must be a number of seconds` })
    .finite(`${name} must be finite`)
    .min(0, `${name} must be >= 0`)
    .default(dflt);

const flag = (name: string, dflt: boolean) => z.boolean({ error: `${name} must be true or false` }).default(dflt);

const fn = <T>(name: string) =>
  z.custom<T>((v) => typeof v === 'function', { error: `${name} must be a function` });

/** zod schema of the session options (validated once, at createSession). */
export const sessionOptionsSchema = z
  .object({
    /** Seconds the kernel may cache a name (entry_valid). */
    entryTimeout: seconds('entryTimeout', 1),
    /** Seconds the kernel may cache attributes (attr_valid). */
    attrTimeout: seconds('attrTimeout', 1),
    /** When > 0, a lookup answered ENOENT becomes a negative entry cached this long. */
    negativeTimeout: seconds('negativeTimeout', 0),
    /** Negotiate FUSE_WRITEBACK_CACHE: the kernel buffers writes and may read write-only files. */
    writeback: flag('writeback', false),
    /** READDIRPLUS: always ('on'), adaptively ('auto') or never ('off'); needs backend.readdirplus. */
    readdirplus: z.enum(['on', 'auto', 'off'], { error: "readdirplus must be 'on', 'auto' or 'off'" }).default('auto'),
    /** Add FOPEN_KEEP_CACHE to every open reply: keep the page cache across opens. */
    keepCache: flag('keepCache', false),
    /** Add FOPEN_CACHE_DIR to every opendir reply: let the kernel cache directory contents. */
    cacheDir: flag('cacheDir', false),
    /** Negotiate FUSE_CACHE_SYMLINKS: the kernel caches readlink answers. */
    cacheSymlinks: flag('cacheSymlinks', false),
    /** Every mutating request (and open for writing) gets EROFS before the backend sees it. */
    readOnly: flag('readOnly', false),
    /** Negotiate FUSE_EXPORT_SUPPORT (lookups of "." and "..", NFS export); otherwise FUSE_NO_EXPORT_SUPPORT. */
    exportSupport: flag('exportSupport', false),
    /**
     * Negotiate FUSE_DONT_MASK: the kernel leaves the umask to the backend (for
     * backends applying default ACLs). Off: modes arrive already masked.
     */
    dontMask: flag('dontMask', false),
    /** Negotiate FUSE_ATOMIC_O_TRUNC: O_TRUNC reaches open()/create() instead of a separate truncate. */
    atomicOTrunc: flag('atomicOTrunc', true),
    /**
     * Negotiate FUSE_HANDLE_KILLPRIV_V2: the backend clears suid/sgid on write,
     * chown, truncate and O_TRUNC open when the kernel flags it. Unset: when
     * the backend says it does (backend.handlesKillprivV2).
     */
    handleKillprivV2: z.boolean({ error: 'handleKillprivV2 must be true or false' }).optional(),
    /** Negotiate FUSE_AUTO_INVAL_DATA: drop cached pages when mtime or size change. */
    autoInvalData: flag('autoInvalData', true),
    /** Largest WRITE the kernel sends, in bytes (4 KiB .. 16 MiB). */
    maxWrite: z
      .number({ error: 'maxWrite must be a number of bytes' })
      .int('maxWrite must be an integer')
      .min(4096, 'maxWrite must be at least 4096')
      .max(16 * 1024 * 1024, 'maxWrite must be at most 16 MiB')
      .default(1024 * 1024),
    /** Upper bound of the kernel's readahead, in bytes (the kernel's own value if lower). */
    maxReadahead: z
      .number({ error: 'maxReadahead must be a number of bytes' })
      .int('maxReadahead must be an integer')
      .min(0, 'maxReadahead must be >= 0')
      .max(0xffffffff, 'maxReadahead must fit 32 bits')
      .default(1024 * 1024),
    /** Background requests (readahead, writeback) the kernel keeps in flight. */
    maxBackground: z.number().int().min(1).max(65535, 'maxBackground must fit 16 bits').default(64),
    /** Background requests at which the kernel reports congestion. */
    congestionThreshold: z.number().int().min(1).max(65535, 'congestionThreshold must fit 16 bits').default(48),
    /** Called with one readable line per request and per reply (like libfuse -d). */
    trace: fn<(line: string) => void>('trace').optional(),
    /** Where error lines go; default console.error. */
    logger: z
      .custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).error === 'function', {
        error: 'logger must be an object with an error(message) method',
      })
      .optional(),
    /**
     * Seconds notify.retrieve() waits for the kernel's FUSE_NOTIFY_REPLY before
     * rejecting (0: forever). The kernel never answers a retrieve it refused.
     */
    retrieveTimeout: seconds('retrieveTimeout', 30),
    /** Most retrieves waiting for the kernel at once; more are rejected at once (memory stays bounded). */
    maxPendingRetrieves: z
      .number({ error: 'maxPendingRetrieves must be a number' })
      .int('maxPendingRetrieves must be an integer')
      .min(1, 'maxPendingRetrieves must be at least 1')
      .max(1_000_000, 'maxPendingRetrieves must be at most 1,000,000')
      .default(1024),
    /** Keep per-opcode latency histograms (two clock reads per request). Counters are always kept. */
    latencyStats: flag('latencyStats', true),
  })
  .strict();

/** Options as a caller writes them (everything optional). */
export type SessionOptionsInput = z.input<typeof sessionOptionsSchema>;
/** Options after validation and defaults. */
export type SessionOptions = z.output<typeof sessionOptionsSchema>;

/** Validate options; throws a TypeError listing every problem, one per line. */
export function parseSessionOptions(input: SessionOptionsInput | undefined): SessionOptions {
  const r = sessionOptionsSchema.safeParse(input ?? {});
  if (r.success) {
    if (r.data.congestionThreshold > r.data.maxBackground) {
      throw new TypeError('invalid session options:\n  congestionThreshold must be <= maxBackground');
    }
    return r.data;
  }
  const lines = r.error.issues.map((i) => `  ${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}`);
  throw new TypeError(`invalid session options:\n${lines.join('\n')}`);
}
