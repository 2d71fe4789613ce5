/**
 * The testkit conformance suite against the Linux backend in-process (a
 * session and the testkit's FuseClient; no kernel), one uvu test per
 * scenario, each on a fresh temporary root (given as hostRoot, so the host.*
 * scenarios change it behind the backend's back). Skips are printed with their reason.
 */
import { test } from 'uvu';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatResult, runScenario, selectScenarios } from '@tsfuse/testkit';
import { LinuxBackend } from '../src/index.js';

const names = selectScenarios(process.env.SCENARIO ? [process.env.SCENARIO] : undefined);
const logged: string[] = [];

function fixture() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsfuse-conf-'));
  const backend = new LinuxBackend({ root, log: (l) => logged.push(l) });
  return {
    backend,
    hostRoot: root,
    cleanup: () => {
      backend.destroy();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

for (const name of names) {
  test(name, async () => {
    const r = await runScenario(name, fixture);
    if (r.status === 'failed') throw new Error(formatResult(r));
    if (r.status === 'skipped') console.log(`    skipped ${name}: ${r.reason}`);
  });
}

test('no unexpected error was logged', () => {
  if (logged.length > 0) throw new Error(logged.join('\n'));
});

test.run();
