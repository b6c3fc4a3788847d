import { spawnTsWorker } from './ts-worker.ts';

export interface HealthProbeResult {
  latenciesMs: number[];
  failures: number;
}

export interface HealthProbe {
  /** Forgets what was measured so far (the warm-up). */
  reset(): void;
  /** Stops probing and resolves with every latency measured. */
  stop(): Promise<HealthProbeResult>;
}

/** Starts probing `GET url` every `intervalMs` from a worker thread, until `stop()`; resolves once the first probe is sent. */
export async function startHealthProbe(url: string, intervalMs = 5): Promise<HealthProbe> {
  const worker = spawnTsWorker(new URL('./health-probe-worker.ts', import.meta.url), { url, intervalMs });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const result = new Promise<HealthProbeResult>((resolve, reject) => {
    worker.once('message', (message: HealthProbeResult) => resolve(message));
    worker.once('error', reject);
  });
  return {
    reset: () => worker.postMessage('reset'),
    async stop() {
      worker.postMessage('stop');
      const probed = await result;
      await worker.terminate();
      return probed;
    },
  };
}
