// Device numbers: glibc's 64-bit dev_t (Node's st_rdev on Linux) → the wire's
// 32-bit new_encode_dev form, exact beyond 12-bit majors and 20-bit minors.
import fs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { glibcDecodeDev, glibcDecodeDevBig, glibcEncodeDev, linuxDecodeDev, linuxEncodeDev, statToAttr, wireRdev } from '../src/index.js';

/** The kernel's new_encode_dev, written out as include/linux/kdev_t.h has it (u32 arithmetic). */
const kernelNewEncodeDev = (major: number, minor: number) => ((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0;

/** glibc's __gnu_dev_makedev, in 64-bit bigint arithmetic, independent of glibcEncodeDev. */
const makedev = (major: bigint, minor: bigint) =>
  ((major & 0x00000fffn) << 8n) | ((major & 0xfffff000n) << 32n) | (minor & 0x000000ffn) | ((minor & 0xffffff00n) << 12n);

function statWithRdev(rdev: bigint): BigIntStats {
  const base = fs.lstatSync('/', { bigint: true });
  return Object.assign(Object.create(Object.getPrototypeOf(base)), base, { mode: 0o20644n, rdev }) as BigIntStats;
}

test('statToAttr: major >= 4096 and minor >= 2^20 land in the kernel new_encode_dev form', () => {
  for (const [major, minor] of [[4096, 1 << 20], [0x12345, 0xabcdef], [0xfff, 0xfffff], [8, 1], [0xffffffff, 0xffffffff]] as const) {
    const a = statToAttr(statWithRdev(makedev(BigInt(major), BigInt(minor))));
    assert.is(a.rdev, kernelNewEncodeDev(major, minor), `${major}:${minor}`);
  }
  // The old `rdev & 0xffffffff` answer differed here (it dropped the high half of glibc's dev_t).
  assert.is(statToAttr(statWithRdev(makedev(4096n, 1n << 20n))).rdev, 4096 << 8);
  assert.is(statToAttr(statWithRdev(0n)).rdev, 0);
});

test('glibc dev_t: exact split of every 32-bit major and minor, bigint and double', () => {
  for (const [major, minor] of [[0, 0], [1, 3], [4096, 1 << 20], [0xfff, 0xfffff], [0x1fffff, 0xffffffff], [259, 0x123456]] as const) {
    const dev = makedev(BigInt(major), BigInt(minor));
    assert.equal(glibcDecodeDevBig(dev), { major, minor }, `big ${major}:${minor}`);
    assert.is(glibcEncodeDev(major, minor), Number(dev), `encode ${major}:${minor}`);
    assert.equal(glibcDecodeDev(Number(dev)), { major, minor }, `double ${major}:${minor}`);
  }
  assert.equal(glibcDecodeDevBig(makedev(0xffffffffn, 0xffffffffn)), { major: 0xffffffff, minor: 0xffffffff });
});

test('new_encode_dev round trip for every kernel-sized major (12 bits) and minor (20 bits)', () => {
  for (const major of [0, 1, 255, 256, 4095]) {
    for (const minor of [0, 1, 255, 256, 0x12345, 0xfffff]) {
      const wire = linuxEncodeDev(major, minor);
      assert.is(wire, kernelNewEncodeDev(major, minor));
      assert.equal(linuxDecodeDev(wire), { major, minor });
    }
  }
});

test('wireRdev: a host decoder (darwin 8/24 bits) replaces the glibc split', () => {
  const darwin = (dev: number) => ({ major: (dev >>> 24) & 0xff, minor: dev & 0xffffff });
  assert.is(wireRdev(BigInt((16 << 24) | 3), darwin), kernelNewEncodeDev(16, 3));
  assert.is(wireRdev(BigInt((1 << 24) | 0x12345), darwin), kernelNewEncodeDev(1, 0x12345));
  assert.is(wireRdev(0n, darwin), 0);
});

test.run();
