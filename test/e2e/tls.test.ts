/**
 * TLS: with --tls-cert and --tls-key the one port serves HTTPS and WSS, every transport and the
 * health probes alike, with a self-signed certificate this test makes and trusts.
 */
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { defineConfig } from '../../src/config.ts';
import { createApp } from '../../src/server/create-app.ts';
import { serveModels } from '../fixtures/server.ts';
import { take } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { createTestCertificate } from '../fixtures/tls.ts';
import { STREAMING_TRANSPORTS, TRANSPORTS } from '../fixtures/transports.ts';
import { HealthUpdatesDocument, PredictDocument } from '../generated/graphql.ts';

const certificate = forSuite(() => createTestCertificate());
const server = forSuite(() =>
  serveModels((repository) => repository.copyExample('glyphs'), { tlsCert: certificate.certPath, tlsKey: certificate.keyPath }),
);

describe('a server given a certificate and key', () => {
  it('should listen on an https:// URL, its sockets on wss://', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(server.wsUrl).toMatch(/^wss:\/\//);
  });

  it('should answer the health probes over HTTPS', async () => {
    const live = await fetch(`${server.origin}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ live: true });
    const ready = await fetch(`${server.origin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
  });

  it('should refuse plain HTTP on its port', async () => {
    const plain = server.origin.replace(/^https/, 'http');
    await expect(fetch(`${plain}/health/live`)).rejects.toThrow();
    // The refused client did not take the server down.
    expect((await fetch(`${server.origin}/health/live`)).status).toBe(200);
  });
});

describe.each(TRANSPORTS)('predict over $name under TLS', (transport) => {
  it('should answer a predict', async () => {
    const { pixels, labels } = generateGlyphs({ count: 2, seed: 7 });
    const input = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [2, GLYPH_PIXELS], data: Array.from(pixels) }] };
    const result = await transport.execute(server, PredictDocument, { input });
    expect(result.errors).toBeUndefined();
    const [probabilities] = result.data!.predict.outputs;
    expect(probabilities!.shape).toEqual([2, 10]);
    const argmax = (row: number) => {
      const scores = (probabilities!.data as number[]).slice(row * 10, row * 10 + 10);
      return scores.indexOf(Math.max(...scores));
    };
    expect([argmax(0), argmax(1)]).toEqual(Array.from(labels));
  });
});

describe.each(STREAMING_TRANSPORTS)('subscriptions over $name under TLS', (transport) => {
  it('should stream health updates', async () => {
    const updates = await take(transport.subscribe(server, HealthUpdatesDocument, { intervalMs: 50 }), 2);
    expect(updates.map((update) => update.health.live)).toEqual([true, true]);
  });
});

describe('TLS settings', () => {
  it('should refuse to start with a certificate and no key, naming both flags', () => {
    const config = defineConfig({ tlsCert: certificate.certPath });
    expect(() => createApp(config)).toThrow(
      'TLS needs both --tls-cert and --tls-key (TLS_CERT, TLS_KEY): --tls-cert is set, --tls-key is not',
    );
  });

  it('should refuse to start with a file it cannot read, naming the flag and the path', () => {
    const config = defineConfig({ tlsCert: certificate.certPath, tlsKey: '/no/such/key.pem' });
    expect(() => createApp(config)).toThrow('cannot read --tls-key /no/such/key.pem: ENOENT');
  });

  it('should refuse to start with a key that is not PEM, without printing it', () => {
    const config = defineConfig({ tlsCert: certificate.certPath, tlsKey: certificate.certPath });
    expect(() => createApp(config)).toThrow(/are not a PEM certificate and its key/);
  });
});
