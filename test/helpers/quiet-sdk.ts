import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';

// Worker state chatter and the SDK core's capability warnings drown test output; errors still show
// (expected activity failures log at WARN).
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});
