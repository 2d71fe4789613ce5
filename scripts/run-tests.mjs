#!/usr/bin/env node
// Runs every packages/*/test/**/*.test.ts file in its own Node process (uvu tests,
// TypeScript through tsx, sibling packages resolved to their sources through the
// "source" export condition), two at a time, and prints one closing line
// "N passed, N failed" that CI reads. Exit status is non-zero on any failure.
//
// Usage: node scripts/run-tests.mjs [filter...]   (a filter is a substring of the path)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);
const jobs = Number(process.env.TEST_JOBS ?? Math.max(1, Math.min(2, os.cpus().length)));
const timeoutMs = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 10 * 60_000);

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const files = readdirSync(join(root, 'packages'))
  .flatMap((pkg) => {
    const t = join(root, 'packages', pkg, 'test');
    try { return findTests(t); } catch { return []; }
  })
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function runFile(file) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { out += `\n[runner] timed out after ${timeoutMs} ms\n`; child.kill('SIGKILL'); }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const text = strip(out);
      const total = Number(/Total:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const passed = Number(/Passed:\s+(\d+)/.exec(text)?.[1] ?? NaN);
      const skipped = Number(/Skipped:\s+(\d+)/.exec(text)?.[1] ?? 0);
      let p = 0, f = 0;
      if (Number.isFinite(total) && Number.isFinite(passed)) {
        p = passed;
        f = total - passed - skipped;
      }
      // A file that crashed or exited non-zero without failing a test still counts as a failure.
      if ((code !== 0 || signal) && f === 0) f = 1;
      if (!Number.isFinite(total) && code === 0) f = 1; // ran no uvu suite at all
      resolve({ file, passed: p, failed: f, ms: Date.now() - started, text });
    });
  });
}

const queue = [...files];
const results = [];
async function worker() {
  while (queue.length) {
    const file = queue.shift();
    const r = await runFile(file);
    results.push(r);
    const tag = r.failed ? 'FAIL' : 'ok  ';
    console.log(`${tag} ${relative(root, file)}  (${r.passed} passed, ${r.failed} failed, ${(r.ms / 1000).toFixed(1)} s)`);
    if (r.failed) console.log(r.text.split('\n').map((l) => '    ' + l).join('\n'));
  }
}
await Promise.all(Array.from({ length: jobs }, worker));
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0) + (files.length === 0 ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
