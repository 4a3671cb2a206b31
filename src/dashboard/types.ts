// The API's JSON as the dashboard reads it (see src/api/README.md). Only what the screen uses is typed.

export const SERVICES = ['apollo', 'millionverifier', 'perplexity', 'openai', 'instantly'] as const;
export type Service = (typeof SERVICES)[number];

export const CAMPAIGN_STATUSES = ['CREATED', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const JOB_STATUSES = ['PENDING', 'PROCESSING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export type Role = 'operator' | 'viewer';

export interface Session {
  role: Role;
  temporal_ui: { url: string; namespace: string } | null;
}

export interface StatusCounts<S extends string> {
  total: number;
  by_status: Record<S, number>;
}

export interface BreakerMetadata {
  service?: string | null;
  error?: string | null;
  failure_type?: string | null;
  reason?: string | null;
  opened_by?: string;
  campaign_id?: string | null;
  job_id?: string | null;
}

export interface ServiceHealth {
  failure_count: number;
  last_error: string | null;
  last_failure_at: string | null;
  [reading: string]: unknown;
}

export interface QueueStatus {
  circuit_breaker: { state: 'open' | 'closed'; opened_at: string | null; closed_at: string | null; metadata: BreakerMetadata };
  queue: { status: 'ACTIVE' | 'PAUSED'; paused_at: string | null; resumed_at: string | null };
  queue_paused: boolean;
  services: Record<string, ServiceHealth>;
  failure_threshold: number;
  campaigns: StatusCounts<CampaignStatus>;
  jobs: StatusCounts<JobStatus>;
  can_resume: boolean;
  resume_blocked_reason?: string;
  [other: string]: unknown;
}

export interface Campaign {
  id: string;
  name: string;
  status: CampaignStatus;
  status_reason: string | null;
  lead_limit: number;
  created_at: string;
  workflow_id: string;
  progress: { jobs: StatusCounts<JobStatus>; leads_pushed: number };
}

export interface CampaignPage {
  campaigns: Campaign[];
  next_cursor: string | null;
  total: number;
}

export interface BreakerEvent {
  id: string;
  type: 'FAILURE_RECORDED' | 'BREAKER_OPENED' | 'BREAKER_RESET' | 'QUEUE_PAUSED' | 'QUEUE_RESUMED';
  service: string | null;
  actor: string;
  reason: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
}

export interface EventPage {
  events: BreakerEvent[];
  next_cursor: string | null;
  total: number;
}

/** One message of the live stream (GET /queue-management/stream, event `snapshot`). */
export interface Snapshot {
  status: QueueStatus;
  campaigns: CampaignPage;
  events: EventPage;
}

export interface ResumeResult {
  queue_resumed: boolean;
  jobs_resumed: number;
  campaigns_eligible: number;
  campaigns_resumed: number;
  campaign_resume_errors: { campaign_id: string; error: string }[];
  /** The API answered 202: campaign workflows are still being told; the resume goes on by itself. */
  in_progress: boolean;
  campaigns_pending: number;
  message: string;
}
