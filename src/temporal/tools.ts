import path from 'node:path';

/** Where `npm run setup` puts the binaries it builds (see scripts/setup.sh). */
const TOOLS_DIR = path.resolve(__dirname, '../../.tools');

export const TEMPORAL_CLI_PATH = process.env.TEMPORAL_CLI_PATH ?? path.join(TOOLS_DIR, 'temporal-cli/temporal');
export const TEST_SERVER_PATH =
  process.env.TEMPORAL_TEST_SERVER_PATH ?? path.join(TOOLS_DIR, 'test-server/temporal-test-server');
