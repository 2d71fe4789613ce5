import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readFileSync, readSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from './errno.js';

/**
 * The Linux syscalls Node lacks — utimensat(2) with nanoseconds and
 * UTIME_OMIT, the xattr calls, renameat2(2) — made for us by a resident perl
 * process, so each costs one pipe round trip (tens of µs) instead of a
 * process spawn (or being impossible). Node's utimes stops at microseconds and cannot omit a time;
 * perl (perl-base is Essential on Debian) has a builtin syscall(), which
 * passes UTIME_NOW/UTIME_OMIT straight to the kernel, so both keep their
 * exact kernel semantics (no read-modify-write).
 *
 * The transport is two FIFOs read and written with blocking readSync /
 * writeSync, because the backend answers requests synchronously on a worker
 * thread. The target is always "/proc/<our pid>/fd/<N>" (the helper is
 * another process, so not /proc/self): the magic link resolves to the object
 * our descriptor holds, as /proc/self/fd/N does for us. When the helper
 * cannot start (unknown architecture, no perl, a failed self-test) or dies,
 * every call answers HOST_CALL_UNAVAILABLE and the caller takes its fallback
 * path; one log line says why.
 */

/** utimensat(2)'s tv_nsec meaning "set this time to the current time". */
export const UTIME_NOW = (1 << 30) - 1;
/** utimensat(2)'s tv_nsec meaning "leave this time as it is". */
export const UTIME_OMIT = (1 << 30) - 2;
/** The answer of every HostSyscalls call the helper cannot serve (not started, dead, or no syscall number for this arch): the caller falls back. */
export const HOST_CALL_UNAVAILABLE = -1;

/** Syscall numbers the helper makes, per architecture; -1: not known here (that call answers HOST_CALL_UNAVAILABLE). */
interface SyscallNumbers {
  readonly utimensat: number;
  readonly getxattr: number;
  readonly setxattr: number;
  readonly listxattr: number;
  readonly removexattr: number;
  readonly renameat2: number;
  readonly llistxattr: number;
  readonly statx: number;
}

/** asm-generic's numbers (arm64, riscv64, loong64). */
const GENERIC: SyscallNumbers = { utimensat: 88, getxattr: 8, setxattr: 5, listxattr: 11, removexattr: 14, renameat2: 276, llistxattr: 12, statx: 291 };

/**
 * Syscall numbers and the prefix of perl's $Config{archname}, per Node's
 * process.arch. 64-bit only: there `pack "q4"` is a struct timespec[2]. From
 * the kernel's syscall tables. ppc64 and s390x only have utimensat: their
 * other numbers were not verified, and a wrong number is a wrong syscall.
 */
const ARCHES: Readonly<Record<string, readonly [nrs: SyscallNumbers, perlArch: string]>> = {
  x64: [{ utimensat: 280, getxattr: 191, setxattr: 188, listxattr: 194, removexattr: 197, renameat2: 316, llistxattr: 195, statx: 332 }, 'x86_64'],
  arm64: [GENERIC, 'aarch64'],
  riscv64: [GENERIC, 'riscv64'],
  loong64: [GENERIC, 'loongarch64'],
  ppc64: [{ utimensat: 304, getxattr: -1, setxattr: -1, listxattr: -1, removexattr: -1, renameat2: -1, llistxattr: -1, statx: -1 }, 'powerpc64'],
  s390x: [{ utimensat: 315, getxattr: -1, setxattr: -1, listxattr: -1, removexattr: -1, renameat2: -1, llistxattr: -1, statx: -1 }, 's390x'],
};

/** An answer of HostCalls.getxattr/listxattr. */
export interface XattrAnswer {
  /** 0, a positive host errno, or HOST_CALL_UNAVAILABLE. */
  readonly err: number;
  /** The value's (list's) length in bytes (for a size-0 query, the length it has). */
  readonly length: number;
  /** The bytes, when err is 0 and the size asked was not 0. */
  readonly value: Buffer | undefined;
}

