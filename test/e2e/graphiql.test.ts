import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../fixtures/chromium.ts';
import { EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { startServer, type TestServer } from '../fixtures/server.ts';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ modelRepository: EXAMPLE_MODELS, graphiql: true });
  browser = await launchChromium();
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
