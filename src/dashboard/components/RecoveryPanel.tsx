import { useState } from 'react';
import { ApiError, apiCall } from '../api';
import { fieldMessage } from '../format';
import { type QueueStatus, type ResumeResult, SERVICES, type Service } from '../types';
import { ConfirmDialog } from './ConfirmDialog';
import type { PanelProps } from './Dashboard';

type Dialog = { kind: 'reset'; service: Service } | { kind: 'resume' } | { kind: 'pause' } | null;

/**
 * The two deliberate recovery steps of the seeds (reset the breaker, then resume the queue), each refused
 * until its prerequisite holds, and the big red switch ("Pause everything").
 */
export function RecoveryPanel({ status, apiKey, canAct }: PanelProps & { status: QueueStatus }) {
  const open = status.circuit_breaker.state === 'open';
  const tripped = status.circuit_breaker.metadata.service;
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busy, setBusy] = useState(false);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [resetMessage, setResetMessage] = useState<string | null>(null);
  const [resuming, setResuming] = useState(false);
  const [result, setResult] = useState<ResumeResult | null>(null);
  const [resumeError, setResumeError] = useState<string | null>(null);
  const [pauseService, setPauseService] = useState<Service>('apollo');
  const [pauseReason, setPauseReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);

  const close = () => {
    setDialog(null);
    setDialogError(null);
    setReasonError(null);
  };

  async function reset(service: Service) {
    setBusy(true);
    try {
      const data = await apiCall<{ message: string }>(apiKey, 'POST', `/queue-management/circuit-breakers/${service}/reset`);
      setResetMessage(data.message);
      setResult(null);
      close();
    } catch (error) {
      setDialogError(error instanceof ApiError ? error.detail : String(error));
    } finally {
      setBusy(false);
    }
  }

  async function resume() {
    close();
    setResuming(true);
    setResumeError(null);
    setResult(null);
    try {
      setResult(await apiCall<ResumeResult>(apiKey, 'POST', '/queue-management/resume-queue'));
      setResetMessage(null);
    } catch (error) {
      setResumeError(error instanceof ApiError ? error.detail : String(error));
    } finally {
      setResuming(false);
    }
  }

  async function pauseEverything() {
    setBusy(true);
    setReasonError(null);
    setDialogError(null);
    try {
      await apiCall(apiKey, 'POST', '/queue-management/pause-service', { service: pauseService, reason: pauseReason });
      setPauseReason('');
      setResult(null);
      setResetMessage(null);
      close();
    } catch (error) {
      if (error instanceof ApiError) {
        const reason = error.fieldErrors.find((e) => e.field === 'body.reason');
        if (reason) setReasonError(fieldMessage('Reason', reason.message));
        else setDialogError(error.detail);
      } else setDialogError(String(error));
    } finally {
      setBusy(false);
    }
  }

  const resumeWarningId = 'resume-warning';
  const somethingPaused = status.queue.status === 'PAUSED' || status.campaigns.by_status.PAUSED > 0;
  return (
    <section aria-labelledby="recovery-title" className="card">
      <h2 id="recovery-title">Manual queue resume</h2>
      <p className="hint">Nothing resumes by itself. Recovery is two separate steps: reset the circuit breaker, then resume the queue.</p>

      <h3>Step 1: reset the circuit breaker</h3>
      {open ? (
        <>
          <p>Fix the cause first, then reset. Resetting closes the breaker and resumes nothing.</p>
          {canAct && (
            <ul className="reset-list">
              {SERVICES.map((service) => (
                <li key={service}>
                  <button type="button" className={service === tripped ? 'primary' : ''} onClick={() => setDialog({ kind: 'reset', service })}>
                    Reset {service} circuit breaker
                  </button>
                  {service === tripped && <span className="tag">opened it</span>}
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p className="ok">✓ The circuit breaker is closed: nothing to reset.</p>
      )}
      {resetMessage && (
        <p role="status" className="banner success">
          {resetMessage}
        </p>
      )}

      <h3>Step 2: resume the queue</h3>
      {open ? (
        <div id={resumeWarningId} className="banner warning" role="alert">
          <strong>⚠ Cannot Resume Queue</strong>
          <p>{status.resume_blocked_reason ?? 'The circuit breaker is open.'}</p>
          <p>Required action: reset the circuit breaker first (step 1).</p>
        </div>
      ) : somethingPaused ? (
        <p id={resumeWarningId} className="ok">
          ✓ Ready to Resume: {status.campaigns.by_status.PAUSED} paused campaigns and {status.jobs.by_status.PAUSED} paused jobs will resume.
        </p>
      ) : (
        <p id={resumeWarningId}>The queue is running; nothing is paused.</p>
      )}
      {canAct && (
        <button
          type="button"
          className="primary"
          disabled={!status.can_resume || !somethingPaused || resuming}
          aria-busy={resuming}
          aria-describedby={resumeWarningId}
          onClick={() => setDialog({ kind: 'resume' })}
        >
          {resuming ? 'Resuming Queue...' : 'Resume Queue & All Campaigns'}
        </button>
      )}
      {resumeError && (
        <p role="alert" className="banner error">
          {resumeError}
        </p>
      )}
      {result && <ResumeOutcome result={result} />}

      {canAct && (
        <>
          <h3>Stop everything</h3>
          <p className="hint">Opens the circuit breaker by hand: the queue, every running campaign and job pause, as on a service failure.</p>
          <button type="button" className="danger" disabled={open} onClick={() => setDialog({ kind: 'pause' })}>
            Pause everything
          </button>
          {open && <p className="hint">Already paused: the circuit breaker is open.</p>}
        </>
      )}

      {dialog?.kind === 'reset' && (
        <ConfirmDialog
          title={`Reset the ${dialog.service} circuit breaker?`}
          confirmLabel="Reset circuit breaker"
          busy={busy}
          error={dialogError}
          onConfirm={() => void reset(dialog.service)}
          onCancel={close}
        >
          <p>The breaker closes and failure counts clear. The queue, campaigns and jobs stay PAUSED until you resume the queue (step 2).</p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'resume' && (
        <ConfirmDialog title="Resume the queue and all paused campaigns?" confirmLabel="Resume now" onConfirm={() => void resume()} onCancel={close}>
          <p>Every paused campaign runs again and its paused jobs go back to pending.</p>
        </ConfirmDialog>
      )}
      {dialog?.kind === 'pause' && (
        <ConfirmDialog title="Pause everything?" confirmLabel="Open the breaker and pause everything" danger busy={busy} error={dialogError} onConfirm={() => void pauseEverything()} onCancel={close}>
          <p>Every running campaign and job pauses until an operator resets the breaker and resumes the queue.</p>
          <label htmlFor="pause-service">Service to record as the cause</label>
          <select id="pause-service" value={pauseService} onChange={(event) => setPauseService(event.target.value as Service)}>
            {SERVICES.map((service) => (
              <option key={service}>{service}</option>
            ))}
          </select>
          <label htmlFor="pause-reason">Reason (required)</label>
          <textarea
            id="pause-reason"
            rows={3}
            value={pauseReason}
            aria-required="true"
            aria-invalid={reasonError ? true : undefined}
            aria-describedby={reasonError ? 'pause-reason-error' : undefined}
            onChange={(event) => setPauseReason(event.target.value)}
          />
          {reasonError && (
            <p id="pause-reason-error" className="field-error">
              {reasonError}
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}

function ResumeOutcome({ result }: { result: ResumeResult }) {
  return (
    <div role="status" className={result.in_progress ? 'banner info' : 'banner success'} aria-label="Resume result">
      <p>
        <strong>{result.in_progress ? 'Queue resume under way.' : 'Successfully resumed queue system.'}</strong> {result.message}
      </p>
      <dl className="facts">
        <dt>Jobs resumed</dt>
        <dd data-testid="jobs-resumed">{result.jobs_resumed}</dd>
        <dt>Campaigns resumed</dt>
        <dd data-testid="campaigns-resumed">
          {result.campaigns_resumed} of {result.campaigns_eligible} eligible
          {result.in_progress && <> ({result.campaigns_pending} still being told)</>}
        </dd>
        <dt>Campaigns that could not resume</dt>
        <dd>
          {result.campaign_resume_errors.length === 0 ? (
            'none'
          ) : (
            <ul>
              {result.campaign_resume_errors.map((e) => (
                <li key={e.campaign_id}>
                  <span className="mono">{e.campaign_id}</span>: {e.error}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
    </div>
  );
}
