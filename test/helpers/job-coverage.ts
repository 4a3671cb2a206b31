import type { Job } from '../../src/generated/prisma/client';

const PER_LEAD = ['VERIFY_EMAIL', 'ENRICH_LEAD', 'WRITE_COPY'] as const;
const BATCHED = ['FIND_EMAILS', 'PUSH_TO_INSTANTLY'] as const;

/**
 * A campaign's jobs hold one FETCH_LEADS, one job per lead for each per-lead step, and batches (Apollo enrichment,
 * Instantly pushes) that cover each lead exactly once. Returns how many batch jobs each batched type took.
 */
export function expectEachLeadCoveredOnce(jobs: Pick<Job, 'type' | 'leadId' | 'leadIds'>[], leadIds: string[]): Record<(typeof BATCHED)[number], number> {
  expect(jobs.filter((job) => job.type === 'FETCH_LEADS')).toHaveLength(1);
  const sorted = [...leadIds].sort();
  for (const type of PER_LEAD) {
    expect(jobs.filter((job) => job.type === type).map((job) => job.leadId).sort()).toEqual(sorted);
  }
  const batches = { FIND_EMAILS: 0, PUSH_TO_INSTANTLY: 0 };
  for (const type of BATCHED) {
    const ofType = jobs.filter((job) => job.type === type);
    expect(ofType.flatMap((job) => (job.leadId ? [job.leadId] : job.leadIds)).sort()).toEqual(sorted);
    batches[type] = ofType.length;
  }
  return batches;
}
