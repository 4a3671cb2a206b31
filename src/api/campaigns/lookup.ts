import type { PrismaClient } from '../../db/database';
import { notFound } from '../http/http-error';
import { pageOf, type PageRequest } from '../http/pagination';

/** The campaign, or a 404 naming it (shared by every route under /campaigns/:id). */
export async function findCampaignOr404(prisma: PrismaClient, id: string) {
  const campaign = await prisma.campaign.findUnique({ where: { id } });
  if (!campaign) throw notFound(`Campaign ${id} not found`);
  return campaign;
}

/** A campaign's rows in one table, of one status when given; `id` is pageOf's check of a cursor. */
interface CampaignChildrenWhere<Status> {
  campaignId: string;
  status?: Status;
  id?: string;
}

/** What listCampaignChildren needs of a Prisma model whose rows belong to a campaign (prisma.job, prisma.lead). */
interface CampaignChildModel<Row, Status> {
  findMany(args: {
    where: CampaignChildrenWhere<Status>;
    orderBy: Array<{ createdAt: 'asc' } | { id: 'asc' }>;
    take: number;
    skip: number;
    cursor?: { id: string };
  }): Promise<Row[]>;
  count(args: { where: CampaignChildrenWhere<Status> }): Promise<number>;
}

/**
 * One page of a campaign's jobs or leads, optionally of one status, oldest first: the order the pipeline created
 * them in (the id breaks ties within a millisecond). A 404 when there is no such campaign, rather than an empty page.
 */
export async function listCampaignChildren<Row extends { id: string }, Status extends string>(
  prisma: PrismaClient,
  model: CampaignChildModel<Row, NoInfer<Status>>,
  campaignId: string,
  { status, ...page }: PageRequest & { status?: Status },
) {
  await findCampaignOr404(prisma, campaignId);
  const where = { campaignId, ...(status ? { status } : {}) };
  return pageOf(
    page,
    (args) => model.findMany({ where, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], ...args }),
    (only) => model.count({ where: { ...where, ...only } }),
  );
}
