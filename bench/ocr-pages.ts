/**
 * The pages `npm run bench:ocr` reads: a few different pages of 3–5 sentences of varied length, some lines upside
 * down, rendered by the tests' text-page fixture (DejaVu Sans through sharp), so that requests are not all alike
 * and their lines crop to different widths, as on real scans. `checkReadings` says whether a reader got them right.
 */
import { type TextLine, textPage } from '../test/fixtures/text-image.ts';

const PAGES: TextLine[][] = [
  [
    { text: 'The quick brown fox jumps over the lazy dog' },
    { text: 'Pack my box with five dozen liquor jugs', upsideDown: true },
    { text: 'Sphinx of black quartz, judge my vow' },
  ],
  [
    { text: 'How vexingly quick daft zebras jump' },
    { text: 'Bright vixens jump over dozy fowl', upsideDown: true },
    { text: 'A wizard can vex chumps quickly in fog' },
    { text: 'Five or six big jet planes zoomed quickly by the tower' },
  ],
  [
    { text: 'Batch sizes grow when requests arrive together' },
    { text: 'Ship 48 crates to Rotterdam by Friday', upsideDown: true },
    { text: 'Call me at noon' },
    { text: 'The meeting moved to room 301', upsideDown: true },
    { text: 'Invoice 2024 is due in March' },
  ],
  [
    { text: 'Jackdaws love my big sphinx of quartz', upsideDown: true },
    { text: 'Our first shipment left the harbour at dawn' },
    { text: 'Read every line before you sign' },
  ],
  [
    { text: 'Models read text line by line' },
    { text: 'Sixty zippers were quickly picked from the woven jute bag', upsideDown: true },
    { text: 'Keep the receipt' },
    { text: 'Quick zephyrs blow, vexing daft Jim' },
  ],
];

export interface Page {
  /** The sentences, top to bottom, as they read upright. */
  lines: string[];
  upsideDown: number;
  png: Buffer;
}

export async function renderPages({ dpi }: { dpi: number }): Promise<Page[]> {
  return Promise.all(
    PAGES.map(async (lines) => ({
      lines: lines.map((line) => line.text),
      upsideDown: lines.filter((line) => line.upsideDown).length,
      png: await textPage(lines, { format: 'png', dpi }),
    })),
  );
}

export interface ReadingCheck {
  lines: number;
  /** Lines read exactly as written. */
  exact: number;
  /** Lines read right but for spaces (the recogniser's known weakness on small text). */
  ignoringSpaces: number;
  /** What was read wrong: `page 2, line 3: "expected" read as "got"`. */
  misses: string[];
}

/** Compares what was read on each page (its regions' texts in reading order) with what is written there. */
export function checkReadings(pages: readonly Page[], readings: readonly string[][]): ReadingCheck {
  const check: ReadingCheck = { lines: 0, exact: 0, ignoringSpaces: 0, misses: [] };
  const squeeze = (text: string) => text.replaceAll(/\s+/g, '');
  for (const [index, page] of pages.entries()) {
    const read = readings[index] ?? [];
    if (read.length !== page.lines.length) {
      check.misses.push(`page ${index + 1}: ${page.lines.length} lines written, ${read.length} read (${JSON.stringify(read)})`);
    }
    for (const [line, text] of page.lines.entries()) {
      check.lines++;
      const got = read[line] ?? '';
      if (got === text) check.exact++;
      if (squeeze(got) === squeeze(text)) check.ignoringSpaces++;
      else check.misses.push(`page ${index + 1}, line ${line + 1}: "${text}" read as "${got}"`);
    }
  }
  return check;
}
