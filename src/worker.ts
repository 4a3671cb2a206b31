import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerParams {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests share one); otherwise workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tuning for hundreds of campaigns on one worker. */
  tuning?: Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentWorkflowTaskExecutions'>;
}

/** One worker runs both workflows and all activities on the product's task queue. */
export function createWorker({ connection, namespace, taskQueue, deps, workflowBundle, tuning }: WorkerParams): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    // Campaigns are long-lived: keep them cached so a pause signal never needs a history replay.
    maxCachedWorkflows: 2_000,
    maxConcurrentActivityTaskExecutions: 200,
    ...tuning,
  });
}
