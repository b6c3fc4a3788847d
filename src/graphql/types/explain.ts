/** Mutation.explain: its input, the Explanation it answers and its timing. */
import type { ObjectRef } from '@pothos/core';
import { InferError } from '../../errors.ts';
import type { EXPLAIN_METHODS } from '../../explain/estimate.ts';
import type { ExplainTiming, Explanation } from '../../explain/explainer.ts';
import type { Baseline } from '../../explain/perturb.ts';
import type { Builder, SchemaTypes } from '../builder.ts';
import { type addPredict, tensorInputs } from './predict.ts';
import type { OutputTensor } from './tensor.ts';

interface ExplainResult extends Explanation {
  model: string;
  version: string;
  labels: string[] | null;
}

const BASELINES = ['ZERO', 'MEAN', 'VALUE'] as const;

export function addExplain(
  builder: Builder,
  {
    TensorRef,
    TensorInputRef,
  }: { TensorRef: ObjectRef<SchemaTypes, OutputTensor> } & Pick<ReturnType<typeof addPredict>, 'TensorInputRef'>,
) {
  const Method = builder.enumType('ExplainMethod', {
    description: 'How attributions are computed.',
    values: {
      OCCLUSION: {
        description: "Each feature (element or patch) alone replaced by the baseline: its attribution is the drop of the target's score.",
      },
      KERNEL_SHAP: {
        description:
          'KernelSHAP: Shapley values estimated by a weighted regression over seeded samples of coalitions of features, the ' +
          "rest replaced by the baseline; they add up to the target's score less the all-baseline score. At most 256 features.",
      },
    } satisfies Record<(typeof EXPLAIN_METHODS)[number], unknown>,
  });

  const BaselineRef = builder.enumType('ExplainBaseline', {
    description: 'What an occluded element becomes.',
    values: {
      ZERO: { description: 'Zero.' },
      MEAN: { description: 'The mean of the explained input.' },
      VALUE: { description: 'baselineValue.' },
    } satisfies Record<(typeof BASELINES)[number], unknown>,
  });

  const ExplainInput = builder.inputType('ExplainInput', {
    fields: (t) => ({
      model: t.string({ required: true }),
      version: t.string({
        description: 'A version number or an alias; without it, the alias default if the model has one, else its highest READY version.',
      }),
      inputs: t.field({ type: [TensorInputRef], required: true, description: 'One row of input, in any of the forms predict takes.' }),
      input: t.string({ description: "The input whose elements are attributed; the model's first when absent." }),
      output: t.string({ description: "The output holding the class scores, [N,classes]; the model's first when absent." }),
      target: t.int({ description: "The class explained, an index into the output's scores; the input's top class when absent." }),
      method: t.field({ type: Method, description: 'OCCLUSION when absent.' }),
      patchSize: t.int({
        description:
          'The side of the square patches of an input whose row has 2 or more dims (its last two), across its other dims; ' +
          'the length of the runs of a flat one. 1 (every element alone) when absent.',
      }),
      baseline: t.field({ type: BaselineRef, description: 'ZERO when absent, VALUE when only baselineValue is given.' }),
      baselineValue: t.float({ description: 'The value of the VALUE baseline.' }),
      samples: t.int({
        description:
          'KERNEL_SHAP: coalitions sampled; 2 × features + 2048 when absent, and all of them (exact values) when there are fewer.',
      }),
      seed: t.int({ description: 'KERNEL_SHAP: the seed of the sampler, 0 when absent; the same seed gives the same answer.' }),
    }),
  });

  const Timing = builder.objectRef<ExplainTiming>('ExplainTiming').implement({
    fields: (t) => ({
      totalMs: t.exposeFloat('totalMs', { description: 'From the request reaching the model to its answer.' }),
      requests: t.exposeInt('requests', { description: 'Predict requests the evaluations were sent in, to the version’s batcher.' }),
      meanBatchSize: t.exposeFloat('meanBatchSize', { description: 'Mean rows of the ONNX runs those requests rode in.' }),
    }),
  });

  const ExplanationRef = builder.objectRef<ExplainResult>('Explanation').implement({
    description: "Which elements of an input made a classifier's score for a class, and how much.",
    fields: (t) => ({
      model: t.exposeString('model'),
      version: t.exposeString('version', { description: 'The version that served the request.' }),
      method: t.field({ type: Method, resolve: (result) => result.method }),
      input: t.exposeString('input', { description: 'The input explained.' }),
      output: t.exposeString('output', { description: 'The output whose scores were read.' }),
      target: t.exposeInt('target', { description: 'The class explained.' }),
      label: t.string({
        nullable: true,
        description: "The target's label; null when the model has no labels.",
        resolve: ({ labels, target }) => labels?.[target] ?? null,
      }),
      score: t.exposeFloat('score', { description: "The target's score on the input as given." }),
      attributions: t.field({
        type: TensorRef,
        description:
          "FP32, shaped like the explained input: each element its feature's attribution (the element's, or its patch's). " +
          "OCCLUSION: the drop of the target's score when the feature alone is replaced by the baseline; KERNEL_SHAP: its Shapley value.",
        resolve: ({ input, attributions }) => ({ name: input, tensor: attributions, labels: null }),
      }),
      features: t.exposeInt('features', { description: 'Elements or patches attributed.' }),
      evaluations: t.exposeInt('evaluations', {
        description:
          'Rows the model ran: the input itself, then one copy per feature (OCCLUSION), or the all-baseline copy and each coalition (KERNEL_SHAP).',
      }),
      timing: t.field({ type: Timing, resolve: (result) => result.timing }),
    }),
  });

  builder.mutationField('explain', (t) =>
    t.field({
      type: ExplanationRef,
      description:
        'Attributes a classifier’s score for one class to the elements (or patches) of one row of input, by running perturbed ' +
        'copies through the version\'s batcher. Its cost counts its evaluations (README, "Explain").',
      args: { input: t.arg({ type: ExplainInput, required: true }) },
      authScopes: { predict: true },
      resolve: async (_root, { input }, { registry, explainer, clientSignal, notes, trace }) => {
        const version = await registry.acquire(input.model, input.version);
        notes.model = version.model;
        notes.version = version.version;
        const explanation = await explainer.explain(version, {
          inputs: await tensorInputs(input.inputs),
          input: input.input,
          output: input.output,
          target: input.target,
          method: input.method,
          patchSize: input.patchSize,
          baseline: baselineOf(input),
          samples: input.samples,
          seed: input.seed,
          signal: clientSignal?.(),
          trace,
        });
        return { ...explanation, model: version.model, version: String(version.version), labels: version.labels };
      },
    }),
  );
}

/** The baseline the input names: baselineValue alone means VALUE; a value with another baseline, or VALUE without one, is a mistake. */
function baselineOf({
  baseline,
  baselineValue,
}: {
  baseline?: (typeof BASELINES)[number] | null | undefined;
  baselineValue?: number | null | undefined;
}): Baseline {
  const hasValue = baselineValue !== null && baselineValue !== undefined;
  const kind = baseline ?? (hasValue ? 'VALUE' : 'ZERO');
  if (kind === 'VALUE') {
    if (!hasValue) throw new InferError('INVALID_ARGUMENT', 'explain: baseline VALUE needs a baselineValue');
    return { kind, value: baselineValue };
  }
  if (hasValue) throw new InferError('INVALID_ARGUMENT', `explain: baselineValue is for baseline VALUE, not ${kind}; leave it out`);
  return { kind };
}
