import { setTimeout as sleep } from 'node:timers/promises';
import { activityInfo, ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { JobType } from '../src/generated/prisma/enums';
import { DEFAULT_RETRY_AFTER_CAP_MS } from '../src/providers/limits';
import { DataError, ENRICH_BATCH_SIZE, type LeadForOutreach, PUSH_BATCH_SIZE, type SearchCriteria, ServiceError } from '../src/providers/types';
import type { ActivityDeps } from './deps';
import { withKeepAlive } from './keep-alive';
import { chunk } from '../src/util/chunk';
import { coalesced } from '../src/util/coalesce';
import { type ClaimedJob, claimJob, completeJob, failJob, type JobCompletion, type LeadPatch, noteJobError, releaseJob, whyNotClaimed } from '../src/store/jobs';
import { type LeadForStep, leadsForStep } from '../src/store/leads';
import { dispatchHeld, holdDispatch } from '../src/store/system-state';
import { storableFields, storableText } from '../src/util/storable-text';
import { type JobOutcome, type RunJobInput, SERVICE_FAILURE } from '../workflows/definitions';


const APOLLO_PAGE_SIZE = 100;
// A service failure is retried this many attempts in all (SPEC rule 1: the activity's own short retry policy).
const SERVICE_ATTEMPTS = 3;
// A fault of ours (a bug, the database unreachable) this many, minutes with the workflow's backoff: then the campaign pauses.
const DEFAULT_FAULT_ATTEMPTS = 30;
/** The ApplicationFailure type of a job that kept failing for a reason of ours. */
export const JOB_FAULT = 'JobFault';
// Well inside the campaign workflow's 30 s heartbeat timeout for jobs.
const HEARTBEAT_INTERVAL_MS = 5_000;
// How often a claim refused by a dispatch hold looks again (one read per process, shared by every waiting job).
const HOLD_POLL_MS = 200;

/** What a lead's service call is told about the lead. */
function outreachOf(lead: LeadForStep): LeadForOutreach {
  return {
    leadId: lead.id,
    email: lead.email ?? '',
    firstName: lead.firstName,
    lastName: lead.lastName,
    title: lead.title,
    companyName: lead.companyName,
    companyDomain: lead.companyDomain,
  };
}

/** One job = one third-party call (fetching leads pages through Apollo). */
export function jobActivities({
  prisma,
  providers,
  logger,
  retryAfterCapMs = DEFAULT_RETRY_AFTER_CAP_MS,
  faultAttempts = DEFAULT_FAULT_ATTEMPTS,
  failureThreshold = 1,
}: Pick<ActivityDeps, 'prisma' | 'providers' | 'logger' | 'retryAfterCapMs' | 'faultAttempts'> & Partial<Pick<ActivityDeps, 'failureThreshold'>>) {
  const readHold = coalesced(() => dispatchHeld(prisma));

  /**
   * Claims the job; while a dispatch hold stands, waits here for the breaker's decision instead of bouncing the
   * refusal through the workflow (which would re-read its campaign, still RUNNING, and dispatch again at once).
   * Once the breaker has decided, the claim is refused for good (queue PAUSED) or goes ahead (the hold lapsed).
   */
  async function claim(dispatch: RunJobInput): Promise<ClaimedJob | undefined> {
    for (;;) {
      const job = await claimJob(prisma, dispatch);
      if (job || !(await readHold())) return job;
      do await sleep(HOLD_POLL_MS);
      while (await readHold());
    }
  }

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
        if (why.holding) {
          // Nothing comes back when the job changed since it was read (a cascade paused it): nothing to say then.
          const status = await releaseJob(prisma, dispatch);
          if (status) logger.info({ jobId: dispatch.jobId, campaignId: dispatch.campaignId, status }, `Job ${dispatch.jobId} given back (${status}): ${why.reason}`);
        }
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
      // Search is free; enrichment costs a credit per address: only people Apollo has an address for.
      const wanted = people.filter((p) => p.hasEmail).slice(0, campaign.leadLimit - stored);
      if (wanted.length > 0) {
        // Unique (campaign, external id): a re-run after a pause or crash never duplicates a lead.
        const inserted = await prisma.lead.createManyAndReturn({
          data: wanted.map(({ hasEmail: _hasEmail, ...p }) => ({ campaignId: campaign.id, ...storableFields(p) })),
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

  /** Apollo enrichment for the batch's leads: the address and what search left out; no address, no further jobs. */
  async function findEmails(job: ClaimedJob): Promise<JobCompletion> {
    const leads = await prisma.lead.findMany({ where: { id: { in: job.lead_ids } }, orderBy: { createdAt: 'asc' } });
    const matches = await providers.findEmails(
      leads.map((lead) => ({ externalId: lead.externalId, firstName: lead.firstName, lastName: lead.lastName, companyName: lead.companyName })),
    );
    const byExternalId = new Map(matches.map((match) => [match.externalId, match]));
    const found: string[] = [];
    const leadUpdates = leads.map((lead) => {
      const match = byExternalId.get(lead.externalId);
      if (!match?.email) return { leadId: lead.id, data: { status: 'NO_EMAIL' as const, emailCredits: match?.credits ?? 0 } };
      found.push(lead.id);
      return {
        leadId: lead.id,
        data: {
          email: match.email,
          emailStatus: match.emailStatus,
          emailCredits: match.credits,
          lastName: match.lastName ?? lead.lastName,
          title: match.title ?? lead.title,
          companyDomain: match.companyDomain ?? lead.companyDomain,
          linkedinUrl: match.linkedinUrl ?? lead.linkedinUrl,
        },
      };
    });
    return { leadUpdates, next: { leadIds: found, types: ['VERIFY_EMAIL'] } };
  }

  /**
   * Instantly's bulk add for the batch's leads (a job from before batching holds one lead in lead_id): PUSHED with
   * their Instantly id; a lead Instantly would not take (blocklisted, an address it finds invalid) FAILED alone.
   */
  async function pushLeads(job: ClaimedJob): Promise<JobCompletion> {
    const leads = job.lead ? [job.lead] : await leadsForStep(prisma, job.lead_ids);
    if (leads.length === 0) return { next: { leadIds: [], types: [] } };
    const pushed = await providers.pushLeads(
      leads[0]!.instantlyCampaignId,
      leads.map((lead) => ({ lead: outreachOf(lead), copy: { subject: lead.emailSubject ?? '', body: lead.emailBody ?? '' } })),
    );
    const pushedAt = new Date();
    const leadUpdates = pushed.map((result) => {
      if ('instantlyLeadId' in result) return { leadId: result.leadId, data: { status: 'PUSHED' as const, instantlyLeadId: result.instantlyLeadId, pushedAt } };
      logger.warn({ jobId: job.id, campaignId: job.campaign_id, leadId: result.leadId, service: 'instantly' }, `Lead ${result.leadId} failed: ${result.refused}`);
      return { leadId: result.leadId, data: { status: 'FAILED' as const } };
    });
    return { leadUpdates, next: { leadIds: [], types: [] } };
  }

  async function runStep(job: ClaimedJob): Promise<JobCompletion> {
    if (job.type === 'FIND_EMAILS') return findEmails(job);
    if (job.type === 'PUSH_TO_INSTANTLY') return pushLeads(job);
    const lead = job.lead;
    if (!lead) throw new Error(`Job ${job.id} (${job.type}) has no lead`);
    const outreach = outreachOf(lead);
    const step = (data: LeadPatch, types: JobType[]): JobCompletion => ({
      leadUpdates: [{ leadId: lead.id, data }],
      next: { leadIds: [lead.id], types },
    });
    switch (job.type) {
      case 'VERIFY_EMAIL': {
        const { verdict, deliverable } = await providers.verifyEmail(outreach.email);
        return deliverable ? step({ status: 'VERIFIED', emailStatus: verdict }, ['ENRICH_LEAD']) : step({ status: 'INVALID_EMAIL', emailStatus: verdict }, []);
      }
      case 'ENRICH_LEAD': {
        const { summary, sources, costUsd } = await providers.enrichLead(outreach);
        return step({ status: 'ENRICHED', enrichment: summary, researchSources: sources, researchCostUsd: costUsd }, ['WRITE_COPY']);
      }
      case 'WRITE_COPY': {
        const copy = await providers.writeCopy(outreach, lead.enrichment ?? '', lead.copyPrompt);
        // Instantly takes up to PUSH_BATCH_SIZE leads a call: the lead joins its campaign's open push batch.
        return {
          leadUpdates: [{ leadId: lead.id, data: { status: 'COPY_WRITTEN', emailSubject: copy.subject, emailBody: copy.body } }],
          next: { joinBatch: { leadIds: [lead.id], type: 'PUSH_TO_INSTANTLY', size: PUSH_BATCH_SIZE } },
        };
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
    const job = await claim(dispatch);
    if (!job) return unclaimed(dispatch);
    try {
      if (job.type === 'FETCH_LEADS') {
        const leadIds = await fetchLeads(job);
        // Enrichment takes up to ENRICH_BATCH_SIZE people a call: one FIND_EMAILS job per batch.
        const { nextJobs } = await completeJob(prisma, job, { next: { batches: chunk(leadIds, ENRICH_BATCH_SIZE), type: 'FIND_EMAILS' } });
        return { kind: 'completed', nextJobs };
      }
      const { nextJobs } = await completeJob(prisma, job, await runStep(job));
      return { kind: 'completed', nextJobs };
    } catch (err) {
      if (err instanceof DataError) {
        const error = storableText(err.message);
        await failJob(prisma, job, error);
        logger.warn({ jobId: job.id, campaignId: job.campaign_id, service: err.service }, `Job ${job.id} failed: ${error}`);
        return { kind: 'failed', error };
      }
      if (err instanceof ServiceError) {
        // A 429 says when to come back: waited out (Temporal's retry, no slot held) up to the cap; a longer
        // wait would park the job for hours while the breaker never hears, so it is a service failure now.
        const retryAfterMs = err.kind === 'rate_limited' ? err.retryAfterMs : undefined;
        const beyondCap = retryAfterMs !== undefined && retryAfterMs > retryAfterCapMs;
        // A provider's text travels to the workflow, the breaker and the database: made storable here.
        const message = storableText(beyondCap ? `${err.message} (Retry-After ${retryAfterMs} ms is beyond the ${retryAfterCapMs} ms cap)` : err.message);
        // Auth and quota problems do not fix themselves within a retry.
        const final = err.kind === 'auth' || err.kind === 'quota' || beyondCap || activityInfo().attempt >= SERVICE_ATTEMPTS;
        if (final && failureThreshold === 1 && (await holdDispatch(prisma, { generation: job.breaker_generation }))) {
          logger.warn({ jobId: job.id, campaignId: job.campaign_id, service: err.service }, `Dispatch held: ${err.service} failed for good, the breaker decides`);
        }
        await noteJobError(prisma, job, `${err.service} ${err.kind}: ${message}`);
        throw ApplicationFailure.create({
          type: SERVICE_FAILURE,
          message,
          details: [{ service: err.service, failureType: err.kind, breakerGeneration: job.breaker_generation }],
          nonRetryable: final,
          nextRetryDelay: beyondCap ? undefined : retryAfterMs,
        });
      }
      if (activityInfo().attempt >= faultAttempts) {
        throw ApplicationFailure.create({ type: JOB_FAULT, nonRetryable: true, message: err instanceof Error ? err.message : String(err), cause: err instanceof Error ? err : undefined });
      }
      throw err;
    }
  }

  return {
    /** Runs one job (see runClaimed), heartbeating throughout. */
    async runJob(dispatch: RunJobInput): Promise<JobOutcome> {
      // Alive while waiting on a slow service.
      return withKeepAlive(HEARTBEAT_INTERVAL_MS, () => runClaimed(dispatch));
    },
  };
}
