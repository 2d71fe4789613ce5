/**
 * FuseClient: the kernel's side of the FUSE wire, in process. It encodes
 * requests exactly as Linux 6.x does (its own encoder, independent of the
 * engine's codec), sends each through `server.handle(bytes)`, checks every
 * reply structurally and decodes it. It keeps lookup counts as the kernel
 * does and sends FORGET/BATCH_FORGET when told to drop nodes.
 *
 * Methods here are one request each, by node id ("raw" operations); the path
 * based POSIX facade (PosixFs) and the glibc-like Dir sit on top.
 */
import { errnoName } from '@tsfuse/protocol';
import {
  FUSE_GETATTR_FH, FUSE_FSYNC_FDATASYNC, FUSE_INT_REQ_BIT, FUSE_KERNEL_MINOR_VERSION, FUSE_KERNEL_VERSION,
  FUSE_ROOT_ID, Init, KERNEL_INIT_FLAGS, NAME_MAX, Op, S, Size, opName,
} from './abi.js';
import { FsError, ProtocolViolation } from './errors.js';
import * as req from './requests.js';
import {
  decodeAttrOut, decodeBmapOut, decodeCopyFileRange64Out, decodeCreateOut, decodeDirents, decodeEntryOut,
  decodeGetxattrOut, decodeInitOut, decodeLkOut, decodeLseekOut, decodeOpenOut, decodePollOut, decodeStatfsOut,
  decodeStatxOut, decodeWriteOut, isDotOrDotDot,
  type FuseAttrOut, type FuseDirent, type FuseEntry, type FuseInitOut, type FuseLock, type FuseOpenOut,
  type FuseStatfs, type FuseStatx,
} from './replies.js';

/** Anything that answers whole FUSE requests: a tsfuse Session, or a fake in unit tests. */
export interface FuseServer {
  handle(request: Uint8Array): Promise<Uint8Array | undefined>;
  /** Sessions accept a notification sink; the client records what arrives. */
  attach?(sink: { sendNotification(frame: Uint8Array): void }): void;
}

/** Who is asking: the in_header's uid/gid/pid, plus supplementary groups. */
export interface Credentials {
  uid: number;
  gid: number;
  pid: number;
  groups?: readonly number[];
}

export interface FuseClientOptions {
  /** INIT flags offered; default what Linux 6.18 offers. */
  flags?: bigint;
  /** Protocol minor offered; default 45. */
  minor?: number;
  /** init_in.max_readahead; default 128 KiB as a 6.x kernel with default bdi. */
  maxReadahead?: number;
  credentials?: Partial<Credentials>;
  /** The caller's umask, applied as the kernel does (unless DONT_MASK). Default 0o022. */
  umask?: number;
  /** Send an empty security context on inode-creating requests when SECURITY_CTX is negotiated (as a kernel without SELinux/Smack does). Default true. */
  emptySecurityContext?: boolean;
  /** Most forget entries per BATCH_FORGET; default what fits a minimal 8 KiB daemon buffer. */
  batchForgetMax?: number;
  /** Called with one line per request and reply. */
  trace?: (line: string) => void;
}

/** What INIT settled, as the kernel keeps it in fuse_conn. */
export interface Negotiated {
  major: number;
  minor: number;
  /** Flags the daemon accepted (always a subset of those offered). */
  flags: bigint;
  maxWrite: number;
  maxPages: number;
  maxReadahead: number;
  timeGran: number;
  init: FuseInitOut;
}

/** A raw reply as it came back, for scenarios that send hostile requests. */
export interface RawReply {
  /** undefined when the server sent no reply. */
  bytes: Uint8Array | undefined;
  error: number;
  unique: bigint;
  body: Uint8Array;
}

const NO_REPLY = new Set<number>([Op.FORGET, Op.BATCH_FORGET]);
/** Requests the kernel sends without the caller's credentials (args->nocreds, or forgets). */
const NO_CREDS = new Set<number>([Op.INIT, Op.RELEASE, Op.RELEASEDIR, Op.FORGET, Op.BATCH_FORGET, Op.INTERRUPT, Op.DESTROY]);

interface NodeRecord {
  nlookup: number;
  generation: bigint;
  type: number;
}

/** The kernel's default when the daemon does not set MAX_PAGES. */
const FUSE_DEFAULT_MAX_PAGES_PER_REQ = 32;
const FUSE_MAX_MAX_PAGES = 256;
const PAGE_SIZE = 4096;