/** One entry of HostSyscalls.listxattrAhead: the inode a name led to, its ctime and its xattr names. */
export interface XattrListing {
  readonly ino: bigint;
  readonly ctimeNs: bigint;
  /** NUL-terminated names, as listxattr returns them. */
  readonly list: Buffer;
}

/** Most names in one listxattrAhead request, and the longest list it carries per name (longer: that entry is undefined). */
export const AHEAD_MAX_NAMES = 128;
export const AHEAD_MAX_LIST = 256;

/** Largest xattr value or list (XATTR_SIZE_MAX, XATTR_LIST_MAX); the kernel caps a larger buffer to this too. */
export const XATTR_MAX = 65536;

/**
 * The helper. Arguments: syscall numbers (utimensat, getxattr, setxattr,
 * listxattr, removexattr, renameat2; comma-separated), expected archname
 * prefix, "/proc/PID/fd/", request FIFO, reply FIFO. Opens the reply FIFO
 * first, then the request FIFO (the order the daemon's opens rely on), says
 * "ready" (or why not), then answers one line per request line. Names, values
 * and lists are hex (binary both ways). Requests:
 *   FD ASEC ANSEC MSEC MNSEC            utimensat(AT_FDCWD, P(FD), times, 0)
 *   g FD NAME SIZE                      getxattr(P(FD), NAME, buf, SIZE)
 *   l FD SIZE                           listxattr(P(FD), buf, SIZE)
 *   s FD NAME VALUE FLAGS               setxattr(P(FD), NAME, VALUE, len, FLAGS)
 *   r FD NAME                           removexattr(P(FD), NAME)
 *   n FD1 NAME1 FD2 NAME2 FLAGS         renameat2(AT_FDCWD, P(FD1)/NAME1, AT_FDCWD, P(FD2)/NAME2, FLAGS)
 *   L FD NAME,NAME,...                  per name: statx, llistxattr(P(FD)/NAME, buf, 256), statx
 * (fields tab-separated; P(FD) is "/proc/PID/fd/FD"). Answers "ERRNO\n" on a
 * failure; on success "0\n", or "0\tLENGTH\tHEX\n" for g and l (HEX empty
 * for a size-0 query), or for L "0\t" and per name, comma-separated,
 * "INO.CTIME_SEC.CTIME_NSEC.HEX" when both statx calls agree on the inode and
 * ctime and the name is on the directory's filesystem, else "-". Exits at EOF (the daemon closed its end or exited);
 * "tsfuse-utimens" in ps. syscall() passes a number as an integer and a string
 * as a pointer to its (writable, NUL-terminated) bytes, so every numeric
 * argument is forced numeric with +0 and every buffer is a fresh variable.
 */
