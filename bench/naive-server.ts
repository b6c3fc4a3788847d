/**
 * The server a user would write instead of infergraph (issue 11, goal 7), as a competent user
 * would write it in an afternoon: node:http and onnxruntime-node in one process, one session
 * per model, a JSON body, no batching, no worker threads. It checks what it is sent and answers
 * a bad request with 400 and a message, and that is all: no GraphQL, no limits beyond a body
 * size, no metrics or logs per request. Started as a child process by `npm run bench`:
 *
 *   node --import tsx bench/naive-server.ts glyphs=models/glyphs/1/model.onnx ...
 *
 * with PORT, HOST and INTRA_OP_NUM_THREADS (default 1, as the raw baseline's sessions) in the
 * environment.
 *
 *   POST /v1/models/glyphs/predict  {"inputs": {"pixels": {"shape": [1, 256], "base64": "…"}}}
 *   200 {"outputs": {"probabilities": {"shape": [1, 10], "data": [0.01, …]}}}
 *
 * A tensor is float32, its values as `data` (a list of numbers) or `base64` (little-endian
 * bytes). `GET /health/live` and `GET /health/ready` answer 200 (the sessions load before it
 * listens).
 */
import { Buffer } from 'node:buffer';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import ort from 'onnxruntime-node';

const MAX_BODY_BYTES = 16 * 1024 * 1024;
const PREDICT_PATH = /^\/v1\/models\/([^/]+)\/predict$/;

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const intraOpNumThreads = Number(process.env.INTRA_OP_NUM_THREADS ?? 1);
const sessions = new Map<string, ort.InferenceSession>();
for (const argument of process.argv.slice(2)) {
  const [name, path] = argument.split('=');
  if (!name || !path) throw new Error(`expected NAME=PATH/TO/model.onnx, got "${argument}"`);
  sessions.set(
    name,
    await ort.InferenceSession.create(path, {
      intraOpNumThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    }),
  );
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: unknown) => {
    const status = error instanceof BadRequest ? error.status : 500;
    send(response, status, { error: error instanceof Error ? error.message : String(error) });
  });
});

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = request.url?.split('?')[0] ?? '/';
  if (request.method === 'GET' && (path === '/health/live' || path === '/health/ready')) {
    send(response, 200, { status: 'ok' });
    return;
  }
  const model = request.method === 'POST' ? PREDICT_PATH.exec(path)?.[1] : undefined;
  const session = model === undefined ? undefined : sessions.get(decodeURIComponent(model));
  if (!session) throw new BadRequest(`no route ${request.method} ${path}`, 404);

  const body = await readJson(request);
  const feeds = toFeeds(session, body);
  const results = await session.run(feeds);
  const outputs: Record<string, { shape: readonly number[]; data: number[] }> = {};
  for (const [name, tensor] of Object.entries(results)) {
    outputs[name] = { shape: tensor.dims, data: Array.from(tensor.data as Float32Array) };
  }
  send(response, 200, { outputs });
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.byteLength;
    if (length > MAX_BODY_BYTES) throw new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks, length).toString('utf8'));
  } catch {
    throw new BadRequest('body is not JSON');
  }
}

function toFeeds(session: ort.InferenceSession, body: unknown): Record<string, ort.Tensor> {
  const inputs = (body as { inputs?: unknown } | null)?.inputs;
  if (typeof inputs !== 'object' || inputs === null) throw new BadRequest('expected {"inputs": {NAME: {shape, data | base64}}}');
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const { shape, data, base64 } = ((inputs as Record<string, unknown>)[name] ?? {}) as {
      shape?: unknown;
      data?: unknown;
      base64?: unknown;
    };
    if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0))
      throw new BadRequest(`input "${name}": expected a shape of non-negative integers`);
    const values = typeof base64 === 'string' ? fromBase64(base64) : Array.isArray(data) ? Float32Array.from(data as number[]) : null;
    if (!values) throw new BadRequest(`input "${name}": expected data (numbers) or base64`);
    const expected = (shape as number[]).reduce((product, dim) => product * dim, 1);
    if (values.length !== expected)
      throw new BadRequest(`input "${name}": shape [${shape.join(',')}] holds ${expected} values, got ${values.length}`);
    feeds[name] = new ort.Tensor('float32', values, shape as number[]);
  }
  return feeds;
}

function fromBase64(text: string): Float32Array | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength % 4 !== 0) return null;
  // Small buffers come out of Node's shared pool at any offset; a Float32Array needs 4-byte alignment.
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return new Float32Array(new Uint8Array(bytes).buffer);
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

const host = process.env.HOST ?? '127.0.0.1';
server.listen(Number(process.env.PORT ?? 8080), host, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  console.error(JSON.stringify({ msg: 'naive server listening', url: `http://${host}:${port}` }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
