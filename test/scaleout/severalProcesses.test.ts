import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, demo, demoStockIccids, generatedDemoEmployees, pieterPorting } from '../../prisma/demoData';
import { ActivationMethod, ActivationTiming, PortingState, ServiceStatus } from '../../prisma/generated/enums';
import { seedDemo } from '../../prisma/seed';
import { scheduleStart } from '../../services/lifecycle/activation';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { scheduleDonorStep } from '../../services/simulators/donor';
import type { Actor } from '../../services/people/people';
import { portingDetailsOf } from '../../services/numbers/portingDetails';
import { resubmitPorting } from '../../services/numbers/portingRequests';
import { actionsOf, choiceValue, demoActor, post, press, readCard, type Card, type TeamsHarness } from '../support/addServiceDriver';
import { type ReadyProcess, startBotProcess, stopProcesses } from '../support/childProcess';
import { startLocalConnector, teamsActivity, whatTheySee, type LocalConnector, type SentActivity, type TeamsPerson } from '../support/connector';
import { openSharedDatabase, type SharedDatabase } from '../support/sharedDatabase';
import { waitFor } from '../support/waitFor';

// Real processes on a real server: PGlite is one process's embedded database, so there is nothing to share there.
const serverUrl = process.env.DATABASE_URL;
const describeOnPostgres = serverUrl ? describe : describe.skip;

/** The bot processes' SIM_CLOCK_SPEED (botProcess.js leaves the default): the donors answer within seconds. */
const CLOCK_SPEED = 720;

type Json = Record<string, any>;

interface BotInstance {
  name: string;
  process: ReadyProcess;
  dataDir: string;
  /** The instance as the add-service driver talks to it (its database is the shared one). */
  harness: TeamsHarness;
}

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const pieter: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.pieter.aadObjectId, name: 'Pieter Janssens' };

