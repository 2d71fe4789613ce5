/** Pure pieces of the transport: mountinfo parsing, -o parsing, the buffer pool. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BufferPool, sizeClass } from '../../src/transports/buffer-pool.js';
import { openFuseDevice, requestBufferSize } from '../../src/transports/fuse-device.js';
import { MountError } from '../../src/transports/mount-error.js';
import { parseMountOptionList } from '../../src/transports/mount-options.js';
import { canonicalMountPath, connectionDir, findMount, isFuseType, parseMountInfo } from '../../src/transports/mountinfo.js';

const SAMPLE = [
  '22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '35 22 0:52 / /tmp/with\\040space rw,nosuid,nodev,relatime shared:50 master:3 - fuse.tsfuse memory rw,user_id=0,group_id=0,default_permissions,allow_other',
  '36 22 0:53 / /tmp/x rw - tmpfs none rw',
  '37 36 0:54 / /tmp/x rw - fuse src\\134dir rw,user_id=0,group_id=0',
  'garbage line',
  '',
].join('\n');

test('parseMountInfo: fields, optional fields, octal escapes, malformed lines skipped', () => {
  const e = parseMountInfo(SAMPLE);
  assert.is(e.length, 4);
  assert.equal(e[1], {
    mountId: 35, parentId: 22, major: 0, minor: 52, root: '/', mountPoint: '/tmp/with space',
    mountOptions: 'rw,nosuid,nodev,relatime', fsType: 'fuse.tsfuse', source: 'memory',
    superOptions: 'rw,user_id=0,group_id=0,default_permissions,allow_other',
  });
  assert.is(e[3]!.source, 'src\\dir');
});

test('findMount returns the topmost of stacked mounts', () => {
  const e = parseMountInfo(SAMPLE);
  assert.is(findMount('/tmp/x', e)!.mountId, 37);
  assert.is(findMount('/tmp/with space', e)!.fsType, 'fuse.tsfuse');
  assert.is(findMount('/tmp/none', e), undefined);
});

test('isFuseType', () => {
  for (const t of ['fuse', 'fuse.sshfs', 'fuseblk', 'fuse.tsfuse']) assert.ok(isFuseType(t), t);
  for (const t of ['fusectl', 'ext4', 'tmpfs', 'fuse3']) assert.not.ok(isFuseType(t), t);
});

test('connectionDir: undefined unless fusectl has that connection', () => {
  const e = parseMountInfo(SAMPLE)[1]!;
  assert.is(connectionDir({ ...e, major: 0, minor: 999_999 }), undefined);
});

test('canonicalMountPath resolves the parent only (a dead mount cannot be stat-ed)', () => {
  assert.is(canonicalMountPath('/'), '/');
  assert.is(canonicalMountPath('/proc/self/../self/../1/definitely-not-here'), '/proc/1/definitely-not-here');
});

test('parseMountOptionList: known options, comma lists, negations, pass-through', () => {
  assert.equal(parseMountOptionList(['allow_other,ro', 'nosuid', 'fsname=data', 'subtype=x.y', 'max_read=65536', 'noallow_other', 'nodefault_permissions']), {
    extra: ['nosuid', 'max_read=65536'], allowOther: false, readOnly: true, fsname: 'data', subtype: 'x.y', defaultPermissions: false,
  });
  assert.equal(parseMountOptionList(['rw', 'default_permissions', '']), { extra: [], readOnly: false, defaultPermissions: true });
});

test('parseMountOptionList: refusals name the option and what is allowed', () => {
  const fails = (opt: string, re: RegExp) => {
    try {
      parseMountOptionList([opt]);
      assert.unreachable(opt);
    } catch (e) {
      assert.instance(e, MountError);
      assert.is((e as MountError).code, 'EINVAL');
      assert.match((e as Error).message, re);
    }
  };
  fails('bogus', /^-o bogus: unknown mount option; allowed: allow_other, noallow_other, /);
  fails('allow_root', /libfuse\/fusermount option/);
  fails('fsname', /needs a value/);
  fails('fsname=a b', /fsname must be/);
  fails('max_read=12', /max_read must be an integer from 4096/);
  fails('rootmode=1', /set by tsfuse itself/);
  fails('color=blue', /unknown mount option/);
});

test('BufferPool: power-of-two classes, reuse, bounded spares', () => {
  assert.is(sizeClass(1), 4096);
  assert.is(sizeClass(4097), 8192);
  assert.is(sizeClass((1 << 20) + 4096), 2 << 20);
  const pool = new BufferPool(2);
  const a = pool.take(100);
  assert.is(a.length, 4096);
  pool.give(a);
  assert.is(pool.take(4000), a, 'reused');
  const bufs = [pool.take(10), pool.take(10), pool.take(10)];
  for (const b of bufs) pool.give(b);
  const again = [pool.take(10), pool.take(10), pool.take(10)];
  assert.is(again.filter((b) => bufs.includes(b)).length, 2, 'keeps at most 2 spares per class');
});

test('openFuseDevice: a missing device is one line naming the cause', () => {
  try {
    openFuseDevice('/nonexistent/fuse');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MountError);
    assert.is((e as MountError).code, 'ENODEVICE');
    assert.is((e as Error).message, '/nonexistent/fuse does not exist: the fuse kernel module is not loaded (try: modprobe fuse)');
  }
});

test('requestBufferSize: max_write plus a page of headers, never below the kernel minimum', () => {
  assert.is(requestBufferSize(1 << 20), (1 << 20) + 4096);
  assert.is(requestBufferSize(4096), 8192 + 4096);
});

test.run();