export class FuseClient {
  readonly server: FuseServer;
  /** The caller for subsequent requests; change it freely. */
  credentials: Credentials;
  umask: number;
  /** Unsolicited messages (unique 0) the server sent, as raw frames. */
  readonly notifications: Uint8Array[] = [];
  /** Opcodes the server answered ENOSYS to, remembered as the kernel remembers them. */
  readonly enosys = new Set<number>();
  /** Requests sent, by opcode name (for scenarios that count host work). */
  readonly sent = new Map<string, number>();

  private unique = 0n;
  private readonly nodes = new Map<number, NodeRecord>();
  private readonly options: Required<Omit<FuseClientOptions, 'credentials' | 'trace'>> & Pick<FuseClientOptions, 'trace'>;
  private negotiatedState: Negotiated | undefined;

  constructor(server: FuseServer, options: FuseClientOptions = {}) {
    this.server = server;
    this.options = {
      flags: options.flags ?? KERNEL_INIT_FLAGS,
      minor: options.minor ?? FUSE_KERNEL_MINOR_VERSION,
      maxReadahead: options.maxReadahead ?? 131072,
      umask: options.umask ?? 0o022,
      emptySecurityContext: options.emptySecurityContext ?? true,
      batchForgetMax: options.batchForgetMax ?? Math.floor((8192 - Size.in_header - 8) / Size.forget_one),
      trace: options.trace,
    };
    this.credentials = { uid: 0, gid: 0, pid: process.pid, ...options.credentials };
    this.umask = this.options.umask;
    server.attach?.({ sendNotification: (frame) => this.notifications.push(frame.slice()) });
  }

  /** What INIT negotiated; throws before init(). */
  get negotiated(): Negotiated {
    if (!this.negotiatedState) throw new Error('FuseClient: init() has not completed');
    return this.negotiatedState;
  }

  /** True when INIT negotiated `flag` (one of Init.*). */
  has(flag: bigint): boolean {
    return this.negotiatedState !== undefined && (this.negotiatedState.flags & flag) !== 0n;
  }

  /** The unique the next request will carry. */
  get nextUnique(): bigint {
    return this.unique + 2n;
  }

  // ---- transport and structural checks ----------------------------------

  private header(opcode: number, nodeid: number | bigint): req.Header {
    this.unique += 2n; // the kernel steps by FUSE_REQ_ID_STEP; the low bit marks interrupts
    const nocreds = NO_CREDS.has(opcode);
    const c = this.credentials;
    return { unique: this.unique, nodeid, uid: nocreds ? 0 : c.uid, gid: nocreds ? 0 : c.gid, pid: nocreds ? 0 : c.pid };
  }

  /**
   * Sends one request and returns its reply body after the structural checks;
   * an error reply becomes an FsError. `build` gets the header to encode with.
   */
  async call(opcode: number, nodeid: number | bigint, build: (h: req.Header) => Uint8Array): Promise<Uint8Array> {
    if (!this.negotiatedState && opcode !== Op.INIT) throw new Error(`FuseClient: ${opName(opcode)} before init()`);
    const h = this.header(opcode, nodeid);
    const bytes = build(h);
    const r = await this.exchange(opcode, h.unique, bytes);
    if (NO_REPLY.has(opcode)) return r.body;
    if (r.error !== 0) {
      if (r.error === 38) this.enosys.add(opcode);
      throw new FsError(r.error, opcode);
    }
    return r.body;
  }

