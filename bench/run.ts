import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { seedDemo } from '../prisma/seed';
import { openDatabase, type DatabaseLocation } from '../services/platform/db/database';
import { startChild, type BenchChild, type ChildRuntime } from './child';
import { npmStartNodeFlags } from './npmStart';
import { peakMemoryOf } from './peakMemory';
import { startBenchConnector, type BenchConnector } from './connector';
import { round, type LoadFigures } from './load';
import { runPageBench, type PageLoad } from './page';
import { BENCH, seedBenchPopulation } from './population';
import { benchRuntimes, RuntimeNotFound, type Runtime } from './runtimes';
import {
  CLIENTS,
  PACED,
  backgroundSettled,
  runBulkStart,
  runCardSteps,
  runHello,
  runMigration,
  runNotifications,
  simTurns,
  type BulkStart,
  type Migration,
  type NotificationFigures,
} from './scenarios';

/**
 * `npm run bench`: the baselines and the bot on the same machine in one run, so that the figures read as ratios.
 * The bot runs compiled, in a child process; with DATABASE_URL set, once more on a PostgreSQL database of its own,
 * created and dropped here. Prints a table and writes bench/results/latest.json.
 *
 * BENCH_ONLY (comma-separated: turns, startAll, migration, notifications, page) measures only those parts of the bot,
 * and BENCH_DATABASES (pglite, postgresql) only those databases; the baselines are measured in every run with a part
 * under load, so that the ratios always compare with the echo bot of the same run. `page` is the web chat page's
 * first load in Chromium (bench/page.ts), against a bot of its own. The bot runs with npm start's Node flags (package.json);
 * BENCH_BOT_NODE_FLAGS gives it others instead ('' for Node's defaults), to see what they change.
 * BENCH_NODE (comma-separated Node.js executables, paths or names on PATH, e.g. /usr/bin/node,node_modules/.bin/node)
 * runs the baselines and the bot on each of them in turn, each compared with its own echo bot; by default, on the
 * harness's own Node.js. With more than one, a last table compares them, each as a ratio to the first one listed.
 */

const PARTS = ['turns', 'startAll', 'migration', 'notifications', 'page'] as const;
type Part = (typeof PARTS)[number];
const selected = (variable: string | undefined, all: readonly string[]) => {
  const named = (variable ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = named.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`unknown ${unknown.join(', ')}: choose among ${all.join(', ')}`);
  return named.length > 0 ? named : [...all];
};
const parts = selected(process.env.BENCH_ONLY, PARTS) as Part[];
const underLoad = parts.some((part) => part !== 'page');
const databases = selected(process.env.BENCH_DATABASES, ['pglite', 'postgresql']);
const botNodeFlags = process.env.BENCH_BOT_NODE_FLAGS === undefined ? npmStartNodeFlags() : process.env.BENCH_BOT_NODE_FLAGS.split(/\s+/).filter(Boolean);
const serverUrl = process.env.DATABASE_URL;
const botDatabases = underLoad ? databases.filter((database) => database === 'pglite' || serverUrl) : [];

const RESULTS = path.join(__dirname, '../../bench/results/latest.json');

const TURN_KINDS = ['welcome', 'simNumber', 'addServiceStep'] as const;
type TurnKind = (typeof TURN_KINDS)[number];
const TURN_NAMES: Record<TurnKind, string> = { welcome: 'welcome', simNumber: 'SIM number', addServiceStep: 'add-service step' };
const at50 = (figures: LoadFigures[]) => figures[CLIENTS.indexOf(50)]!;

/** What was measured of one bot run; a part left out by BENCH_ONLY is absent. */
interface BotFigures {
  database: 'pglite' | 'postgresql';
  turns?: Record<TurnKind, LoadFigures[]>;
  /** The same turns from 50 conversations at a person's pace (PACED): what people wait. */
  pacedTurns?: Record<TurnKind, LoadFigures>;
  /** SIM-number turns answered but whose number is not on the service's timeline: should be 0. */
  simNumbersNotWritten?: number;
  bulkStart?: BulkStart;
  migration?: Migration;
  notifications?: { acceptAll: NotificationFigures; throttledOneInTen: NotificationFigures };
  /** The bot process's peak resident memory while the parts ran (the target), and each part's own peak. */
  peakRssMb: number;
  peakRssByPartMb: Partial<Record<Part, number>>;
  /** Its peak from its start until the first part: opening the database, the demo seed, training the intent model. */
  startupPeakRssMb: number;
  /** After the last part: what the process holds, and how much of it is V8's heap or memory outside it. */
  atEnd: { rssMb: number; heapTotalMb: number; heapUsedMb: number; externalMb: number };
}

