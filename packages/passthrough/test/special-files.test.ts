// makeSpecialFile: FIFOs, sockets and devices made under a temporary name and
// published by link (descriptor, /proc) or rename (plain path), with the
// errors Linux gives and nothing left behind on failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FuseError, errnoByName } from '@tsfuse/protocol';
import { O_CLOEXEC, O_DIRECTORY, O_PATH, S_IFBLK, S_IFCHR, S_IFIFO, S_IFSOCK, makeSpecialFile, type SpecialFileDir } from '../src/index.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-special-'));
const pathFd = fs.openSync(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
test.after(() => {
  fs.closeSync(pathFd);
  fs.rmSync(root, { recursive: true, force: true });
});

/** The errno a backend answers for what `f` throws: a FuseError's, or a host error's by name (what ErrnoTranslator does). */
const errnoOf = (f: () => void): number | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof FuseError ? e.errno : (errnoByName(String((e as { code?: unknown }).code)) ?? -1);
  }
  return undefined;
};
/** Temporary names left behind in `dir`. */
const temporaries = (dir: string) => fs.readdirSync(dir).filter((n) => n.startsWith('.tsfuse-mknod-'));

const dirs: [string, SpecialFileDir, 'link' | 'rename'][] = [
  ['descriptor + link', { fd: pathFd }, 'link'],
  ['path + rename', { path: Buffer.from(root) }, 'rename'],
  ['path + link', { path: Buffer.from(root) }, 'link'],
];

for (const [label, dir, publish] of dirs) {
  test(`${label}: FIFO, socket and devices of the right type and numbers, no temporary left`, () => {
    const tag = label.replace(/\W+/g, '-');
    const make = (name: string, type: number, major = 0, minor = 0) => {
      makeSpecialFile({ dir, name: Buffer.from(name), type, major, minor, publish, log: (l) => assert.unreachable(l) });
      return fs.lstatSync(path.join(root, name), { bigint: true });
    };
    assert.ok(make(`${tag}-fifo`, S_IFIFO).isFIFO());
    assert.ok(make(`${tag}-sock`, S_IFSOCK).isSocket());
    const c = make(`${tag}-chr`, S_IFCHR, 1, 3);
    assert.ok(c.isCharacterDevice());
    assert.is(c.rdev, fs.statSync('/dev/null', { bigint: true }).rdev);
    const b = make(`${tag}-blk`, S_IFBLK, 4095, 0xfffff);
    assert.ok(b.isBlockDevice());
    assert.is(b.rdev, (0xfffn << 8n) | 0xffn | (0xfff00n << 12n));
    assert.equal(temporaries(root), []);
  });

  test(`${label}: an existing name is EEXIST and stays as it was`, () => {
    const name = `${label.replace(/\W+/g, '-')}-taken`;
    fs.writeFileSync(path.join(root, name), 'keep');
    for (const type of [S_IFIFO, S_IFSOCK]) {
      assert.is(errnoOf(() => makeSpecialFile({ dir, name: Buffer.from(name), type, publish, log: () => {} })), 17);
    }
    assert.is(fs.readFileSync(path.join(root, name), 'utf8'), 'keep');
    assert.equal(temporaries(root), []);
  });
}

test('an unknown type is EINVAL before anything is made', () => {
  assert.is(errnoOf(() => makeSpecialFile({ dir: { fd: pathFd }, name: Buffer.from('x'), type: 0o100000, publish: 'link', log: () => {} })), 22);
  assert.not.ok(fs.existsSync(path.join(root, 'x')));
});

test('a socket path too long for bind() is EIO plus one log line, and leaves nothing (Node would truncate it)', () => {
  const deep = path.join(root, 'd'.repeat(100));
  fs.mkdirSync(deep);
  const lines: string[] = [];
  assert.is(errnoOf(() => makeSpecialFile({ dir: { path: Buffer.from(deep) }, name: Buffer.from('s'), type: S_IFSOCK, publish: 'rename', log: (l) => lines.push(l) })), 5);
  assert.is(lines.length, 1);
  assert.equal(fs.readdirSync(deep), []);
  // Through the descriptor the path is short whatever the directory's depth.
  const fd = fs.openSync(deep, O_PATH | O_DIRECTORY | O_CLOEXEC);
  try {
    makeSpecialFile({ dir: { fd }, name: Buffer.from('s'), type: S_IFSOCK, publish: 'link', log: (l) => assert.unreachable(l) });
  } finally {
    fs.closeSync(fd);
  }
  assert.ok(fs.lstatSync(path.join(deep, 's')).isSocket());
  assert.equal(fs.readdirSync(deep), ['s']);
});

test('a directory path that is not UTF-8 is EIO plus one log line', () => {
  const lines: string[] = [];
  const dir = Buffer.concat([Buffer.from(root), Buffer.from([0x2f, 0xff])]);
  assert.is(errnoOf(() => makeSpecialFile({ dir: { path: dir }, name: Buffer.from('f'), type: S_IFIFO, publish: 'rename', log: (l) => lines.push(l) })), 5);
  assert.is(lines.length, 1);
});

test('a failing program maps its message to the errno: mknod in a missing directory is ENOENT', () => {
  const missing = Buffer.from(path.join(root, 'missing'));
  assert.is(errnoOf(() => makeSpecialFile({ dir: { path: missing }, name: Buffer.from('f'), type: S_IFIFO, publish: 'link', log: () => {} })), 2);
  assert.is(errnoOf(() => makeSpecialFile({ dir: { path: missing }, name: Buffer.from('c'), type: S_IFCHR, major: 1, minor: 3, publish: 'link', log: () => {} })), 2);
});

test.run();
