import type { z } from 'zod';
import type { Job } from '../../generated/prisma/client';
import { jobPausedReason } from '../../store/campaigns';
import { isoTime, isoTimeOrNull } from '../http/common-schemas';
import type { jobData } from './schemas';

export function jobView(job: Job): z.input<typeof jobData> {
  return {
    id: job.id,
    campaign_id: job.campaignId,
    lead_id: job.leadId,
    // The leads a batch job covers (FIND_EMAILS: up to 10); empty for per-lead jobs.
    lead_ids: job.leadIds,
    type: job.type,
    status: job.status,
    attempts: job.attempts,
    // A job paused with its campaign stores no reason (src/store/campaigns.ts): it is its campaign's pause.
    error: job.error ?? (job.status === 'PAUSED' ? jobPausedReason(job.campaignId) : null),
    created_at: isoTime(job.createdAt),
    updated_at: isoTime(job.updatedAt),
    started_at: isoTimeOrNull(job.startedAt),
    completed_at: isoTimeOrNull(job.completedAt),
  };
}