  /**
   * Sends bytes as they are and checks the reply's framing: exactly one reply
   * for a request that has one, none for FORGET/BATCH_FORGET; out-header len
   * equal to the buffer; the same unique; error 0 or a known negative errno,
   * and an error reply carrying no body.
   */
  async exchange(opcode: number, unique: bigint, bytes: Uint8Array): Promise<RawReply> {
    this.sent.set(opName(opcode), (this.sent.get(opName(opcode)) ?? 0) + 1);
    this.options.trace?.(`-> ${opName(opcode)} unique=${unique} len=${bytes.length}`);
    let reply: Uint8Array | undefined;
    try {
      reply = await this.server.handle(bytes);
    } catch (e) {
      throw new ProtocolViolation(`server.handle rejected (it must never): ${(e as Error)?.stack ?? e}`, opcode);
    }
    if (NO_REPLY.has(opcode)) {
      if (reply !== undefined) throw new ProtocolViolation(`got a ${reply.length}-byte reply to a request that has none`, opcode);
      return { bytes: undefined, error: 0, unique, body: new Uint8Array(0) };
    }
    if (reply === undefined) throw new ProtocolViolation(`no reply (unique ${unique})`, opcode);
    if (!(reply instanceof Uint8Array)) throw new ProtocolViolation('reply is not a Uint8Array', opcode);
    if (reply.length < Size.out_header) throw new ProtocolViolation(`reply of ${reply.length} bytes is shorter than fuse_out_header`, opcode);
    const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
    const len = view.getUint32(0, true);
    const error = view.getInt32(4, true);
    const gotUnique = view.getBigUint64(8, true);
    if (len !== reply.length) throw new ProtocolViolation(`out_header.len ${len} != reply length ${reply.length}`, opcode);
    if (gotUnique !== unique) throw new ProtocolViolation(`reply unique ${gotUnique} != request unique ${unique}`, opcode);
    if (error > 0 || error <= -512) throw new ProtocolViolation(`out_header.error ${error} is not 0 or a negative errno`, opcode);
    if (error !== 0 && errnoName(-error) === undefined) throw new ProtocolViolation(`out_header.error ${error} is not a Linux errno`, opcode);
    if (error !== 0 && len !== Size.out_header) throw new ProtocolViolation(`error reply ${errnoName(-error)} carries ${len - Size.out_header} body bytes`, opcode);
    this.options.trace?.(`<- ${opName(opcode)} unique=${unique} ${error ? errnoName(-error) : `ok len=${len}`}`);
    return { bytes: reply, error: -error, unique, body: reply.subarray(Size.out_header) };
  }

  /**
   * Sends a hand-made request (hostile-input scenarios): `build` gets a fresh
   * header (with a proper unique) and returns the bytes. The reply is checked
   * for framing only and returned, errors included.
   */
  async sendRaw(opcode: number, nodeid: number | bigint, build: (h: req.Header) => Uint8Array): Promise<RawReply> {
    const h = this.header(opcode, nodeid);
    return this.exchange(opcode, h.unique, build(h));
  }

  // ---- INIT and lookup counting ------------------------------------------

  /** Sends INIT as a 6.x kernel does and checks the answer. */
  async init(): Promise<Negotiated> {
    const offered = this.options.flags;
    const body = await this.call(Op.INIT, 0, (h) =>
      req.init(h, { major: FUSE_KERNEL_VERSION, minor: this.options.minor, maxReadahead: this.options.maxReadahead, flags: offered }));
    const out = decodeInitOut(body, Op.INIT);
    if (out.major !== FUSE_KERNEL_VERSION) throw new ProtocolViolation(`INIT answered major ${out.major}`, Op.INIT);
    // A daemon may answer its own, higher minor (libfuse does); both sides then speak the lower one.
    const extra = out.flags & ~offered;
    if (extra !== 0n) throw new ProtocolViolation(`INIT accepted flags never offered: 0x${extra.toString(16)}`, Op.INIT);
    if (out.timeGran > 1_000_000_000) throw new ProtocolViolation(`time_gran ${out.timeGran} above 10^9`, Op.INIT);
    const maxPages = out.flags & Init.MAX_PAGES
      ? Math.min(FUSE_MAX_MAX_PAGES, Math.max(1, out.maxPages))
      : FUSE_DEFAULT_MAX_PAGES_PER_REQ;
    this.negotiatedState = {
      major: out.major,
      minor: Math.min(out.minor, this.options.minor),
      flags: out.flags,
      maxWrite: Math.max(4096, out.maxWrite),
      maxPages,
      maxReadahead: Math.min(this.options.maxReadahead, out.maxReadahead),
      timeGran: out.timeGran,
      init: out,
    };
    return this.negotiatedState;
  }