const SCRIPT = String.raw`
$0 = 'tsfuse-utimens';
use Config;
my ($nrs, $arch, $prefix, $reqPath, $repPath) = @ARGV;
my ($nr, $nrGet, $nrSet, $nrList, $nrRemove, $nrRename, $nrLList, $nrStatx) = map { $_ + 0 } split(/,/, $nrs);
open(my $rep, '>', $repPath) or exit 2;
open(my $req, '<', $reqPath) or exit 2;
if (index($Config{archname}, $arch) != 0 || $Config{ptrsize} != 8 || $Config{ivsize} != 8) {
  syswrite($rep, "unsupported perl $Config{archname}\n");
  exit 3;
}
syswrite($rep, "ready\n") or exit 0;
my $H = '((?:[0-9a-f]{2})+)';
while (my $line = <$req>) {
  my $r = 22;
  if (my ($fd, $as, $an, $ms, $mn) = $line =~ /\A([0-9]{1,9})\t(-?[0-9]{1,19})\t([0-9]{1,10})\t(-?[0-9]{1,19})\t([0-9]{1,10})\n\z/) {
    my $path = $prefix . $fd;
    my $times = pack('q4', $as + 0, $an + 0, $ms + 0, $mn + 0);
    $r = syscall($nr, -100, $path, $times, 0) == -1 ? $! + 0 : 0;
  } elsif ($line =~ /\A([gl])\t([0-9]{1,9})\t(?:$H\t)?([0-9]{1,6})\n\z/ && ($1 eq 'g') == defined($3) && $4 <= 65536) {
    my ($op, $path, $size) = ($1, $prefix . $2, $4 + 0);
    my $name = defined($3) ? pack('H*', $3) : '';
    my $buf = "\0" x ($size > 0 ? $size : 1);
    my $n = $op eq 'g'
      ? ($size > 0 ? syscall($nrGet, $path, $name, $buf, $size) : syscall($nrGet, $path, $name, 0, 0))
      : ($size > 0 ? syscall($nrList, $path, $buf, $size) : syscall($nrList, $path, 0, 0));
    if ($n >= 0) {
      my $hex = $size > 0 ? unpack('H*', substr($buf, 0, $n)) : '';
      syswrite($rep, "0\t$n\t$hex\n") or exit 0;
      next;
    }
    $r = $! + 0;
  } elsif ($line =~ /\As\t([0-9]{1,9})\t$H\t((?:[0-9a-f]{2})*)\t([0-9]{1,9})\n\z/) {
    my ($path, $name, $value) = ($prefix . $1, pack('H*', $2), pack('H*', $3));
    $r = syscall($nrSet, $path, $name, $value, length($value) + 0, $4 + 0) == -1 ? $! + 0 : 0;
  } elsif ($line =~ /\Ar\t([0-9]{1,9})\t$H\n\z/) {
    my ($path, $name) = ($prefix . $1, pack('H*', $2));
    $r = syscall($nrRemove, $path, $name) == -1 ? $! + 0 : 0;
  } elsif ($line =~ /\An\t([0-9]{1,9})\t$H\t([0-9]{1,9})\t$H\t([0-9]{1,9})\n\z/) {
    my ($from, $to) = ($prefix . $1 . '/' . pack('H*', $2), $prefix . $3 . '/' . pack('H*', $4));
    $r = syscall($nrRename, -100, $from, -100, $to, $5 + 0) == -1 ? $! + 0 : 0;
  } elsif ($line =~ /\AL\t([0-9]{1,9})\t((?:[0-9a-f]{2}|,)*)\n\z/) {
    my ($dir, $names) = ($prefix . $1, $2);
    # statx: 0x100 AT_SYMLINK_NOFOLLOW, 0x7ff STATX_BASIC_STATS; ino at 32, ctime at 96, dev at 136.
    my $sd = "\0" x 256;
    if (syscall($nrStatx, -100, $dir, 0, 0x7ff, $sd) == 0) {
      my $dev = substr($sd, 136, 8);
      my @out;
      for my $h (split(/,/, $names, -1)) {
        my $path = $dir . '/' . pack('H*', $h);
        my ($s1, $s2, $buf) = ("\0" x 256, "\0" x 256, "\0" x 256);
        my $n = -1;
        if ($h ne '' && syscall($nrStatx, -100, $path, 0x100, 0x7ff, $s1) == 0) {
          $n = syscall($nrLList, $path, $buf, 256);
          $n = -1 if $n >= 0 && syscall($nrStatx, -100, $path, 0x100, 0x7ff, $s2) != 0;
        }
        if ($n >= 0 && substr($s1, 32, 8) eq substr($s2, 32, 8) && substr($s1, 96, 12) eq substr($s2, 96, 12) && substr($s1, 136, 8) eq $dev) {
          my ($ino, $cs, $cn) = unpack('x32 Q< x56 q< L<', $s1);
          push @out, "$ino.$cs.$cn." . unpack('H*', substr($buf, 0, $n));
        } else {
          push @out, '-';
        }
      }
      syswrite($rep, "0\t" . join(',', @out) . "\n") or exit 0;
      next;
    }
    $r = $! + 0;
  }
  syswrite($rep, "$r\n") or exit 0;
}
`;

