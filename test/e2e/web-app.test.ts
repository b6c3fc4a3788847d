/**
 * The browser app in Debian's Chromium against a real server: every panel as a user drives it. Screenshots go to
 * test-results/web/ (gitignored) to be looked at.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GLYPH_BITMAPS, GLYPH_HEIGHT, GLYPH_WIDTH } from '../../scripts/models/glyph-font.ts';
import { SLOW_OCR_IMAGE } from '../fixtures/busy-worker.ts';
import { launchChromium } from '../fixtures/chromium.ts';
import { authSettings, createKeysFile } from '../fixtures/credentials.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { buildWebApp } from '../fixtures/web-app.ts';
import { HealthNowDocument, PredictDocument, UnloadModelDocument } from '../generated/graphql.ts';

const SCREENSHOTS = 'test-results/web';

beforeAll(async () => {
  await buildWebApp();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 120_000);

const browser = forSuite(launchChromium);

/** The example models the page has panels for, and a spare one to unload. One worker: every model's runs queue on it. */
const server = forSuite(() =>
  serveModels(
    async (repository) => {
      for (const name of ['glyphs', 'ocr-direction', 'tiny-lm']) await repository.copyExample(name);
      await repository.copyExample('ocr-direction', 'ocr-spare');
    },
    { workers: 1 },
  ),
);

async function openApp(on: Browser, origin: string, viewport = { width: 1280, height: 1000 }): Promise<Page> {
  const page = await on.newPage({ viewport });
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(message.text());
  });
  await page.goto(`${origin}/`);
  Object.assign(page, { failures });
  return page;
}

const failuresOf = (page: Page) => (page as Page & { failures: string[] }).failures;

/** Strokes of a digit on the 16×16 pad, in pixels: what a person draws with a mouse, pressed along each polyline. */
const DIGIT_STROKES: Record<string, [number, number][][]> = {
  '7': [
    [
      [4, 2.5],
      [12, 2.5],
      [9, 8],
      [6.5, 14],
    ],
  ],
  '4': [
    [
      [9, 2],
      [3.5, 10],
      [12.5, 10],
    ],
    [
      [9.5, 5],
      [9.5, 14.5],
    ],
  ],
};

/** Slow OCR runs back to back, two at a time, until `stop`: on the one worker, every other model's run waits behind one. */
async function slowRunsUntil(on: TestServer, stop: AbortSignal): Promise<void> {
  const loop = async () => {
    while (!stop.aborted) await on.graphql(PredictDocument, { input: { model: 'ocr-direction', inputs: [SLOW_OCR_IMAGE] } });
  };
  await Promise.all([loop(), loop()]);
}

/** The model's open generation streams, as `health` answers over HTTP. */
async function streamsOf(on: TestServer, model: string): Promise<number | undefined> {
  const { data } = await on.graphql(HealthNowDocument);
  return data?.health.models.find((entry) => entry.name === model)?.streams;
}

/** A PNG of black digits on white, 4 px a font cell, as a photographed text line; turned 180° when asked. */
function textLinePng(digits: string, upsideDown: boolean): Buffer {
  const cell = 4;
  const png = new PNG({ width: 192, height: 48 });
  png.data.fill(255);
  const top = (48 - GLYPH_HEIGHT * cell) / 2;
  [...digits].forEach((digit, k) => {
    const bitmap = GLYPH_BITMAPS[Number(digit)]!;
    for (let y = 0; y < GLYPH_HEIGHT * cell; y++) {
      for (let x = 0; x < GLYPH_WIDTH * cell; x++) {
        if (!bitmap[Math.floor(y / cell) * GLYPH_WIDTH + Math.floor(x / cell)]) continue;
        const [px, py] = [4 + k * (GLYPH_WIDTH + 1) * cell + x, top + y];
        const [u, v] = upsideDown ? [191 - px, 47 - py] : [px, py];
        png.data.fill(0, (v * 192 + u) * 4, (v * 192 + u) * 4 + 3);
      }
    }
  });
  return PNG.sync.write(png);
}

const stateOf = (page: Page, model: string) => page.getByTestId(`version-${model}-1`).getAttribute('data-state');

async function drawDigit(page: Page, digit: string): Promise<void> {
  const box = (await page.getByTestId('glyph-canvas').boundingBox())!;
  const at = ([x, y]: [number, number]) => [box.x + (x / 16) * box.width, box.y + (y / 16) * box.height] as const;
  for (const [start, ...rest] of DIGIT_STROKES[digit]!) {
    await page.mouse.move(...at(start!));
    await page.mouse.down();
    for (const point of rest) await page.mouse.move(...at(point), { steps: 8 });
    await page.mouse.up();
  }
}

