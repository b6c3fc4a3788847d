/** The text the tiny LM's weights are counted from: original prose written for this project. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const CORPUS_PATH = fileURLToPath(new URL('corpus.txt', import.meta.url));

/**
 * The corpus's paragraphs, each on one line with single spaces. Each is a document the model
 * learns to start after end-of-text and to end with it.
 */
export async function readCorpusDocuments(path = CORPUS_PATH): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\s+/g, ' ').trim())
    .filter((paragraph) => paragraph !== '');
}
