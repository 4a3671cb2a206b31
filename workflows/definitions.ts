/**
 * Names and message types shared by the workflows, their activities, the API and the tests.
 * Deterministic code only: this file is bundled into the workflow sandbox.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** The one breaker workflow. A fixed id makes it a singleton; signal-with-start creates it on first use. */
export const BREAKER_WORKFLOW_ID = 'circuit-breaker';

export const campaignWorkflowId = (campaignId: string): string => `campaign-${campaignId}`;

/** The five third-party services, in pipeline order: the one list every part of the product uses. */
export const SERVICES = ['apollo', 'millionverifier', 'perplexity', 'openai', 'instantly'] as const;
export type ServiceKey = (typeof SERVICES)[number];

/**
 * Task queues, derived from the product's base queue (TASK_QUEUE): workflows run on the base queue; each
 * service's jobs on a queue of their own (so each can have its own rate limit and concurrency cap); campaign
 * bookkeeping on the control queue; the breaker's effects on a queue of their own, so closing the gate never
 * waits behind bookkeeping or third-party calls.
 */
export const controlTaskQueue = (taskQueue: string): string => `${taskQueue}-control`;
export const breakerTaskQueue = (taskQueue: string): string => `${taskQueue}-breaker`;
/**
 * The breaker's effects queue. The breaker workflow itself runs on the breaker queue (so a trip never waits behind
 * campaign workflow tasks); a run started before it moved there still finds its effects on the same queue.
 */
export const breakerEffectsQueue = (workflowTaskQueue: string): string =>
  workflowTaskQueue.endsWith('-breaker') ? workflowTaskQueue : breakerTaskQueue(workflowTaskQueue);
export const jobTaskQueue = (taskQueue: string, service: ServiceKey): string => `${taskQueue}-jobs-${service}`;

export type JobType = 'FETCH_LEADS' | 'FIND_EMAILS' | 'VERIFY_EMAIL' | 'ENRICH_LEAD' | 'WRITE_COPY' | 'PUSH_TO_INSTANTLY';

/** Which service each job type calls. */
export const JOB_SERVICE: Record<JobType, ServiceKey> = {
  FETCH_LEADS: 'apollo',
  FIND_EMAILS: 'apollo',
  VERIFY_EMAIL: 'millionverifier',
  ENRICH_LEAD: 'perplexity',
  WRITE_COPY: 'openai',
  PUSH_TO_INSTANTLY: 'instantly',
};

/** A job the campaign workflow may dispatch. */
export interface JobRef {
  id: string;
  type: JobType;
}

// ---- breaker ----------------------------------------------------------------------------------

export type BreakerStateName = 'OPEN' | 'CLOSED';
export type QueueStateName = 'ACTIVE' | 'PAUSED';

export interface ServiceFailure {
  service: ServiceKey;
  error: string;
  /** timeout | connection | server_error | rate_limited | auth | quota */
  failureType: string;
  campaignId?: string;
  jobId?: string;
  /** The breaker generation the failed call was dispatched under (see BreakerSnapshot.generation). */
  breakerGeneration?: number;
}

export interface BreakerMetadata {
  service: ServiceKey | null;
  error: string | null;
  failure_type: string | null;
  /** The operator's reason for a manual open. */
  reason: string | null;
  opened_by: string;
  campaign_id?: string | null;
  job_id?: string | null;
}

export interface ServiceHealth {
  failure_count: number;
  last_error: string | null;
  last_failure_at: string | null;
}

export interface BreakerSnapshot {
  state: BreakerStateName;
  opened_at: string | null;
  closed_at: string | null;
  metadata: BreakerMetadata | null;
  queue: { status: QueueStateName; paused_at: string | null; resumed_at: string | null };
  services: Record<ServiceKey, ServiceHealth>;
  failure_threshold: number;
  /** Failures reported while already OPEN, or dispatched before the last reset: never acted on. */
  absorbed_failures: number;
  /** How many resets so far; a failure from an older generation is stale news. */
  generation: number;
  /** The number of the last transition (see BreakerTransition); the database applies each once, in order. */
  transition_seq: number;
}

export interface BreakerInput {
  failureThreshold?: number;
  /** History length at which the breaker continues as new (tests lower it). */
  historyLimit?: number;
  /** Carried across continue-as-new. A run started without it rebuilds itself from the database. */
  snapshot?: BreakerSnapshot;
}

/** What the breaker's projection in the database holds (system_state): a fresh run starts from it. */
export interface StoredBreakerState {
  state: BreakerStateName;
  queue: QueueStateName;
  opened_at: string | null;
  closed_at: string | null;
  metadata: BreakerMetadata | null;
  generation: number;
  transition_seq: number;
}

/**
 * A transition the breaker decided, numbered (`seq`): its effect writes the database once, in order, and
 * audits it once, however often it runs.
 */
