/** Starting a worker thread from one of the server's own modules, whether it runs from TypeScript sources or built JavaScript. */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a thread on `entry`. From TypeScript sources (tests, `npm start`) the thread first
 * registers tsx, as the main thread did: a worker does not inherit the parent's loader hooks.
 */
export function startSourceThread(entry: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** The URL of a sibling module of `base` named `name`, as .ts from sources and .js once built. */
export function siblingModule(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}
