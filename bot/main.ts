import type pino from 'pino';
import { DEMO_TENANT_ID, demo } from '../prisma/demoData';
import { seedCatalog, seedDemo } from '../prisma/seed';
import { createAccessLink, LinkPurpose } from '../services/people/accessLinks';
import { openDatabase, type Database } from '../services/platform/db/database';
import { createMailer } from '../services/notifications/mail';
import { simulatedDonors } from '../services/simulators/donor';
import { createAdapter } from './adapter';
import { startBackground } from './background';
import { createBulkImportProgress } from './bulkImportProgress';
import { createNotifier, type NotifierOptions } from './notifier';
import { createBot } from './app';
import { ConfigError, configFromEnvironment, type Config } from './config';
import { createLogger } from './logger';
import { unsupportedRuntime } from './runtime';
import { createServer } from './server';
import { PrismaStorage } from './storage';

export interface RunningBot {
  url: string;
  port: number;
  db: Database;
  adminLink: string;
  close(): Promise<void>;
}

const ADMIN_LINK_TTL_MS = 24 * 60 * 60 * 1000;
/** The advisory lock of seeding, beside the migrator's (72_707_001). */
const SEED_LOCK_KEY = 72_707_002;

/** Opens (or takes) the database, seeds the demo, and serves the bot; prints what a newcomer needs to try it. */
export async function startBot(
  config: Config,
  options: { database?: Database; logDestination?: pino.DestinationStream; notifier?: NotifierOptions } = {},
): Promise<RunningBot> {
  const logger = createLogger(config.logLevel, options.logDestination);
  // A data directory another process has open refuses the start (DataDirLockedError): main() prints its one line.
  const db =
    options.database ??
    (await openDatabase(config.database, {
      onStaleLock: (holder, file) => logger.warn({ file, holder }, 'embedded database lock of a process no longer running taken over'),
    }));
  const ownsDatabase = !options.database;
  try {
    // Processes starting together would each find the demo missing and race to insert it: one seeds at a time.
    // DEMO_DATA=false: the operator brings the real organisations in (npm run operator, /api/operator/).
    await db.sql.withAdvisoryLock(SEED_LOCK_KEY, () => (config.demoData ? seedDemo(db.prisma) : seedCatalog(db.prisma)));
    const adapter = createAdapter(config, logger);
    const bot = createBot({ storage: new PrismaStorage(db.prisma), adapter, db, donors: simulatedDonors(config.clockSpeed), config, logger });
    const server = createServer({ bot, adapter, db, config, logger });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    const port = (server.address() as { port: number }).port;
    const url = `http://localhost:${port}`;
    // With PORT=0 the configured default URL names port 0; the links must name the port actually taken.
    const publicUrl = config.publicUrl === 'http://localhost:0' ? url : config.publicUrl;
    // Without the demo there is no demo administrator to sign in as: the link is empty and not announced.
    const adminLink = config.demoData ? `${publicUrl}/signin/${await createAdminSignInToken(db)}` : '';
    const background = await startBackground({ db, config, logger, publicUrl });
    const proactive = { db: db.prisma, teams: adapter, webChat: server.webChat, appId: config.teams?.appId, mailer: createMailer(config.mail), logger };
    const notifier = createNotifier(proactive, { clockSpeed: config.clockSpeed, ...options.notifier });
    notifier.start();
    const bulkImportProgress = createBulkImportProgress(proactive, { pollIntervalMs: options.notifier?.pollIntervalMs });
    bulkImportProgress.start();

    announce(config, publicUrl, adminLink);
    logger.info({ port, database: db.kind, teams: Boolean(config.teams), node: process.version }, 'bot started');

    return {
      url,
      port,
      db,
      adminLink,
      close: async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Requests still open after a grace period (a client that never hangs up) must not keep the process alive.
        const grace = setTimeout(() => server.server.closeAllConnections(), 3_000);
        await closed;
        clearTimeout(grace);
        // A round or job still running after the grace period is left: its lock or lease expires and another
        // process (or the next start) takes it over, so a stuck call cannot hold the shutdown.
        await Promise.race([
          Promise.all([background.stop(), notifier.stop(), bulkImportProgress.stop()]),
          new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
        ]);
        if (ownsDatabase) await db.close();
      },
    };
  } catch (error) {
    if (ownsDatabase) await db.close();
    throw error;
  }
}

async function createAdminSignInToken(db: Database): Promise<string> {
  const ann = await db.prisma.person.findFirstOrThrow({
    where: { email: demo.ann.email, organisation: { tenantId: DEMO_TENANT_ID } },
  });
  const { token } = await createAccessLink(db.prisma, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId: ann.id, ttlMs: ADMIN_LINK_TTL_MS });
  return token;
}

/** The newcomer's output: plain console lines, not the masked log (the admin link must be usable). */
function announce(config: Config, publicUrl: string, adminLink: string): void {
  const lines = [
    '',
    `SIM activation assistant is running on Node.js ${process.version}.`,
    `  Web chat:           ${publicUrl}/`,
    ...(adminLink ? [`  Admin sign-in link: ${adminLink}`, `                      (one-time, 24 hours, for Ann Admin of Demo Company NV)`] : []),
    `  Bot endpoint:       ${publicUrl}/api/messages`,
    '',
  ];
  if (!config.teams) {
    lines.push(
      '  WARNING: no MicrosoftAppId is set, so /api/messages accepts UNAUTHENTICATED requests (Bot Framework',
      '  Emulator mode) and replies to whatever serviceUrl they name. Never expose this port to a network.',
      '',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = configFromEnvironment();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const running = await startBot(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${signal}: stopping\n`);
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  const refusal = unsupportedRuntime();
  if (refusal) {
    process.stderr.write(`${refusal}\n`);
    process.exit(1);
  }
  main().catch((error: unknown) => {
    process.stderr.write(`Could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
