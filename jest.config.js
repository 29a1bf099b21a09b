const fs = require('node:fs');
const path = require('node:path');

/**
 * The suite in three tiers (ARCHITECTURE.md, "Tests"); `npm test` runs them all, `npm run test:fast` the first only,
 * and `--selectProjects <name>` any of them. A path filter still works across tiers (.ci/run uses one).
 */

// Generous: the suite also runs on a 2-core machine busy with other work, where starting and stopping bots is slow.
const TEST_TIMEOUT = 60000;

/** What every tier shares. */
const project = (displayName, folders) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: folders.map((folder) => `<rootDir>/test/${folder}`),
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Browser tests need Chromium and run on their own (npm run test:browser, and in .ci/run).
  testPathIgnorePatterns: ['/node_modules/', '/test/browser/'],
  testTimeout: TEST_TIMEOUT,
});

const tiers = {
  // In one process, no HTTP server: pure functions, cards, the intent model, the manifest, and dialogs called
  // directly (on an in-memory PGlite database where they need one).
  fast: ['unit', 'cards', 'nlu', 'manifest', 'dialogs'],
  // The domain against a real database: in-memory PGlite, or a PostgreSQL server with DATABASE_URL.
  integration: ['integration'],
  // A bot over real HTTP, in this process or as child processes: the Bot Framework protocol, conversations, the
  // web chat and its Direct Line endpoint, security, reliability and several processes on one database.
  conversation: ['protocol', 'conversation', 'webchat', 'security', 'reliability', 'scaleout'],
};

// A new folder of tests belongs to a tier: left out, its tests would silently never run.
const outside = ['browser', 'support'];
const tiered = new Set(Object.values(tiers).flat());
const untiered = fs
  .readdirSync(path.join(__dirname, 'test'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !outside.includes(entry.name) && !tiered.has(entry.name))
  .map((entry) => `test/${entry.name}`);
if (untiered.length > 0) throw new Error(`jest.config.js: put ${untiered.join(', ')} in a tier`);

/** @type {import('jest').Config} */
// TEST_TIER picks one tier as --selectProjects does, but leaves the paths after it alone (`npm run test:fast -- <file>`),
// which --selectProjects would read as more tier names.
const picked = Object.entries(tiers).filter(([name]) => !process.env.TEST_TIER || name === process.env.TEST_TIER);
if (picked.length === 0) throw new Error(`jest.config.js: TEST_TIER is one of ${Object.keys(tiers).join(', ')}`);

module.exports = {
  projects: picked.map(([name, folders]) => project(name, folders)),
  testTimeout: TEST_TIMEOUT,
  // Two test files at a time on a 2-core machine: most of a file's time is spent waiting (HTTP round trips, polling
  // workers), so the whole suite takes about 60 % of its one-at-a-time duration (8.5 against 14.4 minutes here).
  maxWorkers: 2,
};
