import { z } from 'zod';
import { pageData, timestamp, uuid } from '../http/common-schemas';
import { paginationQuery } from '../http/pagination';
import { JOB_STATUSES, JOB_TYPES } from '../shared/statuses';

export const jobParams = z.strictObject({ id: uuid('job') });
export const campaignJobsParams = z.strictObject({ id: uuid('campaign') });
export const listJobsQuery = z.strictObject({ status: z.enum(JOB_STATUSES).optional(), ...paginationQuery });

export const jobData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid(),
  lead_id: z.uuid().nullable().meta({ description: 'null for the campaign-level FETCH_LEADS job and for batches (FIND_EMAILS, PUSH_TO_INSTANTLY)' }),
  lead_ids: z.array(z.uuid()).meta({ description: 'The leads a batch covers (FIND_EMAILS up to 10, PUSH_TO_INSTANTLY up to 1,000); empty for other jobs' }),
  type: z.enum(JOB_TYPES),
  status: z.enum(JOB_STATUSES),
  attempts: z.int().min(0),
  error: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  started_at: timestamp.nullable(),
  completed_at: timestamp.nullable(),
});

export const jobPageData = pageData('jobs', jobData);