  /** Records one more kernel reference to an entry's node, checking node id reuse. */
  private count(entry: FuseEntry, op: number): void {
    if (entry.nodeid === 0) return;
    const type = entry.attr.mode & S.IFMT;
    const known = this.nodes.get(entry.nodeid);
    if (known) {
      if (known.type !== type) {
        throw new ProtocolViolation(`node ${entry.nodeid} changed type 0o${known.type.toString(8)} -> 0o${type.toString(8)} while the kernel still holds it`, op);
      }
      if (known.generation !== entry.generation) {
        throw new ProtocolViolation(`node ${entry.nodeid} changed generation ${known.generation} -> ${entry.generation} while the kernel still holds it`, op);
      }
      known.nlookup++;
    } else {
      this.nodes.set(entry.nodeid, { nlookup: 1, generation: entry.generation, type });
    }
  }

  /** The lookup count the kernel would hold for `nodeid` (0 when none). */
  lookupCount(nodeid: number): number {
    return this.nodes.get(nodeid)?.nlookup ?? 0;
  }

  /** Every node the client holds lookups on, with its count. */
  lookupCounts(): Map<number, number> {
    return new Map([...this.nodes].map(([id, n]) => [id, n.nlookup]));
  }

  /** Sends FORGET for `nlookup` (default: all) references to one node. */
  async forget(nodeid: number, nlookup?: number): Promise<void> {
    const rec = this.nodes.get(nodeid);
    const n = nlookup ?? rec?.nlookup ?? 0;
    if (n <= 0) return;
    await this.call(Op.FORGET, nodeid, (h) => req.forget(h, n));
    if (rec) {
      rec.nlookup -= n;
      if (rec.nlookup <= 0) this.nodes.delete(nodeid);
    }
  }

  /** Drops every node as the kernel does at eviction: BATCH_FORGET in chunks (FORGET for a single one). */
  async forgetAll(): Promise<number> {
    const items = [...this.nodes].map(([nodeid, r]) => ({ nodeid, nlookup: r.nlookup }));
    this.nodes.clear();
    if (items.length === 1) {
      const only = items[0]!;
      await this.call(Op.FORGET, only.nodeid, (h) => req.forget(h, only.nlookup));
      return 1;
    }
    for (let i = 0; i < items.length; i += this.options.batchForgetMax) {
      const chunk = items.slice(i, i + this.options.batchForgetMax);
      await this.call(Op.BATCH_FORGET, 0, (h) => req.batchForget(h, chunk));
    }
    return items.length;
  }

  // ---- extensions the kernel appends to inode-creating requests --------

  private creationExtensions(parentGid?: number): req.RequestExtensions | undefined {
    const emptySecurityContext = this.options.emptySecurityContext && this.has(Init.SECURITY_CTX);
    let groups: number[] | undefined;
    // fuse_send_supp_groups: only the parent directory's group, when the caller is in it but it is not the caller's fsgid.
    const c = this.credentials;
    if (this.has(Init.CREATE_SUPP_GROUP) && parentGid !== undefined && parentGid !== c.gid && c.groups?.includes(parentGid)) {
      groups = [parentGid];
    }
    if (!emptySecurityContext && !groups) return undefined;
    return { emptySecurityContext, groups };
  }

  /** The mode and umask fields as the kernel fills them: masked here unless DONT_MASK. */
  private applyUmask(mode: number): { mode: number; umask: number } {
    return this.has(Init.DONT_MASK) ? { mode, umask: this.umask } : { mode: mode & ~this.umask, umask: this.umask };
  }

  // ---- raw operations, one request each --------------------------------

  /** LOOKUP; a negative entry (nodeid 0) becomes ENOENT, as in the kernel. */
  async lookup(parent: number, name: string | Uint8Array): Promise<FuseEntry> {
    const body = await this.call(Op.LOOKUP, parent, (h) => req.lookup(h, name));
    const entry = decodeEntryOut(body, Op.LOOKUP, true);
    if (entry.nodeid === 0) throw new FsError(2, Op.LOOKUP, 'negative entry');
    if (entry.nodeid === FUSE_ROOT_ID && entry.generation !== 0n) {
      throw new ProtocolViolation(`root node returned with generation ${entry.generation}`, Op.LOOKUP);
    }
    this.count(entry, Op.LOOKUP);
    return entry;
  }

  async getattr(nodeid: number, fh?: number): Promise<FuseAttrOut> {
    const body = await this.call(Op.GETATTR, nodeid, (h) =>
      req.getattr(h, { getattrFlags: fh === undefined ? 0 : FUSE_GETATTR_FH, fh: fh ?? 0 }));
    return decodeAttrOut(body, Op.GETATTR);
  }

