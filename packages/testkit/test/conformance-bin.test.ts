/**
 * The tsfuse-conformance command and runConformance's report: one line per
 * scenario, the closing `N passed, N failed` line, exit status, and failures
 * reported (not thrown) when a backend cannot even be built.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatSummary, runConformance } from '../src/conformance.js';
import { MemoryBackend } from '../src/memory-backend.js';

const bin = fileURLToPath(new URL('../src/bin/conformance.ts', import.meta.url));

function run(...args: string[]): { status: number | null; lines: string[] } {
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, lines: r.stdout.split('\n').filter((l) => l.length > 0) };
}

test('--list names at least 40 scenarios', () => {
  const r = run('--list');
  assert.equal(r.status, 0);
  assert.ok(r.lines.length >= 40, `${r.lines.length} scenarios`);
});

test('--backend memory prints one line per scenario and a closing summary, exit 0', () => {
  const r = run('--backend', 'memory', '--filter', 'ns.e', '--filter', 'xattr.');
  assert.equal(r.status, 0);
  const results = r.lines.filter((l) => /^(ok  |FAIL|skip) /.test(l));
  assert.equal(results.length, 9, r.lines.join('\n'));
  assert.ok(results.every((l) => l.startsWith('ok   ')), r.lines.join('\n'));
  assert.equal(r.lines[r.lines.length - 1], '9 passed, 0 failed');
});

test('bad usage exits 2', () => {
  assert.equal(run('--backend', 'nope').status, 2);
  assert.equal(run('--bogus').status, 2);
});

test('a backend that cannot be built fails every scenario, reported not thrown', async () => {
  const report = await runConformance(() => {
    throw new Error('no backend today');
  }, { filter: ['dir.rewind-sees-create', 'ns.enoent'] });
  assert.equal([report.passed, report.failed, report.skipped], [0, 2, 0]);
  assert.match(report.results[0]!.error!, /no backend today/);
  assert.equal(formatSummary(report), '0 passed, 2 failed');
});

test('skips are counted and named', async () => {
  const report = await runConformance(() => ({ backend: new MemoryBackend(), introspection: {} }), { filter: ['handles.all-released'] });
  assert.equal([report.passed, report.failed, report.skipped], [0, 0, 1]);
  assert.match(report.results[0]!.reason!, /openHandleCount/);
  assert.equal(formatSummary(report), '0 passed, 0 failed, 1 skipped');
});

test.run();
