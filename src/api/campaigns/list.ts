import type { CampaignStatus } from '../../generated/prisma/enums';
import { campaignWorkflowId } from '../../../workflows/definitions';
import type { ApiDeps } from '../deps';
import { type PageRequest, pageOf } from '../http/pagination';
import { countsByStatus } from '../shared/status-counts';
import { JOB_STATUSES } from '../shared/statuses';
import { campaignView } from './view';

/**
 * One page of campaigns, newest first, each with its progress (jobs by status, leads pushed) and workflow id.
 * Progress costs two grouped counts over the page's ids, whatever the page size: never a query per campaign.
 */
export async function listCampaigns({ prisma }: Pick<ApiDeps, 'prisma'>, request: PageRequest & { status?: CampaignStatus }) {
  const { status, ...page } = request;
  const where = status ? { status } : {};
  // The id breaks ties between campaigns created in the same millisecond.
  const { items, next_cursor, total } = await pageOf(
    page,
    (args) => prisma.campaign.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], ...args }),
    (only) => prisma.campaign.count({ where: { ...where, ...only } }),
  );
  const ids = items.map((c) => c.id);
  const [jobs, pushed] = ids.length === 0 ? [[], []] : await Promise.all([
    prisma.job.groupBy({ by: ['campaignId', 'status'], where: { campaignId: { in: ids } }, _count: { _all: true } }),
    prisma.lead.groupBy({ by: ['campaignId'], where: { campaignId: { in: ids }, status: 'PUSHED' }, _count: { _all: true } }),
  ]);
  const campaigns = items.map((campaign) => ({
    ...campaignView(campaign),
    workflow_id: campaignWorkflowId(campaign.id),
    progress: {
      jobs: countsByStatus(JOB_STATUSES, jobs.filter((group) => group.campaignId === campaign.id)),
      leads_pushed: pushed.find((group) => group.campaignId === campaign.id)?._count._all ?? 0,
    },
  }));
  return { campaigns, next_cursor, total };
}
