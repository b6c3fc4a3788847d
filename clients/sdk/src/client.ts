/**
 * The infergraph client: one object per server, holding its HTTP transport, its one shared WebSocket and its retry
 * policy. Every method is typed from the schema by the generated documents.
 */
import { InferGraphError } from './errors.js';
import {
  ExplainDocument,
  type ExplainInput,
  type ExplainMutation,
  GenerateDocument,
  type GenerateInput,
  type GenerateSubscription,
  HealthReportDocument,
  type HealthReportQuery,
  ListModelsDocument,
  LoadModelVersionsDocument,
  ModelInfoDocument,
  type ModelSummaryFragment,
  PredictBase64Document,
  type PredictBase64Mutation,
  type PredictStreamInput,
  ReloadModelVersionsDocument,
  RescanModelsDocument,
  RollbackModelAliasDocument,
  RunPipelineDocument,
  type RunPipelineMutation,
  type SequenceInput,
  SetModelAliasDocument,
  StreamPredictionsDocument,
  UnloadModelVersionsDocument,
  WatchHealthDocument,
  WatchModelEventsDocument,
  type WatchModelEventsSubscription,
  type WeightedVersionInput,
} from './generated/graphql.js';
import { createHttpTransport, type FilePart } from './http.js';
import type { Operation } from './operation.js';
import { createRetry, type RetryOptions } from './retry.js';
import { createSseTransport } from './sse.js';
import { decodeOutput, encodeImage, encodeImageFile, encodeInput, type ImageInput, type Tensor, type TensorInput } from './tensors.js';
import { createWsTransport } from './ws.js';

export interface ClientOptions {
  /** The server's GraphQL endpoint, e.g. `http://localhost:4000/graphql`. */
  url: string;
  /** Its WebSocket endpoint. @default the url with ws: or wss: */
  wsUrl?: string;
  /** An API key, sent as `Authorization: Bearer …` (in connection_init on the WebSocket). */
  apiKey?: string;
  /** A JWT, sent as the API key is. */
  token?: string;
  /**
   * Gives a token for each HTTP request and each WebSocket connection: return a cached one and renew it when it
   * nears expiry. After an UNAUTHENTICATED answer, the call is retried once with the token it gives next.
   */
  getToken?: () => string | Promise<string>;
  /**
   * How operations travel. `auto`: queries and mutations over HTTP (large tensors as multipart file parts),
   * subscriptions over the shared WebSocket. `ws`: everything over the WebSocket. `http`: everything over HTTP,
   * subscriptions as Server-Sent Events.
   * @default 'auto'
   */
  transport?: 'http' | 'ws' | 'auto';
  /** The fetch to use (a proxy's, a test's). @default globalThis.fetch */
  fetch?: typeof fetch;
  /** The WebSocket class, where the runtime has none: `ws`'s on Node 20. @default globalThis.WebSocket */
  webSocketImpl?: unknown;
  /** Retries of refusals (OVERLOADED, RATE_LIMITED) and of queries after network errors; `false` for none. */
  retry?: RetryOptions | false;
  /** Tensors of this many bytes or more go over HTTP as multipart file parts, smaller ones as base64. In bytes. @default 65_536 */
  fileMinBytes?: number;
}

/** A model as the catalog lists it. */
export type Model = ModelSummaryFragment;
export type Health = HealthReportQuery['health'];
export type GenerateEvent = GenerateSubscription['generate'];
export type ModelEvent = WatchModelEventsSubscription['modelEvents'];
export type PredictTiming = PredictBase64Mutation['predict']['timing'];
/** What a pipeline made of an image: its regions (text lines, for ocr) in reading order, the text, how each step ran. */
export type PipelineResult = RunPipelineMutation['runPipeline'];
/** A region a pipeline's step found: its polygon in the image's pixels, how it was turned, what the later steps said of it. */
export type PipelineRegion = PipelineResult['regions'][number];

export interface CallOptions {
  signal?: AbortSignal;
}

export interface PredictRequest extends CallOptions {
  model: string;
  /** A version number or an alias. @default the model's default version */
  version?: string;
  /** The input tensors, by input name; an image file as it is for the input the model's preprocessing fills. */
  inputs: Record<string, TensorInput | ImageInput>;
  /** The outputs to compute. @default all */
  outputs?: string[];
  /** The deadline from the request's arrival, queue included, in ms. */
  timeoutMs?: number;
  /** For a stateful model: the sequence this call belongs to. */
  sequence?: SequenceInput;
}

