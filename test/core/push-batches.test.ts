/**
 * Instantly takes up to 1,000 leads a call: a lead whose copy is written joins its campaign's open push batch in
 * the same statement that completes its WRITE_COPY job, and a claim closes the batch. On PostgreSQL the join and
 * the claim race at the batch's row: each order is forced through a row lock held in a connection of its own.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PUSH_BATCH_SIZE } from '../../src/providers/types';
import { pauseCampaigns } from '../../src/store/campaigns';
import { claimJob, type ClaimedJob, completeJob } from '../../src/store/jobs';
import { settleWithConcurrency } from '../../src/util/concurrency';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';
import { deadlocks, waitersReach } from '../helpers/pg-locks';

/** A RUNNING campaign with `leads` leads, each with its WRITE_COPY job claimed. */
async function campaignWritingCopy(db: TestDatabase, leads: number) {
  const campaign = await db.prisma.campaign.create({
    data: {
      name: 'push-batches',
      status: 'RUNNING',
      searchCriteria: { titles: ['CTO'] },
      leadLimit: leads,
      copyPrompt: 'Write.',
      instantlyCampaignId: 'inst-batches',
      leads: { create: Array.from({ length: leads }, (_, n) => ({ externalId: `p-${n}`, email: `p${n}@example.com`, status: 'ENRICHED' as const })) },
    },
    include: { leads: { orderBy: { externalId: 'asc' } } },
  });
  const writes: ClaimedJob[] = [];
  for (const lead of campaign.leads) {
    const job = await db.prisma.job.create({ data: { campaignId: campaign.id, leadId: lead.id, type: 'WRITE_COPY' } });
    writes.push((await claimJob(db.prisma, { jobId: job.id, campaignId: campaign.id, dispatchId: randomUUID() }))!);
  }
  return { campaignId: campaign.id, leadIds: campaign.leads.map((lead) => lead.id), writes };
}

/** What the WRITE_COPY step stores (activities/jobs.ts): the copy, and the lead joined to a push batch. */
const copyWritten = (db: TestDatabase, job: ClaimedJob, size = PUSH_BATCH_SIZE) =>
  completeJob(db.prisma, job, {
    leadUpdates: [{ leadId: job.lead_id!, data: { status: 'COPY_WRITTEN', emailSubject: 'Hi', emailBody: 'Body' } }],
    next: { joinBatch: { leadIds: [job.lead_id!], type: 'PUSH_TO_INSTANTLY', size } },
  });

const claim = (db: TestDatabase, campaignId: string, jobId: string) => claimJob(db.prisma, { jobId, campaignId, dispatchId: randomUUID() });

async function pushJobs(db: TestDatabase, campaignId: string) {
  return db.prisma.job.findMany({
    where: { campaignId, type: 'PUSH_TO_INSTANTLY' },
    orderBy: { createdAt: 'asc' },
    select: { id: true, status: true, attempts: true, leadId: true, leadIds: true },
  });
}

describe.each(DATABASE_KINDS)('push batches (%s)', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db?.destroy();
  });

  it('leads join one open batch, announced once; a claim closes it and the next lead opens another', async () => {
    const { campaignId, leadIds, writes } = await campaignWritingCopy(db, 4);
    const first = await copyWritten(db, writes[0]!);
    const [batch] = await pushJobs(db, campaignId);
    // Only the completion that opened the batch hands it to the workflow to dispatch.
    expect(first).toEqual({ settled: true, nextJobs: [{ id: batch!.id, type: 'PUSH_TO_INSTANTLY' }] });
    expect(await copyWritten(db, writes[1]!)).toEqual({ settled: true, nextJobs: [] });
    expect(await copyWritten(db, writes[2]!)).toEqual({ settled: true, nextJobs: [] });

    const claimed = await claim(db, campaignId, batch!.id);
    expect(claimed).toMatchObject({ type: 'PUSH_TO_INSTANTLY', lead_id: null, lead_ids: leadIds.slice(0, 3), lead: null });

    const fourth = await copyWritten(db, writes[3]!);
    const batches = await pushJobs(db, campaignId);
    expect(batches).toMatchObject([
      { id: batch!.id, status: 'PROCESSING', attempts: 1, leadIds: leadIds.slice(0, 3) },
      { status: 'PENDING', attempts: 0, leadId: null, leadIds: [leadIds[3]] },
    ]);
    expect(fourth.nextJobs).toEqual([{ id: batches[1]!.id, type: 'PUSH_TO_INSTANTLY' }]);
    const leads = await db.prisma.lead.findMany({ where: { campaignId } });
    expect(leads.every((lead) => lead.status === 'COPY_WRITTEN' && lead.emailSubject === 'Hi')).toBe(true);
  });

  it('a full batch is left alone: the lead opens the next one', async () => {
    const { campaignId, leadIds, writes } = await campaignWritingCopy(db, 3);
    for (const job of writes) await copyWritten(db, job, 2);
    expect((await pushJobs(db, campaignId)).map((job) => job.leadIds)).toEqual([leadIds.slice(0, 2), [leadIds[2]]]);
  });

  it('under a paused campaign the batch opens PAUSED, still takes leads, and is not announced; an attempt that ran is never joined', async () => {
    const { campaignId, leadIds, writes } = await campaignWritingCopy(db, 3);
    await copyWritten(db, writes[0]!);
    const [running] = await pushJobs(db, campaignId);
    await claim(db, campaignId, running!.id);
    // The breaker trips: the claimed batch (its call may have gone out with one lead) PAUSED with the campaign.
    await db.prisma.$transaction((tx) => pauseCampaigns(tx, { reason: 'breaker opened', campaignIds: [campaignId] }));
    // Calls in flight land after the pause: their results are kept.
    expect(await copyWritten(db, writes[1]!)).toEqual({ settled: true, nextJobs: [] });
    expect(await copyWritten(db, writes[2]!)).toEqual({ settled: true, nextJobs: [] });
    expect(await pushJobs(db, campaignId)).toMatchObject([
      { id: running!.id, status: 'PAUSED', attempts: 1, leadIds: [leadIds[0]] },
      { status: 'PAUSED', attempts: 0, leadIds: [leadIds[1], leadIds[2]] },
    ]);
  });
});

