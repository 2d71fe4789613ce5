import type { Backend } from './backend.js';
import {
  FUSE_KERNEL_MINOR_VERSION,
  FUSE_KERNEL_VERSION,
  FUSE_MIN_READ_BUFFER,
  InitFlags as F,
} from './abi/constants.js';
import type { InitIn, InitOut } from './messages/init.js';
import type { SessionOptions } from './options.js';

const PAGE = 4096;
/** Pages a request may carry when the kernel has no FUSE_MAX_PAGES (FUSE_DEFAULT_MAX_PAGES_PER_REQ). */
const DEFAULT_MAX_PAGES = 32;

/** What INIT settled. */
export interface Negotiated {
  /** Always 7. */
  major: number;
  /** min(kernel minor, 45): decoders and encoders follow this. */
  minor: number;
  /** The minor the kernel offered (sizes fuse_init_out). */
  kernelMinor: number;
  /** Flags the kernel offered (flags | flags2 << 32). */
  kernelFlags: bigint;
  /** Flags in effect: kernel-offered ∩ wanted (what the INIT reply carries). */
  flags: bigint;
  /** Largest WRITE payload the kernel will send (bytes). */
  maxWrite: number;
  /** Pages per request (max_pages). */
  maxPages: number;
  maxReadahead: number;
  maxBackground: number;
  congestionThreshold: number;
  /** Timestamp granularity in ns (1). */
  timeGran: number;
  /** A read buffer that holds any request the kernel may send: maxWrite plus a page for headers. */
  bufferSize: number;
}

/**
 * The flags we want, before intersecting with what the kernel offers. Each
 * comes from an option or from the backend having the methods the flag needs:
 * READDIRPLUS needs readdirplus(), POSIX locks need getlk()+setlk(), flock
 * needs setlk(). DONT_MASK is off unless asked: the kernel then applies the
 * umask itself and the backend gets modes already masked (plus the umask for
 * information), which is right for every backend that does not implement
 * default ACLs.
 */
export function wantedFlags(o: SessionOptions, b: Backend): bigint {
  let want =
    F.ASYNC_READ | F.BIG_WRITES | F.PARALLEL_DIROPS | F.MAX_PAGES | F.ASYNC_DIO | F.DIRECT_IO_ALLOW_MMAP | F.CREATE_SUPP_GROUP;
  if (o.atomicOTrunc) want |= F.ATOMIC_O_TRUNC;
  if (o.autoInvalData) want |= F.AUTO_INVAL_DATA;
  want |= o.exportSupport ? F.EXPORT_SUPPORT : F.NO_EXPORT_SUPPORT;
  if (o.dontMask) want |= F.DONT_MASK;
  if (o.writeback) want |= F.WRITEBACK_CACHE;
  if (o.cacheSymlinks) want |= F.CACHE_SYMLINKS;
  if (o.handleKillprivV2 ?? b.handlesKillprivV2 === true) want |= F.HANDLE_KILLPRIV_V2;
  if (b.readdirplus && o.readdirplus !== 'off') {
    want |= F.DO_READDIRPLUS;
    if (o.readdirplus === 'auto') want |= F.READDIRPLUS_AUTO;
  }
  if (b.getlk && b.setlk) want |= F.POSIX_LOCKS;
  if (b.setlk) want |= F.FLOCK_LOCKS;
  if (b.ioctl) want |= F.HAS_IOCTL_DIR;
  if (b.setxattr) want |= F.SETXATTR_EXT;
  return want;
}

/** Settle a 7.x INIT (minor already checked >= 27): the reply and the negotiated state. */
export function negotiate(init: InitIn, o: SessionOptions, b: Backend): { out: InitOut; negotiated: Negotiated } {
  const minor = Math.min(init.minor, FUSE_KERNEL_MINOR_VERSION);
  let flags = init.flags & wantedFlags(o, b);
  // flags2 only travels with INIT_EXT, which 7.36+ kernels offer.
  if (init.flags & F.INIT_EXT) flags |= F.INIT_EXT;
  else flags &= 0xffffffffn;
  const maxPagesWanted = Math.min(65535, Math.ceil(o.maxWrite / PAGE));
  const maxPages = flags & F.MAX_PAGES ? maxPagesWanted : DEFAULT_MAX_PAGES;
  const maxWrite = Math.min(o.maxWrite, maxPages * PAGE);
  const maxReadahead = Math.min(init.maxReadahead, o.maxReadahead);
  const out: InitOut = {
    major: FUSE_KERNEL_VERSION,
    // The contract and the header's rule: both sides speak the smaller minor.
    minor,
    maxReadahead,
    flags,
    maxBackground: o.maxBackground,
    congestionThreshold: o.congestionThreshold,
    maxWrite,
    timeGran: 1,
    maxPages: flags & F.MAX_PAGES ? maxPages : 0,
    mapAlignment: 0,
    maxStackDepth: 0,
    requestTimeout: 0,
  };
  const negotiated: Negotiated = {
    major: FUSE_KERNEL_VERSION,
    minor,
    kernelMinor: init.minor,
    kernelFlags: init.flags,
    flags,
    maxWrite,
    maxPages,
    maxReadahead,
    maxBackground: o.maxBackground,
    congestionThreshold: o.congestionThreshold,
    timeGran: 1,
    bufferSize: Math.max(FUSE_MIN_READ_BUFFER, maxWrite + PAGE),
  };
  return { out, negotiated };
}

/** The reply to an INIT from a newer major: our version, everything else zero; the kernel retries with 7. */
export function majorMismatchReply(): InitOut {
  return {
    major: FUSE_KERNEL_VERSION,
    minor: FUSE_KERNEL_MINOR_VERSION,
    maxReadahead: 0,
    flags: 0n,
    maxBackground: 0,
    congestionThreshold: 0,
    maxWrite: 0,
    timeGran: 0,
    maxPages: 0,
    mapAlignment: 0,
    maxStackDepth: 0,
    requestTimeout: 0,
  };
}
