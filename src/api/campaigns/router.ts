import { Router } from 'express';
import { actorOf } from '../auth';
import type { ApiDeps } from '../deps';
import { noBody, noQuery } from '../http/common-schemas';
import { sendData } from '../http/envelope';
import { conflict } from '../http/http-error';
import { parseInput } from '../http/validate';
import { countsByStatus } from '../shared/status-counts';
import { JOB_STATUSES, LEAD_STATUSES, TERMINAL_CAMPAIGN_STATUSES } from '../shared/statuses';
import { RESUME_QUEUE_ROUTE } from '../paths';
import { listCampaigns } from './list';
import { findCampaignOr404 } from './lookup';
import { campaignParams, createCampaignBody, listCampaignsQuery, pauseCampaignBody } from './schemas';
import { toStoredCriteria } from './search-criteria';
import { campaignView } from './view';
import { requestCancel, requestPause, startCampaign, workflowProgress } from './workflow';

export const CAMPAIGN_RESUME_REFUSAL = `Campaigns resume only through the queue: ${RESUME_QUEUE_ROUTE}`;

export function campaignsRouter(deps: ApiDeps): Router {
  const { prisma } = deps;
  const router = Router();

  router.post('/campaigns', async (req, res) => {
    parseInput(noQuery, req.query, 'query');
    const body = parseInput(createCampaignBody, req.body, 'body');
    const campaign = await prisma.campaign.create({
      data: {
        name: body.name,
        searchCriteria: toStoredCriteria(body.search_criteria),
        leadLimit: body.lead_limit,
        copyPrompt: body.copy_prompt,
        instantlyCampaignId: body.instantly_campaign_id,
      },
    });
    deps.logger.info({ event: 'campaign_created', campaignId: campaign.id, actor: actorOf(res) }, `Campaign ${campaign.id} created`);
    sendData(res, campaignView(campaign), 201);
  });

  router.get('/campaigns', async (req, res) => {
    sendData(res, await listCampaigns(deps, parseInput(listCampaignsQuery, req.query, 'query')));
  });

  router.get('/campaigns/:id', async (req, res) => {
    const { id } = parseInput(campaignParams, req.params, 'params');
    parseInput(noQuery, req.query, 'query');
    const campaign = await findCampaignOr404(prisma, id);
    const [jobs, leads] = await Promise.all([
      prisma.job.groupBy({ by: ['status'], where: { campaignId: id }, _count: { _all: true } }),
      prisma.lead.groupBy({ by: ['status'], where: { campaignId: id }, _count: { _all: true } }),
    ]);
    // Only a live campaign has a workflow worth asking; CREATED has none yet, finished ones are in the DB.
    const live = campaign.status === 'RUNNING' || campaign.status === 'PAUSED';
    sendData(res, {
      ...campaignView(campaign),
      job_counts: countsByStatus(JOB_STATUSES, jobs),
      lead_counts: countsByStatus(LEAD_STATUSES, leads),
      ...(live ? await workflowProgress(deps, id) : { workflow: null }),
    });
  });

  router.post('/campaigns/:id/start', async (req, res) => {
    const { id } = campaignAction(req);
    const campaign = await findCampaignOr404(prisma, id);
    if (campaign.status !== 'CREATED') throw conflict(`Campaign ${id} is ${campaign.status}: only a CREATED campaign can start`);
    const workflowId = await startCampaign(deps, id);
    deps.logger.info({ event: 'campaign_start_requested', campaignId: id, actor: actorOf(res) }, `Campaign ${id} start requested by ${actorOf(res)}`);
    sendData(res, { id, workflow_id: workflowId, action: 'campaign_start_requested', message: `Campaign ${id} is starting` }, 202);
  });

  router.post('/campaigns/:id/pause', async (req, res) => {
    const { id } = parseInput(campaignParams, req.params, 'params');
    parseInput(noQuery, req.query, 'query');
    const body = parseInput(pauseCampaignBody, req.body, 'body');
    const campaign = await findCampaignOr404(prisma, id);
    if (campaign.status !== 'RUNNING') throw conflict(`Campaign ${id} is ${campaign.status}: only a RUNNING campaign can be paused`);
    const actor = actorOf(res);
    const reason = body?.reason ? `Paused by ${actor}: ${body.reason}` : `Paused by ${actor}`;
    await requestPause(deps, id, reason);
    deps.logger.info({ event: 'campaign_pause_requested', campaignId: id, actor }, `Campaign ${id} pause requested by ${actor}`);
    sendData(res, { id, action: 'campaign_pause_requested', reason, message: `Campaign ${id} is pausing; only resume-queue resumes it` }, 202);
  });

  router.post('/campaigns/:id/cancel', async (req, res) => {
    const { id } = campaignAction(req);
    const campaign = await findCampaignOr404(prisma, id);
    if (TERMINAL_CAMPAIGN_STATUSES.includes(campaign.status)) throw conflict(`Campaign ${id} is already ${campaign.status}`);
    await requestCancel(deps, id);
    deps.logger.info({ event: 'campaign_cancel_requested', campaignId: id, actor: actorOf(res) }, `Campaign ${id} cancel requested by ${actorOf(res)}`);
    sendData(res, { id, action: 'campaign_cancel_requested', message: `Campaign ${id} is being cancelled` }, 202);
  });

  // SPEC rule 8: no per-campaign resume shortcut; say where resuming happens instead.
  router.post('/campaigns/:id/resume', async (req) => {
    const { id } = campaignAction(req);
    await findCampaignOr404(prisma, id);
    throw conflict(CAMPAIGN_RESUME_REFUSAL);
  });

  return router;
}

/** Input of the bodyless campaign actions: a campaign id, no query, no (or an empty) body. */
function campaignAction(req: { params: unknown; query: unknown; body: unknown }) {
  const params = parseInput(campaignParams, req.params, 'params');
  parseInput(noQuery, req.query, 'query');
  parseInput(noBody, req.body, 'body');
  return params;
}
