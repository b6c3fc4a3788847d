import type { Plugin } from 'graphql-yoga';
import type { Health } from '../graphql/types/health.ts';

/**
 * Plain HTTP answers for load balancers, before any GraphQL work: `GET /health/live` is 200
 * while the process runs; `GET /health/ready` is 200 when the server takes traffic and 503
 * otherwise, with the same body as `Query.health`.
 */
export function useHealthEndpoints(readHealth: () => Health): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname === '/health/live') {
        endResponse(fetchAPI.Response.json({ live: true }, { status: 200 }));
      } else if (url.pathname === '/health/ready') {
        const health = readHealth();
        endResponse(fetchAPI.Response.json(health, { status: health.ready ? 200 : 503 }));
      }
    },
  };
}
