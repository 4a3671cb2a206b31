import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { TEMPORAL_CLI_PATH, TEST_SERVER_PATH } from '../../src/temporal/tools';

/**
 * The Java time-skipping test server (no visibility list/count, no batch operations), with the
 * product's search attributes registered so workflows may set them.
 */
export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEST_SERVER_PATH } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTES.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
  return env;
}

/** A real `temporal server start-dev` (SQLite in memory), with the product's search attributes. */
export function startDevServerEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: TEMPORAL_CLI_PATH },
      searchAttributes: SEARCH_ATTRIBUTES,
      extraArgs: ['--log-level', 'error'],
    },
  });
}
