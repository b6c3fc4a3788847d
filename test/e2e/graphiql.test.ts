import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { startServer, type TestServer } from '../fixtures/server.ts';

/** Debian's Chromium (.ci/run installs it); the flags keep it off a network this machine does not have. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ modelRepository: EXAMPLE_MODELS, graphiql: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.[Symbol.asyncDispose]();
});

describe('GraphiQL', () => {
  it('should open in a browser without internet and run the catalog query it starts with', async () => {
    // Tall enough that the editor, which draws only visible lines, shows the whole answer.
    const page = await browser.newPage({ viewport: { width: 1280, height: 4000 } });
    const offline: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(server.origin) && !/^(data|blob):/.test(request.url())) offline.push(request.url());
    });
    await page.goto(server.url);
    await page.getByRole('button', { name: /Execute query/ }).click();
    const response = page.locator('.graphiql-response');
    await response.getByText('"ocr-direction"').first().waitFor({ timeout: 20_000 });
    const text = await response.textContent();
    expect(text).toContain('"glyphs"');
    expect(text).toContain('"READY"');
    expect(offline).toEqual([]);
  });
});
