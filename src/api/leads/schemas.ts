import { z } from 'zod';
import { uuid } from '../http/common-schemas';
import { paginationQuery } from '../http/pagination';
import { LEAD_STATUSES } from '../shared/statuses';

export const campaignLeadsParams = z.strictObject({ id: uuid('campaign') });
export const listLeadsQuery = z.strictObject({ status: z.enum(LEAD_STATUSES).optional(), ...paginationQuery });
