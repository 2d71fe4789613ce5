// Test harness: a recording backend, INIT bodies, and a small driver that
// sends frames through session.handle and checks the reply header.
import * as assert from 'uvu/assert';
import { Bytes, request, sampleAttr } from './bytes.js';
import {
  createSession,
  decodeOutHeader,
  type Attr,
  type Backend,
  type Session,
  type SessionOptionsInput,
} from '../src/index.js';

/** Every flag a 7.45 kernel may offer (bits 0..42). */
export const ALL_KERNEL_FLAGS = (1n << 43n) - 1n;

/** fuse_init_in: 64 bytes for 7.36+, else 16. */
export function initBody(major: number, minor: number, flags: bigint = ALL_KERNEL_FLAGS, maxReadahead = 131072): Uint8Array {
  const b = new Bytes()
    .u32(major) // major
    .u32(minor) // minor
    .u32(maxReadahead) // max_readahead
    .u32(Number(flags & 0xffffffffn)); // flags
  if (minor >= 36) {
    b.u32(Number(flags >> 32n)) // flags2
      .zero(44); // unused[11]
  }
  return b.done();
}

export const attr: Attr = { ...sampleAttr };

/** A call the backend saw: method name and arguments (Buffers copied to strings). */
export type Call = [string, ...unknown[]];

function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return `b:${v.toString('latin1')}`;
  if (v instanceof Uint8Array) return `u8:${Buffer.from(v).toString('latin1')}`;
  return v;
}

/**
 * A backend that implements every method, records each call (without the
 * context) into `calls`, and answers with fixed values.
 */
export function recordingBackend(calls: Call[], ctxs: unknown[] = []): Required<Omit<Backend, 'init' | 'destroy'>> & Backend {
  const rec =
    <T>(name: string, result: (...a: any[]) => T) =>
    (...args: any[]): T => {
      const [ctx, ...rest] = name === 'forget' ? [undefined, ...args] : args;
      // The context is valid only during the call (the session reuses it): keep a copy.
      if (ctx !== undefined) ctxs.push({ uid: ctx.uid, gid: ctx.gid, pid: ctx.pid, groups: ctx.groups });
      calls.push([name, ...rest.map(plain)]);
      return result(...args);
    };
  const entry = (nodeid: number) => ({ nodeid, generation: 1, attr, entryTimeout: 2, attrTimeout: 3 });
  return {
    lookup: rec('lookup', () => entry(10)),
    forget: rec('forget', () => undefined),
    getattr: rec('getattr', () => ({ attr, attrTimeout: 4 })),
    setattr: rec('setattr', () => ({ attr, attrTimeout: 4 })),
    readlink: rec('readlink', () => 'target'),
    symlink: rec('symlink', () => entry(11)),
    mknod: rec('mknod', () => entry(12)),
    mkdir: rec('mkdir', () => entry(13)),
    unlink: rec('unlink', () => undefined),
    rmdir: rec('rmdir', () => undefined),
    rename: rec('rename', () => undefined),
    link: rec('link', () => entry(14)),
    open: rec('open', () => ({ fh: 100, openFlags: 1 })),
    create: rec('create', () => ({ fh: 101, openFlags: 0, entry: entry(15) })),
    read: rec('read', () => Buffer.from('hello')),
    write: rec('write', (_c, _n, _f, _o, data: Uint8Array) => data.length),
    flush: rec('flush', () => undefined),
    release: rec('release', () => undefined),
    fsync: rec('fsync', () => undefined),
    opendir: rec('opendir', () => ({ fh: 200 })),
    readdir: rec('readdir', (_c, _n, _f, _o, sink) => {
      sink.add('a', 20, 8, 1n);
    }),
    readdirplus: rec('readdirplus', (_c, _n, _f, _o, sink) => {
      sink.add('a', entry(20), 8, 1n);
    }),
    releasedir: rec('releasedir', () => undefined),
    fsyncdir: rec('fsyncdir', () => undefined),
    statfs: rec('statfs', () => ({ blocks: 1, bfree: 2, bavail: 3, files: 4, ffree: 5, bsize: 4096, namelen: 255, frsize: 4096 })),
    access: rec('access', () => undefined),
    setxattr: rec('setxattr', () => undefined),
    getxattr: rec('getxattr', (_c, _n, _name, size: number) => (size === 0 ? 3 : Buffer.from('val'))),
    listxattr: rec('listxattr', (_c, _n, size: number) => (size === 0 ? 9 : Buffer.from('user.a\0b\0'))),
    removexattr: rec('removexattr', () => undefined),
    getlk: rec('getlk', () => ({ start: 0n, end: 99n, type: 2, pid: 0 })),
    setlk: rec('setlk', () => undefined),
    lseek: rec('lseek', () => 8192),
    fallocate: rec('fallocate', () => undefined),
    copyFileRange: rec('copyFileRange', () => 4096),
    statx: rec('statx', () => ({
      statx: {
        mask: 0xfff,
        blksize: 4096,
        attributes: 0n,
        nlink: 1,
        uid: 0,
        gid: 0,
        mode: 0o100644,
        ino: 5,
        size: 6,
        blocks: 1,
        attributesMask: 0n,
        atime: { sec: 1, nsec: 0 },
        btime: { sec: 2, nsec: 0 },
        ctime: { sec: 3, nsec: 0 },
        mtime: { sec: 4, nsec: 0 },
        rdevMajor: 0,
        rdevMinor: 0,
        devMajor: 0,
        devMinor: 0,
      },
    })),
    syncfs: rec('syncfs', () => undefined),
    tmpfile: rec('tmpfile', () => ({ fh: 102, entry: entry(16) })),
    bmap: rec('bmap', () => 77),
    ioctl: rec('ioctl', () => ({ result: 0, data: Uint8Array.of(7, 7) })),
    poll: rec('poll', () => 1),
  };
}

