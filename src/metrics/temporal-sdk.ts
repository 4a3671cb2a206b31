import { createServer } from 'node:net';

/**
 * The Temporal SDK's own worker metrics (task slots, poll and schedule-to-start latencies, sticky cache,
 * activity and workflow task outcomes): the SDK's runtime exports them in Prometheus format on its own
 * loopback port, and our `/metrics` appends them, so each process is one scrape target.
 */
export function sdkMetricsTelemetry(bindAddress: string) {
  return { prometheus: { bindAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } };
}

let sdkMetricsUrl: string | undefined;

/** Where this process's SDK runtime serves its metrics (set once the runtime is installed with them). */
export function setSdkMetricsAddress(bindAddress: string): void {
  sdkMetricsUrl = `http://${bindAddress}/metrics`;
}

/** The SDK's exposition text, or '' when this process has no SDK runtime exporting (the API alone) or it is down. */
export async function sdkMetricsText(): Promise<string> {
  if (!sdkMetricsUrl) return '';
  try {
    const response = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? await response.text() : '';
  } catch {
    return '';
  }
}

/** A free port on 127.0.0.1 for the SDK's exporter (it cannot report the port it bound, so we choose it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
  });
}
