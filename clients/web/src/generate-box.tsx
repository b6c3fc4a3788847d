/** A prompt for `tiny-lm`: tokens appear as the server streams them; Stop leaves the loop, and the SDK cancels the stream on the server. */
import type { GenerateEvent } from '@infergraph/client';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ErrorNote } from './error-note.tsx';
import { isAborted, useSession } from './session.ts';

type Status =
  | { kind: 'idle' }
  | { kind: 'streaming'; tokens: number }
  | { kind: 'finished'; tokens: number; reason: string; firstTokenMs: number | null }
  | { kind: 'stopped'; tokens: number };

export function GenerateBox({ model, ready }: { model: string; ready: boolean }) {
  const { client, report } = useSession();
  const [prompt, setPrompt] = useState('The model server');
  const [maxTokens, setMaxTokens] = useState(200);
  const [text, setText] = useState('');
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [failure, setFailure] = useState<unknown>(null);
  const running = useRef<AbortController | null>(null);

  // A generation still running when the panel goes (a new key, a closed page) is cancelled on the server too.
  useEffect(() => () => running.current?.abort(), []);

  const generate = async (event: FormEvent) => {
    event.preventDefault();
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setText('');
    setFailure(null);
    setStatus({ kind: 'streaming', tokens: 0 });
    let tokens = 0;
    try {
      let last: GenerateEvent | null = null;
      for await (const token of client.generate({ model, prompt, maxTokens, signal: controller.signal })) {
        last = token;
        if (token.text) setText((shown) => shown + token.text);
        if (token.finishReason) break;
        tokens += 1;
        setStatus({ kind: 'streaming', tokens });
      }
      setStatus({
        kind: 'finished',
        tokens: last?.usage?.completionTokens ?? tokens,
        reason: last?.finishReason ?? 'ended',
        firstTokenMs: last?.usage?.timeToFirstTokenMs ?? null,
      });
    } catch (error) {
      if (isAborted(error) || controller.signal.aborted) {
        setStatus({ kind: 'stopped', tokens });
      } else {
        setStatus({ kind: 'idle' });
        setFailure(error);
        report(error);
      }
    } finally {
      if (running.current === controller) running.current = null;
    }
  };

  const streaming = status.kind === 'streaming';
  return (
    <section className="panel" aria-labelledby="generate-title">
      <h2 id="generate-title">Generate text</h2>
      <p className="muted">
        <code>{model}</code> continues your prompt one character-token at a time, streamed over the WebSocket.
      </p>
      <form className="generate" onSubmit={(event) => void generate(event)}>
        <label>
          Prompt
          <textarea value={prompt} onChange={(event) => setPrompt(event.target.value)} rows={2} />
        </label>
        <div className="generate-controls">
          <label className="inline">
            Max tokens
            <input
              type="number"
              min={1}
              value={maxTokens}
              onChange={(event) => setMaxTokens(Math.max(1, Math.floor(Number(event.target.value) || 1)))}
            />
          </label>
          <button type="submit" disabled={streaming || !ready}>
            Generate
          </button>
          <button type="button" onClick={() => running.current?.abort()} disabled={!streaming}>
            Stop
          </button>
          <span
            className="muted"
            data-testid="generation-status"
            data-kind={status.kind}
            data-tokens={'tokens' in status ? status.tokens : 0}
          >
            {describe(status, ready)}
          </span>
        </div>
      </form>
      <output className="generation" data-testid="generation" aria-live="off">
        {text && <span className="prompt">{prompt}</span>}
        {text}
      </output>
      <ErrorNote error={failure} />
    </section>
  );
}

function describe(status: Status, ready: boolean): string {
  switch (status.kind) {
    case 'idle':
      return ready ? '' : 'the model is not ready';
    case 'streaming':
      return `streaming… ${status.tokens} tokens`;
    case 'finished':
      return `finished (${status.reason}): ${status.tokens} tokens${status.firstTokenMs === null ? '' : `, first after ${status.firstTokenMs.toFixed(1)} ms`}`;
    case 'stopped':
      return `stopped after ${status.tokens} tokens`;
  }
}
