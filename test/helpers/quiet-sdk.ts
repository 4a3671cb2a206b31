import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

// Worker state chatter and the SDK core's capability warnings drown test output; errors still show
// (expected activity failures log at WARN).
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  // Core logs stay in core (no forward: a forwarding handle would keep Jest alive in suites with no worker).
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
});
