/**
 * The browser app reading an image with a pipeline (`ocr`), in Debian's Chromium against a real server: the file
 * goes to runPipeline, and the page shows the lines read and each region's polygon over the image. Screenshots go to
 * test-results/web/ (gitignored) to be looked at.
 */
import { mkdir } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../fixtures/chromium.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { textPage } from '../fixtures/text-image.ts';
import { buildWebApp } from '../fixtures/web-app.ts';
import { LoadModelDocument, UnloadModelDocument } from '../generated/graphql.ts';

const SCREENSHOTS = 'test-results/web';
const UPRIGHT = 'The quick brown fox jumps over the lazy dog';
const TURNED = 'Pack my box with five dozen liquor jugs';

beforeAll(async () => {
  await buildWebApp();
  await mkdir(SCREENSHOTS, { recursive: true });
}, 120_000);

const browser = forSuite(launchChromium);

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyOcrPipeline();
  }),
);

interface Point {
  x: number;
  y: number;
}

/** The page, with every uncaught error and console error it meets collected. */
async function openApp(on: Browser, viewport = { width: 1280, height: 1000 }): Promise<{ page: Page; failures: string[] }> {
  const page = await on.newPage({ viewport });
  const failures: string[] = [];
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') failures.push(message.text());
  });
  await page.goto(`${server.origin}/`);
  return { page, failures };
}

const stateOf = (page: Page, model: string) => page.getByTestId(`version-${model}-1`).getAttribute('data-state');
const imageInput = (page: Page) => page.getByTestId('pipeline-ocr').getByLabel('Drop an image here, or pick a file');

/** The regions of the answer the page itself got from the server: what it should have drawn. */
async function answeredRegions(page: Page): Promise<{ polygon: Point[] }[]> {
  const response = await page.waitForResponse(
    async (candidate) => candidate.url().endsWith('/graphql') && (await candidate.text()).includes('"runPipeline"'),
    { timeout: 20_000 },
  );
  const { data } = (await response.json()) as { data: { runPipeline: { regions: { polygon: Point[] }[] } } };
  return data.runPipeline.regions;
}

