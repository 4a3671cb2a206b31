import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  BREAKER_STILL_OPEN,
  BREAKER_WORKFLOW_ID,
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

/**
 * Talks to the singleton breaker workflow: every operator action goes through it as an update, so the
 * workflow alone decides (and audits) every transition.
 */
export class BreakerClient {
  private ensured?: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly failureThreshold: number,
  ) {}

  /** Starts the breaker if it is not running yet; a second start of the fixed id is a no-op. */
  ensureRunning(): Promise<void> {
    this.ensured ??= this.client.workflow
      .start<typeof breakerWorkflow>('breakerWorkflow', {
        workflowId: BREAKER_WORKFLOW_ID,
        taskQueue: this.taskQueue,
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

  private async handle() {
    await this.ensureRunning();
    return this.client.workflow.getHandle<typeof breakerWorkflow>(BREAKER_WORKFLOW_ID);
  }

  async state(): Promise<BreakerSnapshot> {
    return (await this.handle()).query(breakerStateQuery);
  }

  async forceOpen(request: ForceOpenRequest): Promise<BreakerSnapshot> {
    return (await this.handle()).executeUpdate(forceOpenUpdate, { args: [request] });
  }

  async reset(request: ResetRequest): Promise<BreakerSnapshot> {
    return (await this.handle()).executeUpdate(resetUpdate, { args: [request] });
  }

  async resumeQueue(request: ResumeQueueRequest): Promise<ResumeQueueResult> {
    try {
      return await (await this.handle()).executeUpdate(resumeQueueUpdate, { args: [request] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === BREAKER_STILL_OPEN) {
        throw new BreakerStillOpenError(error.cause.message);
      }
      throw error;
    }
  }
}
