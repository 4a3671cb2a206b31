import { type FormEvent, useState } from 'react';
import { ApiError, apiCall } from '../api';
import type { Session } from '../types';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (key: string, session: Session) => void }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(notice);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError('Enter an API key');
    setBusy(true);
    setError(null);
    try {
      onSignedIn(trimmed, await apiCall<Session>(trimmed, 'GET', '/session'));
    } catch (caught) {
      const refused = caught instanceof ApiError && caught.status === 401;
      setError(refused ? `Sign-in refused: ${caught.detail}. Check the key and try again.` : caught instanceof ApiError ? caught.detail : 'Sign-in failed');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Leadgen operator dashboard</h1>
      <form onSubmit={(event) => void submit(event)} noValidate aria-describedby="sign-in-help">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={key}
          onChange={(event) => setKey(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'sign-in-error' : undefined}
          autoFocus
        />
        <p id="sign-in-help" className="hint">
          An operator key may act; a viewer key only reads. The key is kept in this browser tab only.
        </p>
        {error && (
          <p id="sign-in-error" role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
