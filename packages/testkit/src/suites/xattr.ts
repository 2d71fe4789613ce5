/**
 * Extended attributes (user.* namespace): the size-probing protocol, create
 * and replace flags, and the errno of each failure. Backends without xattrs
 * answer ENOSYS/EOPNOTSUPP and these scenarios are skipped, not passed.
 */
import { XATTR_CREATE, XATTR_REPLACE } from '../client/abi.js';
import { assertSameSet, checkBytes, checkEqual, expectErrno, patternBytes, requireSupport, type Scenario } from './context.js';

const enc = new TextEncoder();

const setGetListRemove: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  await requireSupport(ctx, 'setxattr', () => ctx.fs.setxattr('/f', 'user.alpha', 'one'), ['EPERM']);
  await ctx.fs.setxattr('/f', 'user.beta', new Uint8Array([0, 1, 2, 255]));
  await ctx.fs.setxattr('/f', 'user.empty', new Uint8Array(0));
  checkBytes(await ctx.fs.getxattr('/f', 'user.alpha'), enc.encode('one'), 'user.alpha');
  checkBytes(await ctx.fs.getxattr('/f', 'user.beta'), new Uint8Array([0, 1, 2, 255]), 'binary value');
  checkEqual((await ctx.fs.getxattr('/f', 'user.empty')).length, 0, 'empty value');
  const listed = (await ctx.fs.listxattr('/f')).filter((n) => n.startsWith('user.'));
  assertSameSet(listed, ['user.alpha', 'user.beta', 'user.empty'], 'listxattr');
  await ctx.fs.setxattr('/f', 'user.alpha', 'replaced value');
  checkBytes(await ctx.fs.getxattr('/f', 'user.alpha'), enc.encode('replaced value'), 'value after a plain set over it');
  await ctx.fs.removexattr('/f', 'user.alpha');
  await expectErrno(ctx.fs.getxattr('/f', 'user.alpha'), 'ENODATA', 'getxattr after removexattr');
  assertSameSet((await ctx.fs.listxattr('/f')).filter((n) => n.startsWith('user.')), ['user.beta', 'user.empty'], 'listxattr after removexattr');
  // Attributes belong to the inode: visible through a hard link, kept across rename.
  await ctx.fs.link('/f', '/g');
  await ctx.fs.rename('/f', '/h');
  checkBytes(await ctx.fs.getxattr('/g', 'user.beta'), new Uint8Array([0, 1, 2, 255]), 'through a hard link after rename');
};

const flagsAndErrors: Scenario = async (ctx) => {
  await ctx.fs.writeFile('/f', 'x');
  await requireSupport(ctx, 'setxattr', () => ctx.fs.setxattr('/f', 'user.a', 'value-a'), ['EPERM']);
  await expectErrno(ctx.fs.setxattr('/f', 'user.a', 'v', XATTR_CREATE), 'EEXIST', 'XATTR_CREATE of an existing attribute');
  await expectErrno(ctx.fs.setxattr('/f', 'user.missing', 'v', XATTR_REPLACE), 'ENODATA', 'XATTR_REPLACE of a missing attribute');
  await ctx.fs.setxattr('/f', 'user.a', 'new', XATTR_REPLACE);
  await ctx.fs.setxattr('/f', 'user.b', 'created', XATTR_CREATE);
  await expectErrno(ctx.fs.getxattr('/f', 'user.missing'), 'ENODATA', 'getxattr of a missing attribute');
  await expectErrno(ctx.fs.removexattr('/f', 'user.missing'), 'ENODATA', 'removexattr of a missing attribute');
  // Size probing: size 0 returns the length; a buffer too small is ERANGE.
  checkEqual(await ctx.fs.getxattrSized('/f', 'user.b', 0), 7, 'getxattr size probe');
  await expectErrno(ctx.fs.getxattrSized('/f', 'user.b', 3), 'ERANGE', 'getxattr into a 3-byte buffer');
  checkBytes(await ctx.fs.getxattrSized('/f', 'user.b', 100) as Uint8Array, enc.encode('created'), 'getxattr into a large buffer');
  const r = await ctx.fs.resolve('/f');
  const listLen = await ctx.client.listxattr(r.nodeid, 0) as number;
  checkEqual(listLen >= 'user.a\0user.b\0'.length, true, 'listxattr size probe covers both names');
  await expectErrno(ctx.client.listxattr(r.nodeid, 1), 'ERANGE', 'listxattr into a 1-byte buffer');
  await expectErrno(ctx.fs.getxattr('/missing', 'user.a'), 'ENOENT', 'getxattr of a missing file');
};

const directoriesAndLargeValues: Scenario = async (ctx) => {
  await ctx.fs.mkdir('/d');
  await requireSupport(ctx, 'setxattr on a directory', () => ctx.fs.setxattr('/d', 'user.dir', 'on a directory'), ['EPERM']);
  checkBytes(await ctx.fs.getxattr('/d', 'user.dir'), enc.encode('on a directory'), 'directory attribute');
  const big = patternBytes(2000, 21);
  await ctx.fs.writeFile('/f', 'x');
  await requireSupport(ctx, 'a 2000-byte xattr value', () => ctx.fs.setxattr('/f', 'user.big', big), ['ENOSPC', 'E2BIG']);
  checkBytes(await ctx.fs.getxattr('/f', 'user.big'), big, '2000-byte value');
  const many = Array.from({ length: 20 }, (_, i) => `user.n${i}`);
  for (const n of many) await ctx.fs.setxattr('/f', n, n);
  const listed = (await ctx.fs.listxattr('/f')).filter((n) => n.startsWith('user.'));
  assertSameSet(listed, ['user.big', ...many], 'twenty-one attributes listed');
};

export const xattrScenarios: Record<string, Scenario> = {
  'xattr.set-get-list-remove': setGetListRemove,
  'xattr.flags-and-errors': flagsAndErrors,
  'xattr.directories-and-large-values': directoriesAndLargeValues,
};
