import type { Job } from '../../generated/prisma/client';

export function jobView(job: Job) {
  return {
    id: job.id,
    campaign_id: job.campaignId,
    lead_id: job.leadId,
    type: job.type,
    status: job.status,
    attempts: job.attempts,
    error: job.error,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    started_at: job.startedAt,
    completed_at: job.completedAt,
  };
}