const EINVAL = 22;
const E2BIG = 7;
/** Longest reply line: "0\t65536\t" and 2 * XATTR_MAX hex digits fit. */
const MAX_REPLY = 2 * XATTR_MAX + 64;
const UNAVAILABLE_ANSWER: XattrAnswer = { err: HOST_CALL_UNAVAILABLE, length: 0, value: undefined };
const EINVAL_ANSWER: XattrAnswer = { err: EINVAL, length: 0, value: undefined };
const O_NONBLOCK: number = constants.O_NONBLOCK ?? 0o4000;
const START_TIMEOUT_MS = 5000;
/** Self-test times (distinctive seconds, so a wrong struct layout cannot pass). */
const PROBE_A = [1_234_567_890, 123_456_789] as const;
const PROBE_M = [987_654_321, 987_654_321] as const;

/** Options of a HostSyscalls. */
export interface HostSyscallsOptions {
  /** Where the one "helper unavailable" line goes. */
  log: Logger;
  /** The perl to run (default: "perl" from PATH). */
  perl?: string;
  /** The architecture whose syscall number is used (default: process.arch). */
  arch?: string;
  /** Most milliseconds the helper may take to start (default 5000). */
  startTimeoutMs?: number;
}

/**
 * Makes the host syscalls Node lacks (utimensat, the path xattr calls, renameat2) through a resident perl
 * process on our descriptors' /proc paths; started on first use, one per owner.
 */
export class HostSyscalls {
  /** Requests the helper answered (each one a time change made without spawning a process). */
  answered = 0;
  private state: 'idle' | 'ready' | 'failed' | 'closed' = 'idle';
  private reqFd = -1;
  private repFd = -1;
  private child: ChildProcess | undefined;
  private reply = Buffer.allocUnsafe(64);
  /** This architecture's syscall numbers (known after start). */
  private nrs: SyscallNumbers | undefined;
  private readonly options: HostSyscallsOptions;

  constructor(options: HostSyscallsOptions) {
    this.options = options;
  }

  /** The helper's process id while it runs (undefined before start and after a failure). */
  get pid(): number | undefined {
    return this.state === 'ready' ? this.child?.pid : undefined;
  }

  /** Whether calls are served by the helper: true once started; false after a failure or close(). */
  get running(): boolean {
    return this.state === 'ready';
  }

  /**
   * utimensat(AT_FDCWD, "/proc/<our pid>/fd/<fd>", times, 0) for our open
   * descriptor `fd`; a nanosecond field may be UTIME_NOW or UTIME_OMIT (its
   * seconds are then ignored). Answers 0, a positive host errno, or
   * HOST_CALL_UNAVAILABLE (the helper could not start or has died: fall back).
   */
  setTimes(fd: number, aSec: number, aNsec: number, mSec: number, mNsec: number): number {
    if (this.state !== 'ready' && !(this.state === 'idle' && this.start())) return HOST_CALL_UNAVAILABLE;
    if (!Number.isSafeInteger(fd) || fd < 0) throw new RangeError(`HostSyscalls: not a descriptor: ${fd}`);
    if (aNsec === UTIME_NOW || aNsec === UTIME_OMIT) aSec = 0;
    if (mNsec === UTIME_NOW || mNsec === UTIME_OMIT) mSec = 0;
    if (!validTime(aSec, aNsec) || !validTime(mSec, mNsec)) return EINVAL;
    const r = this.request(`${fd}\t${aSec}\t${aNsec}\t${mSec}\t${mNsec}\n`);
    if (r !== HOST_CALL_UNAVAILABLE) this.answered++;
    return r;
  }