/** What was measured on one runtime: its own baselines, the bot on each database, the page. */
interface RuntimeFigures {
  node: string;
  execPath: string;
  baselines: Record<'restify' | 'echo', LoadFigures[]>;
  bot: BotFigures[];
  page?: PageLoad[];
  targets: Target[];
}

/** The figures the runtimes are compared on, in the comparison table's order; undefined when their part was left out. */
const COMPARED: Array<{ key: string; header: string; of(run: BotFigures, echo: LoadFigures[]): number | undefined }> = [
  ...TURN_KINDS.flatMap((kind) => [
    { key: `${kind}PerSecond`, header: `${TURN_NAMES[kind]} /s`, of: (run: BotFigures) => run.turns && at50(run.turns[kind]).perSecond },
    {
      key: `${kind}PerSecondToEcho`,
      header: '÷ echo',
      of: (run: BotFigures, echo: LoadFigures[]) => run.turns && round(at50(run.turns[kind]).perSecond / at50(echo).perSecond, 2),
    },
    { key: `${kind}P99Ms`, header: 'p99 ms', of: (run: BotFigures) => run.turns && at50(run.turns[kind]).p99Ms },
  ]),
  { key: 'peakRssMb', header: 'peak RSS MB', of: (run) => run.peakRssMb },
  { key: 'startupPeakRssMb', header: 'start-up RSS MB', of: (run) => run.startupPeakRssMb },
  { key: 'notificationsPerSecond', header: 'notifications /s', of: (run) => run.notifications?.acceptAll.perSecond },
];

/** One runtime's bot on one database, at 50 conversations at once where turns, and each figure ÷ the first runtime's. */
interface Comparison {
  node: string;
  database: BotFigures['database'];
  figures: Record<string, number | null>;
  /** Null on the first runtime itself. */
  toFirstRuntime: Record<string, number | null> | null;
}

interface Target {
  what: string;
  database: string;
  value: string;
  target: string;
  pass: boolean | null;
}

async function main(): Promise<void> {
  const runtimes = benchRuntimes(process.env.BENCH_NODE);
  const startedAt = new Date();
  const loadBefore = os.loadavg();
  if (!underLoad) log('no part under load selected: baselines and bot runs skipped');
  else if (!databases.includes('postgresql')) log('PostgreSQL not selected');
  else if (!serverUrl) log('DATABASE_URL is not set: PostgreSQL skipped');
  const connector = await startBenchConnector();
  try {
    const measured: RuntimeFigures[] = [];
    for (const runtime of runtimes) measured.push(await measureRuntime(runtime, connector));
    const comparison = measured.length > 1 && botDatabases.length > 0 ? compare(measured) : undefined;
    const result = {
      startedAt: startedAt.toISOString(),
      seconds: round((Date.now() - startedAt.getTime()) / 1000, 1),
      machine: {
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model ?? 'unknown',
        memoryGb: round(os.totalmem() / 2 ** 30, 1),
        harnessNode: process.version,
        loadAverageBefore: loadBefore.map((n) => round(n, 2)),
        loadAverageAfter: os.loadavg().map((n) => round(n, 2)),
      },
      clients: CLIENTS,
      parts,
      botNodeFlags,
      runtimes: measured,
      comparison,
    };
    fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
    fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    const { machine } = result;
    process.stdout.write(`${machine.cpus} × ${machine.cpu}, harness on Node ${machine.harnessNode}; load average before ${machine.loadAverageBefore.join(' ')}, after ${machine.loadAverageAfter.join(' ')}\n`);
    process.stdout.write(`bot's Node flags: ${botNodeFlags.join(' ') || "Node's defaults"}\n`);
    for (const figures of measured) {
      process.stdout.write(`\n=== Node ${figures.node}: ${figures.execPath} ===\n`);
      if (underLoad) process.stdout.write(report(figures));
      if (figures.page) process.stdout.write(pageReport(figures.page));
    }
    if (comparison) process.stdout.write(comparisonReport(comparison, measured[0]!.node));
    process.stdout.write(`\nwritten to ${path.relative(process.cwd(), RESULTS)} in ${result.seconds} s\n`);
  } finally {
    await connector.close();
  }
}

