/**
 * Rate limits held in Redis: a caller's budget holds across two replicas, whichever one each request
 * hits, on every transport, refused as one server refuses (RATE_LIMITED, retryAfterSeconds, HTTP 429
 * with Retry-After). With Redis gone each replica counts on its own, and shares again once it is back.
 * The replicas' clock is the test's: a refill is a step of it, not a wait.
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { expectFailure, expectRateLimited } from '../fixtures/failures.ts';
import { removeKeys, SHARED_REDIS_URL, startRedisChild, uniquePrefix } from '../fixtures/redis.ts';
import { serveReplicas, untilEventBus } from '../fixtures/replicas.ts';
import type { TestServer } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { glyphRows } from '../fixtures/tensors.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';
import { HealthNowDocument, PredictDocument } from '../generated/graphql.ts';

const REQUEST_BURST = 3;
const WORK_BURST = 20;
const rateLimits = { requestsPerSecond: 1, requestBurst: REQUEST_BURST, workPerSecond: 10, workBurst: WORK_BURST };

const clock = { ms: 0 };
// An hour later every bucket is full again: each test starts as a caller who has asked nothing.
beforeEach(() => {
  clock.ms += 3_600_000;
});

describe('rate limits shared through Redis', () => {
  const prefix = uniquePrefix();
  const replicas = forSuite(() =>
    serveReplicas(2, (repository) => repository.copyExample('glyphs'), {
      redis: { url: SHARED_REDIS_URL, keyPrefix: prefix },
      workers: 1,
      rateLimits,
      now: () => clock.ms,
    }),
  );
  afterAll(() => removeKeys(prefix));
  const a = () => replicas.servers[0]!;
  const b = () => replicas.servers[1]!;

  describe.each(TRANSPORTS)('over $name', (transport) => {
    it('should refuse the request past the burst whichever replica it reaches, and admit again once the bucket refills', async () => {
      for (const server of [a(), b(), a()]) expect((await transport.execute(server, HealthNowDocument)).errors).toBeUndefined();
      const refused = await transport.execute(b(), HealthNowDocument);
      expect(expectRateLimited(refused)).toBe(1);
      expect(refused.errors![0]!.message).toBe(
        `rate limit: caller "ip:127.0.0.1" has run its ${REQUEST_BURST} operations (1 a second); retry after 1 s`,
      );
      expectRateLimited(await transport.execute(a(), HealthNowDocument));

      // A refusal spends nothing: one second later, one request comes back, on either replica.
      clock.ms += 1000;
      expect((await transport.execute(a(), HealthNowDocument)).errors).toBeUndefined();
      expectRateLimited(await transport.execute(b(), HealthNowDocument));
    });
  });

  it('should answer 429 with Retry-After over HTTP from the replica that did not spend the budget', async () => {
    for (let n = 0; n < REQUEST_BURST; n++) expect((await a().graphql(HealthNowDocument)).status).toBe(200);
    const refused = await b().graphql(HealthNowDocument);
    expectFailure(refused, 'RATE_LIMITED', { status: 429 });
    expect(refused.headers!.get('retry-after')).toBe('1');
  });

  it('should spend the work budget across replicas: after 15 rows on A, 10 on B wait and 5 run', async () => {
    expect((await a().graphql(PredictDocument, { input: glyphRows(15) })).errors).toBeUndefined();
    const refused = await b().graphql(PredictDocument, { input: glyphRows(10) });
    expect(expectRateLimited(refused)).toBe(1);
    expect(refused.errors![0]!.message).toContain(`more than it has left of its ${WORK_BURST} (10 a second)`);
    const { data, errors } = await b().graphql(PredictDocument, { input: glyphRows(5) });
    expect(errors).toBeUndefined();
    expect(data!.predict.outputs[0]!.shape).toEqual([5, 10]);
  });
});

describe('rate limits while Redis is unreachable', () => {
  it('should count per replica while Redis is down, and share the budget again once it is back', async () => {
    await using redis = await startRedisChild();
    const prefix = uniquePrefix();
    await using replicas = await serveReplicas(2, (repository) => repository.copyExample('glyphs'), {
      redis: { url: redis.url, keyPrefix: prefix },
      workers: 1,
      rateLimits,
      now: () => clock.ms,
    });
    const [a, b] = replicas.servers as [TestServer, TestServer];

    await redis.stop();
    await Promise.all([untilEventBus(a, 'DEGRADED'), untilEventBus(b, 'DEGRADED')]);
    // Each replica's own buckets: the caller gets a burst on each, and is still limited on each.
    for (const server of [a, b]) {
      for (let n = 0; n < REQUEST_BURST; n++) expect((await server.graphql(HealthNowDocument)).errors).toBeUndefined();
      expectFailure(await server.graphql(HealthNowDocument), 'RATE_LIMITED', { status: 429 });
    }
    const metrics = await (await fetch(`${a.origin}/metrics`)).text();
    expect(metrics).toContain(`infergraph_rate_limit_local_decisions_total ${REQUEST_BURST + 1}`);

    await redis.start();
    await Promise.all([untilEventBus(a, 'CONNECTED'), untilEventBus(b, 'CONNECTED')]);
    clock.ms += 3_600_000;
    for (const server of [b, a, b]) expect((await server.graphql(HealthNowDocument)).errors).toBeUndefined();
    expectFailure(await a.graphql(HealthNowDocument), 'RATE_LIMITED', { status: 429 });
  });
});
