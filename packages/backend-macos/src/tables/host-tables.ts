/**
 * The numbers of the host the daemon's system calls go to, as one injectable
 * record: on macOS the darwin tables, on Linux the host's own (or the darwin
 * tables, with the darwin emulation in host/ turning them back into Linux
 * numbers, so that every darwin code path runs in Linux tests).
 */
import os from 'node:os';
import fs from 'node:fs';
import { darwinErrnoAliases, darwinErrnoName, glibcDecodeDev, glibcEncodeDev, linuxDecodeDev, linuxEncodeDev } from '@tsfuse/passthrough';
import {
  darwinDecodeDev, darwinEncodeDev, darwinModeTypes, darwinNameMax, darwinOpenFlags, darwinRenameFlags, darwinSeek,
} from './darwin.js';

/** Which table set: the darwin data, or the running host's own numbers from Node. */
export type HostTablesName = 'darwin' | 'host';

/** Host open(2) flags the backend may pass; 0 means the host has no such flag. */
export interface HostOpenFlags {
  readonly O_RDONLY: number;
  readonly O_WRONLY: number;
  readonly O_RDWR: number;
  readonly O_CREAT: number;
  readonly O_EXCL: number;
  readonly O_TRUNC: number;
  readonly O_APPEND: number;
  readonly O_NONBLOCK: number;
  readonly O_NOCTTY: number;
  readonly O_NOFOLLOW: number;
  readonly O_DIRECTORY: number;
  readonly O_SYNC: number;
  readonly O_DSYNC: number;
  /** 0 on darwin: F_NOCACHE is the equivalent, and Node cannot call fcntl. */
  readonly O_DIRECT: number;
  /** 0 on darwin, which has none. */
  readonly O_NOATIME: number;
}

/** Everything the backend needs to know about the host's numbering. */
export interface HostTables {
  /** 'darwin' or the platform name Node reports. */
  readonly platform: string;
  readonly openFlags: HostOpenFlags;
  /** lseek whence values; SEEK_DATA/SEEK_HOLE undefined when the host has none. */
  readonly seek: { readonly SEEK_SET: number; readonly SEEK_CUR: number; readonly SEEK_END: number; readonly SEEK_DATA?: number; readonly SEEK_HOLE?: number };
  /** Host rename flags for "fail if the target exists" and "swap atomically"; undefined when the host has none. */
  readonly renameFlags: { readonly noReplace?: number; readonly exchange?: number };
  /** Host errno number to name (Node reports unknown errors as code 'UNKNOWN' with the raw number). */
  errnoName(hostErrno: number): string | undefined;
  /** Host-only errno names and the Linux name that stands for each (ErrnoTranslator's aliases). */
  readonly errnoAliases: Readonly<Record<string, string>>;
  /** The host's st_mode value for a union-mount whiteout, if it has one. */
  readonly S_IFWHT?: number;
  /** Split a host dev_t / st_rdev. */
  decodeDev(dev: number): { major: number; minor: number };
  /** Build a host dev_t. */
  encodeDev(major: number, minor: number): number;
  /** Longest name component. */
  readonly nameMax: number;
}

function reverseTable(table: Record<string, number>, aliases: Record<string, string> = {}): Map<number, string> {
  const m = new Map<number, string>();
  for (const [name, value] of Object.entries(table)) if (!(name in aliases) && !m.has(value)) m.set(value, name);
  return m;
}

/** The darwin tables (data in darwin.ts). */
export const darwinHostTables: HostTables = Object.freeze({
  platform: 'darwin',
  openFlags: Object.freeze({
    O_RDONLY: darwinOpenFlags.O_RDONLY,
    O_WRONLY: darwinOpenFlags.O_WRONLY,
    O_RDWR: darwinOpenFlags.O_RDWR,
    O_CREAT: darwinOpenFlags.O_CREAT,
    O_EXCL: darwinOpenFlags.O_EXCL,
    O_TRUNC: darwinOpenFlags.O_TRUNC,
    O_APPEND: darwinOpenFlags.O_APPEND,
    O_NONBLOCK: darwinOpenFlags.O_NONBLOCK,
    O_NOCTTY: darwinOpenFlags.O_NOCTTY,
    O_NOFOLLOW: darwinOpenFlags.O_NOFOLLOW,
    O_DIRECTORY: darwinOpenFlags.O_DIRECTORY,
    O_SYNC: darwinOpenFlags.O_SYNC,
    O_DSYNC: darwinOpenFlags.O_DSYNC,
    O_DIRECT: 0,
    O_NOATIME: 0,
  }),
  seek: darwinSeek,
  renameFlags: Object.freeze({ noReplace: darwinRenameFlags.RENAME_EXCL, exchange: darwinRenameFlags.RENAME_SWAP }),
  errnoName: darwinErrnoName,
  errnoAliases: darwinErrnoAliases,
  S_IFWHT: darwinModeTypes.S_IFWHT,
  decodeDev: darwinDecodeDev,
  encodeDev: darwinEncodeDev,
  nameMax: darwinNameMax,
});

/** The running host's own numbers, from Node's fs.constants and os.constants.errno. */
export function nodeHostTables(): HostTables {
  if (process.platform === 'darwin') return darwinHostTables;
  const c = fs.constants as Record<string, number | undefined>;
  const errnos = os.constants.errno as Record<string, number>;
  const names = reverseTable(errnos, { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTSUP: 'EOPNOTSUPP' });
  const isLinux = process.platform === 'linux';
  return Object.freeze({
    platform: process.platform,
    openFlags: Object.freeze({
      O_RDONLY: c.O_RDONLY ?? 0,
      O_WRONLY: c.O_WRONLY ?? 1,
      O_RDWR: c.O_RDWR ?? 2,
      O_CREAT: c.O_CREAT ?? 0,
      O_EXCL: c.O_EXCL ?? 0,
      O_TRUNC: c.O_TRUNC ?? 0,
      O_APPEND: c.O_APPEND ?? 0,
      O_NONBLOCK: c.O_NONBLOCK ?? 0,
      O_NOCTTY: c.O_NOCTTY ?? 0,
      O_NOFOLLOW: c.O_NOFOLLOW ?? 0,
      O_DIRECTORY: c.O_DIRECTORY ?? 0,
      O_SYNC: c.O_SYNC ?? 0,
      O_DSYNC: c.O_DSYNC ?? 0,
      O_DIRECT: c.O_DIRECT ?? 0,
      O_NOATIME: c.O_NOATIME ?? 0,
    }),
    // Linux numbering; Node exposes no lseek, the values only route the request.
    seek: Object.freeze(isLinux ? { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2, SEEK_DATA: 3, SEEK_HOLE: 4 } : { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2 }),
    renameFlags: Object.freeze(isLinux ? { noReplace: 1, exchange: 2 } : {}),
    errnoName: (n: number) => names.get(n),
    errnoAliases: Object.freeze({}),
    decodeDev: isLinux ? glibcDecodeDev : linuxDecodeDev,
    encodeDev: isLinux ? glibcEncodeDev : linuxEncodeDev,
    nameMax: 255,
  });
}

/** The tables for a configured name. */
export function hostTablesFor(name: HostTablesName): HostTables {
  return name === 'darwin' ? darwinHostTables : nodeHostTables();
}
