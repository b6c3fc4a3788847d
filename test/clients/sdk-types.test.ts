/** The SDK's types come from the schema: these assertions are checked by tsc (npm run check), run or not. */
import { describe, expectTypeOf, it } from 'vitest';
import type {
  ExplainMethod,
  FinishReason,
  ListModelsQuery,
  ModelState,
  WatchHealthSubscription,
} from '../../clients/sdk/src/generated/graphql.ts';
import type {
  ExplainResult,
  GenerateEvent,
  Health,
  InferGraphClient,
  InferGraphErrorCode,
  Model,
  PredictResult,
  Tensor,
  TensorInput,
} from '../../clients/sdk/src/index.ts';

describe('types of the SDK', () => {
  it('should type the catalog as the schema selects it', () => {
    expectTypeOf<Awaited<ReturnType<InferGraphClient['models']>>>().toEqualTypeOf<ListModelsQuery['models']>();
    expectTypeOf<Awaited<ReturnType<InferGraphClient['model']>>>().toEqualTypeOf<Model | null>();
    expectTypeOf<Model['versions'][number]['state']>().toEqualTypeOf<ModelState>();
    expectTypeOf<ModelState>().toEqualTypeOf<'FAILED' | 'LOADING' | 'READY' | 'UNAVAILABLE' | 'UNLOADING'>();
    expectTypeOf<Model['description']>().toEqualTypeOf<string | null>();
    expectTypeOf<Health>().toEqualTypeOf<WatchHealthSubscription['health']>();
  });

  it('should narrow a tensor to its array type by its data type', () => {
    expectTypeOf<PredictResult['outputs']>().toEqualTypeOf<Record<string, Tensor>>();
    expectTypeOf<Extract<Tensor, { dataType: 'FP32' }>['data']>().toEqualTypeOf<Float32Array>();
    expectTypeOf<Extract<Tensor, { dataType: 'INT64' }>['data']>().toEqualTypeOf<BigInt64Array>();
    expectTypeOf<Extract<Tensor, { dataType: 'UINT64' }>['data']>().toEqualTypeOf<BigUint64Array>();
    expectTypeOf<Extract<Tensor, { dataType: 'STRING' }>['data']>().toEqualTypeOf<string[]>();
    expectTypeOf<Extract<Tensor, { dataType: 'BOOL' }>['data']>().toEqualTypeOf<boolean[]>();
  });

  it('should type the streams and the errors', () => {
    expectTypeOf<ReturnType<InferGraphClient['generate']>>().toExtend<AsyncIterable<GenerateEvent>>();
    expectTypeOf<GenerateEvent['finishReason']>().toEqualTypeOf<FinishReason | null>();
    expectTypeOf<GenerateEvent['usage']>().toEqualTypeOf<{
      promptTokens: number;
      completionTokens: number;
      timeToFirstTokenMs: number | null;
    } | null>();
    expectTypeOf<'OVERLOADED'>().toExtend<InferGraphErrorCode>();
    expectTypeOf<InferGraphClient['predict']>().parameter(0).toHaveProperty('model').toEqualTypeOf<string>();
  });

  it('should type an explanation from the schema, its attributions a tensor', () => {
    expectTypeOf<Awaited<ReturnType<InferGraphClient['explain']>>>().toEqualTypeOf<ExplainResult>();
    expectTypeOf<ExplainResult['attributions']>().toEqualTypeOf<Tensor>();
    expectTypeOf<ExplainResult['method']>().toEqualTypeOf<ExplainMethod>();
    expectTypeOf<ExplainMethod>().toEqualTypeOf<'KERNEL_SHAP' | 'OCCLUSION'>();
    expectTypeOf<ExplainResult['label']>().toEqualTypeOf<string | null>();
    expectTypeOf<ExplainResult['timing']>().toEqualTypeOf<{ totalMs: number; requests: number; meanBatchSize: number }>();
    expectTypeOf<InferGraphClient['explain']>().parameter(0).toHaveProperty('inputs').toEqualTypeOf<Record<string, TensorInput>>();
  });
});