export interface PredictResult {
  model: string;
  /** The version that served the request. */
  version: string;
  /** The output tensors, by output name. */
  outputs: Record<string, Tensor>;
  timing: PredictTiming;
}

export type GenerateRequest = GenerateInput & CallOptions;

/** What explain takes: the server's ExplainInput, with the inputs as predict takes them. */
export interface ExplainRequest extends CallOptions, Omit<ExplainInput, 'inputs'> {
  /** One row of input, by input name: typed arrays or plain lists, as predict takes them. */
  inputs: Record<string, TensorInput>;
}

/** The server's explanation, its attributions a typed tensor (FP32: a Float32Array) shaped like the explained input. */
export type ExplainResult = Omit<ExplainMutation['explain'], 'attributions'> & { attributions: Tensor };

/** Tokens as they are generated. Leaving the loop (break, return, a throw, the signal) cancels the generation on the server. */
export interface GenerationStream extends AsyncIterable<GenerateEvent> {
  /** Runs the generation to its end and gives the whole text. */
  text(): Promise<string>;
}

export interface PredictStreamRequest extends CallOptions, Omit<PredictStreamInput, 'inputs'> {
  inputs: Record<string, TensorInput>;
}

export interface PredictStreamEvent extends Omit<PredictResult, never> {
  index: number;
  /** Frames in the whole buffer. */
  count: number;
}

export interface RunPipelineOptions extends CallOptions {
  /** The deadline over all the steps, their queues included, in ms: past it, DEADLINE_EXCEEDED naming the step. */
  timeoutMs?: number;
}

export interface OcrOptions extends RunPipelineOptions {
  /** The pipeline to read the text with. @default 'ocr' */
  model?: string;
}

export interface ModelTarget extends CallOptions {
  model: string;
  /** A version number or an alias. @default all versions */
  version?: string;
}

export interface InferGraphClient extends AsyncDisposable {
  /** Every model of the repository, with its versions and their state. */
  models(options?: CallOptions): Promise<Model[]>;
  /** One model, or null when there is none of that name. */
  model(name: string, options?: CallOptions): Promise<Model | null>;
  health(options?: CallOptions): Promise<Health>;
  predict(request: PredictRequest): Promise<PredictResult>;
  /** Which elements (or patches) of one row of input made a classifier's score for a class, and how much. */
  explain(request: ExplainRequest): Promise<ExplainResult>;
  /**
   * Runs a pipeline (a model whose catalog entry has `pipeline`) on an image file: PNG, JPEG or WebP bytes as they
   * are (a Buffer is a Uint8Array). Large images go over HTTP as a multipart file part.
   */
  runPipeline(model: string, image: Uint8Array, options?: RunPipelineOptions): Promise<PipelineResult>;
  /** Reads the text in an image: runPipeline on the `ocr` pipeline, or on the one `options.model` names. */
  ocr(image: Uint8Array, options?: OcrOptions): Promise<PipelineResult>;
  generate(request: GenerateRequest): GenerationStream;
  predictStream(request: PredictStreamRequest): AsyncIterable<PredictStreamEvent>;
  /** Every state change of every version, or of one model's. */
  modelEvents(options?: CallOptions & { model?: string }): AsyncIterable<ModelEvent>;
  /** The health now, then on every model state change and every intervalMs. */
  healthEvents(options?: CallOptions & { intervalMs?: number }): AsyncIterable<Health>;
  loadModel(target: ModelTarget): Promise<Model>;
  unloadModel(target: ModelTarget): Promise<Model>;
  reloadModel(target: ModelTarget): Promise<Model>;
  rescanRepository(options?: CallOptions): Promise<Model[]>;
  setAlias(request: CallOptions & { model: string; alias: string; versions: WeightedVersionInput[] }): Promise<Model>;
  rollbackAlias(request: CallOptions & { model: string; alias: string }): Promise<Model>;
  /** Closes the shared WebSocket. */
  close(): Promise<void>;
}

/** The fields that are set: optional variables go absent, not undefined (JSON would drop them; the types want them gone). */
function defined<Fields extends object>(fields: Fields): { [Key in keyof Fields]?: Exclude<Fields[Key], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as never;
}