async function measureRuntime(runtime: Runtime, connector: BenchConnector): Promise<RuntimeFigures> {
  log(`Node ${runtime.label}: ${runtime.execPath}`);
  const bot: ChildRuntime = { execPath: runtime.execPath, nodeFlags: botNodeFlags };
  const page = parts.includes('page') ? await runPageBench(bot, log) : undefined;
  const baselines = underLoad
    ? { restify: await measureBaseline('restify', connector, runtime), echo: await measureBaseline('echo', connector, runtime) }
    : { restify: [], echo: [] };
  const runs: BotFigures[] = [];
  for (const database of botDatabases) {
    runs.push(
      database === 'pglite'
        ? await measureBot({ kind: 'pglite' }, connector, bot)
        : await onServerDatabase(serverUrl!, (url) => measureBot({ kind: 'postgresql', url }, connector, bot)),
    );
  }
  return { node: runtime.label, execPath: runtime.execPath, baselines, bot: runs, page, targets: runs.flatMap((run) => targetsOf(run, baselines.echo)) };
}

/** Each runtime's bot runs beside the first runtime's on the same database. */
function compare(measured: RuntimeFigures[]): Comparison[] {
  const figuresOf = (runtime: RuntimeFigures, run: BotFigures) =>
    Object.fromEntries(COMPARED.map(({ key, of }) => [key, of(run, runtime.baselines.echo) ?? null]));
  const first = measured[0]!;
  return first.bot.flatMap((firstRun) => {
    const firstFigures = figuresOf(first, firstRun);
    return measured.map((runtime) => {
      const figures = figuresOf(runtime, runtime.bot.find((run) => run.database === firstRun.database)!);
      const toFirstRuntime =
        runtime === first
          ? null
          : Object.fromEntries(
              COMPARED.map(({ key }) => {
                const value = figures[key];
                const firstValue = firstFigures[key];
                return [key, value == null || !firstValue ? null : round(value / firstValue, 2)];
              }),
            );
      return { node: runtime.node, database: firstRun.database, figures, toFirstRuntime };
    });
  });
}

async function measureBaseline(kind: 'restify' | 'echo', connector: BenchConnector, runtime: Runtime): Promise<LoadFigures[]> {
  const server = await startChild('baselineServer.js', [kind], {}, { execPath: runtime.execPath });
  try {
    await runHello(server.url, connector.serviceUrl, 10); // warm-up
    const figures: LoadFigures[] = [];
    for (const clients of CLIENTS) {
      const measured = await runHello(server.url, connector.serviceUrl, clients);
      log(`${kind}, ${clients} at once: ${measured.perSecond}/s, p99 ${measured.p99Ms} ms, ${measured.failed} failed`);
      figures.push(measured);
    }
    return figures;
  } finally {
    await server.stop();
  }
}