describeOnPostgres('several bot processes on one PostgreSQL database (needs PostgreSQL: set DATABASE_URL)', () => {
  let shared: SharedDatabase;
  let connector: LocalConnector;
  let root: string;
  const bots: BotInstance[] = [];
  const prisma = () => shared.pools[0]!.prisma;
  const [first, second] = [() => bots[0]!, () => bots[1]!];

  async function startInstance(name: string): Promise<BotInstance> {
    const dataDir = path.join(root, name);
    const { process: started, url } = await startBotProcess(shared.url, dataDir);
    const bot: RunningBot = { url, port: Number(new URL(url).port), db: shared.pools[0]!, adminLink: '', close: async () => undefined };
    return { name, process: started, dataDir, harness: { bot, connector, close: async () => undefined } };
  }

  beforeAll(async () => {
    shared = await openSharedDatabase(serverUrl!, 1);
    await seedDemo(prisma());
    connector = await startLocalConnector();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-scaleout-'));
    // One after the other, as each start seeds the demo.
    bots.push(await startInstance('first'));
    bots.push(await startInstance('second'));
  }, 90_000);

  afterAll(async () => {
    await stopProcesses(bots.map(({ process }) => process), 'SIGTERM');
    await connector?.close();
    await shared?.close();
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  /** The instance for the `n`th step when turns alternate. */
  const alternate = (n: number) => bots[n % 2]!;

  /**
   * The replies to the person's activity sent since `before`: answers in their chat, not the updates the notifiers
   * send there on their own meanwhile (those are new messages, not replies to an activity).
   */
  const repliesTo = (activity: Json, before: number) =>
    connector.sent.slice(before).filter((sent) => sent.conversationId === activity.conversation.id && sent.activityId === activity.id);

  /** Posts a typed message to an instance; the replies sent. */
  async function says(instance: BotInstance, who: TeamsPerson, text: string) {
    const before = connector.sent.length;
    const activity = teamsActivity(connector.serviceUrl, who, { type: 'message', text });
    const { status } = await post(instance.harness, activity);
    expect(status).toBe(200);
    return repliesTo(activity, before);
  }

  /** What a person reads and can press on a message. */
  const seen = (sent: SentActivity) => {
    const { texts, buttons } = whatTheySee(sent);
    return { texts, buttons };
  };

  /** Presses a button in Teams on an instance; the invoke's answer as the person sees it, then what followed. */
  async function presses(instance: BotInstance, who: TeamsPerson, verb: string, data: Json) {
    const before = connector.sent.length;
    const value = { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' };
    const activity = teamsActivity(connector.serviceUrl, who, { type: 'invoke', name: 'adaptiveCard/action', replyToId: 'card-1', value });
    const { status, body } = await post(instance.harness, activity);
    expect(status).toBe(200);
    const answer = body.type === 'application/vnd.microsoft.card.adaptive' ? readCard(body.value) : { texts: [body.value] };
    return { answer, card: body.value as Card, followUps: repliesTo(activity, before).map(seen) };
  }

  describe('a conversation whose turns alternate between the processes behaves as on one process', () => {
    /** Adds a Mobile Internet service for `user` (number NEW, SIM entered by the user, start later): every card seen. */
    async function addService(on: (step: number) => BotInstance, user: string): Promise<Card[]> {
      const cards: Card[] = [(await presses(on(0), ann, 'welcome.addService', {})).card];
      const steps: Array<[string, (card: Card) => Json]> = [
        ['Search', () => ({ query: user })],
        ['Next', (card) => ({ productTypeCode: choiceValue(card, 'productTypeCode', 'Dstny Mobile') })],
        ['Next', (card) => ({ serviceTypeCode: choiceValue(card, 'serviceTypeCode', 'Mobile Internet') })],
        ['Next', (card) => ({ bundleCode: choiceValue(card, 'bundleCode', 'Data 20 GB'), optionCodes: '' })],
        ['Confirm', () => ({})],
        ['Next', () => ({ numberOption: 'NEW' })],
        ['Next', () => ({ simOption: 'USER_ENTERS' })],
        ['Save', () => ({ activationMethod: 'EMAIL', activationTiming: 'LATER' })],
      ];
      for (const [n, [button, inputs]] of steps.entries()) {
        const card = cards.at(-1)!;
        cards.push(await press(on(n + 1).harness, ann, card, button, inputs(card)));
      }
      return cards;
    }

    /** What a card shows, with what differs between two orders by nature (the user, the number taken) left out. */
    const shown = (user: string) => (card: Card) => {
      const { texts, choices, buttons } = readCard(card);
      const general = (text: string) => text.replaceAll(user, '<user>').replace(/\+?\d[\d ./]{5,}\d/g, '<number>');
      return { texts: texts.map(general), choices: JSON.parse(general(JSON.stringify(choices))) as unknown, buttons };
    };

    test('an add-service wizard saves the same service, card for card, whichever process serves each step', async () => {
      const [one, other] = [generatedDemoEmployees[7]!, generatedDemoEmployees[8]!];
      const onOneProcess = await addService(() => first(), one.displayName);
      const alternating = await addService(alternate, other.displayName);

      expect(alternating.map(shown(other.displayName))).toEqual(onOneProcess.map(shown(one.displayName)));
      expect(readCard(alternating.at(-1)!).texts).toEqual(expect.arrayContaining(['Service added', 'Status: waiting for activation']));
      for (const person of [one, other]) {
        const services = await prisma().service.findMany({ where: { user: { email: person.email }, idempotencyKey: { startsWith: 'addService:' } } });
        expect(services).toEqual([expect.objectContaining({ serviceTypeCode: 'MOBILE_INTERNET', status: ServiceStatus.WAITING_FOR_ACTIVATION, activationTiming: 'LATER' })]);
        expect(services[0]!.mobileNumberId).not.toBeNull();
      }
    }, 60_000);

    test('the SIM card flow started on one process is continued on the other: the number asked, a typo caught, the suggestion taken', async () => {
      const organisation = await prisma().organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
      const people = [generatedDemoEmployees[9]!, generatedDemoEmployees[10]!];
      const cards = [demoStockIccids[50]!, demoStockIccids[51]!];
      for (const person of people) {
        const row = await prisma().person.update({ where: { organisationId_email: { organisationId: organisation.id, email: person.email } }, data: { preferredLanguage: 'en' } });
        await prisma().service.create({
          data: {
            organisationId: organisation.id, userId: row.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
            status: ServiceStatus.WAITING_FOR_SIM, activationMethod: ActivationMethod.EMAIL, activationTiming: ActivationTiming.NOW,
          },
        });
      }
      const grouped = (iccid: string) => iccid.replace(/(\d{4})(?=\d)/g, '$1 ');

      /** The flow for one employee, each step on the instance `on` picks; what they saw at each step. */
      async function enterSim(on: (step: number) => BotInstance, n: number) {
        const person = people[n]!;
        const who: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: person.aadObjectId, name: person.displayName };
        const card = cards[n]!;
        const typo = `${card.slice(0, -1)}${(Number(card.at(-1)) + 1) % 10}`;
        const asked = await presses(on(0), who, 'welcome.activateSim', {});
        const caught = await says(on(1), who, typo);
        const cardsSent = caught.flatMap((sent) => (sent.activity.attachments ?? []).map((attachment: Json) => attachment.content as Card));
        const suggestion = cardsSent.flatMap(actionsOf).find((action) => action.verb === 'activateSim.acceptSuggestion');
        if (!suggestion) throw new Error(`no suggestion offered: ${JSON.stringify(caught.map(whatTheySee))}`);
        const taken = await presses(on(2), who, suggestion.verb, suggestion.data);
        const all = JSON.stringify([asked.answer, asked.followUps, caught.map(seen), taken.answer, taken.followUps]);
        return JSON.parse(all.replaceAll(grouped(card), '<card>').replaceAll(grouped(typo), '<typo>')) as unknown;
      }

      const onOneProcess = await enterSim(() => first(), 0);
      const alternating = await enterSim(alternate, 1);
      expect(alternating).toEqual(onOneProcess);
      expect(JSON.stringify(alternating)).toContain('<card>');
      for (const [n, person] of people.entries()) {
        const service = await prisma().service.findFirstOrThrow({ where: { user: { email: person.email }, status: { not: ServiceStatus.ACTIVE } }, include: { simCard: true } });
        expect(service.simCard?.iccid).toBe(cards[n]);
      }
    }, 60_000);

    test('a web chat conversation opened on one process is served and polled on both, identically', async () => {
      const directLine = async (instance: BotInstance, method: string, route: string, token: string, body?: Json) => {
        const response = await fetch(`${instance.harness.bot.url}/v3/directline${route}`, {
          method,
          headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        return { status: response.status, json: (await response.json()) as Json };
      };
      const token = ((await (await fetch(`${first().harness.bot.url}/v3/directline/tokens/generate`, { method: 'POST' })).json()) as Json).token as string;
      const started = await directLine(first(), 'POST', '/conversations', token, { locale: 'en-US' });
      expect(started.status).toBe(201);
      const conversationId = started.json.conversationId as string;
      const activities = (instance: BotInstance) => directLine(instance, 'GET', `/conversations/${conversationId}/activities?watermark=`, token);

      const said = await directLine(second(), 'POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: 'hello', from: { id: 'visitor' } });
      expect(said.status).toBe(200);
      const bySecond = await waitFor('the answer to be listed', async () => {
        const page = await activities(second());
        return page.json.activities.some((a: Json) => a.from?.role === 'bot' && a.type === 'message') && page;
      });
      expect(await activities(first())).toEqual(bySecond);

      const again = await directLine(first(), 'POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: 'hello', from: { id: 'visitor' } });
      expect(again.status).toBe(200);
      const byFirst = await waitFor('both answers to be listed', async () => {
        const page = await activities(first());
        return page.json.activities.filter((a: Json) => a.from?.role === 'bot' && a.type === 'message').length >= 2 && page;
      });
      expect(await activities(second())).toEqual(byFirst);
      // The same words to the same visitor: the same answer, whichever process wrote it.
      const answers = byFirst.json.activities.filter((a: Json) => a.from?.role === 'bot' && a.type === 'message');
      const content = (activity: Json) => ({ text: activity.text, attachments: activity.attachments });
      expect(content(answers.at(-1))).toEqual(content(answers.at(-2)));
    }, 60_000);
  });

  describe('background work runs once in total across the processes', () => {
    let annActor: Actor;
    beforeAll(async () => {
      annActor = await demoActor(shared.pools[0]!, DEMO_TENANT_ID, demo.ann.aadObjectId);
    });

    /** The activation emails in both processes' outboxes, by recipient. */
    function emailsTo(email: string): string[] {
      return bots.flatMap(({ dataDir, name }) => {
        const outbox = path.join(dataDir, 'outbox');
        if (!fs.existsSync(outbox)) return [];
        return fs.readdirSync(outbox).filter((file) => fs.readFileSync(path.join(outbox, file), 'utf8').includes(`To: ${email}`)).map((file) => `${name}/${file}`);
      });
    }

    test('scheduled starts: each service is started once and its user emailed once', async () => {
      const organisation = await prisma().organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
      const people = generatedDemoEmployees.slice(11, 19);
      const services = [];
      for (const person of people) {
        const user = await prisma().person.findFirstOrThrow({ where: { organisationId: organisation.id, email: person.email } });
        services.push(await prisma().service.create({
          data: {
            organisationId: organisation.id, userId: user.id, createdById: annActor.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
            status: ServiceStatus.WAITING_FOR_ACTIVATION, activationMethod: ActivationMethod.EMAIL, activationTiming: ActivationTiming.LATER,
          },
        }));
      }
      // One start per service, each its own job, all due at the same moment: both processes are polling for them.
      const at = new Date(Date.now() + 1_500);
      for (const service of services) expect(await scheduleStart(prisma(), annActor, [service.id], at)).toEqual({ scheduled: 1, created: true });

      const ids = services.map((service) => service.id);
      await waitFor('every scheduled service to start', async () => (await prisma().service.count({ where: { id: { in: ids }, status: ServiceStatus.WAITING_FOR_SIM } })) === ids.length);
      await waitFor('every activation email to be sent', async () =>
        (await prisma().serviceEvent.count({ where: { serviceId: { in: ids }, kind: 'activation_email_sent' } })) >= ids.length);

      const events = await prisma().serviceEvent.groupBy({ by: ['serviceId', 'kind'], where: { serviceId: { in: ids } }, _count: true });
      const count = (kind: string) => events.filter((row) => row.kind === kind).map((row) => row._count);
      expect(count('service_started')).toEqual(ids.map(() => 1));
      expect(count('activation_email_sent')).toEqual(ids.map(() => 1));
      expect(await prisma().auditEvent.count({ where: { action: 'service.started', subjectId: { in: ids } } })).toBe(ids.length);
      const starts = await prisma().job.findMany({ where: { kind: ActivationJobs.scheduledStart, payload: { path: ['serviceIds'], array_contains: [ids[0]!] } } });
      expect(starts).toEqual([expect.objectContaining({ state: 'DONE', attempts: 1 })]);
      for (const person of people) expect(emailsTo(person.email)).toHaveLength(1);
    }, 60_000);

    test('porting steps: the donor answers and schedules once, and each update reaches Pieter once', async () => {
      // Pieter writes first, so that his updates come to his chat (the local connector) rather than by email.
      // His chat is where the answer to his hello went (the last message sent may be an update to someone else).
      const conversationOfPieter = (await says(first(), pieter, 'hello'))[0]!.conversationId;
      const inPieterChat = () => connector.sent.filter((sent) => sent.conversationId === conversationOfPieter);
      const before = inPieterChat().length;
      const since = new Date();

      const refused = await prisma().portingRequest.findFirstOrThrow({ where: { e164: pieterPorting.e164, state: PortingState.REFUSED } });
      const details = { ...portingDetailsOf(refused), customerNumber: pieterPorting.customerNumber, wishDate: undefined };
      const result = await resubmitPorting(prisma(), annActor, refused.id, details, { alsoInTransaction: scheduleDonorStep(CLOCK_SPEED) });
      expect(result.status).toBe('resubmitted');
      const serviceId = refused.serviceId;

      await waitFor('the donor to schedule the transfer', async () => (await prisma().portingRequest.count({ where: { serviceId, state: PortingState.SCHEDULED } })) === 1);
      const notified = { serviceId, kind: { in: ['porting.accepted', 'porting.scheduled'] } };
      await waitFor('the porting updates to be delivered', async () => {
        const rows = await prisma().notification.findMany({ where: notified });
        return rows.length > 0 && rows.every((row) => row.state === 'DELIVERED') && rows;
      });

      const steps = await prisma().serviceEvent.findMany({ where: { serviceId, kind: { in: ['porting_accepted', 'porting_scheduled'] }, createdAt: { gte: refused.updatedAt } } });
      expect(steps.map((step) => step.kind).sort()).toEqual(['porting_accepted', 'porting_scheduled']);
      const delivered = await prisma().notification.findMany({ where: notified });
      expect(delivered.map((row) => row.attempts)).toEqual(delivered.map(() => 1));
      const pieterId = (await prisma().person.findFirstOrThrow({ where: { email: demo.pieter.email } })).id;
      const toPieter = delivered.filter((row) => row.recipientId === pieterId);
      // The acceptance is the administrator's news; Pieter hears of the date, in his chat.
      expect(toPieter.map((row) => [row.kind, row.deliveredVia])).toEqual([['porting.scheduled', 'teams']]);
      // Once: every message in his chat since is one delivered notification, whichever process sent it (his other
      // services may have news meanwhile too, so all his notifications count, not only these two).
      const deliveredToChat = await prisma().notification.findMany({ where: { recipientId: pieterId, deliveredVia: 'teams', deliveredAt: { gte: since } } });
      const messages = inPieterChat().slice(before).map((sent) => whatTheySee(sent).texts.join(' '));
      expect(messages).toHaveLength(deliveredToChat.length);
    }, 60_000);

    test('a process killed mid-job (SIGKILL) leaves its job to the other, which finishes it once', async () => {
      const marie = await prisma().service.findFirstOrThrow({ where: { user: { email: demo.marie.email }, status: ServiceStatus.WAITING_FOR_ACTIVATION } });
      await scheduleStart(prisma(), annActor, [marie.id], new Date(Date.now() + 1_500));
      // Holding Marie's service row keeps whichever process claims her scheduled start inside that job, mid-way.
      const blocker = new Client({ connectionString: shared.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('SELECT id FROM "Service" WHERE id = $1 FOR UPDATE', [marie.id]);
      const job = () => prisma().job.findFirstOrThrow({ where: { kind: ActivationJobs.scheduledStart, payload: { path: ['serviceIds'], array_contains: [marie.id] } } });
      const running = await waitFor('a process to be stuck in the job', async () => {
        const row = await job();
        const waiting = await blocker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        return row.state === 'RUNNING' && waiting.rows[0].n > 0 && row;
      });
      const pidOf = (workerId: string | null) => Number(workerId?.split(':')[1]);
      const victim = bots.find((bot) => bot.process.child.pid === pidOf(running.lockedBy))!;
      const survivor = bots.find((bot) => bot !== victim)!;
      expect(victim).toBeDefined();

      victim.process.child.kill('SIGKILL');
      expect(await victim.process.exited).toBeNull();
      await blocker.query('ROLLBACK');
      await blocker.end();
      // The dead worker's lock would run out after the worker's 60 s; move its end to now rather than wait for it.
      await prisma().$executeRaw`UPDATE "Job" SET "lockedUntil" = now() AT TIME ZONE 'UTC' WHERE id = ${running.id}::uuid`;

      const done = await waitFor('the survivor to finish the job', async () => {
        const row = await job();
        return row.state === 'DONE' && row;
      });
      expect(done.attempts).toBe(2);
      expect(pidOf(done.lockedBy)).toBe(survivor.process.child.pid);
      const started = await prisma().service.findUniqueOrThrow({ where: { id: marie.id } });
      expect(started.status).not.toBe(ServiceStatus.WAITING_FOR_ACTIVATION);
      expect(await prisma().serviceEvent.count({ where: { serviceId: marie.id, kind: 'service_started' } })).toBe(1);
      expect(await prisma().auditEvent.count({ where: { action: 'service.started', subjectId: marie.id } })).toBe(1);
      expect(await prisma().job.count({ where: { kind: ActivationJobs.sendEmail, payload: { path: ['serviceId'], equals: marie.id } } })).toBe(1);
    }, 60_000);
  });
});
