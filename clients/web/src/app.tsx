/** The page: the catalog and health on the left, a panel per example model and per pipeline on the right; an API key asked for when the server wants one. */
import { createClient, InferGraphError } from '@infergraph/client';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { CatalogPanel, useCatalog } from './catalog.tsx';
import { Credentials } from './credentials.tsx';
import { ErrorBoundary } from './error-boundary.tsx';
import { GenerateBox } from './generate-box.tsx';
import { GlyphPad } from './glyph-pad.tsx';
import { HealthPanel } from './health-panel.tsx';
import { OcrUpload } from './ocr-upload.tsx';
import { PipelineReader } from './pipeline-reader.tsx';
import { type Session, SessionContext } from './session.ts';

/** sessionStorage: the key lasts as long as the tab, and no other site or tab reads it. */
const KEY_STORAGE = 'infergraph.apiKey';
/** The server that served this page: the app talks to its own origin only (its Content-Security-Policy says so). */
const GRAPHQL_URL = new URL('/graphql', window.location.href).href;

export function App() {
  const [apiKey, setApiKey] = useState(() => sessionStorage.getItem(KEY_STORAGE));
  const [refusal, setRefusal] = useState<InferGraphError | null>(null);
  const client = useMemo(() => createClient({ url: GRAPHQL_URL, ...(apiKey ? { apiKey } : {}) }), [apiKey]);
  useEffect(() => () => void client.close(), [client]);

  const report = useCallback((error: unknown) => {
    if (error instanceof InferGraphError && error.code === 'UNAUTHENTICATED') setRefusal(error);
  }, []);
  const session = useMemo<Session>(() => ({ client, report }), [client, report]);

  const changeKey = (key: string | null) => {
    if (key === null) sessionStorage.removeItem(KEY_STORAGE);
    else sessionStorage.setItem(KEY_STORAGE, key);
    setRefusal(null);
    setApiKey(key);
  };

  return (
    <SessionContext value={session}>
      <header className="top">
        <h1>infergraph</h1>
        <span className="tagline">models served over GraphQL</span>
        <nav>
          <a href="/graphql">GraphiQL</a>
          {apiKey && (
            <button type="button" className="link" onClick={() => changeKey(null)}>
              Forget the API key
            </button>
          )}
        </nav>
      </header>
      <main>{refusal ? <Credentials refusal={refusal} onKey={changeKey} /> : <Panels key={apiKey ?? ''} />}</main>
    </SessionContext>
  );
}

function Panels() {
  const catalog = useCatalog();
  const named = (name: string) => catalog.models?.find((model) => model.name === name);
  const lm = named('tiny-lm');
  return (
    <div className="layout">
      <aside className="side">
        <ErrorBoundary>
          <CatalogPanel catalog={catalog} />
        </ErrorBoundary>
        <ErrorBoundary>
          <HealthPanel />
        </ErrorBoundary>
      </aside>
      <div className="work">
        <ErrorBoundary>
          <GlyphPad model={named('glyphs')} />
        </ErrorBoundary>
        {catalog.models
          ?.filter((model) => model.pipeline)
          .map((model) => (
            <ErrorBoundary key={model.name}>
              <PipelineReader model={model} />
            </ErrorBoundary>
          ))}
        <ErrorBoundary>
          <OcrUpload model={named('ocr-direction')} />
        </ErrorBoundary>
        <ErrorBoundary>
          <GenerateBox model="tiny-lm" ready={lm?.versions.some((version) => version.state === 'READY') ?? false} />
        </ErrorBoundary>
      </div>
    </div>
  );
}
