import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, fstatSync, mkdtempSync, openSync, readFileSync, readSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from './errno.js';

/**
 * A resident perl process that makes the real utimensat(2) for us, so a
 * SETATTR with times costs one pipe round trip (tens of µs) instead of a
 * process spawn. Node's utimes stops at microseconds and cannot omit a time;
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
 * every call answers UTIMENS_UNAVAILABLE and the caller takes its fallback
 * path; one log line says why.
 */

/** utimensat(2)'s tv_nsec meaning "set this time to the current time". */
export const UTIME_NOW = (1 << 30) - 1;
/** utimensat(2)'s tv_nsec meaning "leave this time as it is". */
export const UTIME_OMIT = (1 << 30) - 2;
/** UtimensHelper.setTimes' answer when the helper cannot serve: the caller falls back. */
export const UTIMENS_UNAVAILABLE = -1;

/**
 * utimensat's syscall number and the prefix of perl's $Config{archname}, per
 * Node's process.arch. 64-bit only: there `pack "q4"` is a struct
 * timespec[2]. From the kernel's syscall tables (asm-generic: 88).
 */
const ARCHES: Readonly<Record<string, readonly [nr: number, perlArch: string]>> = {
  x64: [280, 'x86_64'],
  arm64: [88, 'aarch64'],
  riscv64: [88, 'riscv64'],
  loong64: [88, 'loongarch64'],
  ppc64: [304, 'powerpc64'],
  s390x: [315, 's390x'],
};

/**
 * The helper. Arguments: syscall number, expected archname prefix, "/proc/PID/fd/",
 * request FIFO, reply FIFO. Opens the reply FIFO first, then the request FIFO
 * (the order the daemon's opens rely on), says "ready" (or why not), then per
 * request line "FD\tASEC\tANSEC\tMSEC\tMNSEC\n" answers "0\n" or "ERRNO\n".
 * Exits at EOF (the daemon closed its end or exited); "tsfuse-utimens" in ps.
 * syscall() passes a number as an integer and a string as a pointer to its
 * (writable) bytes, so every numeric argument is forced numeric with +0.
 */
const SCRIPT = String.raw`
$0 = 'tsfuse-utimens';
use Config;
my ($nr, $arch, $prefix, $reqPath, $repPath) = @ARGV;
open(my $rep, '>', $repPath) or exit 2;
open(my $req, '<', $reqPath) or exit 2;
if (index($Config{archname}, $arch) != 0 || $Config{ptrsize} != 8 || $Config{ivsize} != 8) {
  syswrite($rep, "unsupported perl $Config{archname}\n");
  exit 3;
}
syswrite($rep, "ready\n") or exit 0;
$nr += 0;
while (my $line = <$req>) {
  my $r = 22;
  if (my ($fd, $as, $an, $ms, $mn) = $line =~ /\A([0-9]{1,9})\t(-?[0-9]{1,19})\t([0-9]{1,10})\t(-?[0-9]{1,19})\t([0-9]{1,10})\n\z/) {
    my $path = $prefix . $fd;
    my $times = pack('q4', $as + 0, $an + 0, $ms + 0, $mn + 0);
    $r = syscall($nr, -100, $path, $times, 0) == -1 ? $! + 0 : 0;
  }
  syswrite($rep, "$r\n") or exit 0;
}
`;

const EINVAL = 22;
const O_NONBLOCK: number = constants.O_NONBLOCK ?? 0o4000;
const START_TIMEOUT_MS = 5000;
/** Self-test times (distinctive seconds, so a wrong struct layout cannot pass). */
const PROBE_A = [1_234_567_890, 123_456_789] as const;
const PROBE_M = [987_654_321, 987_654_321] as const;

/** Options of a UtimensHelper. */
export interface UtimensHelperOptions {
  /** Where the one "helper unavailable" line goes. */
  log: Logger;
  /** The perl to run (default: "perl" from PATH). */
  perl?: string;
  /** The architecture whose syscall number is used (default: process.arch). */
  arch?: string;
  /** Most milliseconds the helper may take to start (default 5000). */
  startTimeoutMs?: number;
}

