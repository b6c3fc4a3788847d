import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread from a TypeScript file: the thread first registers tsx, as the
 * server's worker pool does, so it works whether or not the parent's loader reaches it.
 */
export function spawnTsWorker(entry: URL, workerData?: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