  /**
   * getxattr("/proc/<our pid>/fd/<fd>", name, buf, size): the following
   * variant on purpose. Measured on Linux 6.18: through the magic link of an
   * O_PATH descriptor of a symlink, getxattr/setxattr act on the symlink
   * itself (user.* there is EPERM, trusted.* lands on the link, a dangling
   * link works too), never on its target; the l*xattr variants act on the
   * /proc link itself and answer EOPNOTSUPP. A size above XATTR_MAX is capped
   * (as the kernel does); size 0 asks for the length.
   */
  getxattr(fd: number, name: Uint8Array, size: number): XattrAnswer {
    if (!Number.isSafeInteger(size) || size < 0) return EINVAL_ANSWER;
    if (!this.usable('getxattr')) return UNAVAILABLE_ANSWER;
    const n = hexName(name);
    if (n === undefined) return EINVAL_ANSWER;
    return this.valueRequest(`g\t${descriptor(fd)}\t${n}\t${Math.min(size, XATTR_MAX)}\n`, size > 0);
  }

  /** listxattr("/proc/<our pid>/fd/<fd>", buf, size): the NUL-separated names (see getxattr for the path and the size). */
  listxattr(fd: number, size: number): XattrAnswer {
    if (!Number.isSafeInteger(size) || size < 0) return EINVAL_ANSWER;
    if (!this.usable('listxattr')) return UNAVAILABLE_ANSWER;
    return this.valueRequest(`l\t${descriptor(fd)}\t${Math.min(size, XATTR_MAX)}\n`, size > 0);
  }

  /** setxattr("/proc/<our pid>/fd/<fd>", name, value, flags): 0, a host errno, or HOST_CALL_UNAVAILABLE. */
  setxattr(fd: number, name: Uint8Array, value: Uint8Array, flags: number): number {
    if (!this.usable('setxattr')) return HOST_CALL_UNAVAILABLE;
    const n = hexName(name);
    if (n === undefined || !Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) return EINVAL;
    // Larger than any filesystem takes: what the kernel answers, without hex-encoding megabytes.
    if (value.length > XATTR_MAX) return E2BIG;
    const v = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
    return this.request(`s\t${descriptor(fd)}\t${n}\t${v}\t${flags}\n`);
  }

  /** removexattr("/proc/<our pid>/fd/<fd>", name): 0, a host errno, or HOST_CALL_UNAVAILABLE. */
  removexattr(fd: number, name: Uint8Array): number {
    if (!this.usable('removexattr')) return HOST_CALL_UNAVAILABLE;
    const n = hexName(name);
    if (n === undefined) return EINVAL;
    return this.request(`r\t${descriptor(fd)}\t${n}\n`);
  }

  /**
   * renameat2(AT_FDCWD, "/proc/<pid>/fd/<dirFd>/<name>", AT_FDCWD,
   * "/proc/<pid>/fd/<newDirFd>/<newName>", flags): the directories' magic links
   * plus one checked name each, as the backend's own renames. Names must be
   * plain (no "/", no NUL, not empty): anything else answers EINVAL unsent.
   */
  renameat2(dirFd: number, name: Uint8Array, newDirFd: number, newName: Uint8Array, flags: number): number {
    if (!this.usable('renameat2')) return HOST_CALL_UNAVAILABLE;
    const a = hexName(name, true);
    const b = hexName(newName, true);
    if (a === undefined || b === undefined || !Number.isInteger(flags) || flags < 0 || flags > 0x7fffffff) return EINVAL;
    return this.request(`n\t${descriptor(dirFd)}\t${a}\t${descriptor(newDirFd)}\t${b}\t${flags}\n`);
  }

