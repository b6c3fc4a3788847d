/**
 * Plain HTTP answers for load balancers: `GET /health/live` is 200 while the process runs;
 * `GET /health/ready` is 200 when the server takes traffic and 503 otherwise, with the same body
 * as `Query.health`; with authentication on, without the models (a probe has no credential, and
 * model names are not for anyone who can reach the port).
 *
 * They are answered in Node's request handler, before yoga: a probe at saturation then costs one
 * JSON.stringify, with no fetch Request/Response objects and no plugin chain, so it is not queued
 * behind GraphQL work (yoga's useReadinessCheck is a plugin on that chain).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Health } from '../health/read-health.ts';

export const LIVE_PATH = '/health/live';
const READY_PATH = '/health/ready';

export interface HealthProbeOptions {
  /** Whether /health/ready lists the models with their readiness. @default true */
  models?: boolean;
}

/** Answers a health probe and returns true, or returns false for any other request. */
export function answerHealthProbe(
  request: IncomingMessage,
  response: ServerResponse,
  readHealth: () => Health,
  { models = true }: HealthProbeOptions = {},
): boolean {
  const path = request.url?.split('?', 1)[0];
  if (path === LIVE_PATH) {
    send(response, 200, { live: true });
    return true;
  }
  if (path === READY_PATH) {
    const health = readHealth();
    send(response, health.ready ? 200 : 503, models ? health : { live: health.live, ready: health.ready });
    return true;
  }
  return false;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}
