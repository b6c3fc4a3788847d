/** The tiny LM as a recipe of the repository builder, with its tokenizer files beside model.json. */
import ort from 'onnxruntime-node';
import type { ModelRecipe } from '../model-recipe.ts';
import { generate } from './generate.ts';
import { createTinyLm, TINY_LM_CONFIG, TINY_LM_NAME, TINY_LM_VERSION, tinyLmTokenizerFiles } from './tiny-lm.ts';
import { createVocabulary } from './vocabulary.ts';

const SMOKE_PROMPT = 'The ';

export const tinyLm: ModelRecipe = {
  name: TINY_LM_NAME,
  version: TINY_LM_VERSION,
  inputs: [],
  config: TINY_LM_CONFIG,
  files: tinyLmTokenizerFiles,
  async build(log) {
    const { model, contexts } = await createTinyLm({ kvCache: true });
    log(`${contexts} n-gram contexts; greedy: ${JSON.stringify(await greedySample(model))}`);
    return model;
  },
};

/** What onnxruntime makes of the written bytes: the smoke prompt and its greedy continuation. */
async function greedySample(model: Uint8Array): Promise<string> {
  const vocabulary = createVocabulary();
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  try {
    const ids = await generate(session, { prompt: vocabulary.encode(SMOKE_PROMPT), maxNewTokens: 40, eosId: vocabulary.eosId });
    return SMOKE_PROMPT + ids.map((id) => vocabulary.tokens[id]).join('');
  } finally {
    await session.release();
  }
}
