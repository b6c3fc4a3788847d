import { createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, type Principal } from '../../src/auth/principal.ts';
import { createSchema } from '../../src/graphql/schema.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { createMaskError } from '../../src/server/mask-error.ts';
import { useRateLimit } from '../../src/server/rate-limit.ts';

/** yoga with the rate limit, whose callers are the principal named in `x-principal` (as authentication would set it). */
function yogaWithPrincipals() {
  return createYoga({
    schema: createSchema(),
    logging: false,
    maskedErrors: { maskError: createMaskError(silentLogger) },
    context: ({ request }): { principal: Principal } => {
      const name = request.headers.get('x-principal');
      return { principal: name ? { ...ANONYMOUS, id: `key:${name}`, kind: 'api-key' } : ANONYMOUS };
    },
    plugins: [
      useRateLimit({ requestsPerSecond: 1, requestBurst: 1, workPerSecond: 0, workBurst: 0, defaultMaxTokens: 64, maxTokens: 1024 }),
    ],
  });
}

async function typename(yoga: ReturnType<typeof yogaWithPrincipals>, principal: string): Promise<number> {
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-principal': principal },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  await response.text();
  return response.status;
}

describe('useRateLimit', () => {
  it('should keep a bucket per principal: one spent does not refuse another', async () => {
    const yoga = yogaWithPrincipals();
    expect(await typename(yoga, 'alice')).toBe(200);
    expect(await typename(yoga, 'alice')).toBe(429);
    expect(await typename(yoga, 'bob')).toBe(200);
    expect(await typename(yoga, 'bob')).toBe(429);
  });
});
