import {
  type Client,
  QueryRejectedError,
  WorkflowClient,
  type WorkflowHandle,
  type WorkflowUpdateHandle,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  WorkflowUpdateStage,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  BREAKER_STILL_OPEN,
  BREAKER_WORKFLOW_ID,
  breakerTaskQueue,
  breakerStateQuery,
  type BreakerSnapshot,
  forceOpenUpdate,
  type ForceOpenRequest,
  resetUpdate,
  type ResetRequest,
  resumeQueueUpdate,
  type ResumeQueueRequest,
  type ResumeQueueResult,
} from '../../workflows/definitions';
import type { breakerWorkflow } from '../../workflows/breaker';

/** Resume refused because the breaker is still OPEN (maps to HTTP 400). */
export class BreakerStillOpenError extends Error {
  override name = 'BreakerStillOpenError';
}

// A run that just started rebuilds its state from the database before it answers a query.
const REBUILD_RETRIES = 50;
const REBUILD_RETRY_MS = 100;

/**
 * Talks to the singleton breaker workflow: every operator action goes through it as an update, so the
 * workflow alone decides (and audits) every transition. If the run it knew has closed (terminated from the
 * Web UI, say), the next call starts a new run, which rebuilds itself from the database: the API recovers by
 * itself and an OPEN breaker stays OPEN.
 */
export class BreakerClient {
  private ensured?: Promise<void>;
  // Queries refused by a closed run, so a terminated breaker is noticed instead of answering from its last state.
  private readonly workflows: WorkflowClient;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly failureThreshold: number,
  ) {
    this.workflows = new WorkflowClient({
      connection: client.connection,
      namespace: client.options.namespace,
      queryRejectCondition: 'NOT_OPEN',
    });
  }

  /** Starts the breaker if it is not running yet; a second start of the fixed id is a no-op. */
  ensureRunning(): Promise<void> {
    this.ensured ??= this.workflows
      .start<typeof breakerWorkflow>('breakerWorkflow', {
        workflowId: BREAKER_WORKFLOW_ID,
        // The breaker's own queue: its workflow tasks never wait behind campaigns'.
        taskQueue: breakerTaskQueue(this.taskQueue),
        args: [{ failureThreshold: this.failureThreshold }],
      })
      .then(
        () => undefined,
        (error: unknown) => {
          if (error instanceof WorkflowExecutionAlreadyStartedError) return;
          this.ensured = undefined;
          throw error;
        },
      );
    return this.ensured;
  }

  async state(): Promise<BreakerSnapshot> {
    return this.call(async (handle) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await handle.query(breakerStateQuery);
        } catch (error) {
          if (!isStillRebuilding(error) || attempt >= REBUILD_RETRIES) throw error;
          await new Promise((resolve) => setTimeout(resolve, REBUILD_RETRY_MS));
        }
      }
    });
  }

  async forceOpen(request: ForceOpenRequest): Promise<BreakerSnapshot> {
    return this.call((handle) => handle.executeUpdate(forceOpenUpdate, { args: [request] }));
  }

  async reset(request: ResetRequest): Promise<BreakerSnapshot> {
    return this.call((handle) => handle.executeUpdate(resetUpdate, { args: [request] }));
  }

  /** Resumes the queue: the workflow's answer, once its fan-out has told every campaign. */
  async resumeQueue(request: ResumeQueueRequest): Promise<ResumeQueueResult> {
    return (await this.resume(request, (update) => update.result()))!;
  }

  /**
   * Resumes the queue, answering within `answerWithinMs`: the workflow's answer, or `undefined` when the resume
   * was accepted (the workflow carries it through, whatever happens to this caller) and is still telling
   * campaigns: thousands of them take minutes.
   */
  async resumeQueueWithin(request: ResumeQueueRequest, answerWithinMs: number): Promise<ResumeQueueResult | undefined> {
    return this.resume(request, async (update) => {
      try {
        return await this.client.withDeadline(Date.now() + answerWithinMs, () => update.result());
      } catch (error) {
        if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return undefined;
        throw error;
      }
    });
  }

  private async resume(
    request: ResumeQueueRequest,
    answer: (update: WorkflowUpdateHandle<ResumeQueueResult>) => Promise<ResumeQueueResult | undefined>,
  ): Promise<ResumeQueueResult | undefined> {
    try {
      // Accepted means validated: a resume while OPEN is refused here, before anything is written.
      const update = await this.call((handle) => handle.startUpdate(resumeQueueUpdate, { args: [request], waitForStage: WorkflowUpdateStage.ACCEPTED }));
      return await answer(update);
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === BREAKER_STILL_OPEN) {
        throw new BreakerStillOpenError(error.cause.message);
      }
      throw error;
    }
  }

  /** Runs `fn` against the breaker; once more against a new run if the one it reached has closed. */
  private async call<T>(fn: (handle: WorkflowHandle<typeof breakerWorkflow>) => Promise<T>): Promise<T> {
    await this.ensureRunning();
    try {
      return await fn(this.workflows.getHandle<typeof breakerWorkflow>(BREAKER_WORKFLOW_ID));
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError || error instanceof QueryRejectedError)) throw error;
      this.ensured = undefined;
      await this.ensureRunning();
      return fn(this.workflows.getHandle<typeof breakerWorkflow>(BREAKER_WORKFLOW_ID));
    }
  }
}

function isStillRebuilding(error: unknown): boolean {
  // The query handler exists from the first activation; it fails only while the state is being rebuilt.
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (/still rebuilding/.test(cause.message)) return true;
  }
  return false;
}