/** Silent logger that keeps the lines, so tests can assert that a log line was written. */
export function captureLogger(): { error(m: string): void; warn(m: string): void; lines: string[] } {
  const lines: string[] = [];
  return { error: (m) => lines.push(m), warn: (m) => lines.push(m), lines };
}

/** Drives a session the way the kernel would. */
export class Driver {
  readonly session: Session;
  unique = 2n;
  readonly log = captureLogger();

  constructor(backend: Backend, options: SessionOptionsInput = {}) {
    this.session = createSession(backend, { logger: this.log, ...options });
  }

  /** INIT with the given kernel version; asserts success. */
  async init(minor = 45, flags: bigint = ALL_KERNEL_FLAGS): Promise<Uint8Array> {
    const r = await this.session.handle(request(26, 1, 0, initBody(7, minor, flags)));
    assert.ok(r, 'INIT reply');
    assert.is(decodeOutHeader(r!).error, 0, 'INIT succeeded');
    return r!;
  }

  /** Send one request; returns [unique, reply]. */
  async send(opcode: number, nodeid: number | bigint, body: Uint8Array = new Uint8Array(0), o: Parameters<typeof request>[4] = {}): Promise<{ unique: bigint; reply: Uint8Array | undefined }> {
    const unique = (this.unique += 2n);
    const reply = await this.session.handle(request(opcode, unique, nodeid, body, o));
    return { unique, reply };
  }

  /** Send and return the reply's errno (0 = success), checking its unique and length. */
  async errno(opcode: number, nodeid: number | bigint, body?: Uint8Array, o?: Parameters<typeof request>[4]): Promise<number> {
    const { unique, reply } = await this.send(opcode, nodeid, body, o);
    assert.ok(reply, `reply to opcode ${opcode}`);
    const h = decodeOutHeader(reply!);
    assert.is(h.unique, unique, 'reply carries the request unique');
    assert.is(h.len, reply!.length, 'len field matches');
    if (h.error !== 0) assert.is(reply!.length, 16, 'error replies carry no body');
    return -h.error;
  }
}
