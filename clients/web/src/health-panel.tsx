/** Live health from the `health` subscription: readiness, and per model what is queued, running and streaming. */
import type { Health } from '@infergraph/client';
import { useState } from 'react';
import { ErrorNote } from './error-note.tsx';
import { useSession, useTask } from './session.ts';

/** How often the server sends the figures when nothing changes, in ms. */
const HEALTH_INTERVAL_MS = 1000;

export function HealthPanel() {
  const { client } = useSession();
  const [health, setHealth] = useState<Health | null>(null);
  const failure = useTask(
    async (signal) => {
      for await (const next of client.healthEvents({ intervalMs: HEALTH_INTERVAL_MS, signal })) setHealth(next);
    },
    [client],
  );
  return (
    <section className="panel" aria-labelledby="health-title">
      <h2 id="health-title">
        Health
        {health && (
          <span className={`state ${health.ready ? 'state-ready' : 'state-failed'}`} data-testid="server-ready">
            {health.ready ? 'ready' : 'not ready'}
          </span>
        )}
      </h2>
      <ErrorNote error={failure} />
      {!health && !failure && <p className="muted">Connecting…</p>}
      {health && (
        <table className="health" data-testid="health">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Queued</th>
              <th scope="col">In flight</th>
              <th scope="col">Streams</th>
            </tr>
          </thead>
          <tbody>
            {health.models.map((model) => (
              <tr key={model.name} data-testid={`health-${model.name}`} title={model.reason ?? undefined}>
                <th scope="row">
                  <span
                    role="img"
                    className={`dot ${model.ready ? 'dot-ready' : 'dot-down'}`}
                    aria-label={model.ready ? 'ready' : 'not ready'}
                  />
                  {model.name}
                </th>
                <td>{model.queued}</td>
                <td>{model.inFlight}</td>
                <td data-testid={`streams-${model.name}`}>{model.streams}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
