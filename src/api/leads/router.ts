import { Router } from 'express';
import { findCampaignOr404 } from '../campaigns/lookup';
import type { ApiDeps } from '../deps';
import { sendData } from '../http/envelope';
import { pageOf } from '../http/pagination';
import { parseInput } from '../http/validate';
import { campaignLeadsParams, listLeadsQuery } from './schemas';
import { leadView } from './view';

export function leadsRouter({ prisma }: ApiDeps): Router {
  const router = Router();

  router.get('/campaigns/:id/leads', async (req, res) => {
    const { id } = parseInput(campaignLeadsParams, req.params, 'params');
    const { status, ...page } = parseInput(listLeadsQuery, req.query, 'query');
    await findCampaignOr404(prisma, id);
    const where = { campaignId: id, ...(status ? { status } : {}) };
    const { items, next_cursor, total } = await pageOf(
      page,
      (args) => prisma.lead.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...args }),
      (only) => prisma.lead.count({ where: { ...where, ...only } }),
    );
    sendData(res, { leads: items.map(leadView), next_cursor, total });
  });

  return router;
}
