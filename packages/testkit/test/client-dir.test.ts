/**
 * Dir (glibc readdir over the kernel's getdents over READDIR) and the dirent
 * packing checks, against a fake server that lists a directory with cookie
 * offsets and records what it was asked.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuseClient } from '../src/client/client.js';
import { Dir, OPENDIR_FLAGS, linuxDirentSize, type DirOptions } from '../src/client/dir.js';
import { ProtocolViolation } from '../src/client/errors.js';
import { Init, Op } from '../src/client/abi.js';
import { FakeServer, entryRows, packDirents, reply, u32, u64, type Recorded } from './client-fixtures.js';

interface FakeEntry {
  name: string;
  ino: number;
  type: number;
  off: bigint;
}

function directory(n: number, nameLength = 40): FakeEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `${String(i).padStart(6, '0')}`.padEnd(nameLength, 'x'),
    ino: 100 + i,
    type: 8,
    off: BigInt(i + 1) * 7n, // cookies, not indexes
  }));
}

function readArgs(r: Recorded): { fh: bigint; offset: bigint; size: number } {
  const v = new DataView(r.bytes.buffer, r.bytes.byteOffset + 40);
  return { fh: v.getBigUint64(0, true), offset: v.getBigUint64(8, true), size: v.getUint32(16, true) };
}

async function dirServer(entries: FakeEntry[], flags: bigint = 0n): Promise<{ client: FuseClient; server: FakeServer; dir: () => Promise<Dir> }> {
  const server = new FakeServer((r) => {
    if (r.opcode === Op.OPENDIR) return reply(r.unique, 0, u64(42), u32(0), u32(0));
    if (r.opcode === Op.READDIR) {
      const a = readArgs(r);
      return reply(r.unique, 0, packDirents(entries, a.size, a.offset).body);
    }
    if (r.opcode === Op.RELEASEDIR) return reply(r.unique, 0);
    return reply(r.unique, -38);
  }, flags);
  const client = new FuseClient(server);
  await client.init();
  const dir = async (options?: DirOptions) => new Dir(client, 5, (await client.opendir(5, OPENDIR_FLAGS)).fh, OPENDIR_FLAGS, options);
  return { client, server, dir };
}

const readdirs = (s: FakeServer): ReturnType<typeof readArgs>[] => s.sent.filter((r) => r.opcode === Op.READDIR).map(readArgs);

test('by default, as Linux 6.18: one READDIR of the getdents size (32 KiB) per getdents', async () => {
  const entries = directory(1200); // 64-byte fuse_dirents and 64-byte linux_dirent64s: 512 per buffer
  const { server, dir } = await dirServer(entries);
  const d = await dir();
  const all = await d.readAll();
  assert.equal(all.map((e) => e.name), entries.map((e) => e.name));
  assert.equal(readdirs(server).map((r) => [r.offset, r.size]), [[0n, 32768], [512n * 7n, 32768], [1024n * 7n, 32768], [1200n * 7n, 32768]]);
  assert.equal(d.stats.getdents, 4);
});

test("'until-full' with 4 KiB requests fills the 32 KiB buffer from several READDIRs", async () => {
  const entries = directory(1000); // 64-byte fuse_dirents: 64 per reply; 64-byte linux_dirent64s: 512 per buffer
  const { server, dir } = await dirServer(entries);
  const d = await dir({ readdirSize: 4096, fill: 'until-full' });
  const first = await d.read();
  assert.equal(first?.name, entries[0]!.name);
  assert.equal(d.stats.getdents, 1);
  assert.equal(linuxDirentSize(40), 64);
  const reqs = readdirs(server);
  assert.equal(reqs.length, 8, '8 page-sized requests fill 512 entries');
  assert.ok(reqs.every((r) => r.size === 4096 && r.fh === 42n));
  assert.equal(reqs.map((r) => r.offset), [0n, 64n * 7n, 128n * 7n, 192n * 7n, 256n * 7n, 320n * 7n, 384n * 7n, 448n * 7n]);
  assert.equal(d.buffered, 511);
  const rest = await d.readAll();
  assert.equal(rest.length, 999);
  assert.equal(d.stats.getdents, 3, 'two full buffers, then the end');
  assert.equal([first!, ...rest].map((e) => e.name), entries.map((e) => e.name));
});

test('entries a reply holds beyond the buffer are asked for again from the last d_off copied', async () => {
  const entries = directory(40, 200); // 224-byte dirents: 18 per 4 KiB reply; 224-byte records: 4 in a 1 KiB buffer
  const { server, client } = await dirServer(entries);
  const d = new Dir(client, 5, 42, OPENDIR_FLAGS, { bufferSize: 1024 });
  const all = await d.readAll();
  assert.equal(all.map((e) => e.name), entries.map((e) => e.name));
  const offsets = readdirs(server).map((r) => r.offset);
  assert.equal(offsets.slice(0, 3), [0n, 4n * 7n, 8n * 7n]);
});

test('kernels before 6.16: one page-sized READDIR per getdents', async () => {
  const { server, client } = await dirServer(directory(200));
  const d = new Dir(client, 5, 42, OPENDIR_FLAGS, { fill: 'single', readdirSize: 4096 });
  await d.read();
  assert.equal(readdirs(server).length, 1);
  assert.equal(d.buffered, 63);
});

test('telldir is the d_off of the last entry returned; seekdir and rewinddir move the file position without a request', async () => {
  const entries = directory(100);
  const { server, dir } = await dirServer(entries);
  const d = await dir();
  assert.equal(d.tell(), 0n);
  await d.readBatch(10);
  assert.equal(d.tell(), entries[9]!.off);
  const pos = d.tell();
  await d.readBatch(5);
  const before = readdirs(server).length;
  d.seek(pos);
  assert.equal(readdirs(server).length, before, 'seekdir sends nothing');
  const again = await d.read();
  assert.equal(again?.name, entries[10]!.name);
  assert.equal(readdirs(server)[before]!.offset, pos, 'the next READDIR starts at the seekdir position');
  d.rewind();
  assert.equal(d.tell(), 0n);
  const sentBefore = readdirs(server).length;
  assert.equal((await d.read())?.name, entries[0]!.name);
  const next = readdirs(server)[sentBefore]!;
  assert.equal([next.offset, next.fh], [0n, 42n], 'rewinddir reads from offset 0 on the same handle');
  await d.close();
  await d.close();
  const releases = server.sent.filter((r) => r.opcode === Op.RELEASEDIR);
  assert.equal(releases.length, 1, 'closedir sends one RELEASEDIR');
  assert.equal(new DataView(releases[0]!.bytes.buffer, 40).getBigUint64(0, true), 42n);
});

test('entries with d_ino 0 are skipped, as glibc does', async () => {
  const entries = directory(5);
  entries[2]!.ino = 0;
  const { dir } = await dirServer(entries);
  const names = (await (await dir()).readAll()).map((e) => e.name);
  assert.equal(names, entries.filter((e) => e.ino !== 0).map((e) => e.name));
});

test('ENOENT from READDIR (a removed directory) reads as the end', async () => {
  const server = new FakeServer((r) => reply(r.unique, r.opcode === Op.READDIR ? -2 : 0));
  const client = new FuseClient(server);
  await client.init();
  assert.equal(await new Dir(client, 5, 1).read(), null);
});

test('READDIRPLUS at offset 0 only with READDIRPLUS_AUTO, always without it', async () => {
  for (const auto of [true, false]) {
    const entries = directory(200);
    const server = new FakeServer((r) => {
      const a = readArgs(r);
      if (r.opcode === Op.READDIRPLUS) {
        const body: number[] = [];
        for (const e of entries) {
          if (e.off <= a.offset) continue;
          const nb = [...Buffer.from(e.name)];
          const rec = [...entryRows(e.ino, { mode: 0o100644 }).flat(), ...u64(e.ino), ...u64(e.off), ...u32(nb.length), ...u32(8), ...nb];
          while (rec.length % 8) rec.push(0);
          if (body.length + rec.length > a.size) break;
          body.push(...rec);
        }
        return reply(r.unique, 0, body);
      }
      return reply(r.unique, 0, packDirents(entries, a.size, a.offset).body);
    }, Init.DO_READDIRPLUS | (auto ? Init.READDIRPLUS_AUTO : 0n));
    const client = new FuseClient(server);
    await client.init();
    const d = new Dir(client, 5, 1);
    assert.equal((await d.readAll()).length, 200);
    const ops = server.sent.map((r) => r.opcode);
    if (auto) {
      assert.equal(ops[0], Op.READDIRPLUS);
      assert.ok(ops.slice(1).every((o) => o === Op.READDIR));
    } else assert.ok(ops.every((o) => o === Op.READDIRPLUS));
    assert.equal(client.lookupCount(100), 1);
  }
});

test('dirent packing faults are violations', async () => {
  const rec = (o: { ino?: number; off?: bigint; namelen?: number; type?: number; name?: number[]; pad?: number }): number[] => {
    const name = o.name ?? [0x61];
    const row = [...u64(o.ino ?? 5), ...u64(o.off ?? 1n), ...u32(o.namelen ?? name.length), ...u32(o.type ?? 8), ...name];
    while (row.length % 8) row.push(o.pad ?? 0);
    return row;
  };
  const cases: [string, number[], RegExp, number?][] = [
    ['reply larger than asked', rec({ name: new Array(100).fill(0x61) }), /exceeds the 64/, 64],
    ['truncated record', rec({}).slice(0, 20), /too short for a dirent header/],
    ['namelen past the end', rec({ namelen: 9 }), /runs past/],
    ['namelen 0', rec({ namelen: 0 }), /namelen 0/],
    ['namelen 256', [...u64(5), ...u64(1), ...u32(256), ...u32(8), ...new Array(256).fill(0x61)], /namelen 256/],
    ['slash in a name', rec({ name: [0x61, 0x2f, 0x62] }), /contains '\/'/],
    ['NUL in a name', rec({ name: [0x61, 0, 0x62] }), /NUL/],
    ['stale padding', rec({ pad: 0xaa }), /non-zero padding/],
    ['offset 0', rec({ off: 0n }), /offset 0/],
    ['unknown d_type', rec({ type: 3 }), /d_type 3/],
    ['no progress', rec({ off: 77n }), /never advance/],
  ];
  for (const [what, body, pattern, size] of cases) {
    const server = new FakeServer((r) => reply(r.unique, 0, body));
    const client = new FuseClient(server);
    await client.init();
    try {
      await client.readdir(5, 1, what === 'no progress' ? 77n : 0n, size ?? 4096, false, 0);
      assert.unreachable(`${what} accepted`);
    } catch (e) {
      assert.instance(e, ProtocolViolation, what);
      assert.match((e as Error).message, pattern, what);
    }
  }
});

test('READDIRPLUS entries must agree with their dirent and never name the root', async () => {
  const plusRec = (nodeid: number, mode: number, ino: number, type: number, name = 'a'): number[] => {
    const nb = [...Buffer.from(name)];
    const row = [...entryRows(nodeid, { mode, ino }).flat(), ...u64(ino), ...u64(9), ...u32(nb.length), ...u32(type), ...nb];
    while (row.length % 8) row.push(0);
    return row;
  };
  const cases: [string, number[], RegExp][] = [
    ['type mismatch', plusRec(7, 0o40755, 7, 8), /disagrees with attr.mode/],
    ['ino mismatch', [...entryRows(7, { mode: 0o100644, ino: 7 }).flat(), ...u64(8), ...u64(9), ...u32(1), ...u32(8), 0x61, 0, 0, 0, 0, 0, 0, 0], /disagrees with attr.ino/],
    ['root node', plusRec(1, 0o40755, 1, 4), /root node id/],
  ];
  for (const [what, body, pattern] of cases) {
    const server = new FakeServer((r) => reply(r.unique, 0, body), Init.DO_READDIRPLUS);
    const client = new FuseClient(server);
    await client.init();
    try {
      await client.readdir(5, 1, 0n, 4096, true, 0);
      assert.unreachable(`${what} accepted`);
    } catch (e) {
      assert.instance(e, ProtocolViolation, what);
      assert.match((e as Error).message, pattern, what);
    }
  }
  // "." and ".." with a zeroed entry are fine and not counted.
  const dots = [...new Array(128).fill(0), ...u64(5), ...u64(1), ...u32(1), ...u32(4), 0x2e, 0, 0, 0, 0, 0, 0, 0];
  const server = new FakeServer((r) => reply(r.unique, 0, dots), Init.DO_READDIRPLUS);
  const client = new FuseClient(server);
  await client.init();
  assert.equal((await client.readdir(5, 1, 0n, 4096, true, 0)).length, 1);
  assert.equal(client.lookupCounts().size, 0);
});

test.run();