describe('the browser app', () => {
  it('should list the models with their states and the live health', async () => {
    const page = await openApp(browser, server.origin);
    await expect.poll(() => page.getByTestId('version-glyphs-1').getAttribute('data-state')).toBe('READY');
    for (const name of ['ocr-direction', 'tiny-lm', 'ocr-spare']) await page.getByTestId(`model-${name}`).waitFor();
    await page.getByTestId('health-tiny-lm').waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/catalog.png`, fullPage: true });
    expect(failuresOf(page)).toEqual([]);
    await page.close();
  });

  it.each(Object.keys(DIGIT_STROKES))('should classify a %s drawn with the mouse, top digit first', async (digit) => {
    const page = await openApp(browser, server.origin);
    await page.getByTestId('version-glyphs-1').waitFor();
    await drawDigit(page, digit);
    const top = page.getByTestId('glyph-scores').locator('li').first().locator('.label');
    await expect.poll(() => top.textContent(), { timeout: 10_000 }).toBe(digit);
    // The heatmap explains the top digit, and is drawn over the pixels.
    await expect.poll(() => page.getByTestId('glyph-explained').textContent(), { timeout: 20_000 }).toContain(`“${digit}”`);
    expect(await page.getByTestId('glyph-heatmap').getAttribute('data-shown')).toBe('true');
    const painted = await page.getByTestId('glyph-heatmap').evaluate((canvas: HTMLCanvasElement) => {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, 16, 16).data;
      let red = 0;
      for (let at = 0; at < pixels.length; at += 4) if (pixels[at]! > 200 && pixels[at + 3]! > 0) red++;
      return red;
    });
    expect(painted).toBeGreaterThan(0);
    await page.screenshot({ path: `${SCREENSHOTS}/glyph-${digit}.png` });
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByText('Draw a digit in the box.').waitFor();
    expect(failuresOf(page)).toEqual([]);
    await page.close();
  });

  it.each([
    { direction: 'upside down', upsideDown: true, label: '180' },
    { direction: 'upright', upsideDown: false, label: '0' },
  ])('should say $label for an uploaded $direction text line', async ({ upsideDown, label }) => {
    const page = await openApp(browser, server.origin);
    await expect.poll(() => stateOf(page, 'ocr-direction')).toBe('READY');
    await page
      .getByLabel('Image of a text line')
      .setInputFiles({ name: 'line.png', mimeType: 'image/png', buffer: textLinePng('20241124', upsideDown) });
    await expect.poll(() => page.getByTestId('ocr-answer').getAttribute('data-label'), { timeout: 10_000 }).toBe(label);
    await page.getByTestId('ocr-answer').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SCREENSHOTS}/ocr-${label}.png` });
    expect(failuresOf(page)).toEqual([]);
    await page.close();
  });

  it('should stream a generation token by token, and stop it on the server', async () => {
    const page = await openApp(browser, server.origin);
    await expect.poll(() => stateOf(page, 'tiny-lm')).toBe('READY');
    // Every change to the output, counted in the page: tokens must arrive one by one, not all at the end.
    await page.getByTestId('generation').evaluate((output) => {
      const counter = { updates: 0 };
      new MutationObserver(() => counter.updates++).observe(output, { childList: true, characterData: true, subtree: true });
      Object.assign(window, { generationUpdates: counter });
    });
    const status = page.getByTestId('generation-status');
    const load = new AbortController();
    const loaded = slowRunsUntil(server, load.signal);
    try {
      await page.getByLabel('Max tokens').fill('500');
      await page.getByRole('button', { name: 'Generate' }).click();
      await expect.poll(async () => Number(await status.getAttribute('data-tokens')), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      expect(await streamsOf(server, 'tiny-lm')).toBe(1);
      await page.screenshot({ path: `${SCREENSHOTS}/generate-streaming.png` });
      await page.getByRole('button', { name: 'Stop' }).click();
      await expect.poll(() => status.getAttribute('data-kind')).toBe('stopped');
    } finally {
      load.abort();
      await loaded;
    }
    // A few tokens a second: had stop not cancelled it, the stream of 500 would run for minutes yet.
    await expect.poll(() => streamsOf(server, 'tiny-lm'), { timeout: 5000 }).toBe(0);
    const shown = Number(await status.getAttribute('data-tokens'));
    expect(shown).toBeLessThan(500);
    expect(
      await page.evaluate(() => (window as unknown as { generationUpdates: { updates: number } }).generationUpdates.updates),
    ).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('generation').textContent()).toMatch(/^The model server.+/s);
    await page.screenshot({ path: `${SCREENSHOTS}/generate-stopped.png` });
    expect(failuresOf(page)).toEqual([]);
    await page.close();
  });

  it('should show a model unloaded through the API as unavailable, without a reload', async () => {
    const page = await openApp(browser, server.origin);
    await expect.poll(() => stateOf(page, 'ocr-spare')).toBe('READY');
    // The health's first answer came over the page's WebSocket, after its catalog subscription started.
    await page.getByTestId('health-ocr-spare').waitFor();
    const { errors } = await server.graphql(UnloadModelDocument, { model: 'ocr-spare' });
    expect(errors).toBeUndefined();
    await expect.poll(() => stateOf(page, 'ocr-spare')).toBe('UNAVAILABLE');
    await expect.poll(() => page.getByTestId('health-ocr-spare').locator('[role=img]').getAttribute('aria-label')).toBe('not ready');
    await page.screenshot({ path: `${SCREENSHOTS}/unloaded.png`, fullPage: true });
    expect(failuresOf(page)).toEqual([]);
    await page.close();
  });
  it.each([
    { screen: 'desktop', viewport: { width: 1280, height: 900 } },
    { screen: 'narrow', viewport: { width: 390, height: 844 } },
  ])('should fit a $screen screen with every panel in use, nothing wider than the page', async ({ screen, viewport }) => {
    const page = await openApp(browser, server.origin, viewport);
    await expect.poll(() => stateOf(page, 'glyphs')).toBe('READY');
    await page.getByTestId('glyph-canvas').scrollIntoViewIfNeeded();
    await drawDigit(page, '4');
    await expect.poll(() => page.getByTestId('glyph-scores').locator('li').first().locator('.label').textContent()).toBe('4');
    await page.getByLabel('Max tokens').fill('120');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect.poll(() => page.getByTestId('generation-status').getAttribute('data-kind'), { timeout: 20_000 }).toBe('finished');
    await page
      .getByLabel('Image of a text line')
      .setInputFiles({ name: 'line.png', mimeType: 'image/png', buffer: textLinePng('31415926', true) });
    await expect.poll(() => page.getByTestId('ocr-answer').getAttribute('data-label'), { timeout: 10_000 }).toBe('180');
    await expect.poll(() => page.getByTestId('glyph-heatmap').getAttribute('data-shown'), { timeout: 20_000 }).toBe('true');
    await page.getByTestId('health-glyphs').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SCREENSHOTS}/${screen}.png`, fullPage: true });
    expect(failuresOf(page)).toEqual([]);
    await page.close();
  });
});

describe('the browser app with auth on', () => {
  const keys = forSuite(() => createKeysFile([{ name: 'user', scopes: ['models:read', 'predict', 'generate'] }]));
  const secured = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), { auth: authSettings({ keysFile: keys.path }) }),
  );

  it('should ask for an API key, refuse a wrong one, and work once given the right one', async () => {
    const page = await openApp(browser, secured.origin);
    const form = page.getByRole('heading', { name: 'This server asks for an API key' });
    await form.waitFor();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('UNAUTHENTICATED');
    await page.getByLabel('API key', { exact: true }).fill('not-a-key');
    await page.getByRole('button', { name: 'Use this key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('UNAUTHENTICATED');
    await page.screenshot({ path: `${SCREENSHOTS}/auth-asked.png` });

    await page.getByLabel('API key', { exact: true }).fill(keys.bearer.user!.replace(/^Bearer /, ''));
    await page.getByRole('button', { name: 'Use this key' }).click();
    await expect.poll(() => stateOf(page, 'glyphs')).toBe('READY');
    await drawDigit(page, '7');
    await expect.poll(() => page.getByTestId('glyph-scores').locator('li').first().locator('.label').textContent()).toBe('7');
    await page.getByTestId('health-glyphs').waitFor();
    // The key lasts the tab: a reload does not ask again.
    await page.reload();
    await expect.poll(() => stateOf(page, 'glyphs')).toBe('READY');
    expect(await form.count()).toBe(0);
    expect(failuresOf(page).filter((message) => !message.includes('401'))).toEqual([]);
    await page.close();
  });
});
