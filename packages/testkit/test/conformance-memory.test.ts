/**
 * The whole conformance suite against MemoryBackend, one uvu test per
 * scenario; the directory scenarios once more with page-sized READDIRs filling
 * the buffer (more resumption points than the 6.18 kernel's one 32 KiB
 * request per getdents). A skipped scenario fails here: the reference backend
 * implements every optional capability, so a skip would hide a gap (host.*
 * scenarios, which need a host directory, must skip).
 */
import { test } from 'uvu';
import { MemoryBackend } from '../src/memory-backend.js';
import { runScenario, selectScenarios, formatResult } from '../src/conformance.js';

const names = selectScenarios(process.env.SCENARIO ? [process.env.SCENARIO] : undefined);

test('the suite has at least 40 scenarios, all directory-iteration ones included', () => {
  const all = selectScenarios();
  if (all.length < 40) throw new Error(`only ${all.length} scenarios`);
  for (const required of [
    'dir.rewind-sees-create', 'dir.rewind-sees-unlink', 'dir.rewind-sees-mkdir', 'dir.rewind-sees-rmdir',
    'dir.rewind-sees-symlink', 'dir.rewind-sees-link', 'dir.rewind-sees-rename', 'dir.rewind-sees-rename-across-open-dirs',
    'dir.iterate-while-creating', 'dir.iterate-while-deleting', 'dir.rm-rf-10000-coreutils-style', 'dir.telldir-seekdir',
    'dir.two-handles-independent', 'dir.listing-50000-no-duplicates',
  ]) {
    if (!all.includes(required)) throw new Error(`missing scenario ${required}`);
  }
});

for (const name of names) {
  test(name, async () => {
    const r = await runScenario(name, () => new MemoryBackend());
    // host.* need a host directory; everything else must pass.
    if (name.startsWith('host.') ? r.status !== 'skipped' : r.status !== 'passed') throw new Error(formatResult(r));
  });
}

const pageSized = { readdirSize: 4096, fill: 'until-full' } as const;
for (const name of names.filter((n) => n.startsWith('dir.'))) {
  test(`${name} [4 KiB READDIRs]`, async () => {
    const r = await runScenario(name, () => new MemoryBackend(), { dir: pageSized });
    if (r.status !== 'passed') throw new Error(formatResult(r));
  });
}

test.run();
