import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Prisma } from '../src/generated/prisma/client';
import type { JobType } from '../src/generated/prisma/enums';
import { DataError, type LeadForOutreach, type SearchCriteria, ServiceError } from '../src/providers/types';
import type { ActivityDeps } from './deps';
import { jobPausedReason } from './pausing';
import { type JobOutcome, SERVICE_FAILURE } from '../workflows/definitions';

type Tx = Prisma.TransactionClient;

interface ClaimedJob {
  id: string;
  type: JobType;
  campaign_id: string;
  lead_id: string | null;
  /** This attempt's number: a later claim (a retry after a heartbeat timeout) takes the job over. */
  attempts: number;
  breaker_generation: number;
}

/** What a job's service call produced: lead fields to store, and the next job types for the same lead. */
interface StepResult {
  leadUpdate?: Prisma.LeadUpdateInput;
  next: JobType[];
}

const APOLLO_PAGE_SIZE = 100;
// Well inside the campaign workflow's 30 s heartbeat timeout for jobs.
const HEARTBEAT_INTERVAL_MS = 5_000;

/** One job = one third-party call (fetching leads pages through Apollo). */
export function jobActivities({ prisma, providers, logger }: Pick<ActivityDeps, 'prisma' | 'providers' | 'logger'>) {
  /**
   * PENDING -> PROCESSING, only while the campaign is RUNNING. The FOR SHARE lock makes the breaker's
   * pause cascade wait for a claim in progress (and vice versa), so no job starts after the pause lands.
   */
  async function claim(jobId: string): Promise<ClaimedJob | undefined> {
    const [job] = await prisma.$queryRaw<ClaimedJob[]>`
      UPDATE jobs SET status = 'PROCESSING', attempts = attempts + 1, error = NULL,
             started_at = now(), updated_at = now()
      WHERE id = ${jobId}::uuid AND status IN ('PENDING', 'PROCESSING')
        AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = jobs.campaign_id AND c.status = 'RUNNING' FOR SHARE)
      RETURNING id, type, campaign_id, lead_id, attempts, (SELECT generation FROM system_state WHERE id = 1) AS breaker_generation`;
    return job;
  }

  /**
   * Settles the job (COMPLETED or FAILED) only while this attempt still owns it: unfinished (it may have been
   * paused or resumed meanwhile: in-flight results are kept) and not claimed again since. An attempt Temporal
   * gave up on (its worker stopped heartbeating) may still finish; its result must not land twice.
   */
  async function settle(tx: Tx, job: ClaimedJob, data: { status: 'COMPLETED' | 'FAILED'; error: string | null }): Promise<boolean> {
    const { count } = await tx.job.updateMany({
      where: { id: job.id, attempts: job.attempts, status: { in: ['PENDING', 'PROCESSING', 'PAUSED'] } },
      data: { ...data, completedAt: new Date() },
    });
    return count === 1;
  }

  async function whyNotClaimed(jobId: string): Promise<JobOutcome> {
    const job = await prisma.job.findUnique({ where: { id: jobId }, include: { campaign: { select: { status: true, statusReason: true } } } });
    if (!job) return { kind: 'failed', error: `Job ${jobId} does not exist` };
    // Finished by an earlier attempt whose result was lost in transit: its next jobs already exist.
    if (job.status === 'COMPLETED') return { kind: 'completed', nextJobIds: [] };
    if (job.status === 'FAILED' || job.status === 'CANCELLED') return { kind: 'failed', error: job.error ?? job.status };
    return { kind: 'not_dispatched', reason: job.campaign.statusReason ?? jobPausedReason(job.campaignId) };
  }

  /** Marks the job COMPLETED and creates the next jobs: PENDING, or PAUSED if the campaign paused meanwhile. */
  async function complete(job: ClaimedJob, leadIds: string[], next: JobType[], leadUpdate?: Prisma.LeadUpdateInput): Promise<string[]> {
    return prisma.$transaction(async (tx) => {
      if (!(await settle(tx, job, { status: 'COMPLETED', error: null }))) return [];
      if (leadUpdate && job.lead_id) await tx.lead.update({ where: { id: job.lead_id }, data: leadUpdate });
      return createNextJobs(tx, job.campaign_id, leadIds, next);
    });
  }

  async function createNextJobs(tx: Tx, campaignId: string, leadIds: string[], types: JobType[]): Promise<string[]> {
    if (leadIds.length === 0 || types.length === 0) return [];
    const [campaign] = await tx.$queryRaw<{ status: string }[]>`
      SELECT status FROM campaigns WHERE id = ${campaignId}::uuid FOR SHARE`;
    const running = campaign?.status === 'RUNNING';
    const data = leadIds.flatMap((leadId) =>
      types.map((type) => ({
        campaignId,
        leadId,
        type,
        status: running ? ('PENDING' as const) : ('PAUSED' as const),
        error: running ? null : jobPausedReason(campaignId),
      })),
    );
    const created = await tx.job.createManyAndReturn({ data, select: { id: true } });
    return running ? created.map((job) => job.id) : [];
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
          data: wanted.map((p) => ({ campaignId: campaign.id, ...p })),
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
    const lead = await prisma.lead.findUniqueOrThrow({ where: { id: job.lead_id! }, include: { campaign: true } });
    const outreach: LeadForOutreach = {
      leadId: lead.id,
      email: lead.email ?? '',
      firstName: lead.firstName,
      lastName: lead.lastName,
      title: lead.title,
      companyName: lead.companyName,
      companyDomain: lead.companyDomain,
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
        const copy = await providers.writeCopy(outreach, lead.enrichment ?? '', lead.campaign.copyPrompt);
        return { leadUpdate: { status: 'COPY_WRITTEN', emailSubject: copy.subject, emailBody: copy.body }, next: ['PUSH_TO_INSTANTLY'] };
      }
      case 'PUSH_TO_INSTANTLY': {
        const { instantlyLeadId } = await providers.pushLead(lead.campaign.instantlyCampaignId, outreach, {
          subject: lead.emailSubject ?? '',
          body: lead.emailBody ?? '',
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
  async function runClaimed(jobId: string): Promise<JobOutcome> {
    const job = await claim(jobId);
    if (!job) return whyNotClaimed(jobId);
    try {
      if (job.type === 'FETCH_LEADS') {
        const leadIds = await fetchLeads(job);
        return { kind: 'completed', nextJobIds: await complete(job, leadIds, ['VERIFY_EMAIL']) };
      }
      const step = await runStep(job);
      return { kind: 'completed', nextJobIds: await complete(job, [job.lead_id!], step.next, step.leadUpdate) };
    } catch (err) {
      if (err instanceof DataError) {
        await prisma.$transaction(async (tx) => {
          if ((await settle(tx, job, { status: 'FAILED', error: err.message })) && job.lead_id) {
            await tx.lead.update({ where: { id: job.lead_id }, data: { status: 'FAILED' } });
          }
        });
        logger.warn({ jobId: job.id, campaignId: job.campaign_id, service: err.service }, `Job ${job.id} failed: ${err.message}`);
        return { kind: 'failed', error: err.message };
      }
      if (err instanceof ServiceError) {
        await prisma.job.updateMany({ where: { id: job.id, attempts: job.attempts }, data: { error: `${err.service} ${err.kind}: ${err.message}` } });
        throw ApplicationFailure.create({
          type: SERVICE_FAILURE,
          message: err.message,
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
    async runJob({ jobId }: { jobId: string }): Promise<JobOutcome> {
      // Alive while waiting on a slow service (the SDK throttles what reaches the server).
      const keepAlive = setInterval(() => heartbeat(), HEARTBEAT_INTERVAL_MS);
      try {
        return await runClaimed(jobId);
      } finally {
        clearInterval(keepAlive);
      }
    },
  };
}
