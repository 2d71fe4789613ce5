#!/usr/bin/env bash
# Mounted benchmarks: the same client workloads on a tsfuse mount and on the
# native filesystem, in the same run, printed as a table with ratios.
#
#   bench/mounted/run.sh [--backend memory|linux|macos] [--reader inline|relay] [--quick]
#
# Workloads (client: fsbench.c, compiled here with cc):
#   stat      stat() of 10,000 existing files by 4 processes for 5 s; the mount uses
#             --attr-timeout 0 (every stat reaches the daemon), --entry-timeout 60 and
#             -o nodefault_permissions (otherwise the kernel adds a GETATTR for every
#             directory on the path to check permissions): one GETATTR per stat
#   create    create + write 4 KiB + close of 10,000 files
#   readdir   readdir of a 100,000-entry directory (best of 3)
#   write     1 GiB sequential write in 1 MiB blocks, then fsync
#   read      1 GiB sequential read in 1 MiB blocks (a fresh open: tsfuse does not keep the
#             page cache across opens, so this reaches the daemon; the native read is served
#             from the page cache)
# --quick divides the sizes by 10 (a smoke run). Needs root (mount) and cc.
# Environment: TSFUSE (command to run instead of the source CLI), BENCH_DIR (parent of the
# temporary directories; default /tmp, so that "native" is the filesystem holding /tmp).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
backend=memory
reader=inline
scale=1
while [ $# -gt 0 ]; do
  case "$1" in
    --backend) backend=$2; shift 2 ;;
    --reader) reader=$2; shift 2 ;;
    --quick) scale=10; shift ;;
    *) echo "usage: $0 [--backend memory|linux|macos] [--reader inline|relay] [--quick]" >&2; exit 2 ;;
  esac
done

files=$((10000 / scale))
entries=$((100000 / scale))
mib=$((1024 / scale))
stat_seconds=5
[ "$scale" -gt 1 ] && stat_seconds=2

work=$(mktemp -d "${BENCH_DIR:-/tmp}/tsfuse-bench-XXXXXX")
mnt=$work/mnt
native=$work/native
src=$work/src
mkdir -p "$mnt" "$native" "$src"
tsfuse=${TSFUSE:-node --conditions=source --import tsx $root/packages/cli/src/main.ts}
daemon_pid=""

cleanup() {
  if grep -q " $mnt " /proc/self/mounts 2>/dev/null; then
    $tsfuse umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
  fi
  if [ -n "$daemon_pid" ] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill "$daemon_pid" 2>/dev/null || true
    sleep 1
    kill -9 "$daemon_pid" 2>/dev/null || true
  fi
  # Only after the mount is surely gone: never delete through a live mount.
  if ! grep -q " $mnt " /proc/self/mounts 2>/dev/null; then rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

cc -O2 -o "$work/fsbench" "$root/bench/mounted/fsbench.c"
fsbench=$work/fsbench

cd "$root"
$tsfuse mount "$src" "$mnt" --backend "$backend" --reader "$reader" --attr-timeout 0 --entry-timeout 60 -o nodefault_permissions --stats \
  >"$work/daemon.out" 2>"$work/daemon.err" &
daemon_pid=$!
for _ in $(seq 1 600); do
  grep -q 'mounted' "$work/daemon.out" 2>/dev/null && break
  kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/daemon.err" >&2; exit 1; }
  sleep 0.1
done
grep -q 'mounted' "$work/daemon.out" || { echo "bench: the mount did not come up" >&2; cat "$work/daemon.err" >&2; exit 1; }

rate() { sed -n 's/.*rate=\([0-9.]*\).*/\1/p'; }

# run_workload NAME DIR: prints the rate of workload NAME in DIR.
run_workload() {
  local name=$1 dir=$2 best=0 r
  case "$name" in
    stat)
      mkdir -p "$dir/stat"
      "$fsbench" mkfiles "$dir/stat" "$files" 0 >/dev/null
      "$fsbench" stat "$dir/stat" "$files" 4 1 >/dev/null  # warm the dentries
      "$fsbench" stat "$dir/stat" "$files" 4 "$stat_seconds" | rate ;;
    create)
      mkdir -p "$dir/create"
      "$fsbench" mkfiles "$dir/create" "$files" 4096 | rate ;;
    readdir)
      mkdir -p "$dir/readdir"
      "$fsbench" mkfiles "$dir/readdir" "$entries" 0 >/dev/null
      for _ in 1 2 3; do
        r=$("$fsbench" readdir "$dir/readdir" | rate)
        best=$(awk -v a="$best" -v b="$r" 'BEGIN { print (b > a) ? b : a }')
      done
      echo "$best" ;;
    write)
      "$fsbench" write "$dir/seq" "$mib" 1048576 | rate ;;
    read)
      "$fsbench" read "$dir/seq" 1048576 | rate ;;
  esac
}

declare -A label=(
  [stat]="stat, $files files, 4 procs (stats/s)"
  [create]="create+write 4 KiB+close x$files (files/s)"
  [readdir]="readdir of $entries entries (entries/s)"
  [write]="sequential write $mib MiB, 1 MiB blocks (MiB/s)"
  [read]="sequential read $mib MiB, 1 MiB blocks (MiB/s)"
)
order=(stat create readdir write read)
declare -A nat fus
for w in "${order[@]}"; do
  nat[$w]=$(run_workload "$w" "$native")
  fus[$w]=$(run_workload "$w" "$mnt")
done

printf '\nmounted benchmark: tsfuse --backend %s --reader %s vs native (%s), %s, %s cores, load %s\n' \
  "$backend" "$reader" "$(stat -f -c %T "$native")" "$(uname -r)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-48s %14s %14s %8s\n' workload native tsfuse ratio
for w in "${order[@]}"; do
  printf '%-48s %14s %14s %8s\n' "${label[$w]}" "${nat[$w]}" "${fus[$w]}" \
    "$(awk -v a="${nat[$w]}" -v b="${fus[$w]}" 'BEGIN { if (a > 0) printf "%.3f", b / a; else print "-" }')"
done

$tsfuse umount "$mnt"
wait "$daemon_pid" || true
daemon_pid=""
echo
cat "$work/daemon.err"
