import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { controlTaskQueue } from '../workflows/definitions';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerParams {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests share one); otherwise workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Third-party calls in flight at once on this worker. */
  maxConcurrentJobs?: number;
}

export interface Workers {
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * Two workers in one process: the product's task queue runs the workflows and the jobs (third-party
 * calls), the control queue runs the bookkeeping and breaker effects. Jobs held up by a slow service can
 * fill every job slot, and a pause must never wait behind them.
 */
export async function createWorkers({ connection, namespace, taskQueue, deps, workflowBundle, maxConcurrentJobs }: WorkerParams): Promise<Workers> {
  // Activities are closures over deps; none reads `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { runJob, ...control } = createActivities(deps);
  const main = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: { runJob },
    // Campaigns are long-lived: keep them cached so a pause signal never needs a history replay.
    maxCachedWorkflows: 2_500,
    maxConcurrentWorkflowTaskExecutions: 100,
    maxConcurrentActivityTaskExecutions: maxConcurrentJobs ?? 200,
  });
  const controlWorker = await Worker.create({
    connection,
    namespace,
    taskQueue: controlTaskQueue(taskQueue),
    activities: control,
    maxConcurrentActivityTaskExecutions: 100,
  });
  return {
    async run() {
      await Promise.all([main.run(), controlWorker.run()]);
    },
    shutdown() {
      for (const worker of [main, controlWorker]) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
    },
  };
}
