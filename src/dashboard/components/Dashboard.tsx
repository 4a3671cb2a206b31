import { useCallback, useEffect, useState } from 'react';
import { type Connection, useLive } from '../live';
import type { Session } from '../types';
import { BreakerPanel } from './BreakerPanel';
import { CampaignsPanel } from './CampaignsPanel';
import { NewCampaignForm } from './NewCampaignForm';
import { RecoveryPanel } from './RecoveryPanel';
import { ServicesPanel } from './ServicesPanel';
import { Timeline } from './Timeline';

export interface PanelProps {
  apiKey: string;
  /** Only operators see action controls; the server refuses a viewer's actions anyway. */
  canAct: boolean;
}

/** Re-renders every `ms` so relative times ("12 s ago") and countdowns stay true. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function Dashboard({ apiKey, session, onSignOut }: { apiKey: string; session: Session; onSignOut: (why?: string | null) => void }) {
  const refused = useCallback((detail: string) => onSignOut(detail), [onSignOut]);
  const { connection, snapshot, problem } = useLive(apiKey, refused);
  const canAct = session.role === 'operator';
  const now = useNow();

  return (
    <>
      <header className="top">
        <h1>Leadgen operator dashboard</h1>
        <LiveIndicator connection={connection} now={now} />
        <p className="who">
          Signed in as <strong>{session.role}</strong>
          {canAct ? '' : ' (read only)'}
        </p>
        <button type="button" onClick={() => onSignOut(null)}>
          Sign out
        </button>
      </header>
      <main>
        {problem && (
          <p role="alert" className="banner warning">
            {problem}
          </p>
        )}
        {!snapshot ? (
          <p role="status" className="loading">
            Loading the current state…
          </p>
        ) : (
          <>
            <div className="columns">
              <BreakerPanel status={snapshot.status} now={now} />
              <RecoveryPanel status={snapshot.status} apiKey={apiKey} canAct={canAct} />
            </div>
            <ServicesPanel status={snapshot.status} now={now} />
            <CampaignsPanel firstPage={snapshot.campaigns} snapshot={snapshot} apiKey={apiKey} canAct={canAct} temporalUi={session.temporal_ui} />
            {canAct && <NewCampaignForm apiKey={apiKey} />}
            <Timeline head={snapshot.events} apiKey={apiKey} />
          </>
        )}
      </main>
    </>
  );
}

function LiveIndicator({ connection, now }: { connection: Connection; now: number }) {
  const text =
    connection.state === 'live' ? 'Live' : connection.state === 'connecting' ? 'Connecting…' : 'Reconnecting';
  return (
    <p className={`live live-${connection.state}`}>
      <span className="dot" aria-hidden="true" />
      <span role="status">{text}</span>
      {connection.state === 'reconnecting' && (
        <span className="retry">
          {' '}
          in {Math.max(0, Math.ceil((connection.retryAt - now) / 1000))} s ({connection.reason})
        </span>
      )}
    </p>
  );
}
