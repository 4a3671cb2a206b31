import { actorOf } from '../auth';
import { conflict } from '../http/http-error';
import { defineRoute, operationId, type ApiFeature } from '../http/route';
import { RESUME_QUEUE_ROUTE } from '../paths';
import { countsByStatus } from '../shared/status-counts';
import { JOB_STATUSES, LEAD_STATUSES, TERMINAL_CAMPAIGN_STATUSES } from '../shared/statuses';
import { listCampaigns } from './list';
import { findCampaignOr404 } from './lookup';
import {
  campaignData,
  campaignDetailData,
  campaignPageData,
  campaignParams,
  cancelCampaignData,
  createCampaignBody,
  listCampaignsQuery,
  pauseCampaignBody,
  pauseCampaignData,
  startCampaignData,
} from './schemas';
import { toStoredCriteria } from './search-criteria';
import { campaignView } from './view';
import { requestCancel, requestPause, startCampaign, workflowProgress } from './workflow';

export const CAMPAIGN_RESUME_REFUSAL = `Campaigns resume only through the queue: ${RESUME_QUEUE_ROUTE}`;

const CAMPAIGN_NOT_FOUND = 'No campaign with this id';

export const campaignsFeature: ApiFeature = {
  tag: 'Campaigns',
  description: 'Create, list, start, pause and cancel campaigns. Paused campaigns resume only through resume-queue.',
  routes: [
    defineRoute({
      method: 'post',
      path: '/campaigns',
      summary: 'Create a campaign (CREATED; start it with POST /campaigns/{id}/start)',
      body: createCampaignBody,
      success: {
        status: 201,
        description: 'The new campaign',
        data: campaignData,
        // What a client does next with the new id (Schemathesis follows these in its stateful phase).
        links: Object.fromEntries(
          (
            [
              ['GetCampaign', 'get', '/campaigns/:id'],
              ['StartCampaign', 'post', '/campaigns/:id/start'],
              ['PauseCampaign', 'post', '/campaigns/:id/pause'],
              ['CancelCampaign', 'post', '/campaigns/:id/cancel'],
              ['ResumeCampaign', 'post', '/campaigns/:id/resume'],
              ['ListJobs', 'get', '/campaigns/:id/jobs'],
              ['ListLeads', 'get', '/campaigns/:id/leads'],
            ] as const
          ).map(([name, method, path]) => [name, { operationId: operationId(method, path), parameters: { id: '$response.body#/data/id' } }]),
        ),
      },
      async handle({ body }, { deps, res }) {
        const campaign = await deps.prisma.campaign.create({
          data: {
            name: body.name,
            searchCriteria: toStoredCriteria(body.search_criteria),
            leadLimit: body.lead_limit,
            copyPrompt: body.copy_prompt,
            instantlyCampaignId: body.instantly_campaign_id,
          },
        });
        deps.logger.info({ event: 'campaign_created', campaignId: campaign.id, actor: actorOf(res) }, `Campaign ${campaign.id} created`);
        return campaignView(campaign);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/campaigns',
      summary: 'List campaigns, newest first',
      query: listCampaignsQuery,
      success: { status: 200, description: 'One page of campaigns', data: campaignPageData },
      handle: ({ query }, { deps }) => listCampaigns(deps, query),
    }),
    defineRoute({
      method: 'get',
      path: '/campaigns/:id',
      summary: 'One campaign with its job and lead counts and live workflow progress',
      params: campaignParams,
      success: { status: 200, description: 'The campaign', data: campaignDetailData },
      errors: { 404: CAMPAIGN_NOT_FOUND },
      async handle({ params: { id } }, { deps }) {
        const { prisma } = deps;
        const campaign = await findCampaignOr404(prisma, id);
        const [jobs, leads] = await Promise.all([
          prisma.job.groupBy({ by: ['status'], where: { campaignId: id }, _count: { _all: true } }),
          prisma.lead.groupBy({ by: ['status'], where: { campaignId: id }, _count: { _all: true } }),
        ]);
        // Only a live campaign has a workflow worth asking; CREATED has none yet, finished ones are in the DB.
        const live = campaign.status === 'RUNNING' || campaign.status === 'PAUSED';
        return {
          ...campaignView(campaign),
          job_counts: countsByStatus(JOB_STATUSES, jobs),
          lead_counts: countsByStatus(LEAD_STATUSES, leads),
          ...(live ? await workflowProgress(deps, id) : { workflow: null }),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/campaigns/:id/start',
      summary: 'Start a CREATED campaign',
      description: 'Answers 202: the campaign workflow starts it. Refused (409) while the breaker is open or the queue paused.',
      params: campaignParams,
      success: { status: 202, description: 'The start is requested', data: startCampaignData },
      errors: { 404: CAMPAIGN_NOT_FOUND, 409: 'Not CREATED, or the breaker is open, or the queue is paused' },
      async handle({ params: { id } }, { deps, res }) {
        const campaign = await findCampaignOr404(deps.prisma, id);
        if (campaign.status !== 'CREATED') throw conflict(`Campaign ${id} is ${campaign.status}: only a CREATED campaign can start`);
        const workflowId = await startCampaign(deps, id);
        deps.logger.info({ event: 'campaign_start_requested', campaignId: id, actor: actorOf(res) }, `Campaign ${id} start requested by ${actorOf(res)}`);
        return { id, workflow_id: workflowId, action: 'campaign_start_requested', message: `Campaign ${id} is starting` } as const;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/campaigns/:id/pause',
      summary: 'Pause one RUNNING campaign',
      description: 'Answers 202: the campaign workflow stops dispatching and records PAUSED. Only resume-queue resumes it.',
      params: campaignParams,
      body: pauseCampaignBody,
      success: { status: 202, description: 'The pause is requested', data: pauseCampaignData },
      errors: { 404: CAMPAIGN_NOT_FOUND, 409: 'Not RUNNING' },
      async handle({ params: { id }, body }, { deps, res }) {
        const campaign = await findCampaignOr404(deps.prisma, id);
        if (campaign.status !== 'RUNNING') throw conflict(`Campaign ${id} is ${campaign.status}: only a RUNNING campaign can be paused`);
        const actor = actorOf(res);
        const reason = body?.reason ? `Paused by ${actor}: ${body.reason}` : `Paused by ${actor}`;
        await requestPause(deps, id, reason);
        deps.logger.info({ event: 'campaign_pause_requested', campaignId: id, actor }, `Campaign ${id} pause requested by ${actor}`);
        return { id, action: 'campaign_pause_requested', reason, message: `Campaign ${id} is pausing; only resume-queue resumes it` } as const;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/campaigns/:id/cancel',
      summary: 'Cancel a campaign that has not finished',
      params: campaignParams,
      success: { status: 202, description: 'The cancel is requested', data: cancelCampaignData },
      errors: { 404: CAMPAIGN_NOT_FOUND, 409: 'Already COMPLETED, FAILED or CANCELLED' },
      async handle({ params: { id } }, { deps, res }) {
        const campaign = await findCampaignOr404(deps.prisma, id);
        if (TERMINAL_CAMPAIGN_STATUSES.includes(campaign.status)) throw conflict(`Campaign ${id} is already ${campaign.status}`);
        await requestCancel(deps, id);
        deps.logger.info({ event: 'campaign_cancel_requested', campaignId: id, actor: actorOf(res) }, `Campaign ${id} cancel requested by ${actorOf(res)}`);
        return { id, action: 'campaign_cancel_requested', message: `Campaign ${id} is being cancelled` } as const;
      },
    }),
    // SPEC rule 8: no per-campaign resume shortcut; say where resuming happens instead.
    defineRoute({
      method: 'post',
      path: '/campaigns/:id/resume',
      summary: 'Always refused: campaigns resume only through resume-queue',
      params: campaignParams,
      errors: { 404: CAMPAIGN_NOT_FOUND, 409: CAMPAIGN_RESUME_REFUSAL },
      async handle({ params: { id } }, { deps }) {
        await findCampaignOr404(deps.prisma, id);
        throw conflict(CAMPAIGN_RESUME_REFUSAL);
      },
    }),
  ],
};
