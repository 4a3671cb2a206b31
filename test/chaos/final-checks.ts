/**
 * The end state the drill demands once everything has converged: every campaign COMPLETED in the database
 * and in its workflow, each lead pushed exactly once (the database and the simulator's Instantly agree),
 * no job duplicated, each breaker transition audited exactly once per cycle.
 */
import type { Client as TemporalClient } from '@temporalio/client';
import { settleWithConcurrency } from '../../src/util/concurrency';
import type { DrillDb } from './db';
import type { Simulator } from './http';
import type { CycleRecord, Recorder } from './record';

/** What each campaign's workflow says its status is: its progress query while it runs, its result once closed. */
export async function workflowStatuses(temporal: TemporalClient, campaignIds: string[]): Promise<Map<string, string>> {
  const settled = await settleWithConcurrency(campaignIds, 16, async (id) => {
    const handle = temporal.workflow.getHandle(`campaign-${id}`);
    const description = await handle.describe();
    const execution = description.status.name;
    if (execution === 'RUNNING') return (await handle.query<{ status: string }>('progress')).status;
    if (execution === 'COMPLETED') return String(await handle.result());
    return `workflow ${execution}`;
  });
  return new Map(
    campaignIds.map((id, i) => {
      const result = settled[i]!;
      return [id, result.status === 'fulfilled' ? result.value : `unknown (${result.reason instanceof Error ? result.reason.message : String(result.reason)})`];
    }),
  );
}

export interface FinalFigures {
  campaigns: number;
  campaignsCompleted: number;
  leads: number;
  leadsPushed: number;
  leadsByStatus: Record<string, number>;
  simulatorLeads: number;
  jobs: number;
  auditRows: Record<string, number>;
}

