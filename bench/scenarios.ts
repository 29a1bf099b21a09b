import crypto from 'node:crypto';
import http from 'node:http';
import { DEMO_TENANT_ID, demo } from '../prisma/demoData';
import { FILE_DOWNLOAD_INFO } from '../bot/files';
import { Verbs } from '../cards/verbs';
import { ActivationJobs } from '../services/lifecycle/jobs';
import { templateColumns, type RowCells } from '../services/bulkImport/importFile';
import { toCsv } from '../services/fleet/csv';
import type { BenchChild } from './child';
import type { BenchConnector } from './connector';
import { post, round, runLoad, type Answer, type LoadFigures } from './load';
import { BENCH, NotificationRuns, benchEmployee, benchEmployeeEmail } from './population';

/** The scenarios of `npm run bench`, each against a running server (a baseline or the bot). */

export const CLIENTS = [1, 10, 50] as const;
/** Activities per client, so that every N posts enough for its percentiles to mean something. */
export const PER_CLIENT: Readonly<Record<number, number>> = { 1: 200, 10: 50, 50: 20 };

/** How a run's clients post: how many activities each, and the think time after each answer. */
export interface Pace {
  perClient: number;
  thinkMs: number;
}

/**
 * 50 conversations at a person's pace: each sends its next message 2 s after the bot's answer (reading it and
 * typing or pasting the next takes people longer), 10 each, so that the p99 is of 500 turns.
 */
export const PACED: Pace & { clients: number } = { clients: 50, perClient: 10, thinkMs: 2_000 };

/** As fast as answered, with the activities per client of PER_CLIENT, unless told otherwise. */
const paceOf = (clients: number, pace: Partial<Pace> = {}): Pace => ({ perClient: pace.perClient ?? PER_CLIENT[clients]!, thinkMs: pace.thinkMs ?? 0 });

type Json = Record<string, any>;
const BOT = { id: '28:sim-activation-assistant', name: 'SIM activation assistant' };
const ann = { aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };

