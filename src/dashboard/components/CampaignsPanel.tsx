import { useEffect, useRef, useState } from 'react';
import { ApiError, apiCall } from '../api';
import { type Campaign, CAMPAIGN_STATUSES, type CampaignPage, type CampaignStatus, type Session, type Snapshot } from '../types';
import { summary } from './BreakerPanel';
import { ConfirmDialog } from './ConfirmDialog';
import type { PanelProps } from './Dashboard';

const REREAD_MS = 2_000;
const TERMINAL: CampaignStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
type Action = { kind: 'pause' | 'cancel' | 'start'; campaign: Campaign } | null;

interface Props extends PanelProps {
  /** The live stream's first page (no filter): shown as is when that is the page on screen. */
  firstPage: CampaignPage;
  /** Changes whenever anything changed: another page or filter is read again then. */
  snapshot: Snapshot;
  temporalUi: Session['temporal_ui'];
}

export function CampaignsPanel({ firstPage, snapshot, apiKey, canAct, temporalUi }: Props) {
  const [filter, setFilter] = useState<CampaignStatus | ''>('');
  // Cursors of the pages before the current one (keyset pagination only walks forward).
  const [cursors, setCursors] = useState<string[]>([]);
  const [ownPage, setOwnPage] = useState<CampaignPage | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [action, setAction] = useState<Action>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pauseReason, setPauseReason] = useState('');
  const latest = useRef({ view: '', at: 0, request: 0, timer: undefined as ReturnType<typeof setTimeout> | undefined });

  const cursor = cursors[cursors.length - 1];
  const usesLivePage = filter === '' && cursor === undefined;
  const view = `${filter}|${cursor ?? ''}`;

  // Another filter or page is read from the API: at once when it changes, then again after live changes,
  // at most every REREAD_MS per viewer (the live page itself costs the server nothing per viewer).
  useEffect(() => {
    const state = latest.current;
    if (usesLivePage) return;
    const changedView = state.view !== view;
    if (!changedView && state.timer) return;
    clearTimeout(state.timer);
    const wait = changedView ? 0 : Math.max(0, state.at + REREAD_MS - Date.now());
    state.timer = setTimeout(() => {
      state.timer = undefined;
      state.view = view;
      state.at = Date.now();
      const request = ++state.request;
      const query = new URLSearchParams({ ...(filter ? { status: filter } : {}), ...(cursor ? { cursor } : {}) });
      apiCall<CampaignPage>(apiKey, 'GET', `/campaigns?${query}`)
        .then((fetched) => request === state.request && (setOwnPage(fetched), setLoadError(null)))
        .catch((error: unknown) => request === state.request && setLoadError(error instanceof ApiError ? error.detail : String(error)));
    }, wait);
  }, [usesLivePage, view, filter, cursor, apiKey, snapshot]);
  useEffect(() => () => clearTimeout(latest.current.timer), []);

  const page = usesLivePage ? firstPage : ownPage;

  async function act() {
    if (!action) return;
    setBusy(true);
    setActionError(null);
    const { kind, campaign } = action;
    try {
      const body = kind === 'pause' && pauseReason.trim() ? { reason: pauseReason.trim() } : undefined;
      const answer = await apiCall<{ message: string }>(apiKey, 'POST', `/campaigns/${campaign.id}/${kind}`, body);
      setNotice(answer.message);
      setAction(null);
      setPauseReason('');
    } catch (error) {
      setActionError(error instanceof ApiError ? error.detail : String(error));
    } finally {
      setBusy(false);
    }
  }

  const pageNumber = cursors.length + 1;
  return (
    <section aria-labelledby="campaigns-title" className="card">
      <h2 id="campaigns-title">Campaigns</h2>
      <div className="toolbar">
        <label htmlFor="campaign-filter">Status</label>
        <select
          id="campaign-filter"
          value={filter}
          onChange={(event) => {
            setFilter(event.target.value as CampaignStatus | '');
            setCursors([]);
            setOwnPage(null);
          }}
        >
          <option value="">All statuses</option>
          {CAMPAIGN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <p className="hint" aria-live="polite">
          {page ? `Page ${pageNumber} · ${page.total} campaign${page.total === 1 ? '' : 's'}${filter ? ` ${filter}` : ''}` : 'Loading…'}
        </p>
      </div>
      {notice && (
        <p role="status" className="banner success">
          {notice}
        </p>
      )}
      {loadError && (
        <p role="alert" className="banner error">
          {loadError}
        </p>
      )}
      <div className="table-wrap" role="region" aria-label="Campaigns table" tabIndex={0}>
        <table className="campaigns">
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col">Status</th>
              <th scope="col">Jobs</th>
              <th scope="col">Leads pushed</th>
              <th scope="col">Pause reason</th>
              <th scope="col">Workflow</th>
              {canAct && <th scope="col">Actions</th>}
            </tr>
          </thead>
          <tbody>
            {page?.campaigns.length === 0 && (
              <tr>
                <td colSpan={canAct ? 7 : 6}>No campaigns{filter ? ` with status ${filter}` : ''} yet.</td>
              </tr>
            )}
            {page?.campaigns.map((campaign) => (
              <CampaignRow key={campaign.id} campaign={campaign} canAct={canAct} temporalUi={temporalUi} onAction={(kind) => { setActionError(null); setAction({ kind, campaign }); }} />
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Campaign pages">
        <button type="button" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}>
          Next page
        </button>
      </nav>

      {action && (
        <ConfirmDialog
          title={`${action.kind === 'pause' ? 'Pause' : action.kind === 'cancel' ? 'Cancel' : 'Start'} campaign ${action.campaign.name}?`}
          confirmLabel={action.kind === 'pause' ? 'Pause campaign' : action.kind === 'cancel' ? 'Cancel campaign' : 'Start campaign'}
          cancelLabel={action.kind === 'cancel' ? 'Keep it' : 'Cancel'}
          danger={action.kind === 'cancel'}
          busy={busy}
          error={actionError}
          onConfirm={() => void act()}
          onCancel={() => setAction(null)}
        >
          {action.kind === 'pause' && (
            <>
              <p>It stops dispatching jobs; only the next queue resume runs it again.</p>
              <label htmlFor="campaign-pause-reason">Reason (optional)</label>
              <input id="campaign-pause-reason" value={pauseReason} onChange={(event) => setPauseReason(event.target.value)} />
            </>
          )}
          {action.kind === 'cancel' && <p>Cancelling cannot be undone: its remaining jobs never run.</p>}
          {action.kind === 'start' && <p>It starts fetching leads now.</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}

function CampaignRow({ campaign, canAct, temporalUi, onAction }: { campaign: Campaign; canAct: boolean; temporalUi: Session['temporal_ui']; onAction: (kind: 'pause' | 'cancel' | 'start') => void }) {
  const jobs = campaign.progress.jobs;
  const done = jobs.by_status.COMPLETED + jobs.by_status.FAILED + jobs.by_status.CANCELLED;
  const workflowUrl =
    temporalUi && campaign.status !== 'CREATED'
      ? `${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(campaign.workflow_id)}`
      : null;
  return (
    <tr>
      <th scope="row">
        {campaign.name}
        <span className="sub mono">{campaign.id}</span>
      </th>
      <td>
        <span className={`badge ${statusColour(campaign.status)}`}>{campaign.status}</span>
      </td>
      <td>
        <progress max={Math.max(1, jobs.total)} value={done} aria-label={`${campaign.name}: ${done} of ${jobs.total} jobs finished`} />
        <span className="sub">
          {done} of {jobs.total} finished{jobs.total > done ? ` · ${summary({ PENDING: jobs.by_status.PENDING, PROCESSING: jobs.by_status.PROCESSING, PAUSED: jobs.by_status.PAUSED })}` : ''}
          {jobs.by_status.FAILED > 0 ? ` · ${jobs.by_status.FAILED} failed` : ''}
        </span>
      </td>
      <td>
        {campaign.progress.leads_pushed} of {campaign.lead_limit}
      </td>
      <td className="wrap">{campaign.status_reason ?? '—'}</td>
      <td>
        {workflowUrl ? (
          <a href={workflowUrl} target="_blank" rel="noreferrer" aria-label={`Workflow of ${campaign.name} in the Temporal Web UI`}>
            Workflow
          </a>
        ) : (
          <span className="sub mono">{campaign.status === 'CREATED' ? 'not started' : campaign.workflow_id}</span>
        )}
      </td>
      {canAct && (
        <td className="row-actions">
          {campaign.status === 'CREATED' && (
            <button type="button" aria-label={`Start ${campaign.name}`} onClick={() => onAction('start')}>
              Start
            </button>
          )}
          {campaign.status === 'RUNNING' && (
            <button type="button" aria-label={`Pause ${campaign.name}`} onClick={() => onAction('pause')}>
              Pause
            </button>
          )}
          {!TERMINAL.includes(campaign.status) && (
            <button type="button" className="danger-outline" aria-label={`Cancel ${campaign.name}`} onClick={() => onAction('cancel')}>
              Cancel
            </button>
          )}
        </td>
      )}
    </tr>
  );
}

function statusColour(status: CampaignStatus): string {
  if (status === 'RUNNING' || status === 'COMPLETED') return 'green';
  if (status === 'PAUSED') return 'amber';
  if (status === 'FAILED' || status === 'CANCELLED') return 'red';
  return 'grey';
}
