import { Router } from 'express';
import { findCampaignOr404 } from '../campaigns/lookup';
import type { ApiDeps } from '../deps';
import { noQuery } from '../http/common-schemas';
import { sendData } from '../http/envelope';
import { notFound } from '../http/http-error';
import { pageOf } from '../http/pagination';
import { parseInput } from '../http/validate';
import { campaignJobsParams, jobParams, listJobsQuery } from './schemas';
import { jobView } from './view';

export function jobsRouter({ prisma }: ApiDeps): Router {
  const router = Router();

  router.get('/campaigns/:id/jobs', async (req, res) => {
    const { id } = parseInput(campaignJobsParams, req.params, 'params');
    const { status, ...page } = parseInput(listJobsQuery, req.query, 'query');
    await findCampaignOr404(prisma, id);
    const where = { campaignId: id, ...(status ? { status } : {}) };
    // Oldest first: the order the pipeline created them in.
    const { items, next_cursor, total } = await pageOf(
      page,
      (args) => prisma.job.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...args }),
      (only) => prisma.job.count({ where: { ...where, ...only } }),
    );
    sendData(res, { jobs: items.map(jobView), next_cursor, total });
  });

  router.get('/jobs/:id', async (req, res) => {
    const { id } = parseInput(jobParams, req.params, 'params');
    parseInput(noQuery, req.query, 'query');
    const job = await prisma.job.findUnique({ where: { id } });
    if (!job) throw notFound(`Job ${id} not found`);
    sendData(res, jobView(job));
  });

  return router;
}
