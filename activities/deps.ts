import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../src/db/database';
import type { Logger } from '../src/logger';
import type { LeadProviders } from '../src/providers/types';

/** What activities need from the process that hosts them (the worker). */
export interface ActivityDeps {
  prisma: PrismaClient;
  /** The breaker's own connections (see Database.breakerPrisma); `prisma` when not given. */
  breakerPrisma?: PrismaClient;
  providers: LeadProviders;
  /** Signals campaigns (fan-out) and the breaker (failure reports). */
  temporal: Client;
  logger: Logger;
  /** The task queue the workflows run on (the breaker is created there on first use). */
  taskQueue: string;
  /** Failures that open the breaker (SPEC rule 1); passed when the breaker is first created. */
  failureThreshold: number;
  /** Campaign signals in flight at once during a pause or resume fan-out. */
  fanOutConcurrency: number;
  /** How long a fan-out waits for one workflow's acknowledgement before it signals instead (default 10 s). */
  fanOutAckTimeoutMs?: number;
  /** How often a fan-out goes over the workflows that have not acknowledged before it gives up (default 30). */
  fanOutPasses?: number;
  /** Longest 429 Retry-After a job waits out (default 30 s); beyond it the failure goes to the breaker at once. */
  retryAfterCapMs?: number;
  /** Attempts a job makes at a fault of ours (a bug, the database unreachable) before its campaign pauses (default 30). */
  faultAttempts?: number;
}
