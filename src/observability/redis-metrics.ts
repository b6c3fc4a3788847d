/**
 * The metrics of a replica's link to Redis, on the app's registry; only a server given `--redis-url`
 * has them, so a process on its own shows the same /metrics as before.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface RedisMetrics {
  /** Counts an event dropped on its way: one from Redis that failed its schema, or one Redis did not take (it stayed local). */
  recordDroppedEvent(reason: 'invalid' | 'unpublished'): void;
  /** Counts an operation whose rate limit was decided by this replica's own buckets, Redis being unreachable. */
  recordLocalRateLimit(): void;
}

export function createRedisMetrics(registry: Registry, { connected }: { connected: () => boolean }): RedisMetrics {
  new Gauge({
    name: 'infergraph_event_bus_connected',
    help: 'Whether Redis is reachable (1) or not (0): events, admin changes and rate limits are shared across replicas only while it is',
    registers: [registry],
    collect() {
      this.set(connected() ? 1 : 0);
    },
  });
  const dropped = new Counter({
    name: 'infergraph_event_bus_dropped_events_total',
    help: 'Events dropped between replicas: invalid (read from Redis, failed validation) or unpublished (Redis did not take it)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const reason of ['invalid', 'unpublished']) dropped.inc({ reason }, 0);
  const local = new Counter({
    name: 'infergraph_rate_limit_local_decisions_total',
    help: 'Operations whose rate limit this replica decided alone, with its own buckets, because Redis was unreachable',
    registers: [registry],
  });
  return {
    recordDroppedEvent: (reason) => dropped.inc({ reason }),
    recordLocalRateLimit: () => local.inc(),
  };
}
