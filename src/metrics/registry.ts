import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The process's one metrics registry: what `GET /metrics` serves (the API's port, and the worker's
 * METRICS_PORT). Names start with `leadgen_`; Node's own (heap, event loop lag, GC) come with it.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });
