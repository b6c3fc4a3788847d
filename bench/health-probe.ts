import { spawnTsWorker } from './ts-worker.ts';

export interface HealthProbeResult {
  latenciesMs: number[];
  failures: number;
}

export interface HealthProbe {
  /** Forgets what was measured so far (the warm-up). */
  reset(): void;
  /** Stops probing and resolves with every latency measured, per URL in the order given. */
  stop(): Promise<HealthProbeResult[]>;
}

/**
 * Starts probing each of `urls` with a `GET` every `intervalMs` from a worker thread (one
 * keep-alive socket per URL, as separate load-balancer checks would), until `stop()`; resolves
 * once the first probes are sent.
 */
export async function startHealthProbe(urls: readonly string[], intervalMs = 5): Promise<HealthProbe> {
  const worker = spawnTsWorker(new URL('./health-probe-worker.ts', import.meta.url), { urls, intervalMs });
  await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const result = new Promise<HealthProbeResult[]>((resolve, reject) => {
    worker.once('message', (message: HealthProbeResult[]) => resolve(message));
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
