#!/usr/bin/env bash
# The ceiling the mounted stat number sits under: the same client (fsbench stat,
# 10,000 files, 4 processes) against three servers in the same run:
#   tsfuse-memory  tsfuse --backend memory, mounted exactly as run.sh mounts it
#                  (--reader inline --attr-timeout 0 --entry-timeout 60 -o nodefault_permissions --stats);
#                  the files are made through the mount with `fsbench mkfiles MNT 10000 0`
#   noop-node      bench/mounted/noop-server.mjs: one Node worker thread doing readSync -> fixed reply
#                  -> writeSync, no filesystem work (the ceiling of one Node thread with sync syscalls)
#   noop-c         bench/mounted/noop-server.c: the same loop in C (the ceiling of the kernel path)
# Every server answers a stat with one GETATTR (attr_valid 0; the LOOKUPs are cached for 60 s).
# The three are mounted side by side (an idle one sleeps in read(2)) and take turns twice
# (A B C A B C); each turn is a 1 s warm-up and then a measured run of 5 s (2 s with --quick).
# Prints each server's best and both tries, and the GETATTRs per stat each one counted.
#
#   bench/mounted/ceiling.sh [--quick]
#
# Needs root (mount) and cc. Environment: TSFUSE (command to run instead of the source CLI),
# BENCH_DIR (parent of the temporary directory; default /tmp).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=5
case "${1:-}" in
  '') ;;
  --quick) seconds=2 ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac
files=10000
procs=4

work=$(mktemp -d "${BENCH_DIR:-/tmp}/tsfuse-ceiling-XXXXXX")
tsfuse=${TSFUSE:-node --conditions=source --import tsx $root/packages/cli/src/main.ts}
servers=(tsfuse-memory noop-node noop-c)
declare -A pid mnt
for s in "${servers[@]}"; do mnt[$s]=$work/mnt-$s; mkdir -p "${mnt[$s]}"; done
mkdir -p "$work/src"

mounted() { grep -q " $1 " /proc/self/mounts 2>/dev/null; }

# Unmounts MNT; when that fails (busy, or a server that no longer answers), aborts
# that mount's own FUSE connection and detaches it.
unmount() {
  local m=$1 minor
  mounted "$m" || return 0
  umount "$m" 2>/dev/null && return 0
  minor=$(awk -v m="$m" '$5 == m { split($3, d, ":"); print d[2] }' /proc/self/mountinfo)
  [ -n "$minor" ] && echo 1 >"/sys/fs/fuse/connections/$minor/abort" 2>/dev/null || true
  umount -l "$m" 2>/dev/null || true
}

cleanup() {
  local s p
  for s in "${servers[@]}"; do unmount "${mnt[$s]}"; done
  for s in "${servers[@]}"; do
    p=${pid[$s]:-}
    [ -n "$p" ] || continue
    for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then kill "$p" 2>/dev/null || true; sleep 0.5; kill -9 "$p" 2>/dev/null || true; fi
  done
  # Only when nothing under $work is mounted any more: never delete through a live mount.
  if ! grep -q " $work/" /proc/self/mounts 2>/dev/null; then rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$work/fsbench" "$root/bench/mounted/fsbench.c"
cc -O2 -o "$work/noop-server" "$root/bench/mounted/noop-server.c"
fsbench=$work/fsbench

# start NAME CMD...: runs the server in the background and waits for its "mounted" line.
start() {
  local s=$1; shift
  "$@" >"$work/$s.out" 2>"$work/$s.err" &
  pid[$s]=$!
  for _ in $(seq 1 600); do
    grep -q 'mounted' "$work/$s.out" 2>/dev/null && return 0
    kill -0 "${pid[$s]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "ceiling: $s did not mount" >&2
  cat "$work/$s.err" >&2
  exit 1
}

cd "$root"
# shellcheck disable=SC2086  # $tsfuse is a command line
start tsfuse-memory $tsfuse mount "$work/src" "${mnt[tsfuse-memory]}" --backend memory --reader inline \
  --attr-timeout 0 --entry-timeout 60 -o nodefault_permissions --stats
start noop-node node "$root/bench/mounted/noop-server.mjs" "${mnt[noop-node]}"
start noop-c "$work/noop-server" "${mnt[noop-c]}"
"$fsbench" mkfiles "${mnt[tsfuse-memory]}" "$files" 0 >/dev/null

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
ops() { local v; v=$(field ops <<<"$1"); echo "${v:-0}"; }

declare -A tries stats
failed=0
for s in "${servers[@]}"; do stats[$s]=0; done
for round in 1 2; do
  for s in "${servers[@]}"; do
    warm=$("$fsbench" stat "${mnt[$s]}" "$files" "$procs" 1) || true
    if out=$("$fsbench" stat "${mnt[$s]}" "$files" "$procs" "$seconds"); then
      r=$(field rate <<<"$out")
    else
      echo "ceiling: $s, try $round: $out" >&2
      r=error
      failed=1
    fi
    stats[$s]=$(( ${stats[$s]} + $(ops "$warm") + $(ops "$out") ))
    tries[$s]="${tries[$s]:-} $r"
  done
done

# Unmount now (each server then exits on ENODEV and prints its request counts).
for s in "${servers[@]}"; do
  unmount "${mnt[$s]}"
  wait "${pid[$s]}" 2>/dev/null || true
  pid[$s]=""
done
getattrs() {
  case "$1" in
    tsfuse-memory) awk '$1 == "GETATTR" { print $2 }' "$work/$1.err" ;;
    *) sed -n 's/.* GETATTR=\([0-9]*\).*/\1/p' "$work/$1.err" ;;
  esac
}

best() { tr ' ' '\n' | awk '/^[0-9.]+$/ && $1 > b { b = $1 } END { print (b > 0) ? b : "error" }'; }
declare -A top
for s in "${servers[@]}"; do top[$s]=$(best <<<"${tries[$s]}"); done

printf '\nstat ceiling: fsbench stat, %s files, %s procs, %s s per try after a 1 s warm-up, servers in turn x2; %s, %s cores, load %s\n' \
  "$files" "$procs" "$seconds" "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-16s %10s %10s %10s %14s %14s\n' server best try1 try2 tsfuse/server getattr/stat
for s in "${servers[@]}"; do
  read -r t1 t2 <<<"${tries[$s]}"
  g=$(getattrs "$s")
  printf '%-16s %10s %10s %10s %14s %14s\n' "$s" "${top[$s]}" "$t1" "$t2" \
    "$(awk -v a="${top[tsfuse-memory]}" -v b="${top[$s]}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "-" }')" \
    "$(awk -v g="${g:-0}" -v n="${stats[$s]}" 'BEGIN { if (n > 0 && g > 0) printf "%.3f", g / n; else print "-" }')"
done
echo
echo "getattr/stat: GETATTRs the server counted / stat() calls of all tries and warm-ups (tsfuse also counts those of mkfiles)"
for s in "${servers[@]}"; do echo "--- $s"; cat "$work/$s.err"; done
exit "$failed"