  async setattr(nodeid: number, args: req.SetattrArgs): Promise<FuseAttrOut> {
    const body = await this.call(Op.SETATTR, nodeid, (h) => req.setattr(h, args));
    return decodeAttrOut(body, Op.SETATTR);
  }

  /** READLINK; the kernel reads at most a page minus the NUL. */
  async readlink(nodeid: number): Promise<Uint8Array> {
    const body = await this.call(Op.READLINK, nodeid, (h) => req.readlink(h));
    if (body.length > PAGE_SIZE - 1) throw new ProtocolViolation(`link target of ${body.length} bytes exceeds ${PAGE_SIZE - 1}`, Op.READLINK);
    return body.slice();
  }

  private newEntry(body: Uint8Array, op: number, expectType: number | undefined): FuseEntry {
    const entry = decodeEntryOut(body, op, false);
    if (entry.nodeid === FUSE_ROOT_ID) throw new ProtocolViolation('a new entry named the root node id', op);
    // create_new_entry: the reply's file type must be the one asked for.
    if (expectType !== undefined && (entry.attr.mode & S.IFMT) !== expectType) {
      throw new ProtocolViolation(`created type 0o${(entry.attr.mode & S.IFMT).toString(8)}, asked for 0o${expectType.toString(8)}`, op);
    }
    this.count(entry, op);
    return entry;
  }

  async symlink(parent: number, name: string | Uint8Array, target: string | Uint8Array, parentGid?: number): Promise<FuseEntry> {
    const ext = this.creationExtensions(parentGid);
    const body = await this.call(Op.SYMLINK, parent, (h) => req.symlink(h, name, target, ext));
    return this.newEntry(body, Op.SYMLINK, S.IFLNK);
  }

  /** MKNOD; `mode` includes the file type; the umask is applied as the kernel does. */
  async mknod(parent: number, name: string | Uint8Array, mode: number, rdev = 0, parentGid?: number): Promise<FuseEntry> {
    const m = this.applyUmask(mode);
    const ext = this.creationExtensions(parentGid);
    const body = await this.call(Op.MKNOD, parent, (h) => req.mknod(h, { mode: m.mode, rdev, umask: m.umask }, name, ext));
    return this.newEntry(body, Op.MKNOD, mode & S.IFMT);
  }

  /** MKDIR; `mode` is permission bits only, as vfs_mkdir passes them. */
  async mkdir(parent: number, name: string | Uint8Array, mode = 0o777, parentGid?: number): Promise<FuseEntry> {
    const m = this.applyUmask(mode & 0o7777);
    const ext = this.creationExtensions(parentGid);
    const body = await this.call(Op.MKDIR, parent, (h) => req.mkdir(h, m, name, ext));
    return this.newEntry(body, Op.MKDIR, S.IFDIR);
  }

  async unlink(parent: number, name: string | Uint8Array): Promise<void> {
    this.expectEmpty(Op.UNLINK, await this.call(Op.UNLINK, parent, (h) => req.unlink(h, name)));
  }

  async rmdir(parent: number, name: string | Uint8Array): Promise<void> {
    this.expectEmpty(Op.RMDIR, await this.call(Op.RMDIR, parent, (h) => req.rmdir(h, name)));
  }

  /** RENAME for flags 0 (as the kernel sends plain renames), RENAME2 otherwise. */
  async rename(parent: number, name: string | Uint8Array, newParent: number, newName: string | Uint8Array, flags = 0): Promise<void> {
    const body = flags === 0
      ? await this.call(Op.RENAME, parent, (h) => req.rename(h, newParent, name, newName))
      : await this.call(Op.RENAME2, parent, (h) => req.rename2(h, newParent, flags, name, newName));
    this.expectEmpty(flags === 0 ? Op.RENAME : Op.RENAME2, body);
  }

  async link(nodeid: number, newParent: number, newName: string | Uint8Array): Promise<FuseEntry> {
    const body = await this.call(Op.LINK, newParent, (h) => req.link(h, nodeid, newName));
    return this.newEntry(body, Op.LINK, undefined);
  }

  /** OPEN with the file's f_flags as the kernel passes them. */
  async open(nodeid: number, flags: number, openFlags = 0): Promise<FuseOpenOut> {
    const body = await this.call(Op.OPEN, nodeid, (h) => req.open(h, flags, openFlags));
    return decodeOpenOut(body, Op.OPEN);
  }

