import { z } from 'zod';
import { paginationQuery } from '../http/pagination';
import { serviceName } from './service-name';

export const resetParams = z.strictObject({ service: serviceName });

export const pauseServiceBody = z.strictObject({
  service: serviceName,
  reason: z.string().trim().min(1, 'is required').max(500),
});

export const resumeServiceBody = z.strictObject({ service: serviceName });

/** Audit events are numbered (not UUIDs): the cursor is the next_cursor of a previous page, a whole number. */
export const listEventsQuery = z.strictObject({
  limit: paginationQuery.limit,
  cursor: z.string().regex(/^\d{1,18}$/, 'must be the next_cursor of a previous page').optional(),
});