export function createClient({
  url,
  wsUrl = url.replace(/^http/, 'ws'),
  apiKey,
  token,
  getToken,
  transport = 'auto',
  fetch = globalThis.fetch.bind(globalThis),
  webSocketImpl,
  retry: retryOptions = {},
  fileMinBytes = 65_536,
}: ClientOptions): InferGraphClient {
  const credential = async () => (getToken ? await getToken() : (token ?? apiKey));
  const headers = async (): Promise<Record<string, string>> => {
    const value = await credential();
    return value ? { authorization: `Bearer ${value}` } : {};
  };
  const retry = createRetry(retryOptions === false ? { maxRetries: 0 } : retryOptions);
  // The WebSocket reconnects with the same backoff, whatever the retries of calls: a dropped socket is never the call's fault.
  const { baseDelayMs = 250, maxDelayMs = 30_000 } = retryOptions === false ? {} : retryOptions;
  const retryDelayMs = (retries: number) => Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** retries);
  const http = createHttpTransport({ url, fetch, headers });
  const sse = createSseTransport({ url, fetch, headers });
  const ws = createWsTransport({
    url: wsUrl,
    webSocketImpl,
    connectionParams: headers,
    retryAttempts: 5,
    retryDelayMs,
    retryUnauthorized: getToken !== undefined,
  });

  /** A query or mutation: over HTTP unless `transport` is ws; retried where safe; once more on UNAUTHENTICATED with getToken. */
  async function execute<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: NoInfer<Variables>,
    {
      idempotent,
      model,
      signal,
      files,
      headers,
    }: {
      idempotent: boolean;
      model?: string | undefined;
      signal?: AbortSignal | undefined;
      files?: FilePart[];
      headers?: Record<string, string>;
    },
  ): Promise<Result> {
    const once = () =>
      transport === 'ws'
        ? ws.execute(operation, variables, { model, signal })
        : http.execute(operation, variables, { model, signal, ...(files ? { files } : {}), ...(headers ? { headers } : {}) });
    const withFreshToken = async () => {
      try {
        return await once();
      } catch (error) {
        if (!(getToken && error instanceof InferGraphError && error.code === 'UNAUTHENTICATED')) throw error;
        return once();
      }
    };
    return retry(withFreshToken, { idempotent, model, signal });
  }

  function subscribe<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: NoInfer<Variables>,
    context: { model?: string | undefined; signal?: AbortSignal | undefined },
  ) {
    return transport === 'http' ? sse(operation, variables, context) : ws.subscribe(operation, variables, context);
  }

  /** Tensors as the server takes them; file parts only where the request goes over HTTP. */
  function encodeInputs(inputs: Record<string, TensorInput | ImageInput>, path: string, multipart: boolean) {
    const files: FilePart[] = [];
    const encoded = Object.entries(inputs).map(([name, tensor], index) => {
      const minBytes = multipart ? fileMinBytes : Number.POSITIVE_INFINITY;
      const {
        input,
        file,
        fileField = 'file',
      } = 'image' in tensor ? encodeImage(name, tensor, minBytes) : encodeInput(name, tensor, minBytes);
      if (file) files.push({ path: `${path}.${index}.${fileField}`, bytes: file });
      return input;
    });
    return { encoded, files };
  }

  const outputsOf = (outputs: PredictBase64Mutation['predict']['outputs']) =>
    Object.fromEntries(outputs.map((output) => [output.name, decodeOutput(output)]));

  const iterable = <Item>(start: () => AsyncGenerator<Item>): AsyncIterable<Item> => ({ [Symbol.asyncIterator]: start });

  const client: InferGraphClient = {
    async models({ signal } = {}) {
      return (await execute(ListModelsDocument, {}, { idempotent: true, signal })).models;
    },
    async model(name, { signal } = {}) {
      return (await execute(ModelInfoDocument, { name }, { idempotent: true, model: name, signal })).model;
    },
    async health({ signal } = {}) {
      return (await execute(HealthReportDocument, {}, { idempotent: true, signal })).health;
    },
    async predict({ model, version, inputs, outputs, timeoutMs, sequence, signal }) {
      const { encoded, files } = encodeInputs(inputs, 'input.inputs', transport !== 'ws');
      const input = { model, inputs: encoded, ...defined({ version, outputs, timeoutMs, sequence }) };
      // A sequence's state lives on one replica: behind a balancer that routes on it (deploy/nginx), its calls go there.
      const headers = sequence ? { 'x-sequence-id': sequence.id } : undefined;
      const { predict } = await execute(
        PredictBase64Document,
        { input },
        { idempotent: false, model, signal, files, ...(headers ? { headers } : {}) },
      );
      return { model: predict.model, version: predict.version, outputs: outputsOf(predict.outputs), timing: predict.timing };
    },
    async explain({ inputs, signal, ...rest }) {
      const { encoded, files } = encodeInputs(inputs, 'input.inputs', transport !== 'ws');
      const input = { ...rest, inputs: encoded };
      // Retried after a network error, unlike predict: explain changes nothing and a seeded one gives the same answer,
      // so running it twice costs only compute.
      const { explain } = await execute(ExplainDocument, { input, base64: true }, { idempotent: true, model: rest.model, signal, files });
      const { attributions, ...explanation } = explain;
      if (attributions.base64 === undefined) {
        throw new InferGraphError('the server answered explain without the attributions asked for', {
          code: 'BAD_RESPONSE',
          model: rest.model,
        });
      }
      return { ...explanation, attributions: decodeOutput({ ...attributions, base64: attributions.base64 }) };
    },
    async runPipeline(model, image, { timeoutMs, signal } = {}) {
      const { image: wire, file } = encodeImageFile(image, transport === 'ws' ? Number.POSITIVE_INFINITY : fileMinBytes);
      const input = { model, image: wire, ...defined({ timeoutMs }) };
      const files = file ? [{ path: 'input.image.file', bytes: file }] : [];
      // Retried after a network error, as explain is: a pipeline changes nothing on the server, so twice costs only compute.
      return (await execute(RunPipelineDocument, { input }, { idempotent: true, model, signal, files })).runPipeline;
    },
    ocr(image, { model = 'ocr', ...options } = {}) {
      return client.runPipeline(model, image, options);
    },
    generate({ signal, ...input }) {
      async function* events(): AsyncGenerator<GenerateEvent> {
        for await (const { generate } of subscribe(GenerateDocument, { input }, { model: input.model, signal })) {
          if (generate.error) {
            throw new InferGraphError(generate.error.message, { code: generate.error.code, model: input.model });
          }
          yield generate;
        }
      }
      return {
        [Symbol.asyncIterator]: events,
        async text() {
          let text = '';
          for await (const event of events()) text += event.text;
          return text;
        },
      };
    },
    predictStream({ signal, inputs, ...rest }) {
      return iterable(async function* () {
        const { encoded } = encodeInputs(inputs, 'input.inputs', false);
        const input = { ...rest, inputs: encoded };
        for await (const { predictStream: event } of subscribe(StreamPredictionsDocument, { input }, { model: rest.model, signal })) {
          yield { ...event, outputs: outputsOf(event.outputs) } satisfies PredictStreamEvent;
        }
      });
    },
    modelEvents({ model, signal } = {}) {
      return iterable(async function* () {
        for await (const { modelEvents } of subscribe(WatchModelEventsDocument, defined({ model }), { model, signal })) {
          yield modelEvents;
        }
      });
    },
    healthEvents({ intervalMs, signal } = {}) {
      return iterable(async function* () {
        for await (const { health } of subscribe(WatchHealthDocument, defined({ intervalMs }), { signal })) {
          yield health;
        }
      });
    },
    async loadModel({ model, version, signal }) {
      return (await execute(LoadModelVersionsDocument, { model, ...defined({ version }) }, { idempotent: false, model, signal })).loadModel;
    },
    async unloadModel({ model, version, signal }) {
      return (await execute(UnloadModelVersionsDocument, { model, ...defined({ version }) }, { idempotent: false, model, signal }))
        .unloadModel;
    },
    async reloadModel({ model, version, signal }) {
      return (await execute(ReloadModelVersionsDocument, { model, ...defined({ version }) }, { idempotent: false, model, signal }))
        .reloadModel;
    },
    async rescanRepository({ signal } = {}) {
      return (await execute(RescanModelsDocument, {}, { idempotent: false, signal })).rescanRepository;
    },
    async setAlias({ model, alias, versions, signal }) {
      return (await execute(SetModelAliasDocument, { model, alias, versions }, { idempotent: false, model, signal })).setAlias;
    },
    async rollbackAlias({ model, alias, signal }) {
      return (await execute(RollbackModelAliasDocument, { model, alias }, { idempotent: false, model, signal })).rollbackAlias;
    },
    close: () => ws.dispose(),
    // Symbol.asyncDispose is in Node 20 and recent browsers; `await using` needs it.
    [Symbol.asyncDispose]: () => ws.dispose(),
  };
  return client;
}