export type BreakerTransition =
  | { seq: number; kind: 'opened'; at: string; metadata: BreakerMetadata }
  | { seq: number; kind: 'reset'; at: string; service: ServiceKey; actor: string; wasOpen: boolean; previous: BreakerMetadata | null; generation: number }
  | { seq: number; kind: 'resumed'; at: string; actor: string }
  | { seq: number; kind: 'failure_recorded'; at: string; failure: ServiceFailure; count: number; threshold: number };

export interface ForceOpenRequest {
  service: ServiceKey;
  reason: string;
  actor: string;
}

export interface ResetRequest {
  service: ServiceKey;
  actor: string;
}

export interface ResumeQueueRequest {
  actor: string;
}

export interface CampaignResumeError {
  campaign_id: string;
  error: string;
}

export interface ResumeQueueResult {
  queue_resumed: boolean;
  jobs_resumed: number;
  campaigns_eligible: number;
  campaigns_resumed: number;
  campaign_resume_errors: CampaignResumeError[];
}

export const recordFailureSignal = defineSignal<[ServiceFailure]>('recordFailure');
export const forceOpenUpdate = defineUpdate<BreakerSnapshot, [ForceOpenRequest]>('forceOpen');
export const resetUpdate = defineUpdate<BreakerSnapshot, [ResetRequest]>('reset');
export const resumeQueueUpdate = defineUpdate<ResumeQueueResult, [ResumeQueueRequest]>('resumeQueue');
export const breakerStateQuery = defineQuery<BreakerSnapshot>('breakerState');

/** The ApplicationFailure type of a resume refused because the breaker is OPEN. */
export const BREAKER_STILL_OPEN = 'BreakerStillOpen';

// ---- campaign ---------------------------------------------------------------------------------

export type CampaignRunStatus = 'STARTING' | 'RUNNING' | 'PAUSED' | 'COMPLETED' | 'CANCELLED';

export interface CampaignInput {
  campaignId: string;
  /** History length at which the campaign continues as new (tests lower it). */
  historyLimit?: number;
  /** Carried across continue-as-new (the new run converges to the database before it dispatches). */
  carried?: { status: CampaignRunStatus; pauseReason: string | null; counts: CampaignCounts };
}

export interface CampaignCounts {
  completed: number;
  failed: number;
  paused: number;
}

export interface PauseCampaignRequest {
  reason: string;
}

export interface CampaignProgress {
  campaignId: string;
  status: CampaignRunStatus;
  pauseReason: string | null;
  inFlight: number;
  queued: number;
  counts: CampaignCounts;
}

/**
 * Pause and resume are notices: the sender has already written the new status to the database, the workflow
 * stops dispatching at once on a pause and then re-reads its campaign's state (the source of truth) either way.
 * They come as updates from the breaker's fan-out (the answer is the acknowledgement) and as signals where
 * durability matters more than an answer (the fan-out's fallback, operator requests). Both run one handler.
 */
export const pauseCampaignSignal = defineSignal<[PauseCampaignRequest]>('pauseCampaign');
export const resumeCampaignSignal = defineSignal('resumeCampaign');
export const pauseCampaignUpdate = defineUpdate<CampaignRunStatus, [PauseCampaignRequest]>('pauseCampaign');
export const resumeCampaignUpdate = defineUpdate<CampaignRunStatus, []>('resumeCampaign');
export const cancelCampaignSignal = defineSignal('cancelCampaign');
export const campaignProgressQuery = defineQuery<CampaignProgress>('progress');

// ---- jobs (activity results) ------------------------------------------------------------------

export interface RunJobInput {
  jobId: string;
  campaignId: string;
  /** Unique per dispatch (Temporal's retries of one dispatch share it): a job runs for one dispatch only. */
  dispatchId: string;
}

export type JobOutcome =
  /** Done; these jobs are next in the lead's pipeline. */
  | { kind: 'completed'; nextJobs: JobRef[] }
  /** The job's own data was refused: FAILED, the campaign goes on. */
  | { kind: 'failed'; error: string }
  /** Not dispatched: the gate (queue paused) or the campaign (not RUNNING) refused it. */
  | { kind: 'not_dispatched'; reason: string }
  /** Finished or owned by another dispatch: nothing to do, nothing to count. */
  | { kind: 'duplicate' };

/** What the campaign workflow adopts from the database (see src/store/campaigns.ts syncCampaign). */
export interface CampaignSync {
  status: 'CREATED' | 'RUNNING' | 'PAUSED' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'MISSING';
  reason: string | null;
  runnable: JobRef[];
}

/** How the database took a job's final service failure. */
export type FailureReport = { kind: 'requeued' } | { kind: 'paused' };

/** The ApplicationFailure type an activity throws for a service failure (trips the breaker). */
export const SERVICE_FAILURE = 'ServiceFailure';
