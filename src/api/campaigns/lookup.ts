import type { PrismaClient } from '../../db/database';
import { notFound } from '../http/http-error';

/** The campaign, or a 404 naming it (shared by every route under /campaigns/:id). */
export async function findCampaignOr404(prisma: PrismaClient, id: string) {
  const campaign = await prisma.campaign.findUnique({ where: { id } });
  if (!campaign) throw notFound(`Campaign ${id} not found`);
  return campaign;
}
