/**
 * Text from a CTC recogniser's per-step class probabilities (PaddleOCR's PP-OCR recognisers, [N, T, classes] after
 * softmax), decoded as PaddleOCR's `CTCLabelDecode` does: the likeliest class at each step, repeats merged, blanks
 * dropped. Also its dictionary file, whose line order is the class order.
 */

export interface DecodedText {
  text: string;
  /** Mean probability of the steps that gave a character; 0 when none did, as PaddleOCR gives. */
  confidence: number;
}

/**
 * Greedy CTC decoding of one [steps, classes] row of `probs`, starting at element `offset`. Class 0 is the blank;
 * class i ≥ 1 is `characters[i - 1]`. A step is kept when its class differs from the step before and is not the
 * blank, so "aa-a" gives "aa" (ties in a step go to the lower class, as numpy's argmax).
 */
export function ctcGreedy(
  probs: Float32Array | ArrayLike<number>,
  steps: number,
  classes: number,
  characters: readonly string[],
  offset = 0,
): DecodedText {
  if (classes !== characters.length + 1) {
    throw new TypeError(`a CTC row of ${classes} classes needs ${classes - 1} characters (class 0 is the blank), got ${characters.length}`);
  }
  if (probs.length < offset + steps * classes) {
    throw new TypeError(
      `${steps} steps of ${classes} classes from element ${offset} need ${offset + steps * classes} values, got ${probs.length}`,
    );
  }
  let text = '';
  let [sum, kept, previous] = [0, 0, -1];
  for (let step = 0; step < steps; step++) {
    const start = offset + step * classes;
    let [best, bestProb] = [0, probs[start]!];
    for (let c = 1; c < classes; c++) {
      if (probs[start + c]! > bestProb) [best, bestProb] = [c, probs[start + c]!];
    }
    if (best !== 0 && best !== previous) {
      text += characters[best - 1];
      sum += bestProb;
      kept++;
    }
    previous = best;
  }
  return { text, confidence: kept > 0 ? sum / kept : 0 };
}

/**
 * PaddleOCR's character dictionary: one character per line, `\n` or `\r\n`; the newline after the last line makes
 * no empty character, but blank lines inside are characters (""), because PaddleOCR counts them and the classes must
 * line up with training. With `spaceLast` (PaddleOCR's `use_space_char`), ' ' is appended, as PP-OCR's recognisers
 * were trained: `ppocr_keys_v1.txt` gives 6623 + 1 characters for a 6625-class model.
 */
export function readDictionary(text: string, { spaceLast }: { spaceLast: boolean }): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const characters = lines.map((line) => line.replace(/^\r+|\r+$/g, ''));
  return spaceLast ? [...characters, ' '] : characters;
}
