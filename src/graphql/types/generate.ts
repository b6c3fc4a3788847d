/** Subscription.generate: text generation, one event per token, then a final event. */
import { FINISH_REASONS, type GenerationEvent } from '../../streaming/generation/generation-engine.ts';
import type { Builder } from '../builder.ts';

type GenerateEvent = GenerationEvent & { model: string; version: string };

export function addGenerate(builder: Builder) {
  const FinishReason = builder.enumType('FinishReason', {
    values: FINISH_REASONS,
    description:
      'LENGTH: maxTokens or the model’s length; STOP: a stop sequence; EOS: the model ended the ' +
      'text; CANCELLED: the server shut down; ERROR: a run failed.',
  });

  const GenerateInput = builder.inputType('GenerateInput', {
    fields: (t) => ({
      model: t.string({ required: true }),
      version: t.string({
        description: 'A version number or an alias; without it, the alias default if the model has one, else its highest READY version.',
      }),
      prompt: t.string({ description: 'Text to continue; or give promptTokenIds.' }),
      promptTokenIds: t.intList({ description: 'Token ids to continue; or give prompt.' }),
      maxTokens: t.int({ description: 'Tokens to generate at most (default 64, capped by the model).' }),
      temperature: t.float({ description: '0 picks the likeliest token each step (greedy). Default 1.' }),
      topK: t.int({ description: 'Sample among the k likeliest tokens; 0 (default) for all.' }),
      topP: t.float({ description: 'Sample among the likeliest tokens whose probabilities reach p. Default 1.' }),
      seed: t.int({ description: 'Same seed, same prompt, same text. Random when absent.' }),
      stop: t.stringList({ description: 'Generation stops before any of these texts; it is not shown.' }),
    }),
  });

  const Usage = builder.objectRef<Extract<GenerateEvent, { kind: 'finish' }>>('GenerateUsage').implement({
    fields: (t) => ({
      promptTokens: t.exposeInt('promptTokens'),
      completionTokens: t.exposeInt('completionTokens'),
      timeToFirstTokenMs: t.float({ nullable: true, resolve: (event) => event.timeToFirstTokenMs }),
    }),
  });

  const GenerateError = builder.objectRef<{ code: string; message: string }>('GenerateError').implement({
    fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
  });

  const Event = builder.objectRef<GenerateEvent>('GenerateEvent').implement({
    description: 'One generated token, or (with finishReason set) the end of the stream.',
    fields: (t) => ({
      model: t.exposeString('model'),
      version: t.exposeString('version', { description: 'The version that generates.' }),
      index: t.exposeInt('index', { description: 'Position of the token among the generated ones; on the final event, their count.' }),
      tokenId: t.int({ nullable: true, resolve: (event) => (event.kind === 'token' ? event.tokenId : null) }),
      text: t.exposeString('text', { description: 'Text this event adds (UTF-8 safe: a character split over tokens comes whole).' }),
      finishReason: t.field({ type: FinishReason, nullable: true, resolve: (event) => (event.kind === 'finish' ? event.reason : null) }),
      usage: t.field({ type: Usage, nullable: true, resolve: (event) => (event.kind === 'finish' ? event : null) }),
      error: t.field({
        type: GenerateError,
        nullable: true,
        resolve: (event) =>
          event.kind === 'finish' && event.error
            ? { code: event.error.code, message: event.error.code === 'INTERNAL' ? 'internal server error' : event.error.message }
            : null,
      }),
    }),
  });

  builder.subscriptionField('generate', (t) =>
    t.field({
      type: Event,
      description: 'Generates text from a decoder model: one event per token, then a final event. Completing the subscription cancels it.',
      args: { input: t.arg({ type: GenerateInput, required: true }) },
      authScopes: { generate: true },
      subscribe: async (_root, { input }, { registry, generator, notes, trace }) => {
        const version = await registry.acquire(input.model, input.version);
        notes.model = version.model;
        notes.version = version.version;
        const events = generator.generate(version, input, trace);
        return labelled(events, { model: version.model, version: String(version.version) });
      },
      resolve: (event) => event,
    }),
  );
}

async function* labelled(
  events: AsyncIterableIterator<GenerationEvent>,
  label: { model: string; version: string },
): AsyncGenerator<GenerateEvent> {
  try {
    for await (const event of events) yield { ...event, ...label };
  } finally {
    await events.return?.();
  }
}