  /** CREATE; `mode` includes S_IFREG as the kernel sends it. */
  async create(parent: number, name: string | Uint8Array, flags: number, mode: number, parentGid?: number, openFlags = 0): Promise<{ entry: FuseEntry; open: FuseOpenOut }> {
    const m = this.applyUmask(mode);
    const ext = this.creationExtensions(parentGid);
    const body = await this.call(Op.CREATE, parent, (h) => req.create(h, { flags, mode: m.mode, umask: m.umask, openFlags }, name, ext));
    const out = decodeCreateOut(body, Op.CREATE);
    if ((out.entry.attr.mode & S.IFMT) !== S.IFREG) throw new ProtocolViolation('CREATE returned a node that is not a regular file', Op.CREATE);
    if (out.entry.nodeid === FUSE_ROOT_ID) throw new ProtocolViolation('CREATE named the root node id', Op.CREATE);
    this.count(out.entry, Op.CREATE);
    return out;
  }

  async tmpfile(parent: number, flags: number, mode: number, parentGid?: number): Promise<{ entry: FuseEntry; open: FuseOpenOut }> {
    const m = this.applyUmask(mode);
    const ext = this.creationExtensions(parentGid);
    const body = await this.call(Op.TMPFILE, parent, (h) => req.tmpfile(h, { flags, mode: m.mode, umask: m.umask }, ext));
    const out = decodeCreateOut(body, Op.TMPFILE);
    if ((out.entry.attr.mode & S.IFMT) !== S.IFREG) throw new ProtocolViolation('TMPFILE returned a node that is not a regular file', Op.TMPFILE);
    this.count(out.entry, Op.TMPFILE);
    return out;
  }

  /** READ; the reply may be shorter than `size` (end of file), never longer. */
  async read(nodeid: number, fh: number, offset: number | bigint, size: number, flags: number): Promise<Uint8Array> {
    const body = await this.call(Op.READ, nodeid, (h) => req.read(h, { fh, offset, size, flags }));
    if (body.length > size) throw new ProtocolViolation(`read returned ${body.length} bytes, more than the ${size} asked for`, Op.READ);
    return body.slice();
  }

  /** WRITE; returns the count the server wrote (never more than sent). */
  async write(nodeid: number, fh: number, offset: number | bigint, data: Uint8Array, flags: number, writeFlags = 0): Promise<number> {
    const body = await this.call(Op.WRITE, nodeid, (h) => req.write(h, { fh, offset, flags, writeFlags }, data));
    const n = decodeWriteOut(body, Op.WRITE);
    if (n > data.length) throw new ProtocolViolation(`write reports ${n} bytes written of ${data.length} sent`, Op.WRITE);
    return n;
  }

  async statfs(nodeid: number): Promise<FuseStatfs> {
    return decodeStatfsOut(await this.call(Op.STATFS, nodeid, (h) => req.statfs(h)), Op.STATFS);
  }

  async release(nodeid: number, fh: number, flags: number, lockOwner: bigint = 0n): Promise<void> {
    this.expectEmpty(Op.RELEASE, await this.call(Op.RELEASE, nodeid, (h) => req.release(h, { fh, flags, lockOwner })));
  }

  async flush(nodeid: number, fh: number, lockOwner: bigint): Promise<void> {
    this.expectEmpty(Op.FLUSH, await this.call(Op.FLUSH, nodeid, (h) => req.flush(h, fh, lockOwner)));
  }

  async fsync(nodeid: number, fh: number, datasync: boolean): Promise<void> {
    const body = await this.call(Op.FSYNC, nodeid, (h) => req.fsync(h, fh, datasync ? FUSE_FSYNC_FDATASYNC : 0));
    this.expectEmpty(Op.FSYNC, body);
  }

  async fsyncdir(nodeid: number, fh: number, datasync: boolean): Promise<void> {
    const body = await this.call(Op.FSYNCDIR, nodeid, (h) => req.fsync(h, fh, datasync ? FUSE_FSYNC_FDATASYNC : 0, Op.FSYNCDIR));
    this.expectEmpty(Op.FSYNCDIR, body);
  }