const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('push batches racing on PostgreSQL', () => {
  let db: TestDatabase;
  let holder: Client;

  beforeEach(async () => {
    db = await createTestDatabase('postgresql');
    holder = new Client({ connectionString: db.url });
    await holder.connect();
  });
  afterEach(async () => {
    await holder?.end();
    await db?.destroy();
  });

  /** An open batch holding the first lead; the batch's row locked by the holder, so whoever comes next queues at it. */
  async function openBatchHeld() {
    const setup = await campaignWritingCopy(db, 2);
    await copyWritten(db, setup.writes[0]!);
    const [batch] = await pushJobs(db, setup.campaignId);
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM jobs WHERE id = $1 FOR UPDATE', [batch!.id]);
    return { ...setup, batchId: batch!.id };
  }

  it('a claim that reaches the batch first closes it: the joining lead opens a new batch, and no lead is in both', async () => {
    const { campaignId, leadIds, writes, batchId } = await openBatchHeld();
    const claimed = claim(db, campaignId, batchId);
    await waitersReach(holder, 1, 'the claim queued at the batch');
    const joining = copyWritten(db, writes[1]!);
    await waitersReach(holder, 2, 'the completion queued behind the claim');
    await holder.query('COMMIT');

    const [job, completed] = await Promise.all([claimed, joining]);
    expect(job!.lead_ids).toEqual([leadIds[0]]);
    const batches = await pushJobs(db, campaignId);
    expect(batches).toMatchObject([{ id: batchId, status: 'PROCESSING' }, { status: 'PENDING', attempts: 0, leadIds: [leadIds[1]] }]);
    expect(completed).toEqual({ settled: true, nextJobs: [{ id: batches[1]!.id, type: 'PUSH_TO_INSTANTLY' }] });
  });

  it('a lead that reaches the batch first is in it when the claim reads it', async () => {
    const { campaignId, leadIds, writes, batchId } = await openBatchHeld();
    const joining = copyWritten(db, writes[1]!);
    await waitersReach(holder, 1, 'the completion queued at the batch');
    const claimed = claim(db, campaignId, batchId);
    await waitersReach(holder, 2, 'the claim queued behind the completion');
    await holder.query('COMMIT');

    const [completed, job] = await Promise.all([joining, claimed]);
    expect(completed).toEqual({ settled: true, nextJobs: [] });
    expect(job!.lead_ids).toEqual(leadIds);
    expect(await pushJobs(db, campaignId)).toHaveLength(1);
  });

  it('400 completions racing claims that close batches as fast as they open: each lead in exactly one claimed batch, no deadlock', async () => {
    const deadlocksBefore = await deadlocks(holder);
    const { campaignId, leadIds, writes } = await campaignWritingCopy(db, 400);
    const claimedLeads: string[] = [];
    let completing = true;
    // The workflow's side: claims whatever batch is open, over and over, while leads keep joining.
    const claimer = (async () => {
      for (;;) {
        const stillCompleting = completing;
        const open = await db.prisma.job.findMany({ where: { campaignId, type: 'PUSH_TO_INSTANTLY', status: 'PENDING', attempts: 0 }, select: { id: true } });
        for (const { id } of open) {
          const job = await claim(db, campaignId, id);
          if (job) claimedLeads.push(...job.lead_ids);
        }
        if (!stillCompleting && open.length === 0) return;
      }
    })();
    const settled = await settleWithConcurrency(writes, 8, (job) => copyWritten(db, job));
    completing = false;
    await claimer;

    expect(settled.every((result) => result.status === 'fulfilled' && result.value.settled)).toBe(true);
    expect(claimedLeads).toHaveLength(leadIds.length);
    expect(new Set(claimedLeads)).toEqual(new Set(leadIds));
    const batches = await pushJobs(db, campaignId);
    expect(batches.every((job) => job.status === 'PROCESSING')).toBe(true);
    expect(batches.flatMap((job) => job.leadIds).sort()).toEqual([...leadIds].sort());
    expect(await deadlocks(holder)).toBe(deadlocksBefore);
  }, 60_000);
});
