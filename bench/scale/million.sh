#!/usr/bin/env bash
# One million files through the Linux backend with the daemon's open-file
# limit at 1,024: find, stat of everything, rm -rf — no EMFILE, nothing left.
#
#   bench/scale/million.sh [FILES] [--record]   (default 1000000; 1,000 directories)
#
# --record writes the output, with date and machine, to bench/scale/RESULTS.md,
# which scripts/run-bench.mjs carries into BENCHMARKS.md.
#
# SRC is a tmpfs (so the host filesystem's own create/unlink speed does not
# dominate), created natively; every later step goes through the mount. Prints
# one "million:" line per step with its duration, and the daemon's peak RSS
# and descriptor count. Needs root. Not part of CI (about 10-15 minutes).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
files=1000000
record=0
for a in "$@"; do
  case "$a" in
    --record) record=1 ;;
    *[!0-9]*) echo "usage: $0 [FILES] [--record]" >&2; exit 2 ;;
    *) files=$a ;;
  esac
done
if [ "$record" = 1 ] && [ -z "${MILLION_TEED:-}" ]; then
  # Re-run with the output also captured, then write RESULTS.md from it.
  log=$(mktemp); started=$(date -u '+%Y-%m-%d %H:%M UTC'); load=$(cut -d' ' -f1-3 /proc/loadavg)
  MILLION_TEED=1 bash "$0" "$files" 2>&1 | tee "$log"; rc=${PIPESTATUS[0]}
  if [ "$rc" = 0 ]; then
    {
      echo "## Scale: $files files at 1,024 open files (bench/scale/million.sh)"
      echo
      echo "Run on its own, not by \`npm run bench\`: $started, $(nproc) cores, $(uname -r), load $load at start. SRC is a tmpfs filled natively; the daemon (Linux backend, CLI defaults) runs with \`ulimit -n 1024\` (soft and hard), so it may keep at most 512 O_PATH descriptors; find, lstat of everything and rm -rf go through the mount."
      echo
      echo '```'
      grep -v '^million: daemon pid' "$log"
      echo '```'
    } >"$root/bench/scale/RESULTS.md"
  fi
  rm -f "$log"; exit "$rc"
fi
dirs=1000
per=$((files / dirs))
work=$(mktemp -d "${BENCH_DIR:-/tmp}/tsfuse-million-XXXXXX")
src=$work/src
mnt=$work/mnt
mkdir -p "$src" "$mnt"
tsfuse=${TSFUSE:-node --conditions=source --import tsx $root/packages/cli/src/main.ts}
daemon=""
sampler=""

cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  if grep -q " $mnt " /proc/self/mounts; then $tsfuse umount "$mnt" >/dev/null 2>&1 || umount -l "$mnt" || true; fi
  [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
  sleep 1
  if grep -q " $src " /proc/self/mounts; then umount "$src" || umount -l "$src" || true; fi
  grep -q " $mnt " /proc/self/mounts || rm -rf "$work"
}
trap cleanup EXIT

mount -t tmpfs -o size=4g,nr_inodes=2000000 tsfuse-million "$src"
cc -O2 -o "$work/fsbench" "$root/bench/mounted/fsbench.c"
t0=$(date +%s.%N)
for d in $(seq 0 $((dirs - 1))); do mkdir "$src/d$d"; "$work/fsbench" mkfiles "$src/d$d" "$per" 0 >/dev/null; done
t1=$(date +%s.%N)
echo "million: created $files files in $dirs directories natively (tmpfs) in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s"

# The daemon gets a soft limit of 1,024 open files (the backend keeps at most half as O_PATH descriptors).
(ulimit -n 1024; exec $tsfuse mount "$src" "$mnt" --backend linux --stats >"$work/out" 2>"$work/err") &
daemon=$!
for _ in $(seq 1 300); do grep -q mounted "$work/out" 2>/dev/null && break; sleep 0.1; done
grep -q mounted "$work/out" || { cat "$work/err"; exit 1; }
pid=$(pgrep -P "$daemon" -f "mount $src" || echo "$daemon")
[ -d "/proc/$pid" ] || pid=$daemon
echo "million: daemon pid $pid, $(grep 'Max open files' /proc/$pid/limits)"
( peak=0; while kill -0 "$pid" 2>/dev/null; do n=$(ls /proc/$pid/fd 2>/dev/null | wc -l); [ "$n" -gt "$peak" ] && peak=$n && echo "$peak" >"$work/fdpeak"; sleep 0.5; done ) &
sampler=$!

step() { # step NAME CMD...: runs CMD, prints its duration
  local name=$1; shift
  local a b; a=$(date +%s.%N); "$@"; b=$(date +%s.%N)
  echo "million: $name in $(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.1f", b-a}') s"
}
count_all() { n=$(find "$mnt" | wc -l); echo "million: find saw $n names (expected $((files + dirs + 1)))"; [ "$n" -eq $((files + dirs + 1)) ]; }
stat_all() { n=$(find "$mnt" -type f -printf '%s %i\n' | wc -l); echo "million: stat'ed $n files"; [ "$n" -eq "$files" ]; }
remove_all() { rm -rf "$mnt"/d*; n=$(find "$src" | wc -l); echo "million: $((n - 1)) names left in SRC"; [ "$n" -eq 1 ]; }

step "find (names)" count_all
step "find -printf %s %i (lstat of everything)" stat_all
echo "million: daemon RSS $(grep VmRSS /proc/$pid/status | awk '{print $2, $3}'), peak $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"
step "rm -rf" remove_all
echo "million: peak descriptors of the daemon $(cat "$work/fdpeak" 2>/dev/null || echo '?')"
if grep -q EMFILE "$work/err"; then echo "million: EMFILE in the daemon's log"; exit 1; fi
$tsfuse umount "$mnt"
wait "$daemon" || true
daemon=""
sed -n '/requests by opcode/,$p' "$work/err" | head -20
echo "million: ok"
