// The testkit conformance suite, in process (FuseClient → session → backend),
// on a fresh temp directory per scenario: once with the darwin tables
// injected (through the darwin emulation) and once with the host's own.
import fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runConformance, formatResult, type ConformanceReport } from '@tsfuse/testkit';
import { createMacosBackend } from '../src/index.js';
import { rmTemp, tempDir } from './helpers.js';

async function run(hostTables: 'darwin' | 'host'): Promise<ConformanceReport> {
  return runConformance(() => {
    const root = tempDir(`tsfuse-conf-${hostTables}-`);
    const backend = createMacosBackend({ root, hostTables, log: () => {} });
    return { backend, cleanup: () => rmTemp(root) };
  }, {
    onResult: (r) => { if (r.status !== 'passed') console.log(`  [${hostTables}] ${formatResult(r)}`); },
  });
}

for (const mode of ['darwin', 'host'] as const) {
  test(`conformance with the ${mode} tables`, async () => {
    const report = await run(mode);
    console.log(`  [${mode}] ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`);
    assert.is(report.failed, 0, report.results.filter((r) => r.status === 'failed').map((r) => `${r.name}: ${r.error}`).join('\n'));
    assert.ok(report.passed > 0);
  });
}

test.run();
