/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // Real Temporal servers and databases start inside the suites; give them room.
  setupFiles: ['<rootDir>/test/helpers/quiet-sdk.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/close-template.ts'],
  testTimeout: 120_000,
  // Servers are owned by each suite and stopped in afterAll; a lingering handle is a bug worth seeing.
  detectOpenHandles: false,
};
