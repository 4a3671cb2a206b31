import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { JobType } from '../src/generated/prisma/enums';
import { DataError, type LeadForOutreach, type SearchCriteria, ServiceError } from '../src/providers/types';
import type { ActivityDeps } from './deps';
import { type ClaimedJob, claimJob, completeJob, failJob, type LeadResult, noteJobError, whyNotClaimed } from '../src/store/jobs';
import { storableFields, storableText } from '../src/util/storable-text';
import { type JobOutcome, type RunJobInput, SERVICE_FAILURE } from '../workflows/definitions';

/** What a job's service call produced: lead fields to store, and the next job types for the same lead. */
interface StepResult {
  leadUpdate?: LeadResult;
  next: JobType[];
}

const APOLLO_PAGE_SIZE = 100;
// Well inside the campaign workflow's 30 s heartbeat timeout for jobs.
const HEARTBEAT_INTERVAL_MS = 5_000;

/** One job = one third-party call (fetching leads pages through Apollo). */
export function jobActivities({ prisma, providers, logger }: Pick<ActivityDeps, 'prisma' | 'providers' | 'logger'>) {
  /** The outcome for a dispatch the database did not let claim its job. */
  async function unclaimed(dispatch: RunJobInput): Promise<JobOutcome> {
    const why = await whyNotClaimed(prisma, dispatch);
    switch (why.kind) {
      case 'missing':
        return { kind: 'failed', error: `Job ${dispatch.jobId} does not exist` };
      case 'finished':
        // Finished by an earlier attempt of this dispatch whose answer was lost: its next jobs already exist
        // (the workflow finds them when it converges); another dispatch's result is not ours to count.
        if (!why.ownDispatch) return { kind: 'duplicate' };
        return why.status === 'COMPLETED' ? { kind: 'completed', nextJobs: [] } : { kind: 'failed', error: why.error ?? why.status };
      case 'owned_elsewhere':
        return { kind: 'duplicate' };
      case 'refused':
        return { kind: 'not_dispatched', reason: why.reason };
    }
  }

  async function fetchLeads(job: ClaimedJob): Promise<string[]> {
    const campaign = await prisma.campaign.findUniqueOrThrow({ where: { id: job.campaign_id } });
    const criteria = campaign.searchCriteria as SearchCriteria;
    const newLeadIds: string[] = [];
    let stored = await prisma.lead.count({ where: { campaignId: campaign.id } });
    for (let page = 1; stored < campaign.leadLimit; page++) {
      heartbeat({ page });
      const perPage = Math.min(APOLLO_PAGE_SIZE, campaign.leadLimit);
      const { people } = await providers.searchPeople(criteria, page, perPage);
      const wanted = people.filter((p) => p.email).slice(0, campaign.leadLimit - stored);
      if (wanted.length > 0) {
        // Unique (campaign, external id): a re-run after a pause or crash never duplicates a lead.
        const inserted = await prisma.lead.createManyAndReturn({
          data: wanted.map((p) => ({ campaignId: campaign.id, ...storableFields(p) })),
          skipDuplicates: true,
          select: { id: true },
        });
        newLeadIds.push(...inserted.map((lead) => lead.id));
        stored += inserted.length;
      }
      if (people.length < perPage) break;
    }
    // Leads stored by an earlier, interrupted run of this job still need their first job.
    const orphans = await prisma.lead.findMany({
      where: { campaignId: campaign.id, status: 'NEW', jobs: { none: {} }, id: { notIn: newLeadIds } },
      select: { id: true },
    });
    return [...newLeadIds, ...orphans.map((lead) => lead.id)];
  }

  async function runStep(job: ClaimedJob): Promise<StepResult> {
    // The claim read the lead and its campaign (one round trip for both).
    const lead = job.lead;
    if (!lead) throw new Error(`Job ${job.id} has no lead`);
    const outreach: LeadForOutreach = {
      leadId: lead.id,
      email: lead.email ?? '',
      firstName: lead.first_name,
      lastName: lead.last_name,
      title: lead.title,
      companyName: lead.company_name,
      companyDomain: lead.company_domain,
    };
    switch (job.type) {
      case 'VERIFY_EMAIL': {
        const { verdict, deliverable } = await providers.verifyEmail(outreach.email);
        return deliverable
          ? { leadUpdate: { status: 'VERIFIED', emailStatus: verdict }, next: ['ENRICH_LEAD'] }
          : { leadUpdate: { status: 'INVALID_EMAIL', emailStatus: verdict }, next: [] };
      }
      case 'ENRICH_LEAD': {
        const { summary } = await providers.enrichLead(outreach);
        return { leadUpdate: { status: 'ENRICHED', enrichment: summary }, next: ['WRITE_COPY'] };
      }
      case 'WRITE_COPY': {
        const copy = await providers.writeCopy(outreach, lead.enrichment ?? '', job.campaign.copy_prompt);
        return { leadUpdate: { status: 'COPY_WRITTEN', emailSubject: copy.subject, emailBody: copy.body }, next: ['PUSH_TO_INSTANTLY'] };
      }
      case 'PUSH_TO_INSTANTLY': {
        const { instantlyLeadId } = await providers.pushLead(job.campaign.instantly_campaign_id, outreach, {
          subject: lead.email_subject ?? '',
          body: lead.email_body ?? '',
        });
        return { leadUpdate: { status: 'PUSHED', instantlyLeadId, pushedAt: new Date() }, next: [] };
      }
      default:
        throw new Error(`Unknown lead job type ${job.type}`);
    }
  }

  /**
   * Claims the job (or reports why it may not start), makes its one service call, stores the result and
   * creates the lead's next job. Service failures are thrown for the workflow's retry policy and then the
   * breaker; data errors fail this job only (SPEC rule 1).
   */
  async function runClaimed(dispatch: RunJobInput): Promise<JobOutcome> {
    const job = await claimJob(prisma, dispatch);
    if (!job) return unclaimed(dispatch);
    try {
      if (job.type === 'FETCH_LEADS') {
        const leadIds = await fetchLeads(job);
        const { nextJobs } = await completeJob(prisma, job, { leadIds, next: ['VERIFY_EMAIL'] });
        return { kind: 'completed', nextJobs };
      }
      const step = await runStep(job);
      const { nextJobs } = await completeJob(prisma, job, { leadIds: [job.lead_id!], next: step.next, leadUpdate: step.leadUpdate });
      return { kind: 'completed', nextJobs };
    } catch (err) {
      if (err instanceof DataError) {
        const error = storableText(err.message);
        await failJob(prisma, job, error);
        logger.warn({ jobId: job.id, campaignId: job.campaign_id, service: err.service }, `Job ${job.id} failed: ${error}`);
        return { kind: 'failed', error };
      }
      if (err instanceof ServiceError) {
        // A provider's text travels to the workflow, the breaker and the database: made storable here.
        const message = storableText(err.message);
        await noteJobError(prisma, job, `${err.service} ${err.kind}: ${message}`);
        throw ApplicationFailure.create({
          type: SERVICE_FAILURE,
          message,
          details: [{ service: err.service, failureType: err.kind, breakerGeneration: job.breaker_generation }],
          // Auth and quota problems do not fix themselves within a retry; a 429 says when to come back.
          nonRetryable: err.kind === 'auth' || err.kind === 'quota',
          nextRetryDelay: err.retryAfterMs,
        });
      }
      throw err;
    }
  }

  return {
    /** Runs one job (see runClaimed), heartbeating throughout. */
    async runJob(dispatch: RunJobInput): Promise<JobOutcome> {
      // Alive while waiting on a slow service (the SDK throttles what reaches the server).
      const keepAlive = setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS);
      try {
        return await runClaimed(dispatch);
      } finally {
        clearInterval(keepAlive);
      }
    },
  };
}