export async function runFinalChecks({ db, temporal, simulator, recorder, campaignIds, leadLimit }: {
  db: DrillDb;
  temporal: TemporalClient;
  simulator: Simulator;
  recorder: Recorder;
  campaignIds: string[];
  leadLimit: number;
}): Promise<FinalFigures> {
  // ---- campaigns: COMPLETED in the database, and the same in their workflows --------------------
  const campaigns = await db.query<{ id: string; status: string; status_reason: string | null; instantly_campaign_id: string; leads: number }>(
    `SELECT c.id, c.status, c.status_reason, c.instantly_campaign_id, (SELECT count(*)::int FROM leads l WHERE l.campaign_id = c.id) AS leads
     FROM campaigns c WHERE c.id = ANY($1::uuid[])`,
    [campaignIds],
  );
  const missing = campaignIds.filter((id) => !campaigns.some((c) => c.id === id));
  if (missing.length > 0) recorder.violation('every campaign COMPLETED', `${missing.length} campaign(s) created by the drill are missing from the database`, missing);
  const notCompleted = campaigns.filter((c) => c.status !== 'COMPLETED');
  if (notCompleted.length > 0) {
    recorder.violation('every campaign COMPLETED', `${notCompleted.length} of ${campaigns.length} campaigns are not COMPLETED in the database`, notCompleted.map(({ id, status, status_reason }) => ({ id, status, status_reason })));
  }
  // The lead checks look at COMPLETED campaigns only: an unfinished one is reported above, and its leads are
  // naturally half-way; a COMPLETED campaign with a lead short or half-way has lost it.
  const completedIds = campaigns.filter((c) => c.status === 'COMPLETED').map((c) => c.id);
  const shortOfLeads = campaigns.filter((c) => c.status === 'COMPLETED' && c.leads !== leadLimit);
  if (shortOfLeads.length > 0) {
    recorder.violation('no lead lost', `${shortOfLeads.length} COMPLETED campaign(s) do not have their ${leadLimit} leads`, shortOfLeads.map(({ id, leads }) => ({ id, leads })));
  }

  const statuses = await workflowStatuses(temporal, campaigns.map((c) => c.id));
  const mismatched = campaigns.filter((c) => statuses.get(c.id) !== c.status).map((c) => ({ id: c.id, database: c.status, workflow: statuses.get(c.id) }));
  if (mismatched.length > 0) recorder.violation('campaign status: database equals workflow', `${mismatched.length} campaign(s) differ`, mismatched);

  // ---- leads: each pushed exactly once; the database and the simulator agree ----------------------
  const leads = await db.query<{ id: string; campaign_id: string; email: string | null; status: string; instantly_lead_id: string | null; instantly_campaign_id: string }>(
    `SELECT l.id, l.campaign_id, l.email, l.status, l.instantly_lead_id, c.instantly_campaign_id
     FROM leads l JOIN campaigns c ON c.id = l.campaign_id WHERE l.campaign_id = ANY($1::uuid[])`,
    [campaignIds],
  );
  const leadsByStatus: Record<string, number> = {};
  for (const lead of leads) leadsByStatus[lead.status] = (leadsByStatus[lead.status] ?? 0) + 1;
  // The product keeps only people whose search says Apollo holds their address, and the simulator answers the same
  // for one id in every search and at enrichment, so a NO_EMAIL lead here is a lead wrongly closed. (One drill saw
  // one: the simulator then let a later search show a repeated id as locked; test/simulator pins that down.)
  const noEmail = leads.filter((lead) => lead.status === 'NO_EMAIL');
  if (noEmail.length > 0) recorder.violation('no lead lost', `${noEmail.length} lead(s) NO_EMAIL although their search showed an address`, noEmail.map(({ id, campaign_id }) => ({ id, campaign_id })));
  const unfinished = leads.filter((lead) => completedIds.includes(lead.campaign_id) && !['PUSHED', 'INVALID_EMAIL', 'NO_EMAIL', 'FAILED'].includes(lead.status));
  if (unfinished.length > 0) recorder.violation('no lead lost', `${unfinished.length} lead(s) of COMPLETED campaigns stopped half-way (neither PUSHED, INVALID_EMAIL, NO_EMAIL nor FAILED)`, unfinished.map(({ id, campaign_id, status }) => ({ id, campaign_id, status })));

  const ours = new Set(campaigns.map((c) => c.instantly_campaign_id));
  const simulated = (await simulator.instantlyLeads()).filter((lead) => ours.has(lead.campaign));
  const simById = new Map(simulated.map((lead) => [lead.id, lead]));
  const byAddress = new Map<string, typeof simulated>();
  for (const lead of simulated) {
    const key = `${lead.campaign} ${lead.email.toLowerCase()}`;
    byAddress.set(key, [...(byAddress.get(key) ?? []), lead]);
  }
  const duplicates = [...byAddress.values()].filter((group) => group.length > 1);
  if (duplicates.length > 0) {
    recorder.violation('each lead pushed exactly once', `${duplicates.length} address(es) pushed to Instantly more than once`, duplicates.map((group) => ({ campaign: group[0]!.campaign, email: group[0]!.email, ids: group.map((lead) => lead.id) })));
  }
  const leadById = new Map(leads.map((lead) => [lead.id, lead]));
  const pushedMissing = leads.filter((lead) => lead.status === 'PUSHED' && (!lead.instantly_lead_id || simById.get(lead.instantly_lead_id)?.campaign !== lead.instantly_campaign_id));
  if (pushedMissing.length > 0) {
    recorder.violation('each lead pushed exactly once', `${pushedMissing.length} lead(s) PUSHED in the database but not in Instantly (or without its id)`, pushedMissing.map(({ id, instantly_lead_id }) => ({ id, instantly_lead_id })));
  }
  // A lead in Instantly must be PUSHED in the database, under that Instantly id (found by our id, else by address).
  const notRecorded = simulated.filter((sim) => {
    const ownId = sim.payload?.leadgen_lead_id;
    const lead = typeof ownId === 'string' ? leadById.get(ownId) : undefined;
    const owners = lead ? [lead] : leads.filter((l) => l.instantly_campaign_id === sim.campaign && l.email?.toLowerCase() === sim.email.toLowerCase());
    return !owners.some((owner) => owner.status === 'PUSHED' && owner.instantly_lead_id === sim.id);
  });
  if (notRecorded.length > 0) {
    recorder.violation(
      'each lead pushed exactly once',
      `${notRecorded.length} lead(s) in Instantly are not PUSHED in the database`,
      notRecorded.map((sim) => ({ instantly_id: sim.id, campaign: sim.campaign, email: sim.email, lead: sim.payload?.leadgen_lead_id, db_status: leadById.get(String(sim.payload?.leadgen_lead_id))?.status })),
    );
  }

  // ---- jobs: each lead in one job of each type (its own, or a batch's), one FETCH_LEADS per campaign, none unfinished
  const duplicateJobs = await db.query(
    `SELECT campaign_id, lead_id, type, count(*)::int AS copies
     FROM (SELECT campaign_id, lead_id, type FROM jobs WHERE lead_id IS NOT NULL OR type = 'FETCH_LEADS'
           UNION ALL SELECT campaign_id, unnest(lead_ids), type FROM jobs) covered
     WHERE campaign_id = ANY($1::uuid[])
     GROUP BY campaign_id, lead_id, type HAVING count(*) > 1 LIMIT 50`,
    [campaignIds],
  );
  if (duplicateJobs.length > 0) recorder.violation('no job duplicated', `${duplicateJobs.length} (lead, type) pair(s) have more than one job`, duplicateJobs);
  const [jobCounts] = await db.query<{ total: number; unfinished: number }>(
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE status IN ('PENDING', 'PROCESSING', 'PAUSED'))::int AS unfinished FROM jobs WHERE campaign_id = ANY($1::uuid[])`,
    [campaignIds],
  );
  if (jobCounts!.unfinished > 0) {
    const rows = await db.query(`SELECT id, campaign_id, type, status, error FROM jobs WHERE status IN ('PENDING', 'PROCESSING', 'PAUSED') LIMIT 20`);
    recorder.violation('no job lost', `${jobCounts!.unfinished} job(s) unfinished`, rows);
  }
  const leadsWithoutPipeline = await db.query(
    // A lead Apollo's enrichment found no address for (NO_EMAIL) has nothing to verify.
    `SELECT l.id, l.status FROM leads l WHERE l.campaign_id = ANY($1::uuid[]) AND l.status <> 'NO_EMAIL' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.lead_id = l.id AND j.type = 'VERIFY_EMAIL') LIMIT 20`,
    [completedIds],
  );
  if (leadsWithoutPipeline.length > 0) recorder.violation('no lead lost', `${leadsWithoutPipeline.length} lead(s) of COMPLETED campaigns never got a VERIFY_EMAIL job`, leadsWithoutPipeline);

  // ---- audit: one row per transition per cycle --------------------------------------------------
  const audit = await db.query<{ id: string; type: string; service: string | null; actor: string; reason: string | null; created_at: Date }>(
    `SELECT id::text, type::text, service, actor, reason, created_at FROM breaker_events ORDER BY id`,
  );
  const auditRows: Record<string, number> = {};
  for (const row of audit) auditRows[row.type] = (auditRows[row.type] ?? 0) + 1;
  checkAudit(recorder, recorder.cycles, audit);

  return {
    campaigns: campaigns.length,
    campaignsCompleted: campaigns.length - notCompleted.length,
    leads: leads.length,
    leadsPushed: leadsByStatus.PUSHED ?? 0,
    leadsByStatus,
    simulatorLeads: simulated.length,
    jobs: jobCounts!.total,
    auditRows,
  };
}

const TRANSITIONS = ['BREAKER_OPENED', 'QUEUE_PAUSED', 'BREAKER_RESET', 'QUEUE_RESUMED'];

/** Each cycle's time span (from its outage to the next cycle's) holds exactly one row of each transition. */
function checkAudit(recorder: Recorder, cycles: CycleRecord[], audit: { type: string; created_at: Date }[]): void {
  const startOf = (cycle: CycleRecord) => (cycle.outageAt ?? cycle.decisionSeenAt ?? Infinity) - 1_000;
  const transitions = audit.filter((row) => TRANSITIONS.includes(row.type));
  const before = transitions.filter((row) => cycles.length === 0 || row.created_at.getTime() < startOf(cycles[0]!));
  if (before.length > 0) recorder.violation('each transition audited exactly once', `${before.length} transition row(s) before the first trip`, before);
  cycles.forEach((cycle, i) => {
    const from = startOf(cycle);
    const to = i + 1 < cycles.length ? startOf(cycles[i + 1]!) : Infinity;
    const rows = transitions.filter((row) => row.created_at.getTime() >= from && row.created_at.getTime() < to);
    // A cycle whose breaker never opened was reported already; it has nothing to audit.
    if (cycle.decisionSeenAt === undefined) return;
    for (const type of TRANSITIONS) {
      const count = rows.filter((row) => row.type === type).length;
      if (count !== 1) {
        recorder.violation('each transition audited exactly once', `cycle ${cycle.index}: ${count} ${type} row(s), expected 1`, rows.filter((row) => row.type === type));
      }
    }
  });
}
