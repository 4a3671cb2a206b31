import { findCampaignOr404 } from '../campaigns/lookup';
import { pageOf } from '../http/pagination';
import { defineRoute, type ApiFeature } from '../http/route';
import { campaignLeadsParams, leadPageData, listLeadsQuery } from './schemas';
import { leadView } from './view';

export const leadsFeature: ApiFeature = {
  tag: 'Leads',
  description: 'The people a campaign found, and how far each got (verified, researched, copy written, pushed to Instantly).',
  routes: [
    defineRoute({
      method: 'get',
      path: '/campaigns/:id/leads',
      summary: "A campaign's leads, oldest first",
      params: campaignLeadsParams,
      query: listLeadsQuery,
      success: { status: 200, description: 'One page of leads', data: leadPageData },
      errors: { 404: 'No campaign with this id' },
      async handle({ params: { id }, query: { status, ...page } }, { deps: { prisma } }) {
        await findCampaignOr404(prisma, id);
        const where = { campaignId: id, ...(status ? { status } : {}) };
        const { items, next_cursor, total } = await pageOf(
          page,
          (args) => prisma.lead.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...args }),
          (only) => prisma.lead.count({ where: { ...where, ...only } }),
        );
        return { leads: items.map(leadView), next_cursor, total };
      },
    }),
  ],
};
