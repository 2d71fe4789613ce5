/** @tsfuse/cli: the `tsfuse` command (bin: dist/main.js). The argument parser is exported for reuse and tests. */
export { parseArgs, mountSchema, USAGE, UsageError } from './args.js';
export type { Command, MountCommand, UmountCommand, BackendName } from './args.js';
export { formatStatsTable } from './stats-table.js';
