import { randomUUID } from 'node:crypto';
import { Prisma } from '../../src/generated/prisma/client';
import { prepared, preparedStatementName } from '../../src/db/prepared-statements';
import { claimJob, completeJob } from '../../src/store/jobs';
import { readStatusSources } from '../../src/store/status-read';
import type { Db } from '../../src/store/tx';
import { createTestDatabase, DATABASE_KINDS, type TestDatabase } from '../helpers/db';

describe('prepared statement names', () => {
  const text = (sql: Prisma.Sql) => ({ sql: sql.sql });

  it('names only marked statements, by their mark and a hash of their text', () => {
    const claim = text(Prisma.sql`${prepared('claim_job')} SELECT ${1}`);
    expect(preparedStatementName(claim)).toMatch(/^claim_job_[0-9a-f]{12}$/);
    expect(preparedStatementName(claim)).toBe(preparedStatementName({ ...claim }));
    // One mark on two texts: two names (pg refuses one name for two texts).
    expect(preparedStatementName(text(Prisma.sql`${prepared('claim_job')} SELECT ${1}, ${2}`))).not.toBe(preparedStatementName(claim));
    expect(preparedStatementName(text(Prisma.sql`SELECT ${1} /* prepared claim_job */`))).toBeUndefined();
    expect(preparedStatementName({ sql: 'INSERT INTO leads VALUES ($1), ($2)' })).toBeUndefined();
  });

  it('refuses a mark that could end the comment or break the name', () => {
    expect(() => prepared('x */ DROP TABLE jobs; /*')).toThrow(/lower-case letters and underscores/);
    expect(() => prepared('Claim')).toThrow(/lower-case letters and underscores/);
  });
});

describe.each(DATABASE_KINDS.filter((kind) => kind === 'postgresql'))('prepared statements on %s', (kind) => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase(kind);
  });
  afterEach(async () => {
    await db?.destroy();
  });

  it("prepares a job's claim and completion and the status read once per connection, and nothing else", async () => {
    const campaign = await db.prisma.campaign.create({
      data: {
        name: 'prepared',
        status: 'RUNNING',
        searchCriteria: { titles: ['CTO'] },
        leadLimit: 2,
        copyPrompt: 'Short.',
        instantlyCampaignId: 'inst-prepared',
        leads: { create: [{ externalId: 'p-1', email: 'p1@example.com' }, { externalId: 'p-2', email: 'p2@example.com' }] },
      },
      include: { leads: true },
    });
    const jobs = await Promise.all(campaign.leads.map((lead) => db.prisma.job.create({ data: { campaignId: campaign.id, leadId: lead.id, type: 'VERIFY_EMAIL' } })));

    // One transaction is one connection: pg_prepared_statements shows only its own session's statements.
    const seen = await db.prisma.$transaction(async (tx) => {
      const session = tx as unknown as Db;
      const runOne = async (jobId: string) => {
        const job = (await claimJob(session, { jobId, campaignId: campaign.id, dispatchId: randomUUID() }))!;
        expect(job).toMatchObject({ id: jobId, type: 'VERIFY_EMAIL' });
        const { settled, nextJobs } = await completeJob(session, job, { leadUpdates: [{ leadId: job.lead_id!, data: { status: 'VERIFIED' } }], next: { leadIds: [job.lead_id!], types: ['ENRICH_LEAD'] } });
        expect(settled).toBe(true);
        expect(nextJobs).toEqual([expect.objectContaining({ type: 'ENRICH_LEAD' })]);
        await readStatusSources(session);
      };
      const statements = () =>
        tx.$queryRaw<{ name: string; runs: number; text: string }[]>`
          SELECT name, (generic_plans + custom_plans)::int AS runs, statement AS text FROM pg_prepared_statements ORDER BY name`;
      await runOne(jobs[0]!.id);
      const afterOne = await statements();
      await runOne(jobs[1]!.id);
      return { afterOne, afterTwo: await statements() };
    });

    const named = (rows: { name: string; runs: number }[]) => rows.map(({ name, runs }) => ({ name: name.replace(/_[0-9a-f]{12}$/, ''), runs }));
    expect(named(seen.afterOne)).toEqual([
      { name: 'claim_job', runs: 1 },
      { name: 'complete_job', runs: 1 },
      { name: 'status_read', runs: 1 },
    ]);
    // The second job binds and runs the same statements: none is prepared again.
    expect(named(seen.afterTwo)).toEqual([
      { name: 'claim_job', runs: 2 },
      { name: 'complete_job', runs: 2 },
      { name: 'status_read', runs: 2 },
    ]);
    expect(seen.afterTwo.map((row) => row.name)).toEqual(seen.afterOne.map((row) => row.name));
    expect(seen.afterTwo.every((row) => row.text.trimStart().startsWith(`/* prepared ${row.name.replace(/_[0-9a-f]{12}$/, '')} */`))).toBe(true);
    expect(await db.prisma.job.count({ where: { campaignId: campaign.id, status: 'COMPLETED' } })).toBe(2);
  });
});