/** An activity as Teams posts it in a personal chat. */
export function teamsActivity(serviceUrl: string, person: { aadObjectId: string; name: string }, conversationId: string, fields: Json): Json {
  return {
    id: `bench-${crypto.randomUUID()}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    locale: 'en-US',
    from: { id: `29:${person.aadObjectId}`, aadObjectId: person.aadObjectId, name: person.name },
    recipient: BOT,
    conversation: { id: conversationId, tenantId: DEMO_TENANT_ID, conversationType: 'personal' },
    channelData: { tenant: { id: DEMO_TENANT_ID } },
    ...fields,
  };
}

function invoke(serviceUrl: string, conversationId: string, verb: string, data: Json): Json {
  return teamsActivity(serviceUrl, ann, conversationId, {
    type: 'invoke',
    name: 'adaptiveCard/action',
    replyToId: `card-${conversationId}`,
    value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
  });
}

/** The typed message every bot answers: "hello" from an employee, to which ours answers with its welcome card. */
export function runHello(url: string, serviceUrl: string, clients: number, pace?: Partial<Pace>): Promise<LoadFigures> {
  return runLoad({
    url,
    clients,
    ...paceOf(clients, pace),
    activity: (client) => {
      const employee = benchEmployee(client);
      return teamsActivity(serviceUrl, { aadObjectId: employee.aadObjectId, name: 'Bench Employee' }, employee.conversationId, { type: 'message', text: 'hello' });
    },
  });
}

/** SIM-number turns: each activity is another employee pasting their stock card's number (validation, write, reply). */
export function simTurns(firstEmployee: number) {
  let next = firstEmployee;
  return {
    used: () => next - firstEmployee,
    run: (url: string, serviceUrl: string, clients: number, pace?: Partial<Pace>) =>
      runLoad({
        url,
        clients,
        ...paceOf(clients, pace),
        activity: () => {
          const employee = benchEmployee(next++);
          if (next > BENCH.employees) throw new Error('the bench population has too few employees for this run');
          return teamsActivity(serviceUrl, { aadObjectId: employee.aadObjectId, name: 'Bench Employee' }, employee.conversationId, {
            type: 'message',
            text: employee.iccid,
          });
        },
      }),
  };
}

/** Every Action.Execute of a card, and the inputs' values as the client would send them untouched. */
function actionsAndInputs(card: Json): { actions: Json[]; inputs: Json } {
  const actions: Json[] = [];
  const inputs: Json = {};
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) node.forEach((item) => walk(item));
    else if (node && typeof node === 'object' && key !== 'fallback') {
      const record = node as Json;
      if (record.type === 'Action.Execute') actions.push(record);
      if (typeof record.type === 'string' && record.type.startsWith('Input.') && typeof record.id === 'string') inputs[record.id] = record.value ?? '';
      for (const [childKey, value] of Object.entries(record)) walk(value, childKey);
    }
  };
  walk(card);
  return { actions, inputs };
}

/** The data Teams sends when `verb` is pressed on `card`, with the inputs filled in as given. */
function press(card: Json, verb: string, filled: Json = {}): Json {
  const { actions, inputs } = actionsAndInputs(card);
  const action = actions.find((candidate) => candidate.verb === verb);
  if (!action) throw new Error(`no ${verb} on the card`);
  return { ...inputs, ...action.data, ...filled };
}

function firstChoice(card: Json, inputId: string): string {
  let value: string | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Json;
      if (record.type === 'Input.ChoiceSet' && record.id === inputId) value ??= record.choices?.[0]?.value;
      Object.values(record).forEach(walk);
    }
  };
  walk(card);
  if (!value) throw new Error(`no choice in ${inputId}`);
  return value;
}

function cardOf(answer: Answer): Json | undefined {
  if (answer.status !== 200 || !answer.body) return undefined;
  const body = JSON.parse(answer.body) as Json;
  return body.type === 'application/vnd.microsoft.card.adaptive' ? (body.value as Json) : undefined;
}

/**
 * Add-service card steps: each client is Ann in a conversation of its own, on step 1 of the flow (who it is for
 * already chosen); it presses Next (to step 2) and Back (to step 1) in turn, every press an invoke answered with the
 * next card.
 */
export async function runCardSteps(url: string, serviceUrl: string, clients: number, pace?: Partial<Pace>): Promise<LoadFigures> {
  const agent = new http.Agent({ keepAlive: true });
  // New conversations for every run: a flow left unfinished in one would make the next start offer to resume it.
  const run = crypto.randomUUID().slice(0, 8);
  const conversation = (client: number) => `a:bench-admin-${run}-${client}`;
  const cards: Json[] = [];
  let product = '';
  for (let client = 0; client < clients; client++) {
    const search = cardOf(await post(agent, url, invoke(serviceUrl, conversation(client), 'welcome.addService', {})));
    if (!search) throw new Error('the add-service flow did not start');
    const step1 = cardOf(await post(agent, url, invoke(serviceUrl, conversation(client), 'addService.search', press(search, 'addService.search', { query: demo.jan.displayName }))));
    if (!step1 || !JSON.stringify(step1).includes('Step 1 of 8')) throw new Error('the add-service flow did not reach step 1');
    product ||= firstChoice(step1, 'productTypeCode');
    cards[client] = step1;
  }
  agent.destroy();
  return runLoad({
    url,
    clients,
    ...paceOf(clients, pace),
    activity: (client, n) =>
      n % 2 === 0
        ? invoke(serviceUrl, conversation(client), 'addService.next', press(cards[client]!, 'addService.next', { productTypeCode: product }))
        : invoke(serviceUrl, conversation(client), 'addService.back', press(cards[client]!, 'addService.back')),
    accept: (answer, client, n) => {
      const card = cardOf(answer);
      if (!card || !JSON.stringify(card).includes(n % 2 === 0 ? 'Step 2 of 8' : 'Step 1 of 8')) return false;
      cards[client] = card;
      return true;
    },
  });
}

export interface BulkStart {
  services: number;
  /** The "Start all" invoke answered (what Teams waits for, about 5 s at most). */
  startAllSeconds: number;
  /** Until no service waits to be started any more. */
  startedSeconds: number;
  /** Until every activation email of the started services was sent by the job worker. */
  emailsSentSeconds: number;
  failed: boolean;
}

/** "Start all" on the waiting list, as Ann presses it in Teams. */
export async function runBulkStart(bot: BenchChild, serviceUrl: string): Promise<BulkStart> {
  const count = async (sql: string) => (await bot.call<{ rows: Array<{ n: number }> }>({ type: 'sql', text: sql })).rows[0]!.n;
  const waiting = `SELECT count(*)::int AS n FROM "Service" WHERE status = 'WAITING_FOR_ACTIVATION'`;
  const services = await count(waiting);
  const agent = new http.Agent({ keepAlive: true });
  const started = process.hrtime.bigint();
  const seconds = () => round(Number(process.hrtime.bigint() - started) / 1e9, 2);
  const answer = await post(agent, bot.url, invoke(serviceUrl, 'a:bench-bulk', 'waitingServices.startAll', { page: 0, requestKey: crypto.randomUUID() }));
  const startAllSeconds = seconds();
  agent.destroy();
  const allStarted = await until(() => count(waiting).then((n) => n === 0), 300_000);
  const startedSeconds = seconds();
  const emails = `SELECT count(*)::int AS n FROM "Job" WHERE kind = '${ActivationJobs.sendEmail}' AND state <> 'DONE'`;
  const drained = await until(() => count(emails).then((n) => n === 0), 300_000);
  return { services, startAllSeconds, startedSeconds, emailsSentSeconds: seconds(), failed: answer.status !== 200 || !allStarted || !drained };
}

export interface Migration {
  rows: number;
  validRows: number;
  /** From the file sent to the report card's answer: read, every row checked, the report written. */
  validatedSeconds: number;
  /** From the confirmation to the import done: every valid row's service created. */
  createdSeconds: number;
  created: number;
  failed: boolean;
}

/** One new service per row, for bench employees, each with a new number from the pool, started later. */
function migrationFile(rows: number): string {
  const row = (n: number): RowCells => ({
    ...(Object.fromEntries(templateColumns.map((column) => [column, ''])) as RowCells),
    user_email: benchEmployeeEmail(n),
    product_type: 'Dstny Mobile',
    service_type: 'Mobile',
    bundle: 'Mobile M',
    number_option: 'new',
    activation_method: 'email',
    activation_when: 'later',
  });
  return toCsv([...templateColumns], Array.from({ length: rows }, (_, n) => templateColumns.map((column) => row(n)[column])));
}

/** The migration file as Ann sends it in Teams, validated, then confirmed and created by the job worker. */
export async function runMigration(bot: BenchChild, connector: BenchConnector): Promise<Migration> {
  const name = `migration-${crypto.randomUUID().slice(0, 8)}.csv`;
  connector.files.set(name, migrationFile(BENCH.migrationRows));
  const serviceUrl = connector.serviceUrl;
  const agent = new http.Agent({ keepAlive: true });
  const sent = process.hrtime.bigint();
  const answer = await post(agent, bot.url, teamsActivity(serviceUrl, ann, 'a:bench-migration', {
    type: 'message',
    attachments: [{ contentType: FILE_DOWNLOAD_INFO, name, content: { downloadUrl: `${serviceUrl}files/${name}`, uniqueId: name, fileType: 'csv' } }],
  }));
  const validatedSeconds = Number(process.hrtime.bigint() - sent) / 1e9;
  const sql = <T>(text: string) => bot.call<{ rows: T[] }>({ type: 'sql', text, params: [name] }).then((result) => result.rows[0]);
  const validated = await sql<{ id: string; validRows: number }>(`SELECT id, "validRows" FROM "BulkImport" WHERE "fileName" = $1`);
  if (answer.status !== 200 || !validated) {
    agent.destroy();
    return { rows: BENCH.migrationRows, validRows: 0, validatedSeconds: round(validatedSeconds, 2), createdSeconds: 0, created: 0, failed: true };
  }
  const confirmed = process.hrtime.bigint();
  await post(agent, bot.url, invoke(serviceUrl, 'a:bench-migration', Verbs.bulkImport.confirm, { importId: validated.id, confirmKey: crypto.randomUUID(), start: 'AS_IN_FILE' }));
  agent.destroy();
  const progress = () => sql<{ status: string; createdCount: number }>(`SELECT status, "createdCount" FROM "BulkImport" WHERE "fileName" = $1`);
  const done = await until(async () => (await progress())?.status === 'DONE', 300_000);
  const createdSeconds = Number(process.hrtime.bigint() - confirmed) / 1e9;
  const created = (await progress())?.createdCount ?? 0;
  return {
    rows: BENCH.migrationRows,
    validRows: validated.validRows,
    validatedSeconds: round(validatedSeconds, 2),
    createdSeconds: round(createdSeconds, 2),
    created,
    failed: !done || created !== BENCH.migrationRows,
  };
}

export interface NotificationFigures {
  notifications: number;
  delivered: number;
  seconds: number;
  perSecond: number;
  /** Requests the connector answered 429. */
  throttled: number;
}

const NOTIFICATION_RUN_LIMIT_MS = 150_000;

/** Releases one run of held-back notifications at once and times the notifier until all are delivered. */
export async function runNotifications(bot: BenchChild, connector: BenchConnector, run: keyof typeof NotificationRuns, throttleEvery: number): Promise<NotificationFigures> {
  const prefix = NotificationRuns[run];
  const sql = (text: string) => bot.call<{ rows: Array<{ n: number }> }>({ type: 'sql', text, params: [`${prefix}%`] });
  await backgroundSettled(bot);
  connector.throttleEvery = throttleEvery;
  const throttledBefore = connector.throttled();
  const started = process.hrtime.bigint();
  await sql(`UPDATE "Notification" SET "nextAttemptAt" = now() AT TIME ZONE 'UTC' WHERE "idempotencyKey" LIKE $1`);
  const delivered = () => sql(`SELECT count(*)::int AS n FROM "Notification" WHERE "idempotencyKey" LIKE $1 AND state = 'DELIVERED'`).then((r) => r.rows[0]!.n);
  // Bounded, so that a slow machine still gets its figures: the rate is what was delivered in the time taken.
  await until(async () => (await delivered()) >= BENCH.notifications, NOTIFICATION_RUN_LIMIT_MS);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  connector.throttleEvery = 0;
  const count = await delivered();
  return {
    notifications: BENCH.notifications,
    delivered: count,
    seconds: round(seconds, 2),
    perSecond: round(count / seconds, 1),
    throttled: connector.throttled() - throttledBefore,
  };
}

const SETTLE_LIMIT_MS = 150_000;

/**
 * Waits until the background work that earlier measurements left (notifications and jobs due now: the SIM-number
 * turns' provisioning and status updates, Start all's emails and digest) is done, so that the next measurement times
 * only its own work.
 */
export async function backgroundSettled(bot: BenchChild): Promise<void> {
  const due = async () =>
    (await bot.call<{ rows: Array<{ n: number }> }>({
      type: 'sql',
      text: `SELECT ((SELECT count(*) FROM "Notification" WHERE state = 'PENDING' AND "nextAttemptAt" <= now() AT TIME ZONE 'UTC') + (SELECT count(*) FROM "Job" WHERE state IN ('QUEUED', 'RUNNING') AND "runAt" <= now() AT TIME ZONE 'UTC'))::int AS n`,
    })).rows[0]!.n;
  if (!(await until(async () => (await due()) === 0, SETTLE_LIMIT_MS))) {
    process.stderr.write(`bench: background work still due after ${SETTLE_LIMIT_MS / 1000} s; the next measurement shares the machine with it\n`);
  }
}

/** Polls `done` (four times a second) until it holds or `timeoutMs` passes; false when it never held. */
async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}
