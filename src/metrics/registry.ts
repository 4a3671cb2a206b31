import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The process's one metrics registry: what `GET /metrics` serves (the API's port, and the worker's
 * METRICS_PORT). Names start with `leadgen_`; Node's own (heap, event loop lag, GC) come with it.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** A counter in the process's registry; the label names type its `inc` calls. */
export function counter<Label extends string>(name: string, help: string, labelNames: readonly Label[]): Counter<Label> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** A histogram in the process's registry, with buckets (in seconds) fitted to what it times. */
export function histogram<Label extends string>(name: string, help: string, labelNames: readonly Label[], buckets: number[]): Histogram<Label> {
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] });
}
