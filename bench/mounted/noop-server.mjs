// noop-server.mjs: a reference FUSE server in plain Node that does no filesystem
// work, to measure the ceiling of "one Node thread, synchronous syscalls" on this
// machine (ceiling.sh). It is not tsfuse and imports nothing from it.
//
//   node bench/mounted/noop-server.mjs MNT [SRC]
//
// The main thread opens /dev/fuse, mounts it on MNT (`mount -i -t fuse -o fd=3,...`
// with the fd passed as the child's fd 3), prints "noop-server: mounted on MNT" and
// starts one worker thread that loops readSync(/dev/fuse) -> fixed reply -> writeSync:
//   INIT          7.45, max_write 1 MiB
//   LOOKUP "f<N>" nodeid N+2, regular file, entry_valid 60 s, attr_valid 0 (other names: ENOENT)
//   GETATTR       fixed attributes (the root a directory, any other node a regular file), attr_valid 0
//   FORGET, BATCH_FORGET  no reply
//   anything else ENOSYS
// The worker ends when the read fails with ENODEV (after umount); the process then
// prints the number of requests by opcode to stderr and exits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// include/uapi/linux/fuse.h, protocol 7.45 (only what is used here).
const OP = { LOOKUP: 1, FORGET: 2, GETATTR: 3, INIT: 26, BATCH_FORGET: 42 };
const ASYNC_READ = 1 << 0, BIG_WRITES = 1 << 5, PARALLEL_DIROPS = 1 << 18, MAX_PAGES = 1 << 22;
const IN_HEADER = 40; // len u32, opcode u32, unique u64, nodeid u64, uid, gid, pid u32, total_extlen, padding u16
const OUT_HEADER = 16; // len u32, error i32, unique u64
const ATTR = 88; // ino, size, blocks, atime, mtime, ctime u64; atimensec, mtimensec, ctimensec, mode, nlink, uid, gid, rdev, blksize, flags u32
const ATTR_OUT = 16 + ATTR; // attr_valid u64, attr_valid_nsec u32, dummy u32, attr
const ENTRY_OUT = 40 + ATTR; // nodeid, generation, entry_valid, attr_valid u64; entry_valid_nsec, attr_valid_nsec u32; attr
const INIT_OUT = 64;
const MAX_WRITE = 1 << 20;
const ENOENT = 2, ENOSYS = 38;

if (isMainThread) main();
else serve(workerData.fd);

function main() {
  const [mnt, src = 'noop-node'] = process.argv.slice(2);
  if (!mnt) {
    console.error('usage: node noop-server.mjs MNT [SRC]');
    process.exit(2);
  }
  const fd = fs.openSync('/dev/fuse', 'r+');
  const mount = spawn('mount', ['-i', '-t', 'fuse', '-o', 'fd=3,rootmode=40000,user_id=0,group_id=0,allow_other', src, mnt],
    { stdio: ['ignore', 'inherit', 'inherit', fd] });
  mount.on('exit', (code) => {
    if (code !== 0) {
      console.error(`noop-server: mount on ${mnt} failed (exit ${code})`);
      process.exit(1);
    }
    // The worker starts only now: a read of /dev/fuse before the mount exists fails (EPERM).
    const worker = new Worker(new URL(import.meta.url), { workerData: { fd } });
    worker.on('message', (counts) => {
      const names = Object.fromEntries(Object.entries(OP).map(([k, v]) => [v, k]));
      const parts = [];
      counts.forEach((c, op) => { if (c) parts.push(`${names[op] ?? `op${op}`}=${c}`); });
      console.error(`noop-server (Node) requests: ${parts.join(' ')}`);
    });
    worker.on('error', (e) => { console.error(`noop-server: ${e.stack ?? e}`); process.exitCode = 1; });
    process.stdout.write(`noop-server: mounted on ${mnt}\n`);
  });
}

/** Fills a fuse_attr at `off`. */
function putAttr(b, off, ino, mode, nlink) {
  b.writeBigUInt64LE(BigInt(ino), off);
  for (const t of [24, 32, 40]) b.writeBigUInt64LE(1700000000n, off + t); // atime, mtime, ctime
  b.writeUInt32LE(mode, off + 60);
  b.writeUInt32LE(nlink, off + 64);
  b.writeUInt32LE(4096, off + 80); // blksize
}

