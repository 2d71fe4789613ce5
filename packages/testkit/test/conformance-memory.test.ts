/**
 * The whole conformance suite against MemoryBackend, one uvu test per
 * scenario. A skipped scenario fails here: the reference backend implements
 * every optional capability, so a skip would hide a gap.
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
    if (r.status !== 'passed') throw new Error(formatResult(r));
  });
}

test.run();
