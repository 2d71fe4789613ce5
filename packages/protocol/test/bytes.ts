/**
 * An independent little-endian byte builder for test vectors. It shares no
 * code with the encoders under test: every expected frame in the tests is
 * spelled out field by field with it, one row per struct field, from the
 * layout in include/uapi/linux/fuse.h (7.45).
 */
export class Bytes {
  private readonly out: number[] = [];

  /** Current length. */
  get length(): number {
    return this.out.length;
  }

  u8(v: number): this {
    this.out.push(v & 0xff);
    return this;
  }

  u16(v: number): this {
    for (let i = 0; i < 2; i++) this.out.push((v >>> (8 * i)) & 0xff);
    return this;
  }

  u32(v: number): this {
    for (let i = 0; i < 4; i++) this.out.push((v >>> (8 * i)) & 0xff);
    return this;
  }

  /** Signed 32-bit (two's complement). */
  i32(v: number): this {
    return this.u32(v >>> 0);
  }

  /** 64-bit, from a number or bigint, two's complement for negatives. */
  u64(v: number | bigint): this {
    let b = BigInt.asUintN(64, BigInt(v));
    for (let i = 0; i < 8; i++) {
      this.out.push(Number(b & 0xffn));
      b >>= 8n;
    }
    return this;
  }

  /** Raw bytes, or a string as UTF-8 bytes (no terminator). */
  raw(v: Uint8Array | string | number[]): this {
    const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
    for (const x of b) this.out.push(x);
    return this;
  }

  /** A C string: UTF-8 bytes and a NUL. */
  cstr(v: string): this {
    return this.raw(v).u8(0);
  }

  /** n zero bytes. */
  zero(n: number): this {
    for (let i = 0; i < n; i++) this.out.push(0);
    return this;
  }

  /** Zero-pad to a multiple of 8. */
  pad8(): this {
    while (this.out.length % 8) this.out.push(0);
    return this;
  }

  done(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

/** Options of a request frame. */
export interface ReqOpts {
  uid?: number;
  gid?: number;
  pid?: number;
  /** Extension trailer bytes (a multiple of 8), appended after the body. */
  ext?: Uint8Array;
  /** Override the len field. */
  len?: number;
  /** Override total_extlen. */
  extlen?: number;
}

/** A request frame: fuse_in_header (40 B) + body (+ extension trailer). */
export function request(opcode: number, unique: number | bigint, nodeid: number | bigint, body: Uint8Array = new Uint8Array(0), o: ReqOpts = {}): Uint8Array {
  const ext = o.ext ?? new Uint8Array(0);
  const total = 40 + body.length + ext.length;
  return new Bytes()
    .u32(o.len ?? total) //        len
    .u32(opcode) //                opcode
    .u64(unique) //                unique
    .u64(nodeid) //                nodeid
    .u32(o.uid ?? 0) //            uid
    .u32(o.gid ?? 0) //            gid
    .u32(o.pid ?? 0) //            pid
    .u16(o.extlen ?? ext.length / 8) // total_extlen (8-byte units)
    .u16(0) //                     padding
    .raw(body)
    .raw(ext)
    .done();
}

/** A reply frame: fuse_out_header (16 B) + body. `error` is a positive errno (sent negated) or 0. */
export function reply(unique: number | bigint, error: number, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  return new Bytes()
    .u32(16 + body.length) // len
    .i32(-error) //           error
    .u64(unique) //           unique
    .raw(body)
    .done();
}

/** A fuse_attr (88 B) for tests, with distinct values in every field. */
export function attrBytes(a: TestAttr, compat = false): Uint8Array {
  const b = new Bytes()
    .u64(a.ino) //      ino
    .u64(a.size) //     size
    .u64(a.blocks) //   blocks
    .u64(a.atime) //    atime
    .u64(a.mtime) //    mtime
    .u64(a.ctime) //    ctime
    .u32(a.atimensec) // atimensec
    .u32(a.mtimensec) // mtimensec
    .u32(a.ctimensec) // ctimensec
    .u32(a.mode) //     mode
    .u32(a.nlink) //    nlink
    .u32(a.uid) //      uid
    .u32(a.gid) //      gid
    .u32(a.rdev); //    rdev
  if (!compat) {
    b.u32(a.blksize) // blksize
      .u32(a.flags ?? 0); // flags
  }
  return b.done();
}

export interface TestAttr {
  ino: number | bigint;
  size: number;
  blocks: number;
  atime: number;
  mtime: number;
  ctime: number;
  atimensec: number;
  mtimensec: number;
  ctimensec: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: number;
  blksize: number;
  flags?: number;
}

/** An attr with a distinct value in every field (so a swapped field shows). */
export const sampleAttr: TestAttr = {
  ino: 0x1122334455n,
  size: 0x0102030405,
  blocks: 17,
  atime: 1_700_000_001,
  mtime: 1_700_000_002,
  ctime: -3, // before 1970: must go out as two's complement
  atimensec: 4,
  mtimensec: 5,
  ctimensec: 6,
  mode: 0o100644,
  nlink: 7,
  uid: 1000,
  gid: 1001,
  rdev: 0x0801,
  blksize: 4096,
  flags: 0,
};

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').replace(/(.{16})/g, '$1 ').trim();
}

/** A DataView over exactly the bytes of `b` (replies may be views into a larger buffer). */
export function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}
