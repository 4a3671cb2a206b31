import type { Client } from '@temporalio/client';
import type { BreakerClient } from '../breaker/client';
import type { PrismaClient } from '../db/database';
import type { Logger } from '../logger';
import type { ProviderProbes } from '../providers/probe';
import type { ApiKey } from './auth';

/** What the API needs from the process that hosts it. */
export interface ApiDeps {
  prisma: PrismaClient;
  /** Signals and queries campaign workflows; must share its connection with `breaker` (deadlines). */
  temporal: Client;
  /** Every breaker and queue transition goes through the breaker workflow, never the database. */
  breaker: BreakerClient;
  /** The task queue campaign workflows run on. */
  taskQueue: string;
  logger: Logger;
  apiKeys: ApiKey[];
  /** One cheap call per configured service, for GET /queue-management/providers (503 without). */
  providerProbes?: ProviderProbes;
  /** Where the dashboard links campaign workflows (the Temporal Web UI), when there is one. */
  temporalUi?: { url: string; namespace: string };
  /** How long resume-queue waits for the campaign workflows before answering 202 (default RESUME_ANSWER_MS). */
  resumeAnswerMs?: number;
  /** Aborted when the host stops: long-lived responses (the live stream) end so the server can close. */
  shutdown?: AbortSignal;
}
