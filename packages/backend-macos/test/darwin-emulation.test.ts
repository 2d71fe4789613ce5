// The darwin emulation that lets the darwin tables run on Linux: darwin open
// flags in, darwin-shaped errors and dev_t out; and a spy proving the backend
// hands the host darwin numbers when given the darwin tables.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { darwinErrorFor, darwinEmulatedHostFs, darwinOpenFlagsToLinux } from '../src/host/darwin-emulation.js';
import { nodeHostFs } from '../src/host/node-host-fs.js';
import type { HostFs } from '../src/host/host-fs.js';
import { nodeHostTables, darwinHostTables } from '../src/tables/host-tables.js';
import { linuxOpenFlagsFor, defaultLinuxClientArch } from '../src/tables/linux-client.js';
import { ChainPaths } from '../src/identity/node-paths.js';
import { AttrPresenter } from '../src/translate/attr.js';
import { MacosBackend } from '../src/macos-backend.js';
import { ctx, name, rmTemp, tempDir } from './helpers.js';

const linux = fs.constants as unknown as Record<string, number>;

test('darwin open flags become the Linux host flags', () => {
  const c = fs.constants;
  assert.is(darwinOpenFlagsToLinux(0x200 | 0x800 | 0x1, linux), c.O_CREAT | c.O_EXCL | c.O_WRONLY);
  assert.is(darwinOpenFlagsToLinux(0x400 | 0x8 | 0x2, linux), c.O_TRUNC | c.O_APPEND | c.O_RDWR);
  assert.is(darwinOpenFlagsToLinux(0x100 | 0x20000 | 0x4, linux), c.O_NOFOLLOW | c.O_NOCTTY | c.O_NONBLOCK);
  assert.is(darwinOpenFlagsToLinux(0x100000, linux), c.O_DIRECTORY);
  assert.is(darwinOpenFlagsToLinux(0x80, linux), c.O_SYNC);
  assert.is(darwinOpenFlagsToLinux(0x400000, linux), c.O_DSYNC);
  assert.is(darwinOpenFlagsToLinux(0x1000000, linux), 0, 'O_CLOEXEC: libuv sets it');
  // Linux numbers handed in by mistake are caught: 0o100 (Linux O_CREAT) is darwin's O_ASYNC.
  assert.throws(() => darwinOpenFlagsToLinux(0o100, linux), /EINVAL/);
  assert.throws(() => darwinOpenFlagsToLinux(0x200000 /* O_SYMLINK */, linux), /EINVAL/);
});

test('Linux errors come out as Node on macOS reports them', () => {
  const e = (code: string, n: number) => Object.assign(new Error(code), { code, errno: -n, syscall: 'open' });
  const d = (x: unknown) => x as { code: string; errno: number };
  assert.equal([d(darwinErrorFor(e('ENOENT', 2))).code, d(darwinErrorFor(e('ENOENT', 2))).errno], ['ENOENT', -2]);
  assert.equal([d(darwinErrorFor(e('ENOTEMPTY', 39))).code, d(darwinErrorFor(e('ENOTEMPTY', 39))).errno], ['ENOTEMPTY', -66]);
  assert.equal([d(darwinErrorFor(e('ELOOP', 40))).code, d(darwinErrorFor(e('ELOOP', 40))).errno], ['ELOOP', -62]);
  assert.equal([d(darwinErrorFor(e('UNKNOWN', 116))).code, d(darwinErrorFor(e('UNKNOWN', 116))).errno], ['UNKNOWN', -70], 'ESTALE');
  assert.equal([d(darwinErrorFor(e('UNKNOWN', 122))).code, d(darwinErrorFor(e('UNKNOWN', 122))).errno], ['UNKNOWN', -69], 'EDQUOT');
  assert.equal([d(darwinErrorFor(e('ENODATA', 61))).code, d(darwinErrorFor(e('ENODATA', 61))).errno], ['UNKNOWN', -93], 'ENOATTR');
  assert.equal([d(darwinErrorFor(e('UNKNOWN', 117))).code, d(darwinErrorFor(e('UNKNOWN', 117))).errno], ['EIO', -5], 'EUCLEAN: no darwin name');
  const plain = new Error('not a host error');
  assert.is(darwinErrorFor(plain), plain);
});

test('the emulated host gives darwin dev_t for device nodes', () => {
  const host = darwinEmulatedHostFs(nodeHostFs(), linux, nodeHostTables().decodeDev);
  const st = host.lstat(Buffer.from('/dev/null'));
  assert.is(Number(st.rdev), (1 << 24) | 3);
});

test('a backend with the darwin tables hands the host darwin numbers', () => {
  const root = tempDir();
  try {
    fs.mkdirSync(path.join(root, 'd'));
    const real = darwinEmulatedHostFs(nodeHostFs(), linux, nodeHostTables().decodeDev);
    const opens: number[] = [];
    const host: HostFs = { ...real, open: (p, flags, mode) => { opens.push(flags); return real.open(p, flags, mode); } };
    const rootPath = Buffer.from(fs.realpathSync(root));
    const b = new MacosBackend({
      host,
      tables: darwinHostTables,
      linuxFlags: linuxOpenFlagsFor(defaultLinuxClientArch()),
      rootStat: host.lstat(rootPath),
      paths: (r) => new ChainPaths(host, rootPath, r),
      presenter: new AttrPresenter(darwinHostTables, { enabled: false, uid: 0, gid: 0 }),
      racyWindowMs: 0,
      log: () => {},
      euid: process.geteuid!(),
    });
    const lf = linuxOpenFlagsFor(defaultLinuxClientArch());
    const c = b.create(ctx, 1, name('f'), 0o100644, 0, lf.O_RDWR | lf.O_CREAT | lf.O_TRUNC | lf.O_LARGEFILE | lf.O_CLOEXEC);
    assert.is(opens[0], 0x2 | 0x200 | 0x400 | 0x800 | 0x100 | 0x20000, 'RDWR|CREAT|TRUNC|EXCL|NOFOLLOW|NOCTTY in darwin numbers');
    b.release(ctx, c.entry.nodeid, c.fh, 0, 0, 0n);
    const o = b.open(ctx, c.entry.nodeid, lf.O_WRONLY | lf.O_APPEND | lf.O_SYNC);
    assert.is(opens[1], 0x1 | 0x8 | 0x80 | 0x100 | 0x20000);
    b.release(ctx, c.entry.nodeid, o.fh, 0, 0, 0n);
    const d = b.lookup(ctx, 1, name('d')).nodeid;
    const h = b.opendir(ctx, d, 0);
    assert.is(opens[2], 0x0 | 0x100000 | 0x100 | 0x4);
    b.releasedir(ctx, d, h.fh, 0);
  } finally {
    rmTemp(root);
  }
});

test.run();
