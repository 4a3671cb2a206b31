import { DefaultLogger, Runtime } from '@temporalio/worker';

// Worker state chatter drowns test output; errors still show (expected activity failures log at WARN).
Runtime.install({ logger: new DefaultLogger('ERROR') });
