#!/usr/bin/env bash
# Issue 4's comparison: the same client workloads on the native filesystem, on a
# tsfuse mount of the Linux backend, and on a bindfs mount (Debian's libfuse 2
# passthrough), interleaved per workload in one run so that all three see the
# same machine load.
#
#   bench/compare/linux-vs-bindfs.sh [--quick]
#
# Workloads (sizes divided by 10 with --quick; untar then uses /usr/include/linux):
#   stat     stat() of 10,000 existing files by 4 processes for 5 s (every stat reaches the daemon:
#            both mounts have attr_timeout=0, entry_timeout=60)
#   create   create + write 4 KiB + close of 10,000 files
#   readdir  readdir of a 100,000-entry directory, best of 3 (warm)
#   ls       `ls -l` of a cold 10,000-entry directory (sync + drop_caches before each try), best of 3
#   write    1 GiB sequential write in 1 MiB blocks, then fsync
#   read     1 GiB sequential read in 1 MiB blocks, fresh open
#   untar    tar -xf of a tar of /usr/include (made once, outside every mount)
#   rm       rm -rf of that extracted tree
# The directories that stat, readdir and ls read are populated on the source side (not
# through the mount): those workloads measure reading, and this keeps the run short.
#
# Mount configuration (the same kernel caching for both FUSE mounts):
#   tsfuse  mount SRC MNT --backend linux --attr-timeout 0 --entry-timeout 60
#   bindfs  -f -o big_writes,attr_timeout=0,entry_timeout=60 SRC MNT  (single-threaded,
#           its default; big_writes so that writes are not cut to 4 KiB by libfuse 2)
#
# Output: one line per measurement,
#   RESULT<TAB>workload<TAB>target<TAB>value<TAB>unit<TAB>label
# (value is "error" when that workload failed on that target), then a readable table.
# Needs root (mount, drop_caches), cc, tar; installs bindfs with apt-get when missing.
# Environment: TSFUSE (command instead of the source CLI), BENCH_DIR (parent of the temporary
# directories; default /tmp, so "native" is the filesystem holding /tmp).
set -uo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
scale=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) scale=10; shift ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
  esac
done

files=$((10000 / scale))
entries=$((100000 / scale))
ls_entries=$((10000 / scale))
mib=$((1024 / scale))
stat_seconds=5
include=/usr/include
if [ "$scale" -gt 1 ]; then stat_seconds=2; include=/usr/include/linux; fi

say() { echo "compare: $*" >&2; }

if ! command -v bindfs >/dev/null 2>&1; then
  say "bindfs is missing: installing it (apt-get update && apt-get install -y bindfs)"
  if ! { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bindfs; } >&2; then
    say "cannot install bindfs; the bindfs column will be empty"
  fi
fi
have_bindfs=0
command -v bindfs >/dev/null 2>&1 && have_bindfs=1

work=$(mktemp -d "${BENCH_DIR:-/tmp}/tsfuse-compare-XXXXXX")
tsfuse=${TSFUSE:-node --conditions=source --import tsx $root/packages/cli/src/main.ts}
tsfuse_pid=""
bindfs_pid=""

mounted() { grep -q " $1 " /proc/self/mounts 2>/dev/null; }

