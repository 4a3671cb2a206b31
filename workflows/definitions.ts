/**
 * Names and message types shared by the workflows, their activities, the API and the tests.
 * Deterministic code only: this file is bundled into the workflow sandbox.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** The one breaker workflow. A fixed id makes it a singleton; signal-with-start creates it on first use. */
export const BREAKER_WORKFLOW_ID = 'circuit-breaker';

export const campaignWorkflowId = (campaignId: string): string => `campaign-${campaignId}`;

/** Bookkeeping and breaker effects run on their own queue, never behind third-party calls. */
export const controlTaskQueue = (taskQueue: string): string => `${taskQueue}-control`;

export type ServiceKey = 'apollo' | 'millionverifier' | 'perplexity' | 'openai' | 'instantly';

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
}

export interface BreakerInput {
  failureThreshold?: number;
  /** History length at which the breaker continues as new (tests lower it). */
  historyLimit?: number;
  /** Carried across continue-as-new. */
  snapshot?: BreakerSnapshot;
}

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
  /** Carried across continue-as-new. */
  carried?: { status: CampaignRunStatus; pauseReason: string | null; counts: CampaignCounts };
}

export interface CampaignCounts {
  completed: number;
  failed: number;
  paused: number;
}

export interface PauseCampaignRequest {
  reason: string;
  /** false when the sender already wrote PAUSED to the database (the breaker's set-based cascade). */
  persist: boolean;
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
 * Pause and resume come as updates for the breaker's fan-out (acknowledged, and cheap for the server:
 * one write per campaign) and as signals where durability matters more than an answer (the fallback
 * when a workflow cannot answer in time, and operator requests). Both run the same handler.
 */
export const pauseCampaignSignal = defineSignal<[PauseCampaignRequest]>('pauseCampaign');
export const resumeCampaignSignal = defineSignal('resumeCampaign');
export const pauseCampaignUpdate = defineUpdate<CampaignRunStatus, [PauseCampaignRequest]>('pauseCampaign');
export const resumeCampaignUpdate = defineUpdate<CampaignRunStatus, []>('resumeCampaign');
export const cancelCampaignSignal = defineSignal('cancelCampaign');
export const campaignProgressQuery = defineQuery<CampaignProgress>('progress');

// ---- jobs (activity results) ------------------------------------------------------------------

export type JobOutcome =
  /** Done; these jobs are next in the lead's pipeline. */
  | { kind: 'completed'; nextJobIds: string[] }
  /** The job's own data was refused: FAILED, the campaign goes on. */
  | { kind: 'failed'; error: string }
  /** Not dispatched: the queue or campaign was paused when the job tried to start. */
  | { kind: 'not_dispatched'; reason: string };

/** The ApplicationFailure type an activity throws for a service failure (trips the breaker). */
export const SERVICE_FAILURE = 'ServiceFailure';
