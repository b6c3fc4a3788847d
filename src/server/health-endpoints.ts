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
export const READY_PATH = '/health/ready';
export const LIVE_BODY = JSON.stringify({ live: true });

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
    sendJson(response, 200, LIVE_BODY);
    return true;
  }
  if (path === READY_PATH) {
    const { status, body } = readyAnswer(readHealth(), { models });
    sendJson(response, status, body);
    return true;
  }
  return false;
}

/** What /health/ready answers: its status and JSON body, the same on the GraphQL port and the health port. */
export function readyAnswer(health: Health, { models = true }: HealthProbeOptions = {}): { status: number; body: string } {
  return {
    status: health.ready ? 200 : 503,
    body: JSON.stringify(
      models ? health : { live: health.live, ready: health.ready, ...(health.eventBus ? { eventBus: health.eventBus } : {}) },
    ),
  };
}

/** Sends `json`, already serialized. To a HEAD request Node sends the headers only. */
export function sendJson(response: ServerResponse, status: number, json: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  response.end(json);
}