  /**
   * For each of `names` (at most AHEAD_MAX_NAMES plain names) in the
   * directory `dirFd`: the inode it leads to, its ctime and its xattr names
   * (llistxattr of the name itself, so a symlink's own), read between two
   * statx calls that agree on both; or undefined (gone, changed meanwhile, on
   * another filesystem, a list over AHEAD_MAX_LIST bytes, an invalid name).
   * One round trip for them all; undefined when the helper cannot serve.
   */
  listxattrAhead(dirFd: number, names: readonly Uint8Array[]): (XattrListing | undefined)[] | undefined {
    if (names.length > AHEAD_MAX_NAMES) throw new RangeError(`HostSyscalls: more than ${AHEAD_MAX_NAMES} names`);
    if (!this.usable('llistxattr') || !this.usable('statx')) return undefined;
    const hex = names.map((n) => hexName(n, true) ?? '').join(',');
    const answer = this.exchange(`L\t${descriptor(dirFd)}\t${hex}\n`);
    if (answer === undefined) return undefined;
    if (answer.startsWith('0\t')) {
      const items = answer.length === 2 ? [] : answer.slice(2).split(',');
      if (items.length === names.length) {
        const out: (XattrListing | undefined)[] = [];
        for (const item of items) {
          if (item === '-') {
            out.push(undefined);
            continue;
          }
          const m = /^([0-9]{1,20})\.(-?[0-9]{1,19})\.([0-9]{1,9})\.((?:[0-9a-f]{2}){0,256})$/.exec(item);
          if (m === null) break;
          out.push({ ino: BigInt(m[1]!), ctimeNs: BigInt(m[2]!) * 1_000_000_000n + BigInt(m[3]!), list: Buffer.from(m[4]!, 'hex') });
        }
        if (out.length === names.length) return out;
      }
    } else if (/^[0-9]{1,4}$/.test(answer) && answer !== '0') return names.map(() => undefined);
    this.fail(`unexpected reply ${JSON.stringify(answer.slice(0, 80))}`);
    return undefined;
  }

  /** Whether `call` can be served (starting the helper on first use). */
  private usable(call: keyof SyscallNumbers): boolean {
    if (this.state !== 'ready' && !(this.state === 'idle' && this.start())) return false;
    return this.nrs !== undefined && this.nrs[call] >= 0;
  }

  /** A g or l request: "ERRNO" or "0\tLENGTH\tHEX". */
  private valueRequest(line: string, sized: boolean): XattrAnswer {
    const answer = this.exchange(line);
    if (answer === undefined) return UNAVAILABLE_ANSWER;
    const m = /^0\t([0-9]{1,6})\t((?:[0-9a-f]{2})*)$/.exec(answer);
    if (m !== null) {
      const length = Number(m[1]);
      const hex = m[2]!;
      if (sized ? hex.length === 2 * length : hex.length === 0) return { err: 0, length, value: sized ? Buffer.from(hex, 'hex') : undefined };
    } else if (/^[0-9]{1,4}$/.test(answer) && answer !== '0') return { err: Number(answer), length: 0, value: undefined };
    this.fail(`unexpected reply ${JSON.stringify(answer.slice(0, 80))}`);
    return UNAVAILABLE_ANSWER;
  }

