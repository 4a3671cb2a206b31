import type { PrismaClient } from '../db/database';
import type { Prisma } from '../generated/prisma/client';

/**
 * The data-access layer (src/store): every statement that changes campaigns, jobs, leads, the breaker's
 * projection and its audit log lives here, one module per aggregate.
 *
 * One lock order on every path, so no two writers can deadlock: `system_state`, then campaigns (several at
 * once in id order), then their jobs (and the jobs' leads). A job is only ever written by a transaction that
 * first locked its campaign: FOR SHARE to claim or settle one job, FOR UPDATE to pause, resume or cancel them.
 */
export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/** Interactive transactions that may touch a whole backlog: well past Prisma's 5 s default. */
export const BULK_TX = { maxWait: 30_000, timeout: 120_000 } as const;