function boundsOf(points: readonly Point[]) {
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  return { x: Math.min(...xs), y: Math.min(...ys), width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
}

describe('the browser app reading an image with a pipeline', () => {
  it('should list the lines read, the turned one as turned 180°, and draw each region over the image', async () => {
    const { page, failures } = await openApp(browser);
    await expect.poll(() => stateOf(page, 'ocr'), { timeout: 20_000 }).toBe('READY');
    const png = await textPage([{ text: UPRIGHT }, { text: TURNED, upsideDown: true }], { format: 'png', dpi: 300 });
    const { width: naturalWidth, height: naturalHeight } = await sharp(png).metadata();

    const answered = answeredRegions(page);
    await imageInput(page).setInputFiles({ name: 'page.png', mimeType: 'image/png', buffer: png });
    const regions = await answered;

    const lines = page.getByTestId('pipeline-line');
    await expect.poll(() => lines.count()).toBe(2);
    expect(await lines.locator('.line-text').allTextContents()).toEqual([UPRIGHT, TURNED]);
    expect(await lines.getByTestId('pipeline-rotation').allTextContents()).toEqual(['upright', 'turned 180°']);
    expect(await lines.locator('.region-number').allTextContents()).toEqual(['1', '2']);

    // One polygon per region, each where the region is in the image as the page shows it.
    const polygons = page.getByTestId('pipeline-region');
    expect(await polygons.count()).toBe(regions.length);
    expect(regions).toHaveLength(2);
    const image = (await page.getByTestId('pipeline-image').boundingBox())!;
    const scale = image.width / naturalWidth;
    expect(image.height / naturalHeight).toBeCloseTo(scale, 2);
    for (const [index, region] of regions.entries()) {
      const drawn = (await polygons.nth(index).boundingBox())!;
      const found = boundsOf(region.polygon);
      expect(Math.abs(drawn.x - (image.x + found.x * scale))).toBeLessThan(3);
      expect(Math.abs(drawn.y - (image.y + found.y * scale))).toBeLessThan(3);
      expect(Math.abs(drawn.width - found.width * scale)).toBeLessThan(3);
      expect(Math.abs(drawn.height - found.height * scale)).toBeLessThan(3);
    }
    // And where the text is: the first line in the page's top half, the turned one in its bottom half.
    const middles = regions.map((region) => {
      const { y, height } = boundsOf(region.polygon);
      return y + height / 2;
    });
    expect(middles[0]).toBeLessThan(naturalHeight / 2);
    expect(middles[1]).toBeGreaterThan(naturalHeight / 2);

    const steps = page.getByTestId('pipeline-steps').locator('tbody tr');
    expect(await steps.locator('th').allTextContents()).toEqual(['detect', 'direction', 'recognize']);
    expect(await steps.nth(2).locator('td').first().textContent()).toBe('2');

    await page.getByTestId('pipeline-ocr').scrollIntoViewIfNeeded();
    await page.getByTestId('pipeline-ocr').screenshot({ path: `${SCREENSHOTS}/pipeline-ocr.png` });
    await page.screenshot({ path: `${SCREENSHOTS}/pipeline-page.png`, fullPage: true });
    expect(failures).toEqual([]);
    await page.close();
  });

  it('should read an image dropped on it, and fit a narrow screen, nothing wider than the page', async () => {
    const { page, failures } = await openApp(browser, { width: 390, height: 844 });
    await expect.poll(() => stateOf(page, 'ocr'), { timeout: 20_000 }).toBe('READY');
    const png = await textPage([{ text: UPRIGHT }, { text: TURNED, upsideDown: true }], { format: 'png', dpi: 300 });
    // Dropped, as from a file manager: a drop event carrying the file.
    const dropped = await page.evaluateHandle(
      (bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], 'page.png', { type: 'image/png' }));
        return transfer;
      },
      [...png],
    );
    await page.getByTestId('pipeline-ocr').locator('.drop-zone').dispatchEvent('drop', { dataTransfer: dropped });
    await expect
      .poll(() => page.getByTestId('pipeline-line').locator('.line-text').allTextContents(), { timeout: 20_000 })
      .toEqual([UPRIGHT, TURNED]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await page.getByTestId('pipeline-ocr').screenshot({ path: `${SCREENSHOTS}/pipeline-narrow.png` });
    expect(failures).toEqual([]);
    await page.close();
  });

  it('should show a corrupt image and a pipeline whose step is unloaded as errors', async () => {
    const { page, failures } = await openApp(browser);
    await expect.poll(() => stateOf(page, 'ocr'), { timeout: 20_000 }).toBe('READY');
    const alert = page.getByTestId('pipeline-ocr').getByRole('alert');

    await imageInput(page).setInputFiles({ name: 'page.png', mimeType: 'image/png', buffer: Buffer.from('not a PNG at all') });
    await expect.poll(() => alert.textContent(), { timeout: 20_000 }).toMatch(/^INVALID_TENSOR .*no image/);

    const { errors } = await server.graphql(UnloadModelDocument, { model: 'ocr-recogniser' });
    expect(errors).toBeUndefined();
    try {
      await expect.poll(() => stateOf(page, 'ocr')).toBe('UNAVAILABLE');
      expect(await page.getByTestId('pipeline-state').textContent()).toContain('ocr-recogniser');
      const png = await textPage([{ text: UPRIGHT }], { format: 'png', dpi: 300 });
      await imageInput(page).setInputFiles({ name: 'page.png', mimeType: 'image/png', buffer: png });
      await expect.poll(() => alert.textContent(), { timeout: 20_000 }).toMatch(/^MODEL_NOT_READY /);
      expect(await page.getByTestId('pipeline-line').count()).toBe(0);
      await page.getByTestId('pipeline-ocr').screenshot({ path: `${SCREENSHOTS}/pipeline-not-ready.png` });
    } finally {
      await server.graphql(LoadModelDocument, { model: 'ocr-recogniser' });
    }
    // The answered errors are shown, not thrown: the page logs the failed request only.
    expect(failures.filter((message) => !/status of [45]\d\d/.test(message))).toEqual([]);
    await page.close();
  });
});
