/**
 * Turns generated token ids into text deltas: UTF-8 safe across tokens (a character split
 * over several byte tokens is held until it is whole) and aware of stop sequences (text that
 * may be the start of one is held until it is known not to be).
 */
export interface Detokenizer {
  decode(ids: readonly number[]): string;
}

export interface TextStream {
  /** Adds a token; returns the text that may be shown now, and whether a stop sequence was hit. */
  push(tokenId: number): { delta: string; stopped: boolean };
  /** The text still held back, once generation ends for another reason than a stop. */
  flush(): string;
  /** All text shown so far. */
  readonly text: string;
}

export function createTextStream(tokenizer: Detokenizer, stop: readonly string[]): TextStream {
  const ids: number[] = [];
  // Decoding a window rather than everything keeps each step O(window), as TGI does.
  let prefixOffset = 0;
  let readOffset = 0;
  let pending = '';
  let shown = '';

  function nextPiece(): string {
    const before = tokenizer.decode(ids.slice(prefixOffset, readOffset));
    const after = tokenizer.decode(ids.slice(prefixOffset));
    if (after.length > before.length && !after.endsWith('\uFFFD')) {
      prefixOffset = readOffset;
      readOffset = ids.length;
      return after.slice(before.length);
    }
    return '';
  }

  return {
    push(tokenId) {
      ids.push(tokenId);
      pending += nextPiece();
      // What was shown never ends with the start of a stop sequence, so a stop lies in `pending`.
      const at = Math.min(...stop.map((sequence) => (sequence === '' ? -1 : pending.indexOf(sequence))).filter((index) => index >= 0));
      if (Number.isFinite(at)) {
        const delta = pending.slice(0, at);
        shown += delta;
        pending = '';
        return { delta, stopped: true };
      }
      const hold = longestStopPrefix(pending, stop);
      const delta = pending.slice(0, pending.length - hold);
      pending = pending.slice(pending.length - hold);
      shown += delta;
      return { delta, stopped: false };
    },
    flush() {
      const rest = pending;
      pending = '';
      shown += rest;
      return rest;
    },
    get text() {
      return shown;
    },
  };
}

/** The length of the longest end of `text` that some stop sequence starts with. */
function longestStopPrefix(text: string, stop: readonly string[]): number {
  let longest = 0;
  for (const sequence of stop) {
    for (let length = Math.min(sequence.length - 1, text.length); length > longest; length--) {
      if (text.endsWith(sequence.slice(0, length))) {
        longest = length;
        break;
      }
    }
  }
  return longest;
}
