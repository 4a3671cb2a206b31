import { z } from 'zod';
import type { Prisma } from '../../generated/prisma/client';
import type { SearchCriteria } from '../../providers/types';
import { text } from '../http/common-schemas';

const term = text({ max: 200, empty: 'must not be empty' });
const terms = z.array(term).min(1, 'must list at least one value').max(100);

/** The API's snake_case search criteria; the database stores `SearchCriteria` (camelCase). */
export const searchCriteriaBody = z
  .strictObject({
    titles: terms.optional(),
    locations: terms.optional(),
    seniorities: terms.optional(),
    industries: terms.optional(),
    keywords: text({ max: 500, empty: 'must not be empty' }).optional(),
    // Apollo writes ranges as "11,50"; the provider client accepts "11-50" too.
    employee_ranges: z.array(z.string().regex(/^\d+[,-]\d+$/, 'must look like "11,50" or "11-50"')).min(1).max(20).optional(),
  })
  .refine((criteria) => Object.values(criteria).some((value) => value !== undefined), {
    message: 'needs at least one criterion (titles, locations, seniorities, industries, keywords, employee_ranges)',
  });

/** The criteria as the API shows them (the fields given at creation). */
export const searchCriteriaData = z.object({
  titles: z.array(z.string()).optional(),
  locations: z.array(z.string()).optional(),
  seniorities: z.array(z.string()).optional(),
  industries: z.array(z.string()).optional(),
  keywords: z.string().optional(),
  employee_ranges: z.array(z.string()).optional(),
});

export type SearchCriteriaBody = z.output<typeof searchCriteriaBody>;

/** The JSON column's value: a `SearchCriteria`, which the job activities read back as such. */
export function toStoredCriteria(body: SearchCriteriaBody): Prisma.InputJsonObject {
  const { employee_ranges, ...rest } = body;
  const stored: SearchCriteria = dropUndefined({ ...rest, employeeRanges: employee_ranges });
  return stored as Prisma.InputJsonObject;
}

export function toCriteriaView(stored: SearchCriteria): SearchCriteriaBody {
  const { employeeRanges, ...rest } = stored;
  return dropUndefined({ ...rest, employee_ranges: employeeRanges });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
