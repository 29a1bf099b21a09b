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
};
