/**
 * Runs a command where no FUSE mount but one is visible. stress-ng's getdent
 * stressor walks all of /tmp (and /proc, /dev, /sys, /run): on the host it
 * enters the FUSE mounts of whatever else runs alongside — keeping them busy
 * when they unmount, sending their servers requests they count, hanging on a
 * server stopped on purpose. In a private mount namespace of its own, with
 * every other FUSE mount detached there (the host's stay as they are), it sees
 * only the mount under test.
 */
const ALONE = `keep=$1; shift
others() { awk -v keep="$keep" '{ split($0, a, " - "); split(a[2], b, " "); if (b[1] ~ /^fuse(blk)?([.]|$)/ && $5 != keep) print $5 }' /proc/self/mountinfo; }
others | while read -r m; do umount -l "$m" 2>/dev/null; done
if [ -n "$(others)" ]; then echo "FAILED to detach other FUSE mounts: $(others)"; exit 1; fi
exec "$@"`;

/** `argv` as a command that runs it in a private mount namespace whose only FUSE mount is `keep` (needs root and unshare). */
export function aloneWithMount(keep: string, argv: readonly string[]): string[] {
  return ['unshare', '-m', '--propagation', 'private', 'sh', '-c', ALONE, 'sh', keep, ...argv];
}

/** `argv` quoted for sh -c. */
export function shellCommand(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}