  /** SETXATTR, in the 16-byte form when SETXATTR_EXT was negotiated. */
  async setxattr(nodeid: number, name: string | Uint8Array, value: Uint8Array, flags = 0): Promise<void> {
    const ext = this.has(Init.SETXATTR_EXT);
    this.expectEmpty(Op.SETXATTR, await this.call(Op.SETXATTR, nodeid, (h) => req.setxattr(h, { flags, ext }, name, value)));
  }

  /** GETXATTR: with size 0 the value's length, otherwise the value (ERANGE when larger than size). */
  async getxattr(nodeid: number, name: string | Uint8Array, size: number): Promise<Uint8Array | number> {
    const body = await this.call(Op.GETXATTR, nodeid, (h) => req.getxattr(h, size, name));
    if (size === 0) return decodeGetxattrOut(body, Op.GETXATTR);
    if (body.length > size) throw new ProtocolViolation(`xattr value of ${body.length} bytes exceeds the ${size} asked for`, Op.GETXATTR);
    return body.slice();
  }

  /** LISTXATTR, same size convention; the list is checked as fuse_verify_xattr_list does. */
  async listxattr(nodeid: number, size: number): Promise<Uint8Array | number> {
    const body = await this.call(Op.LISTXATTR, nodeid, (h) => req.listxattr(h, size));
    if (size === 0) return decodeGetxattrOut(body, Op.LISTXATTR);
    if (body.length > size) throw new ProtocolViolation(`xattr list of ${body.length} bytes exceeds the ${size} asked for`, Op.LISTXATTR);
    let start = 0;
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== 0) continue;
      if (i === start) throw new ProtocolViolation('xattr list contains an empty name', Op.LISTXATTR);
      start = i + 1;
    }
    if (start !== body.length) throw new ProtocolViolation('xattr list does not end with NUL', Op.LISTXATTR);
    return body.slice();
  }

  async removexattr(nodeid: number, name: string | Uint8Array): Promise<void> {
    this.expectEmpty(Op.REMOVEXATTR, await this.call(Op.REMOVEXATTR, nodeid, (h) => req.removexattr(h, name)));
  }

  async opendir(nodeid: number, flags: number): Promise<FuseOpenOut> {
    return decodeOpenOut(await this.call(Op.OPENDIR, nodeid, (h) => req.opendir(h, flags)), Op.OPENDIR);
  }

  /**
   * READDIR or READDIRPLUS of `size` bytes at `offset`. Checks the packing;
   * for READDIRPLUS counts one lookup for every entry other than "." and ".."
   * with a non-zero node id, as fuse_direntplus_link does (all of them, even
   * those the caller's buffer will not hold).
   */
  async readdir(nodeid: number, fh: number, offset: bigint, size: number, plus: boolean, flags: number): Promise<FuseDirent[]> {
    const op = plus ? Op.READDIRPLUS : Op.READDIR;
    const body = await this.call(op, nodeid, (h) => req.readdir(h, { fh, offset, size, flags }, plus));
    const entries = decodeDirents(body, size, plus, op);
    if (entries.length > 0 && entries[entries.length - 1]!.off === offset) {
      throw new ProtocolViolation(`the last entry's offset equals the request's offset ${offset}: the listing would never advance`, op);
    }
    if (plus) {
      for (const e of entries) {
        if (e.entry && e.entry.nodeid !== 0 && !isDotOrDotDot(e.name)) this.count(e.entry, op);
      }
    }
    return entries;
  }

  async releasedir(nodeid: number, fh: number, flags: number): Promise<void> {
    this.expectEmpty(Op.RELEASEDIR, await this.call(Op.RELEASEDIR, nodeid, (h) => req.release(h, { fh, flags }, Op.RELEASEDIR)));
  }

  async access(nodeid: number, mask: number): Promise<void> {
    this.expectEmpty(Op.ACCESS, await this.call(Op.ACCESS, nodeid, (h) => req.access(h, mask)));
  }

  async lseek(nodeid: number, fh: number, offset: number, whence: number): Promise<number> {
    return decodeLseekOut(await this.call(Op.LSEEK, nodeid, (h) => req.lseek(h, { fh, offset, whence })), Op.LSEEK);
  }

  async fallocate(nodeid: number, fh: number, offset: number, length: number, mode: number): Promise<void> {
    this.expectEmpty(Op.FALLOCATE, await this.call(Op.FALLOCATE, nodeid, (h) => req.fallocate(h, { fh, offset, length, mode })));
  }

  /**
   * COPY_FILE_RANGE_64, falling back to COPY_FILE_RANGE (length clamped as the
   * kernel does) when the server answers ENOSYS, as Linux 6.18 does.
   */
  async copyFileRange(nodeIn: number, fhIn: number, offIn: number, nodeOut: number, fhOut: number, offOut: number, len: number, flags = 0): Promise<number> {
    const args = { fhIn, offIn, nodeidOut: nodeOut, fhOut, offOut, len, flags };
    if (!this.enosys.has(Op.COPY_FILE_RANGE_64)) {
      try {
        const body = await this.call(Op.COPY_FILE_RANGE_64, nodeIn, (h) => req.copyFileRange(h, args, Op.COPY_FILE_RANGE_64));
        const n = decodeCopyFileRange64Out(body, Op.COPY_FILE_RANGE_64);
        if (n > len) throw new ProtocolViolation(`copied ${n} bytes of ${len} asked`, Op.COPY_FILE_RANGE_64);
        return n;
      } catch (e) {
        if (!(e instanceof FsError && e.code === 'ENOSYS')) throw e;
      }
    }
    const clamped = { ...args, len: Math.min(len, 0xfffff000) };
    const body = await this.call(Op.COPY_FILE_RANGE, nodeIn, (h) => req.copyFileRange(h, clamped, Op.COPY_FILE_RANGE));
    const n = decodeWriteOut(body, Op.COPY_FILE_RANGE);
    if (n > clamped.len) throw new ProtocolViolation(`copied ${n} bytes of ${clamped.len} asked`, Op.COPY_FILE_RANGE);
    return n;
  }

  async statx(nodeid: number, fh: number | undefined, sxFlags: number, sxMask: number): Promise<FuseStatx> {
    const body = await this.call(Op.STATX, nodeid, (h) =>
      req.statx(h, { getattrFlags: fh === undefined ? 0 : FUSE_GETATTR_FH, fh: fh ?? 0, sxFlags, sxMask }));
    return decodeStatxOut(body, Op.STATX);
  }

  async syncfs(nodeid: number = FUSE_ROOT_ID): Promise<void> {
    this.expectEmpty(Op.SYNCFS, await this.call(Op.SYNCFS, nodeid, (h) => req.syncfs(h)));
  }

  async bmap(nodeid: number, block: number, blocksize: number): Promise<bigint> {
    return decodeBmapOut(await this.call(Op.BMAP, nodeid, (h) => req.bmap(h, block, blocksize)), Op.BMAP);
  }

  async getlk(nodeid: number, a: req.LockArgs): Promise<FuseLock> {
    return decodeLkOut(await this.call(Op.GETLK, nodeid, (h) => req.lk(h, Op.GETLK, a)), Op.GETLK);
  }

  async setlk(nodeid: number, a: req.LockArgs, wait = false): Promise<void> {
    const op = wait ? Op.SETLKW : Op.SETLK;
    this.expectEmpty(op, await this.call(op, nodeid, (h) => req.lk(h, op, a)));
  }

  async poll(nodeid: number, fh: number, events: number): Promise<number> {
    return decodePollOut(await this.call(Op.POLL, nodeid, (h) => req.poll(h, { fh, kh: 0, flags: 0, events })), Op.POLL);
  }

  /**
   * INTERRUPT for an in-flight request. The daemon may answer it (EAGAIN,
   * ENOSYS) or not at all; both are legal, so the reply is returned raw.
   */
  async interrupt(unique: bigint): Promise<Uint8Array | undefined> {
    const bytes = req.interrupt({ unique: unique | FUSE_INT_REQ_BIT, nodeid: 0, uid: 0, gid: 0, pid: 0 }, unique);
    return this.server.handle(bytes);
  }

  /** DESTROY (fuseblk mounts and virtio-fs send it at unmount). */
  async destroy(): Promise<void> {
    this.expectEmpty(Op.DESTROY, await this.call(Op.DESTROY, 0, (h) => req.destroy(h)));
  }

  private expectEmpty(op: number, body: Uint8Array): void {
    if (body.length !== 0) throw new ProtocolViolation(`success reply carries ${body.length} body bytes, expected none`, op);
  }
}

/** Linux errno number for a name, for scenario assertions. */
export function errnoOf(e: unknown): string | undefined {
  return e instanceof FsError ? e.code : undefined;
}

export { NAME_MAX };