stop_daemon() { # stop_daemon PID: TERM, then KILL after 3 s
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

cleanup() {
  trap - EXIT INT TERM
  if mounted "$work/tsfuse/mnt"; then
    $tsfuse umount "$work/tsfuse/mnt" >/dev/null 2>&1 || umount -l "$work/tsfuse/mnt" 2>/dev/null || true
  fi
  if mounted "$work/bindfs/mnt"; then
    fusermount -u "$work/bindfs/mnt" 2>/dev/null || umount -l "$work/bindfs/mnt" 2>/dev/null || true
  fi
  stop_daemon "$tsfuse_pid"
  stop_daemon "$bindfs_pid"
  # Only after both mounts are surely gone: never delete through a live mount.
  if ! mounted "$work/tsfuse/mnt" && ! mounted "$work/bindfs/mnt"; then rm -rf "$work"; else say "left $work (still mounted)"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$work/native/dir" "$work/tsfuse/src" "$work/tsfuse/mnt" "$work/bindfs/src" "$work/bindfs/mnt"
cc -O2 -o "$work/fsbench" "$root/bench/mounted/fsbench.c" || { say "cannot compile fsbench.c"; exit 1; }
fsbench=$work/fsbench

say "making a tar of $include"
tar -cf "$work/include.tar" -C "$(dirname "$include")" "$(basename "$include")" 2>/dev/null || { say "cannot tar $include"; exit 1; }
tar_entries=$(tar -tf "$work/include.tar" | wc -l)
tar_mib=$(awk -v b="$(stat -c %s "$work/include.tar")" 'BEGIN { printf "%.0f", b / 1048576 }')

cd "$root"
$tsfuse mount "$work/tsfuse/src" "$work/tsfuse/mnt" --backend linux --attr-timeout 0 --entry-timeout 60 --stats \
  >"$work/tsfuse.out" 2>"$work/tsfuse.err" &
tsfuse_pid=$!
for _ in $(seq 1 600); do
  grep -q 'mounted' "$work/tsfuse.out" 2>/dev/null && break
  kill -0 "$tsfuse_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q 'mounted' "$work/tsfuse.out"; then say "the tsfuse mount did not come up"; cat "$work/tsfuse.err" >&2; exit 1; fi

targets=(native tsfuse)
if [ "$have_bindfs" = 1 ]; then
  bindfs -f -o big_writes,attr_timeout=0,entry_timeout=60 "$work/bindfs/src" "$work/bindfs/mnt" >"$work/bindfs.out" 2>&1 &
  bindfs_pid=$!
  for _ in $(seq 1 100); do mounted "$work/bindfs/mnt" && break; kill -0 "$bindfs_pid" 2>/dev/null || break; sleep 0.1; done
  if mounted "$work/bindfs/mnt"; then targets+=(bindfs); else say "the bindfs mount did not come up: $(cat "$work/bindfs.out")"; fi
fi

# Where each target is used (dir) and where its files really live (src).
declare -A dir=([native]="$work/native/dir" [tsfuse]="$work/tsfuse/mnt" [bindfs]="$work/bindfs/mnt")
declare -A src=([native]="$work/native/dir" [tsfuse]="$work/tsfuse/src" [bindfs]="$work/bindfs/src")

rate() { sed -n 's/.*rate=\([0-9.]*\).*/\1/p'; }
now() { date +%s.%N; }
per_second() { awk -v n="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%.1f", n / (t1 - t0) }'; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b > a) ? b : a }'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# run_workload NAME TARGET: prints the rate of workload NAME on TARGET; non-zero status on failure.
run_workload() {
  local name=$1 d=${dir[$2]} s=${src[$2]} r b=0 t0 t1
  case "$name" in
    stat)
      mkdir -p "$s/stat" && "$fsbench" mkfiles "$s/stat" "$files" 0 >/dev/null || return 1
      "$fsbench" stat "$d/stat" "$files" 4 1 >/dev/null || return 1 # warm the dentries
      r=$("$fsbench" stat "$d/stat" "$files" 4 "$stat_seconds") || return 1
      echo "$r" | rate ;;
    create)
      mkdir -p "$d/create" || return 1
      r=$("$fsbench" mkfiles "$d/create" "$files" 4096) || return 1
      echo "$r" | rate ;;
    readdir)
      mkdir -p "$s/readdir" && "$fsbench" mkfiles "$s/readdir" "$entries" 0 >/dev/null || return 1
      for _ in 1 2 3; do
        r=$("$fsbench" readdir "$d/readdir") || return 1
        b=$(best "$b" "$(echo "$r" | rate)")
      done
      echo "$b" ;;
    ls)
      mkdir -p "$s/ls" && "$fsbench" mkfiles "$s/ls" "$ls_entries" 0 >/dev/null || return 1
      for _ in 1 2 3; do
        drop_caches || return 1
        t0=$(now); ls -l "$d/ls" >/dev/null || return 1; t1=$(now)
        b=$(best "$b" "$(per_second "$ls_entries" "$t0" "$t1")")
      done
      echo "$b" ;;
    write)
      r=$("$fsbench" write "$d/seq" "$mib" 1048576) || return 1
      echo "$r" | rate ;;
    read)
      r=$("$fsbench" read "$d/seq" 1048576) || return 1
      rm -f "$d/seq"
      echo "$r" | rate ;;
    untar)
      mkdir -p "$d/untar" || return 1
      t0=$(now); tar -xf "$work/include.tar" -C "$d/untar" || return 1; t1=$(now)
      per_second "$tar_entries" "$t0" "$t1" ;;
    rm)
      t0=$(now); rm -rf "$d/untar" || return 1; t1=$(now)
      [ ! -e "$d/untar" ] || return 1
      per_second "$tar_entries" "$t0" "$t1" ;;
  esac
}

declare -A unit=([stat]=stats/s [create]=files/s [readdir]=entries/s [ls]=entries/s [write]=MiB/s [read]=MiB/s [untar]=entries/s [rm]=entries/s)
declare -A label=(
  [stat]="stat, $files files, 4 procs, attr timeout 0"
  [create]="create+write 4 KiB+close x$files"
  [readdir]="readdir of $entries entries (warm, best of 3)"
  [ls]="ls -l of a cold $ls_entries-entry dir (best of 3)"
  [write]="sequential write $mib MiB, 1 MiB blocks + fsync"
  [read]="sequential read $mib MiB, 1 MiB blocks"
  [untar]="untar $include ($tar_entries entries, $tar_mib MiB)"
  [rm]="rm -rf of that tree ($tar_entries entries)"
)
order=(stat create readdir ls write read untar rm)
declare -A result
for w in "${order[@]}"; do
  for t in "${targets[@]}"; do
    say "$w on $t"
    v=$(run_workload "$w" "$t") && [ -n "$v" ] || { say "$w failed on $t"; v=error; }
    result[$w.$t]=$v
    printf 'RESULT\t%s\t%s\t%s\t%s\t%s\n' "$w" "$t" "$v" "${unit[$w]}" "${label[$w]}"
  done
done

printf '\nlinux backend vs bindfs %s vs native (%s), %s, %s cores, load %s\n' \
  "$(bindfs --version 2>/dev/null | head -1 | awk '{print $2}')" "$(stat -f -c %T "$work/native/dir")" "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %12s %12s %12s %9s %9s\n' workload native tsfuse bindfs 'ts/nat' 'ts/bindfs'
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b ~ /^[0-9.]+$/) printf "%.3f", b / a; else print "-" }'; }
for w in "${order[@]}"; do
  n=${result[$w.native]:--} f=${result[$w.tsfuse]:--} g=${result[$w.bindfs]:--}
  printf '%-52s %12s %12s %12s %9s %9s\n' "${label[$w]} (${unit[$w]})" "$n" "$f" "$g" "$(ratio "$n" "$f")" "$(ratio "$g" "$f")"
done

$tsfuse umount "$work/tsfuse/mnt" >/dev/null 2>&1 || true
wait "$tsfuse_pid" 2>/dev/null || true
tsfuse_pid=""
echo
echo "tsfuse daemon (linux backend):"
cat "$work/tsfuse.err"
