// A whole bot in a process of its own (HTTP server, job worker, notifier), for test/reliability tests that need
// several processes on one PostgreSQL server. Plain JavaScript, compiling the TypeScript it requires on the fly
// (typescriptHook.js).
//
// Environment: DATABASE_URL (the shared test database; empty: PGlite under DATA_DIR), DATA_DIR. Prints "ready" once serving; SIGTERM stops it.
'use strict';
require('./typescriptHook');

const { configFromEnvironment } = require('../../bot/config');
const { startBot } = require('../../bot/main');

async function main() {
  const config = configFromEnvironment({
    PORT: '0',
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: process.env.DATA_DIR,
    // Empty: the embedded PGlite under DATA_DIR, as `npm start` has it.
    DATABASE_URL: process.env.DATABASE_URL || undefined,
  });
  const bot = await startBot(config, { notifier: { pollIntervalMs: 20, batch: 10 } });
  process.stdout.write('ready\n');
  process.once('SIGTERM', async () => {
    await bot.close();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
