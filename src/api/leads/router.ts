import { listCampaignChildren } from '../campaigns/lookup';
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
      async handle({ params: { id }, query }, { deps: { prisma } }) {
        const { items, next_cursor, total } = await listCampaignChildren(prisma, prisma.lead, id, query);
        return { leads: items.map(leadView), next_cursor, total };
      },
    }),
  ],
};