async function measureBot(location: DatabaseLocation, connector: BenchConnector, runtime: ChildRuntime): Promise<BotFigures> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-bench-'));
  try {
    log(`${location.kind}: seeding ${BENCH.employees} employees, ${BENCH.waitingForActivation} services to start, 2 × ${BENCH.notifications} notifications`);
    const seeded = await openDatabase(location.kind === 'pglite' ? { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') } : location);
    try {
      await seedDemo(seeded.prisma);
      await seedBenchPopulation(seeded.prisma, connector.serviceUrl);
    } finally {
      await seeded.close();
    }
    const bot = await startChild('botProcess.js', [], {
      PORT: '0',
      DATA_DIR: dataDir,
      // Simulated activations complete an hour later in real time: none lands in the middle of a measurement.
      SIM_CLOCK_SPEED: '1',
      ...(location.kind === 'postgresql' ? { DATABASE_URL: location.url } : {}),
    }, runtime);
    try {
      return await measureRunningBot(location.kind, bot, connector);
    } finally {
      await bot.stop();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measureRunningBot(database: BotFigures['database'], bot: BenchChild, connector: BenchConnector): Promise<BotFigures> {
  const serviceUrl = connector.serviceUrl;
  const figures: Omit<BotFigures, 'peakRssMb' | 'peakRssByPartMb' | 'startupPeakRssMb' | 'atEnd'> = { database };
  const memory = () => bot.call<Record<'maxRssKb' | 'rssKb' | 'heapTotalKb' | 'heapUsedKb' | 'externalKb', number>>({ type: 'memory' });
  const mb = (kb: number) => round(kb / 1024, 1);
  const peak = peakMemoryOf(bot.pid);
  const startupPeakRssMb = peak.peakMb() ?? mb((await memory()).maxRssKb);
  const peakRssByPartMb: BotFigures['peakRssByPartMb'] = {};
  const measuredPart = async (part: Part, measure: () => Promise<void>) => {
    if (!parts.includes(part)) return;
    await backgroundSettled(bot);
    peak.reset();
    await measure();
    const partPeak = peak.peakMb();
    if (partPeak !== null) peakRssByPartMb[part] = partPeak;
  };
  await measuredPart('turns', async () => {
    Object.assign(figures, await measureTurns(database, bot, serviceUrl));
  });
  await measuredPart('startAll', async () => {
    const bulkStart = (figures.bulkStart = await runBulkStart(bot, serviceUrl));
    log(`${database}: "Start all" on ${bulkStart.services} services answered in ${bulkStart.startAllSeconds} s, all started in ${bulkStart.startedSeconds} s, emails sent in ${bulkStart.emailsSentSeconds} s`);
  });
  await measuredPart('migration', async () => {
    const migration = (figures.migration = await runMigration(bot, connector));
    log(`${database}: migration of ${migration.rows} rows validated in ${migration.validatedSeconds} s, ${migration.created} services created in ${migration.createdSeconds} s`);
  });
  await measuredPart('notifications', async () => {
    const acceptAll = await runNotifications(bot, connector, 'accepted', 0);
    log(`${database}: ${acceptAll.delivered} notifications at ${acceptAll.perSecond}/s`);
    const throttledOneInTen = await runNotifications(bot, connector, 'throttled', 10);
    log(`${database}: ${throttledOneInTen.delivered} notifications, one 429 in ten, at ${throttledOneInTen.perSecond}/s`);
    figures.notifications = { acceptAll, throttledOneInTen };
  });
  const atEnd = await memory();
  const partPeaks = Object.values(peakRssByPartMb);
  // Without Linux's high-water mark, the process's lifetime peak is the only figure there is.
  const peakRssMb = partPeaks.length > 0 ? Math.max(...partPeaks) : mb(atEnd.maxRssKb);
  log(`${database}: peak RSS ${peakRssMb} MB while measured (${JSON.stringify(peakRssByPartMb)}), ${startupPeakRssMb} MB at start-up`);
  return {
    ...figures,
    peakRssMb,
    peakRssByPartMb,
    startupPeakRssMb,
    atEnd: { rssMb: mb(atEnd.rssKb), heapTotalMb: mb(atEnd.heapTotalKb), heapUsedMb: mb(atEnd.heapUsedKb), externalMb: mb(atEnd.externalKb) },
  };
}

async function measureTurns(database: BotFigures['database'], bot: BenchChild, serviceUrl: string): Promise<Pick<BotFigures, 'turns' | 'pacedTurns' | 'simNumbersNotWritten'>> {
  const sims = simTurns(0);
  const simNumbersWritten = async () =>
    (await bot.call<{ rows: Array<{ n: number }> }>({ type: 'sql', text: `SELECT count(*)::int AS n FROM "ServiceEvent" WHERE kind = 'sim_submitted'` })).rows[0]!.n;
  const writtenBefore = await simNumbersWritten();
  // Warm-up: the intent model, the database's caches and connections, V8's compiled code.
  await runHello(bot.url, serviceUrl, 10);
  await sims.run(bot.url, serviceUrl, 10, { perClient: 5 });
  await runCardSteps(bot.url, serviceUrl, 10);

  // Each measurement starts once the background work of the ones before it is done: it times its own turns and
  // what they start meanwhile, not a backlog left by 1,000 SIM numbers entered just before.
  const settled = async <T>(measure: () => Promise<T>): Promise<T> => {
    await backgroundSettled(bot);
    return measure();
  };
  const turns: Record<TurnKind, LoadFigures[]> = { welcome: [], simNumber: [], addServiceStep: [] };
  const measured = (kind: TurnKind, figures: LoadFigures) => {
    turns[kind].push(figures);
    log(`${database}: ${kind}, ${figures.clients} at once: ${figures.perSecond}/s, p99 ${figures.p99Ms} ms, ${figures.failed} failed`);
  };
  for (const clients of CLIENTS) {
    measured('welcome', await settled(() => runHello(bot.url, serviceUrl, clients)));
    measured('simNumber', await settled(() => sims.run(bot.url, serviceUrl, clients)));
    measured('addServiceStep', await settled(() => runCardSteps(bot.url, serviceUrl, clients)));
  }
  const paced = async (kind: TurnKind, figures: LoadFigures) => {
    log(`${database}: ${kind}, ${figures.clients} at a person's pace: ${figures.perSecond}/s, p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, ${figures.failed} failed`);
    return figures;
  };
  const pacedTurns: Record<TurnKind, LoadFigures> = {
    welcome: await paced('welcome', await settled(() => runHello(bot.url, serviceUrl, PACED.clients, PACED))),
    simNumber: await paced('simNumber', await settled(() => sims.run(bot.url, serviceUrl, PACED.clients, PACED))),
    addServiceStep: await paced('addServiceStep', await settled(() => runCardSteps(bot.url, serviceUrl, PACED.clients, PACED))),
  };
  // A SIM-number turn counts only if it wrote the number, not merely answered 200.
  return { turns, pacedTurns, simNumbersNotWritten: sims.used() - ((await simNumbersWritten()) - writtenBefore) };
}

/** A database of its own on the server, dropped afterwards whatever happens. */
async function onServerDatabase<T>(serverUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `sim_bench_${crypto.randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await work(url.toString());
  } finally {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

function targetsOf(run: BotFigures, echo: LoadFigures[]): Target[] {
  const targets: Target[] = [];
  const { turns, pacedTurns, migration, notifications } = run;
  const p99 = (kind: TurnKind, figures: LoadFigures, how: string): Target => ({
    what: `${TURN_NAMES[kind]} turn p99 at 50 conversations, ${how}`,
    database: run.database,
    value: `${figures.p99Ms} ms`,
    target: '≤ 100 ms',
    pass: figures.failed === 0 && figures.p99Ms <= 100,
  });
  if (pacedTurns) targets.push(...TURN_KINDS.map((kind) => p99(kind, pacedTurns[kind], "at a person's pace")));
  if (turns) {
    const ratio = at50(turns.simNumber).perSecond / at50(echo).perSecond;
    targets.push(
      { what: 'SIM-number turns/s at 50 ÷ echo bot', database: run.database, value: `${round(ratio, 2)} ×`, target: '≥ 0.5 ×', pass: ratio >= 0.5 && run.simNumbersNotWritten === 0 },
      ...TURN_KINDS.map((kind) => p99(kind, at50(turns[kind]), 'at once')),
    );
  }
  if (migration) {
    const seconds = migration.validatedSeconds + migration.createdSeconds;
    targets.push({ what: `${migration.rows}-row migration file validated and created`, database: run.database, value: `${round(seconds, 1)} s`, target: '≤ 20 s', pass: !migration.failed && seconds <= 20 });
  }
  if (notifications) {
    const perSecond = notifications.acceptAll.perSecond;
    targets.push({ what: 'notifications delivered per second', database: run.database, value: `${perSecond}/s`, target: '≥ 500/s', pass: perSecond >= 500 });
  }
  targets.push({ what: 'peak RSS of the bot process while measured', database: run.database, value: `${run.peakRssMb} MB`, target: '≤ 300 MB', pass: run.peakRssMb <= 300 });
  return targets;
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function notified(figures: NotificationFigures): string {
  const stopped = figures.delivered < figures.notifications ? ` of ${figures.notifications}, stopped at the time limit` : '';
  return `${figures.perSecond}/s (${figures.delivered}${stopped} in ${figures.seconds} s)`;
}

function report({ baselines, bot: runs, targets }: RuntimeFigures): string {
  const echo = baselines.echo;
  const turnRows: Array<Array<string | number>> = [];
  const add = (name: string, figures: LoadFigures[]) =>
    figures.forEach((f, i) =>
      turnRows.push([name, f.clients, f.requests, f.failed, f.perSecond, `${round(f.perSecond / echo[i]!.perSecond, 2)}×`, f.p50Ms, f.p95Ms, f.p99Ms, `${round(f.p99Ms / echo[i]!.p99Ms, 2)}×`]),
    );
  add('bare restify', baselines.restify);
  add('echo bot', echo);
  for (const { turns, database } of runs) if (turns) for (const kind of TURN_KINDS) add(`${TURN_NAMES[kind]} (${database})`, turns[kind]);
  const pacedRows = runs.flatMap(({ pacedTurns, database }) =>
    pacedTurns
      ? TURN_KINDS.map((kind) => {
          const f = pacedTurns[kind];
          return [`${TURN_NAMES[kind]} (${database})`, f.clients, f.requests, f.failed, f.perSecond, f.p50Ms, f.p95Ms, f.p99Ms];
        })
      : [],
  );
  const otherRows = runs.flatMap((run) => {
    const { bulkStart, migration, notifications } = run;
    const rows: string[][] = [];
    if (run.turns) rows.push([`SIM-number turns answered without their number written (${run.database})`, String(run.simNumbersNotWritten)]);
    if (bulkStart) {
      rows.push([
        `"Start all" on ${bulkStart.services} services (${run.database})`,
        `${bulkStart.startAllSeconds} s answered, ${bulkStart.startedSeconds} s all started, ${bulkStart.emailsSentSeconds} s all emails sent${bulkStart.failed ? ' (INCOMPLETE)' : ''}`,
      ]);
    }
    if (migration) {
      rows.push([
        `migration file of ${migration.rows} rows (${run.database})`,
        `${migration.validatedSeconds} s validated (${migration.validRows} valid), ${migration.createdSeconds} s ${migration.created} services created${migration.failed ? ' (INCOMPLETE)' : ''}`,
      ]);
    }
    if (notifications) {
      rows.push(
        [`notifications, connector accepts all (${run.database})`, notified(notifications.acceptAll)],
        [`notifications, 429 to one in ten (${run.database})`, `${notified(notifications.throttledOneInTen)}, ${notifications.throttledOneInTen.throttled} answered 429`],
      );
    }
    const end = run.atEnd;
    const byPart = Object.entries(run.peakRssByPartMb).map(([part, peakMb]) => `${part} ${peakMb}`).join(', ');
    rows.push(
      [`peak RSS of the bot process while measured (${run.database})`, `${run.peakRssMb} MB${byPart ? ` (${byPart})` : ''}`],
      [`peak RSS of the bot process at start-up (${run.database})`, `${run.startupPeakRssMb} MB`],
      [`at the end (${run.database})`, `${end.rssMb} MB RSS: V8 heap ${end.heapUsedMb} MB used of ${end.heapTotalMb} MB, ${end.externalMb} MB outside the heap`],
    );
    return rows;
  });
  const mark = (pass: boolean | null) => (pass === null ? '—' : pass ? 'pass' : 'MISS');
  return [
    '',
    table(['turns', 'N', 'requests', 'failed', 'per s', '÷ echo', 'p50 ms', 'p95 ms', 'p99 ms', 'p99 ÷ echo'], turnRows),
    '',
    ...(pacedRows.length > 0
      ? [table([`at a person's pace (${PACED.thinkMs / 1000} s after each answer)`, 'N', 'requests', 'failed', 'per s', 'p50 ms', 'p95 ms', 'p99 ms'], pacedRows), '']
      : []),
    table(['bulk, notifications, memory', 'figure'], otherRows),
    '',
    table(['target', 'database', 'measured', 'target', ''], targets.map((t) => [t.what, t.database, t.value, t.target, mark(t.pass)])),
    '',
  ].join('\n');
}

function pageReport(loads: PageLoad[]): string {
  const rows = loads.map((l) => [l.network, l.variant, l.bundleEncoding, round(l.bundleTransferBytes / 1024, 0), l.firstPaintMs, l.firstContentfulPaintMs, l.statusShownAtFirstPaint ? 'yes' : 'NO', l.bundleLoadedMs, l.scriptsRunMs, l.welcomeMs]);
  const header = ['web chat page, cold cache', 'bundle', 'encoding', 'KB', 'first paint ms', 'FCP ms', 'status at FCP', 'bundle ms', 'scripts run ms', 'welcome ms'];
  return `\n${table(header, rows)}\n(median of ${loads[0]?.loads ?? 0} loads each)\n`;
}

function comparisonReport(comparison: Comparison[], firstNode: string): string {
  const cells = (figures: Record<string, number | null>, suffix = '') => COMPARED.map(({ key }) => (figures[key] == null ? '—' : `${figures[key]}${suffix}`));
  const rows = comparison.flatMap((row) => [
    [`Node ${row.node}`, row.database, ...cells(row.figures)],
    ...(row.toFirstRuntime ? [[`  ÷ Node ${firstNode}`, row.database, ...cells(row.toFirstRuntime, '×')]] : []),
  ]);
  return `\n${table(['runtimes, 50 conversations at once', 'database', ...COMPARED.map(({ header }) => header)], rows)}\n`;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof RuntimeNotFound ? error.message : error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
