/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Browser tests need Chromium and run on their own (npm run test:browser, and in .ci/run).
  testPathIgnorePatterns: ['/node_modules/', '/test/browser/'],
  // Generous: the suite also runs on a 2-core machine busy with other work, where starting and stopping bots is slow.
  testTimeout: 60000,
  // Two test files at a time on a 2-core machine: most of a file's time is spent waiting (HTTP round trips, polling
  // workers), so the whole suite takes about 60 % of its one-at-a-time duration (8.5 against 14.4 minutes here).
  maxWorkers: 2,
};