  /** Stops the helper (it exits at EOF of its request FIFO); later calls answer HOST_CALL_UNAVAILABLE. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.closeFds();
  }

  private closeFds(): void {
    for (const fd of [this.reqFd, this.repFd]) {
      if (fd < 0) continue;
      try {
        closeSync(fd);
      } catch {
        // already gone: nothing to undo
      }
    }
    this.reqFd = this.repFd = -1;
  }

  /** Marks the helper unusable (for good), logging once why. */
  private fail(why: string): false {
    if (this.state === 'closed' || this.state === 'failed') return false;
    this.state = 'failed';
    this.closeFds();
    if (this.child?.pid !== undefined && this.child.exitCode === null) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already exited
      }
    }
    this.options.log(
      `host syscall helper unavailable (${why}); timestamps fall back to utimes + touch(1), a process spawn per exact time; xattrs are unsupported and RENAME_EXCHANGE/WHITEOUT answer EINVAL`,
    );
    return false;
  }

  /** Starts the helper and self-tests it; false (after one log line) when it cannot serve. */
  private start(): boolean {
    const arch = this.options.arch ?? process.arch;
    const known = Object.prototype.hasOwnProperty.call(ARCHES, arch) ? ARCHES[arch] : undefined;
    if (known === undefined) return this.fail(`no utimensat syscall number known for ${arch}`);
    const nrs = known[0];
    this.nrs = nrs;
    let dir: string | undefined;
    let repNonblocking = -1;
    try {
      // /proc/self names us in the pid namespace of the /proc the helper sees, which process.pid may not.
      const pid = readlinkSync('/proc/self');
      if (!/^[0-9]+$/.test(pid)) return this.fail(`unexpected /proc/self -> ${pid}`);
      dir = mkdtempSync(join(tmpdir(), 'tsfuse-utimens-'));
      const reqPath = join(dir, 'req');
      const repPath = join(dir, 'rep');
      const made = spawnSync('mkfifo', ['-m', '600', reqPath, repPath], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      if (made.error !== undefined || made.status !== 0) return this.fail(`mkfifo failed: ${made.error?.message ?? made.stderr.trim()}`);
      // Our read end first, so the helper's blocking open of the reply FIFO for writing returns at once.
      repNonblocking = openSync(repPath, constants.O_RDONLY | O_NONBLOCK);
      const numbers = [nrs.utimensat, nrs.getxattr, nrs.setxattr, nrs.listxattr, nrs.removexattr, nrs.renameat2, nrs.llistxattr, nrs.statx].join(',');
      const child = spawn(this.options.perl ?? 'perl', ['-e', SCRIPT, numbers, known[1], `/proc/${pid}/fd/`, reqPath, repPath], {
        stdio: 'ignore',
        // Its own session: a terminal's ^C goes to the daemon, which decides; the helper ends at EOF.
        detached: true,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
      });
      child.on('error', () => {
        // spawn failures are seen synchronously below (no pid) or as EOF; the event must not crash the daemon
      });
      child.unref();
      this.child = child;
      if (child.pid === undefined) return this.fail(`cannot run ${this.options.perl ?? 'perl'}`);
      const deadline = Date.now() + (this.options.startTimeoutMs ?? START_TIMEOUT_MS);
      // Opening a FIFO for writing without blocking fails with ENXIO until the helper opens it for reading.
      let reqNonblocking = -1;
      for (;;) {
        try {
          reqNonblocking = openSync(reqPath, constants.O_WRONLY | O_NONBLOCK);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
        }
        if (!processAlive(child.pid)) return this.fail('perl exited at start');
        if (Date.now() > deadline) return this.fail('perl did not open its FIFOs in time');
        sleepMs(2);
      }
      // A blocking write end, so a long request (an xattr value, up to 128 KiB of hex) is written whole: a reader of
      // our own makes its open return at once even if the helper has just died; it is closed before any write, so a
      // dead helper then reads as EPIPE, never a hang.
      const tmpReader = openSync(reqPath, constants.O_RDONLY | O_NONBLOCK);
      this.reqFd = openSync(reqPath, constants.O_WRONLY);
      closeSync(tmpReader);
      closeSync(reqNonblocking);
      // A blocking read end: a temporary writer of our own makes its open return at once even if the helper has
      // just died; once that writer is closed, the helper is the only one, so its death reads as EOF, never a hang.
      const tmpWriter = openSync(repPath, constants.O_WRONLY | O_NONBLOCK);
      this.repFd = openSync(repPath, constants.O_RDONLY);
      closeSync(tmpWriter);
      closeSync(repNonblocking);
      repNonblocking = -1;
      this.state = 'ready';
      const hello = this.readLine();
      if (hello !== 'ready') return this.fail(hello === undefined ? 'perl exited at start' : hello);
      return this.selfTest(dir);
    } catch (e) {
      return this.fail(`start failed: ${(e as Error).message}`);
    } finally {
      if (repNonblocking >= 0) closeSync(repNonblocking);
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  }

  /** Sets distinctive times on our private directory and checks they landed (right syscall, layout and /proc access). */
  private selfTest(dir: string): boolean {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      const r = this.request(`${fd}\t${PROBE_A[0]}\t${PROBE_A[1]}\t${PROBE_M[0]}\t${PROBE_M[1]}\n`);
      if (r === HOST_CALL_UNAVAILABLE) return false;
      if (r !== 0) return this.fail(`self-test answered errno ${r}`);
      const st = fstatSync(fd, { bigint: true });
      // Within the same second, at most truncated (a filesystem coarser than 1 ns).
      const off = (got: bigint, want: readonly [number, number]) => BigInt(want[0]) * 1_000_000_000n + BigInt(want[1]) - got;
      const da = off(st.atimeNs, PROBE_A);
      const dm = off(st.mtimeNs, PROBE_M);
      if (da < 0n || da >= 1_000_000_000n || dm < 0n || dm >= 1_000_000_000n) return this.fail(`self-test set atime ${st.atimeNs} ns, mtime ${st.mtimeNs} ns`);
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /** One request line out, one reply number back; HOST_CALL_UNAVAILABLE (after fail()) when the helper is gone. */
  private request(line: string): number {
    const answer = this.exchange(line);
    if (answer === undefined) return HOST_CALL_UNAVAILABLE;
    if (!/^[0-9]{1,4}$/.test(answer)) {
      this.fail(`unexpected reply ${JSON.stringify(answer.slice(0, 80))}`);
      return HOST_CALL_UNAVAILABLE;
    }
    return Number(answer);
  }

  /** One request line out, one reply line back; undefined (after fail()) when the helper is gone. */
  private exchange(line: string): string | undefined {
    try {
      if (writeSync(this.reqFd, line, null, 'latin1') !== line.length) {
        this.fail('short write to helper');
        return undefined;
      }
    } catch (e) {
      // EPIPE: no reader left (Node ignores SIGPIPE).
      this.fail(`helper gone (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return undefined;
    }
    return this.readLine();
  }

  /** One line from the helper, without its newline; undefined (after fail()) at EOF or on an error. */
  private readLine(): string | undefined {
    let buf = this.reply;
    let n = 0;
    for (;;) {
      let got: number;
      if (n === buf.length) {
        // A value or list (up to 2 * XATTR_MAX hex digits and a few fields): grow, keep the larger buffer.
        const bigger = Buffer.allocUnsafe(buf.length * 4);
        buf.copy(bigger, 0, 0, n);
        this.reply = buf = bigger;
      }
      try {
        got = readSync(this.repFd, buf, n, buf.length - n, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EINTR') continue;
        this.fail(`reading helper: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        return undefined;
      }
      if (got === 0) {
        this.fail('helper exited');
        return undefined;
      }
      n += got;
      if (buf[n - 1] === 0x0a) return buf.toString('latin1', 0, n - 1);
      if (n >= MAX_REPLY) {
        this.fail('helper reply too long');
        return undefined;
      }
    }
  }
}

/** A descriptor as the line format carries it (a programming error otherwise). */
function descriptor(fd: number): number {
  if (!Number.isSafeInteger(fd) || fd < 0 || fd > 999_999_999) throw new RangeError(`HostSyscalls: not a descriptor: ${fd}`);
  return fd;
}

/**
 * `name` hex-encoded for the helper, or undefined when it cannot be a C string
 * (empty, a NUL inside, over 255 bytes) or, for a path component, contains "/"
 * or is "." / "..".
 */
function hexName(name: Uint8Array, component = false): string | undefined {
  if (name.length === 0 || name.length > 255 || name.includes(0)) return undefined;
  if (component && (name.includes(0x2f) || (name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e))))) return undefined;
  return Buffer.from(name.buffer, name.byteOffset, name.byteLength).toString('hex');
}

/** A time the helper's line format carries: integer seconds that fit, nanoseconds in [0, 2^30). */
function validTime(sec: number, nsec: number): boolean {
  return Number.isSafeInteger(sec) && Number.isInteger(nsec) && nsec >= 0 && nsec <= UTIME_NOW;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

function sleepMs(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Whether `pid` still runs (not gone, not a zombie), read from /proc. */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}
