import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { foldStatusCounts } from './store/status-counts';
import { breakerTaskQueue, controlTaskQueue, jobTaskQueue, SERVICES, type ServiceKey } from '../workflows/definitions';

export const WORKFLOWS_PATH = require.resolve('../workflows');

// The status counters' delta rows (see src/store/status-counts.ts) are folded this often by every worker.
const FOLD_STATUS_COUNTS_MS = 5_000;

export interface WorkerParams {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A pre-built bundle (tests share one); otherwise workflows are bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Third-party calls in flight at once on this worker, per service. */
  maxConcurrentJobs?: number;
  /** Per-service options for that service's job worker (rate limits, concurrency caps). */
  jobWorkerOptions?: (service: ServiceKey) => Partial<Pick<WorkerOptions, 'maxTaskQueueActivitiesPerSecond' | 'maxActivitiesPerSecond' | 'maxConcurrentActivityTaskExecutions'>>;
}

export interface Workers {
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * The worker process: workflows on the product's task queue; each service's jobs on a queue of their own;
 * campaign bookkeeping on the control queue; the breaker's effects on the breaker queue. Jobs held up by a
 * slow service fill only that service's slots, and closing the breaker's gate never waits behind anything.
 */
export async function createWorkers({ connection, namespace, taskQueue, deps, workflowBundle, maxConcurrentJobs, jobWorkerOptions }: WorkerParams): Promise<Workers> {
  const activities = createActivities(deps);
  const workers = [
    await Worker.create({
      connection,
      namespace,
      taskQueue,
      ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
      // Campaigns are long-lived: keep them cached so a pause notice never needs a history replay.
      maxCachedWorkflows: 2_500,
      maxConcurrentWorkflowTaskExecutions: 100,
    }),
    ...(await Promise.all(
      SERVICES.map((service) =>
        Worker.create({
          connection,
          namespace,
          taskQueue: jobTaskQueue(taskQueue, service),
          activities: activities.jobs,
          maxConcurrentActivityTaskExecutions: maxConcurrentJobs ?? 200,
          ...jobWorkerOptions?.(service),
        }),
      ),
    )),
    await Worker.create({
      connection,
      namespace,
      taskQueue: controlTaskQueue(taskQueue),
      activities: activities.control,
      maxConcurrentActivityTaskExecutions: 100,
    }),
    await Worker.create({
      connection,
      namespace,
      taskQueue: breakerTaskQueue(taskQueue),
      // The breaker workflow and its effects: a trip is decided and its gate written without queueing behind campaigns.
      ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
      maxCachedWorkflows: 10,
      activities: activities.breaker,
      maxConcurrentActivityTaskExecutions: 20,
    }),
  ];
  return {
    async run() {
      const fold = setInterval(() => {
        foldStatusCounts(deps.prisma).catch((err: unknown) => deps.logger.warn({ err }, 'Folding the status counters failed (next try in a few seconds)'));
      }, FOLD_STATUS_COUNTS_MS);
      try {
        await Promise.all(workers.map((worker) => worker.run()));
      } finally {
        clearInterval(fold);
      }
    },
    shutdown() {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
    },
  };
}
