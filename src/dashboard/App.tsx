import { useCallback, useEffect, useState } from 'react';
import { ApiError, apiCall, forgetKey, storedKey, storeKey } from './api';
import { Dashboard } from './components/Dashboard';
import { SignIn } from './components/SignIn';
import type { Session } from './types';

/** Signs the tab in with an API key (kept in sessionStorage), then shows the dashboard for the key's role. */
export function App() {
  const [apiKey, setApiKey] = useState<string | null>(storedKey);
  const [session, setSession] = useState<Session | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);

  const signOut = useCallback((why: string | null = null) => {
    forgetKey();
    setApiKey(null);
    setSession(null);
    setRefusal(why);
  }, []);

  // A key kept from earlier in this tab is checked again before anything is shown with it.
  useEffect(() => {
    if (!apiKey || session) return;
    apiCall<Session>(apiKey, 'GET', '/session')
      .then(setSession)
      .catch((error: unknown) => signOut(error instanceof ApiError && error.status === 401 ? 'The server refused the saved key: sign in again' : null));
  }, [apiKey, session, signOut]);

  if (!apiKey || !session) {
    if (apiKey && !refusal) return <p className="loading" role="status">Checking your key…</p>;
    return (
      <SignIn
        notice={refusal}
        onSignedIn={(key, signedIn) => {
          storeKey(key);
          setApiKey(key);
          setSession(signedIn);
          setRefusal(null);
        }}
      />
    );
  }
  return <Dashboard apiKey={apiKey} session={session} onSignOut={signOut} />;
}
