/**
 * `npx tsx bench/event-bus.ts [--quick]`: what the Redis bus costs against the in-process one.
 * (1) Fan-out latency of a model event, from publish on replica A to receipt by a subscriber on
 * replica B (two buses, each with its own Redis link, as two replicas have), against publish to
 * receipt on one in-process bus; events sent one at a time, p50 and p99. (2) Throughput: events
 * published in windows, each window once the last has reached the other replica. Needs Redis at REDIS_URL
 * (default redis://127.0.0.1:6379). Both replicas share this process's event loop, so the figures
 * include both ends' JSON and validation work on one core.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SERVER_EVENT_SCHEMAS, type ServerEvents } from '../src/graphql/context.ts';
import { silentLogger } from '../src/observability/logger.ts';
import type { ReplicaModelEvent } from '../src/registry/model-events.ts';
import { createEventBus, type EventBus } from '../src/streaming/event-bus.ts';
import { createRedisLink, type RedisLink } from '../src/streaming/redis-link.ts';
import { eventChannel } from '../src/streaming/replicated-event-target.ts';
import { percentile } from './load.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } }, strict: true });
const LATENCY_EVENTS = flags.quick ? 500 : 5_000;
const BURST_EVENTS = flags.quick ? 5_000 : 50_000;
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `infergraph-bench:${randomUUID()}:`;
/** Events dropped on the way (invalid, or not published): the figures hold only if it stays 0. */
let problems = 0;

function event(index: number): ReplicaModelEvent {
  return { model: 'glyphs', version: 1, state: 'READY', reason: `event ${index}`, at: Date.now(), replica: 'A' };
}

async function replica(name: string): Promise<{ bus: EventBus<ServerEvents>; link: RedisLink }> {
  const topics = Object.keys(SERVER_EVENT_SCHEMAS);
  const link = createRedisLink({ url, channels: topics.map((topic) => eventChannel(prefix, topic)), logger: silentLogger });
  while (!link.connected) await new Promise((resolve) => setTimeout(resolve, 10));
  const bus = createEventBus<ServerEvents>({
    redis: { link, prefix, origin: name, schemas: SERVER_EVENT_SCHEMAS, onProblem: () => problems++ },
  });
  return { bus, link };
}

/** Publish-to-receipt ms of `count` events sent one after another, each once the previous arrived. */
async function latencies(from: EventBus<ServerEvents>, to: EventBus<ServerEvents>, count: number): Promise<number[]> {
  const received = to.subscribe('model-events');
  const times: number[] = [];
  for (let index = 0; index < count; index++) {
    const next = received.next();
    const started = performance.now();
    from.publish('model-events', event(index));
    await next;
    times.push(performance.now() - started);
  }
  await received.return?.();
  return times;
}

/**
 * Events a second through `count` events published in windows of WINDOW, each window once the last
 * has arrived: the bus ends a subscriber that leaves 1000 events unread, which a burst of all at
 * once would pass.
 */
const WINDOW = 500;
async function burst(from: EventBus<ServerEvents>, to: EventBus<ServerEvents>, count: number): Promise<number> {
  const received = to.subscribe('model-events');
  const started = performance.now();
  for (let sent = 0; sent < count; sent += WINDOW) {
    const window = Math.min(WINDOW, count - sent);
    const arrived = (async () => {
      for (let seen = 0; seen < window; seen++) await received.next();
    })();
    for (let index = 0; index < window; index++) from.publish('model-events', event(sent + index));
    await arrived;
  }
  const seconds = (performance.now() - started) / 1000;
  await received.return?.();
  return count / seconds;
}

function line(label: string, times: readonly number[], rate: number): void {
  const format = (ms: number) => ms.toFixed(3).padStart(8);
  console.log(
    `${label.padEnd(30)} ${format(percentile(times, 50))} ${format(percentile(times, 99))} ${Math.round(rate).toString().padStart(12)}`,
  );
}

console.log(`infergraph event bus bench, ${flags.quick ? 'quick' : 'full'} mode, ${new Date().toISOString()}`);
console.log(`Redis ${url}; ${LATENCY_EVENTS} events one at a time, then ${BURST_EVENTS} in windows of ${WINDOW}\n`);
console.log(`${'bus'.padEnd(30)}   p50 ms   p99 ms     events/s`);

const local = createEventBus<ServerEvents>();
await latencies(local, local, 100);
line('in-process (one replica)', await latencies(local, local, LATENCY_EVENTS), await burst(local, local, BURST_EVENTS));

const a = await replica('A');
const b = await replica('B');
try {
  await latencies(a.bus, b.bus, 100);
  line('Redis, replica A -> B', await latencies(a.bus, b.bus, LATENCY_EVENTS), await burst(a.bus, b.bus, BURST_EVENTS));
  line('Redis bus, A -> own subscriber', await latencies(a.bus, a.bus, LATENCY_EVENTS), await burst(a.bus, a.bus, BURST_EVENTS));
  console.log(`\nevents dropped on the way: ${problems}`);
} finally {
  for (const { bus, link } of [a, b]) {
    await bus.close();
    await link.close();
  }
}
