/** The API key form, shown when the server answers UNAUTHENTICATED: the key is kept for this tab only (sessionStorage). */
import { type FormEvent, useState } from 'react';
import { ErrorNote } from './error-note.tsx';

export function Credentials({ refusal, onKey }: { refusal: unknown; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) onKey(key.trim());
  };
  return (
    <section className="panel credentials" aria-labelledby="credentials-title">
      <h2 id="credentials-title">This server asks for an API key</h2>
      <ErrorNote error={refusal} />
      <p className="muted">
        An operator makes one with <code>infergraph keys create</code>. It is kept in this tab only and sent as{' '}
        <code>Authorization: Bearer …</code>.
      </p>
      <form onSubmit={submit} className="inline-form">
        <label>
          API key
          <input type="password" autoComplete="off" value={key} onChange={(event) => setKey(event.target.value)} />
        </label>
        <button type="submit" disabled={!key.trim()}>
          Use this key
        </button>
      </form>
    </section>
  );
}