/** Sets file times with utimensat(2) through a resident perl process; started on first use, one per owner. */
export class UtimensHelper {
  /** Requests the helper answered (each one a time change made without spawning a process). */
  answered = 0;
  private state: 'idle' | 'ready' | 'failed' | 'closed' = 'idle';
  private reqFd = -1;
  private repFd = -1;
  private child: ChildProcess | undefined;
  private readonly reply = Buffer.allocUnsafe(64);
  private readonly options: UtimensHelperOptions;

  constructor(options: UtimensHelperOptions) {
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
   * UTIMENS_UNAVAILABLE (the helper could not start or has died: fall back).
   */
  setTimes(fd: number, aSec: number, aNsec: number, mSec: number, mNsec: number): number {
    if (this.state !== 'ready' && !(this.state === 'idle' && this.start())) return UTIMENS_UNAVAILABLE;
    if (!Number.isSafeInteger(fd) || fd < 0) throw new RangeError(`UtimensHelper: not a descriptor: ${fd}`);
    if (aNsec === UTIME_NOW || aNsec === UTIME_OMIT) aSec = 0;
    if (mNsec === UTIME_NOW || mNsec === UTIME_OMIT) mSec = 0;
    if (!validTime(aSec, aNsec) || !validTime(mSec, mNsec)) return EINVAL;
    const r = this.request(`${fd}\t${aSec}\t${aNsec}\t${mSec}\t${mNsec}\n`);
    if (r !== UTIMENS_UNAVAILABLE) this.answered++;
    return r;
  }

  /** Stops the helper (it exits at EOF of its request FIFO); later calls answer UTIMENS_UNAVAILABLE. */
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
    this.options.log(`utimensat helper unavailable (${why}); timestamps fall back to utimes + touch(1), a process spawn per exact time`);
    return false;
  }

  /** Starts the helper and self-tests it; false (after one log line) when it cannot serve. */
  private start(): boolean {
    const arch = this.options.arch ?? process.arch;
    const known = Object.prototype.hasOwnProperty.call(ARCHES, arch) ? ARCHES[arch] : undefined;
    if (known === undefined) return this.fail(`no utimensat syscall number known for ${arch}`);
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
      const child = spawn(this.options.perl ?? 'perl', ['-e', SCRIPT, String(known[0]), known[1], `/proc/${pid}/fd/`, reqPath, repPath], {
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
      for (;;) {
        try {
          this.reqFd = openSync(reqPath, constants.O_WRONLY | O_NONBLOCK);
          break;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENXIO') throw e;
        }
        if (!processAlive(child.pid)) return this.fail('perl exited at start');
        if (Date.now() > deadline) return this.fail('perl did not open its FIFOs in time');
        sleepMs(2);
      }
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
      if (r === UTIMENS_UNAVAILABLE) return false;
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

  /** One request line out, one reply number back; UTIMENS_UNAVAILABLE (after fail()) when the helper is gone. */
  private request(line: string): number {
    try {
      if (writeSync(this.reqFd, line, null, 'latin1') !== line.length) {
        this.fail('short write to helper');
        return UTIMENS_UNAVAILABLE;
      }
    } catch (e) {
      // EPIPE: no reader left (Node ignores SIGPIPE).
      this.fail(`helper gone (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return UTIMENS_UNAVAILABLE;
    }
    const answer = this.readLine();
    if (answer === undefined) return UTIMENS_UNAVAILABLE;
    if (!/^[0-9]{1,4}$/.test(answer)) {
      this.fail(`unexpected reply ${JSON.stringify(answer)}`);
      return UTIMENS_UNAVAILABLE;
    }
    return Number(answer);
  }

  /** One line from the helper, without its newline; undefined (after fail()) at EOF or on an error. */
  private readLine(): string | undefined {
    const buf = this.reply;
    let n = 0;
    for (;;) {
      let got: number;
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
      if (n === buf.length) {
        this.fail('helper reply too long');
        return undefined;
      }
    }
  }
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
