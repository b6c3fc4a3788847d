/** The catalog: every model and version with its state, kept live by `modelEvents`. */
import type { Model, ModelEvent } from '@infergraph/client';
import { useState } from 'react';
import { ErrorNote } from './error-note.tsx';
import { useSession, useTask } from './session.ts';

export interface Catalog {
  /** null until the first answer. */
  models: Model[] | null;
  failure: unknown;
}

/** The models, then every state change as it happens; a change of a version the list lacks (a rescan) lists them again. */
export function useCatalog(): Catalog {
  const { client } = useSession();
  const [models, setModels] = useState<Model[] | null>(null);
  const failure = useTask(
    async (signal) => {
      // Subscribed before listing, so that a change while the list is on its way still arrives (after it).
      const events = client.modelEvents({ signal })[Symbol.asyncIterator]();
      // A failure of the next event is met where it is awaited; while the list is fetched it must not count as unhandled.
      const pull = () => {
        const pulled = events.next();
        pulled.catch(() => {});
        return pulled;
      };
      let next = pull();
      let current = await client.models({ signal });
      setModels(current);
      for (let result = await next; !result.done; result = await next) {
        next = pull();
        const changed = withEvent(current, result.value);
        current = changed ?? (await client.models({ signal }));
        setModels(current);
      }
    },
    [client],
  );
  return { models, failure };
}

/** The list with one version's new state, or null when the list does not have that version. */
function withEvent(models: Model[], event: ModelEvent): Model[] | null {
  let found = false;
  const updated = models.map((model) =>
    model.name !== event.model
      ? model
      : {
          ...model,
          versions: model.versions.map((version) => {
            if (version.version !== event.version) return version;
            found = true;
            return { ...version, state: event.state, stateReason: event.reason ?? null };
          }),
        },
  );
  return found ? updated : null;
}

export function CatalogPanel({ catalog: { models, failure } }: { catalog: Catalog }) {
  return (
    <section className="panel" aria-labelledby="catalog-title">
      <h2 id="catalog-title">Models</h2>
      <ErrorNote error={failure} />
      {models === null && !failure && <p className="muted">Loading the catalog…</p>}
      {models?.length === 0 && <p className="muted">The model repository is empty.</p>}
      <ul className="catalog">
        {models?.map((model) => (
          <li key={model.name} className="model" data-testid={`model-${model.name}`}>
            <div className="model-head">
              <strong>{model.name}</strong>
              {model.task && <span className="tag">{model.task}</span>}
            </div>
            {model.description && (
              <p className="description" title={model.description}>
                {model.description}
              </p>
            )}
            <ul className="versions">
              {model.versions.map((version) => (
                <li key={version.version} data-testid={`version-${model.name}-${version.version}`} data-state={version.state}>
                  <span className="version">v{version.version}</span>
                  <span className={`state state-${version.state.toLowerCase()}`}>{version.state}</span>
                  {version.inputs[0] && (
                    <span
                      className="muted spec"
                      title={version.inputs.map((input) => `${input.name} ${input.dataType} [${input.shape.join(',')}]`).join('\n')}
                    >
                      {version.inputs[0].name} [{version.inputs[0].shape.join(',')}]
                    </span>
                  )}
                  {version.stateReason && <span className="reason">{version.stateReason}</span>}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </section>
  );
}
