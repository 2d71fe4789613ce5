// The testkit conformance suite, in process (FuseClient → session → backend),
// on a fresh temp directory per scenario: once with the darwin tables
// injected (through the darwin emulation) and once with the host's own.
//
// A few scenarios are known to fail, each for a stated reason; the test
// fails if any other scenario fails, or if a known failure changes (passes,
// or fails differently), so this list cannot silently rot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConformance, formatResult, type ConformanceReport } from '@tsfuse/testkit';
import { createMacosBackend } from '../src/index.js';
import { rmTemp, tempDir } from './helpers.js';

interface KnownFailure {
  error: RegExp;
  why: string;
}

const knownFailures: Record<'darwin' | 'host', Record<string, KnownFailure>> = {
  host: {
    'times.utimensat-exact-omit-now': {
      error: /atime set exactly: .*\d+\.123456789.*\d+\.123457000/,
      why: 'Node (libuv) sets file times to the microsecond; nanoseconds need utimensat(2) from native code',
    },
  },
  darwin: {},
};
knownFailures.darwin = {
  ...knownFailures.host,
  'ns.hardlinks': {
    error: /unexpected EPERM \(LINK\)/,
    why: "darwin's link(2) follows a final symlink (Node has no linkat), so a hard link to a symlink is refused rather than made to its target",
  },
};

async function run(hostTables: 'darwin' | 'host'): Promise<ConformanceReport> {
  return runConformance(() => {
    const root = tempDir(`tsfuse-conf-${hostTables}-`);
    const backend = createMacosBackend({ root, hostTables, log: () => {} });
    return { backend, hostRoot: root, cleanup: () => rmTemp(root) };
  }, {
    onResult: (r) => { if (r.status !== 'passed') console.log(`  [${hostTables}] ${formatResult(r).split('\n')[0]}`); },
  });
}

for (const mode of ['darwin', 'host'] as const) {
  test(`conformance with the ${mode} tables`, async () => {
    const report = await run(mode);
    console.log(`  [${mode}] ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
    const known = knownFailures[mode];
    const unexpected: string[] = [];
    for (const r of report.results) {
      const k = known[r.name];
      if (r.status === 'failed' && !(k && k.error.test(r.error ?? ''))) unexpected.push(`${r.name}: ${r.error}`);
      if (r.status !== 'failed' && k) unexpected.push(`${r.name}: known failure now ${r.status} (update the list)`);
    }
    assert.equal(unexpected, []);
    assert.ok(report.passed >= 85, `only ${report.passed} passed`);
    // The host-side scenarios (host.*) must have run, not been skipped.
    assert.equal(report.results.filter((r) => r.name.startsWith('host.') && r.status === 'skipped').map((r) => r.name), []);
  });
}

test.run();
