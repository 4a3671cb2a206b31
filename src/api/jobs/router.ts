import { listCampaignChildren } from '../campaigns/lookup';
import { notFound } from '../http/http-error';
import { defineRoute, operationId, type ApiFeature } from '../http/route';
import { campaignJobsParams, jobData, jobPageData, jobParams, listJobsQuery } from './schemas';
import { jobView } from './view';

export const jobsFeature: ApiFeature = {
  tag: 'Jobs',
  description:
    "A campaign's units of work: FETCH_LEADS once; one per lead for VERIFY_EMAIL, ENRICH_LEAD and WRITE_COPY; batches of leads for FIND_EMAILS (up to 10) and PUSH_TO_INSTANTLY (up to 1,000).",
  routes: [
    defineRoute({
      method: 'get',
      path: '/campaigns/:id/jobs',
      summary: "A campaign's jobs, oldest first",
      params: campaignJobsParams,
      query: listJobsQuery,
      success: {
        status: 200,
        description: 'One page of jobs',
        data: jobPageData,
        links: { GetJob: { operationId: operationId('get', '/jobs/:id'), parameters: { id: '$response.body#/data/jobs/0/id' } } },
      },
      errors: { 404: 'No campaign with this id' },
      async handle({ params: { id }, query }, { deps: { prisma } }) {
        const { items, next_cursor, total } = await listCampaignChildren(prisma, prisma.job, id, query);
        return { jobs: items.map(jobView), next_cursor, total };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/jobs/:id',
      summary: 'One job',
      params: jobParams,
      success: { status: 200, description: 'The job', data: jobData },
      errors: { 404: 'No job with this id' },
      async handle({ params: { id } }, { deps: { prisma } }) {
        const job = await prisma.job.findUnique({ where: { id } });
        if (!job) throw notFound(`Job ${id} not found`);
        return jobView(job);
      },
    }),
  ],
};
