import { z } from 'zod';
import { SERVICES } from '../../providers/types';
import { text, timestamp } from '../http/common-schemas';
import { paginationQuery } from '../http/pagination';
import { statusCounts } from '../shared/status-counts';
import { CAMPAIGN_STATUSES, JOB_STATUSES } from '../shared/statuses';
import { serviceName } from './service-name';

// ---- input ----

export const resetParams = z.strictObject({ service: serviceName });

export const pauseServiceBody = z.strictObject({
  service: serviceName,
  reason: text({ max: 500 }),
});

export const resumeServiceBody = z.strictObject({ service: serviceName });

// ---- output ----

const service = z.enum(SERVICES);

/** What tripped the breaker: present while it is open, `{}` once closed. */
const breakerMetadata = z
  .object({
    service: service.nullable(),
    error: z.string().nullable(),
    failure_type: z.string().nullable().meta({ description: 'timeout, connection, server_error, rate_limited, auth, quota or manual' }),
    reason: z.string().nullable().meta({ description: "The operator's reason for a manual open" }),
    opened_by: z.string(),
    campaign_id: z.string().nullable(),
    job_id: z.string().nullable(),
  })
  .partial();

export const circuitBreaker = z.object({
  state: z.enum(['open', 'closed']),
  opened_at: timestamp.nullable(),
  closed_at: timestamp.nullable(),
  metadata: breakerMetadata,
});

const queueState = z.enum(['ACTIVE', 'PAUSED']);

export const queueStatusData = z.object({
  circuit_breaker: circuitBreaker,
  queue: z.object({ status: queueState, paused_at: timestamp.nullable(), resumed_at: timestamp.nullable() }),
  queue_paused: z.boolean(),
  services: z.record(
    service,
    z.object({ failure_count: z.int().min(0), last_error: z.string().nullable(), last_failure_at: timestamp.nullable() }),
  ),
  failure_threshold: z.int().min(1),
  campaigns: statusCounts(CAMPAIGN_STATUSES),
  jobs: statusCounts(JOB_STATUSES),
  can_resume: z.boolean(),
  resume_blocked_reason: z.string().optional().meta({ description: 'Why resume-queue would be refused now (only when it would)' }),
  providers: z
    .record(
      service,
      z.object({
        remaining: z.record(z.string(), z.number()).meta({ description: 'e.g. minute_requests, daily_requests (Apollo), requests, tokens (OpenAI), credits, leads_in_plan' }),
        resets: z.record(z.string(), z.string()).nullable(),
        observed_at: timestamp,
      }),
    )
    .meta({ description: 'What each service last reported about its remaining allowance (rate-limit headers, balances)' }),
});

export const providerCheckData = z.object({
  checked_at: timestamp,
  all_reachable: z.boolean(),
  unreachable: z.array(service),
  services: z.array(
    z.object({
      service,
      reachable: z.boolean(),
      probe: z.string().meta({ description: 'The call made, e.g. GET /api/v3/credits' }),
      latency_ms: z.int().min(0),
      remaining: z.record(z.string(), z.number()).nullable(),
      error: z.string().nullable(),
    }),
  ),
});

export const resetData = z.object({
  service,
  action: z.literal('circuit_breaker_reset'),
  message: z.string(),
  circuit_breaker: circuitBreaker,
  queue_status: queueState,
});

export const resumeQueueData = z.object({
  queue_resumed: z.boolean(),
  jobs_resumed: z.int().min(0),
  campaigns_eligible: z.int().min(0),
  campaigns_resumed: z.int().min(0),
  campaign_resume_errors: z.array(z.object({ campaign_id: z.string(), error: z.string() })),
  in_progress: z.boolean().meta({ description: 'true (with HTTP 202) while campaign workflows are still being told; the resume goes on by itself' }),
  campaigns_pending: z.int().min(0).meta({ description: 'campaigns RUNNING whose workflow has not been told yet (0 once done)' }),
  services_resumed: z.array(service),
  prerequisites_met: z.string(),
  message: z.string(),
});

export const resumeServiceData = resumeQueueData.extend({ service });

export const pauseServiceData = z.object({
  service,
  action: z.literal('circuit_breaker_opened'),
  reason: z.string(),
  already_open: z.boolean().meta({ description: 'true when the breaker was already open and nothing changed' }),
  circuit_breaker: circuitBreaker,
  queue_status: queueState,
  message: z.string(),
});

/** Audit events are numbered (not UUIDs): the cursor is the next_cursor of a previous page, a whole number. */
export const listEventsQuery = z.strictObject({
  limit: paginationQuery.limit,
  cursor: z.string().regex(/^\d{1,18}$/, 'must be the next_cursor of a previous page').optional(),
});

const breakerEventData = z.object({
  id: z.string().meta({ description: 'The audit row number (insertion order)' }),
  type: z.enum(['FAILURE_RECORDED', 'BREAKER_OPENED', 'BREAKER_RESET', 'QUEUE_PAUSED', 'QUEUE_RESUMED']),
  service: z.string().nullable(),
  actor: z.string().meta({ description: 'The role of the operator key, or system' }),
  reason: z.string().nullable(),
  metadata: z.unknown().nullable(),
  created_at: timestamp,
});

export const eventsPageData = z.object({
  events: z.array(breakerEventData),
  next_cursor: z.string().nullable(),
  total: z.int().min(0),
});