function serve(fd) {
  const buf = Buffer.alloc(MAX_WRITE + 4096);
  const in32 = new Uint32Array(buf.buffer, buf.byteOffset, 16); // header words: [1] opcode, [2,3] unique, [4,5] nodeid

  // The replies, built once; per request only unique (and ino/nodeid) are patched in.
  const rootAttr = Buffer.alloc(OUT_HEADER + ATTR_OUT);
  rootAttr.writeUInt32LE(rootAttr.length, 0);
  putAttr(rootAttr, OUT_HEADER + 16, 1, 0o040755, 2);
  const fileAttr = Buffer.alloc(OUT_HEADER + ATTR_OUT);
  fileAttr.writeUInt32LE(fileAttr.length, 0);
  putAttr(fileAttr, OUT_HEADER + 16, 2, 0o100644, 1);
  const entry = Buffer.alloc(OUT_HEADER + ENTRY_OUT);
  entry.writeUInt32LE(entry.length, 0);
  entry.writeBigUInt64LE(60n, OUT_HEADER + 16); // entry_valid
  putAttr(entry, OUT_HEADER + 40, 2, 0o100644, 1);
  const error = Buffer.alloc(OUT_HEADER);
  error.writeUInt32LE(OUT_HEADER, 0);
  const init = Buffer.alloc(OUT_HEADER + INIT_OUT);
  init.writeUInt32LE(init.length, 0);
  const u32 = (b) => new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);
  const rootAttr32 = u32(rootAttr), fileAttr32 = u32(fileAttr), entry32 = u32(entry), error32 = u32(error);
  const FILE_INO = (OUT_HEADER + 16) >>> 2, ENTRY_NODEID = OUT_HEADER >>> 2, ENTRY_INO = (OUT_HEADER + 40) >>> 2;

  const counts = new Array(64).fill(0);
  const copyUnique = (r32) => { r32[2] = in32[2]; r32[3] = in32[3]; };
  const replyError = (errno) => { copyUnique(error32); error32[1] = -errno; return error; };

  for (;;) {
    let n;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if (e.code === 'ENODEV') break; // unmounted
      if (e.code === 'EINTR' || e.code === 'EAGAIN' || e.code === 'ENOENT') continue;
      throw e;
    }
    if (n < IN_HEADER) continue;
    const opcode = in32[1];
    counts[opcode < 64 ? opcode : 0]++;
    let reply;
    if (opcode === OP.GETATTR) {
      if (in32[4] === 1 && in32[5] === 0) { copyUnique(rootAttr32); reply = rootAttr; }
      else {
        copyUnique(fileAttr32);
        fileAttr32[FILE_INO] = in32[4]; fileAttr32[FILE_INO + 1] = in32[5];
        reply = fileAttr;
      }
    } else if (opcode === OP.LOOKUP) {
      const node = nodeOfName(buf, IN_HEADER, n);
      if (node === 0) reply = replyError(ENOENT);
      else {
        copyUnique(entry32);
        const lo = node >>> 0, hi = Math.floor(node / 0x100000000);
        entry32[ENTRY_NODEID] = lo; entry32[ENTRY_NODEID + 1] = hi;
        entry32[ENTRY_INO] = lo; entry32[ENTRY_INO + 1] = hi;
        reply = entry;
      }
    } else if (opcode === OP.FORGET || opcode === OP.BATCH_FORGET) continue;
    else if (opcode === OP.INIT) {
      // fuse_init_in: major, minor, max_readahead, flags u32 ...
      const minor = buf.readUInt32LE(IN_HEADER + 4), maxReadahead = buf.readUInt32LE(IN_HEADER + 8), flags = buf.readUInt32LE(IN_HEADER + 12);
      copyUnique(u32(init));
      const o = OUT_HEADER;
      init.writeUInt32LE(7, o); // major
      init.writeUInt32LE(Math.min(minor, 45), o + 4);
      init.writeUInt32LE(maxReadahead, o + 8);
      init.writeUInt32LE((flags & (ASYNC_READ | BIG_WRITES | PARALLEL_DIROPS | MAX_PAGES)) >>> 0, o + 12);
      init.writeUInt16LE(16, o + 16); // max_background
      init.writeUInt16LE(12, o + 18); // congestion_threshold
      init.writeUInt32LE(MAX_WRITE, o + 20);
      init.writeUInt32LE(1, o + 24); // time_gran
      init.writeUInt16LE(MAX_WRITE / 4096, o + 28); // max_pages
      reply = init;
    } else reply = replyError(ENOSYS);
    try {
      fs.writeSync(fd, reply, 0, reply.length);
    } catch (e) {
      if (e.code === 'ENODEV') break;
      if (e.code !== 'ENOENT') throw e; // ENOENT: the request was interrupted
    }
  }
  parentPort.postMessage(counts);
}

/** "f<N>" (N decimal, at most 15 digits) at buf[off..end) -> N + 2; 0 for any other name. */
function nodeOfName(buf, off, end) {
  if (end - off < 2 || buf[off] !== 0x66 || buf[off + 1] === 0) return 0;
  let n = 0;
  let i = off + 1;
  for (; i < end && buf[i] !== 0; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9 || i - off > 15) return 0;
    n = n * 10 + d;
  }
  return i < end ? n + 2 : 0;
}
