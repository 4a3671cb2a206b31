import { z } from 'zod';
import { uuid } from '../http/common-schemas';
import { paginationQuery } from '../http/pagination';
import { JOB_STATUSES } from '../shared/statuses';

export const jobParams = z.strictObject({ id: uuid('job') });
export const campaignJobsParams = z.strictObject({ id: uuid('campaign') });
export const listJobsQuery = z.strictObject({ status: z.enum(JOB_STATUSES).optional(), ...paginationQuery });
