import { Worker } from 'node:worker_threads';

/** The thread entries of this directory. */
export type ThreadEntry = 'serve-worker' | 'reader-thread';

const here = import.meta.url;
/** True when running from the TypeScript sources (tests, `--conditions=source --import tsx`). */
const fromSource = here.endsWith('.ts');

function tsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    return 'tsx/esm/api';
  }
}

/**
 * Starts one of our thread entries. From the built package that is plain
 * `new Worker(url)`. From the sources, Node 20 does not carry tsx's loader
 * into worker threads, so the thread first registers it and then imports the
 * .ts entry (the --conditions flag is inherited through execArgv).
 */
export function startThread(entry: ThreadEntry, workerData: unknown): Worker {
  const url = new URL(`./${entry}${fromSource ? '.ts' : '.js'}`, here);
  if (!fromSource) return new Worker(url, { workerData });
  const code =
    `import(${JSON.stringify(tsxApi())}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })` +
    `.catch((e) => { process.nextTick(() => { throw e; }); });`;
  return new Worker(code, { eval: true, workerData });
}
