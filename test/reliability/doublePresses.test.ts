import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, demo, generatedDemoEmployees } from '../../prisma/demoData';
import { NumberKind, NumberState } from '../../prisma/generated/enums';
import { reserveNumber } from '../../services/numbers/numberPool';
import type { Database } from '../../services/platform/db/database';
import { actionsOf, demoActor, execute, inputsOf, readCard, type Card } from '../support/addServiceDriver';
import { startLocalConnector, teamsActivity, whatTheySee, type LocalConnector, type TeamsPerson } from '../support/connector';
import { openTestDatabase } from '../support/database';
import { openSharedDatabase } from '../support/sharedDatabase';
import { signIn } from '../support/webSession';

/**
 * A double press (two clicks at once, in Teams or the web chat, served by one process or two) does the thing once
 * and never shows an error: the new number of an add-service flow is held once per flow, both answers name it, and
 * the press that lost the race to write the conversation's state shows the same card or says it was already done.
 */

const serverUrl = process.env.DATABASE_URL;
/** On PostgreSQL, two bots on one database, as two processes behind a load balancer; presses alternate between them. */
const database = serverUrl ? 'PostgreSQL, two bots' : 'PGlite';
const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const DAY_MS = 24 * 60 * 60 * 1000;

/** The error sentence of a failed turn, in every language: nobody pressing twice may read it. */
const errorWords = [/something went wrong/i, /er ging bij ons iets mis/i, /un problème est survenu/i];

type Json = Record<string, any>;

describe(`double presses on ${database}`, () => {
  const bots: RunningBot[] = [];
  const databases: Database[] = [];
  const dataDirs: string[] = [];
  let closeShared: (() => Promise<void>) | undefined;
  let connector: LocalConnector;
  const prisma = () => bots[0]!.db.prisma;
  const botFor = (press: number) => bots[press % bots.length]!;

  beforeAll(async () => {
    if (serverUrl) {
      const shared = await openSharedDatabase(serverUrl, 2);
      databases.push(...shared.pools);
      closeShared = shared.close;
    } else {
      databases.push(await openTestDatabase());
    }
    connector = await startLocalConnector();
    for (const db of databases) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-double-presses-'));
      dataDirs.push(dataDir);
      bots.push(await startBot(configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), { database: db }));
    }
  }, 120_000);

  afterAll(async () => {
    for (const bot of bots) await bot.close();
    await connector?.close();
    if (closeShared) await closeShared();
    else for (const db of databases) await db.close();
    for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const harness = (press = 0) => ({ bot: botFor(press), connector, close: async () => undefined });

  /** Presses a Teams card's button (Action.Execute) on the `press`-th bot: the card shown in place and every word that followed. */
  async function teamsPress(card: Card, title: string, inputs: Json = {}, press = 0): Promise<{ card: Card | undefined; seen: string[] }> {
    const action = actionsOf(card).find((candidate) => candidate.title === title);
    if (!action) throw new Error(`no button "${title}" on the card`);
    const data = action.associatedInputs === 'none' ? action.data : { ...inputsOf(card), ...action.data, ...inputs };
    const activity = teamsActivity(connector.serviceUrl, ann, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId: 'card-1',
      value: { action: { type: 'Action.Execute', verb: action.verb, data }, trigger: 'manual' },
    });
    const response = await fetch(`${botFor(press).url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Json;
    const shown: Card | undefined = typeof body.value === 'object' ? body.value : undefined;
    const followUps = connector.sent.filter((sent) => sent.activity.replyToId === activity.id).flatMap((sent) => whatTheySee(sent).texts);
    return { card: shown, seen: [...(shown ? readCard(shown).texts : [String(body.value)]), ...followUps] };
  }

  /** The same button pressed `times` times at once, alternating between the bots. */
  const teamsPressedTogether = (card: Card, title: string, inputs: Json, times: number) =>
    Promise.all(Array.from({ length: times }, (_, press) => teamsPress(card, title, inputs, press)));

  /** A new flow's first card, whatever an earlier test left unfinished. */
  async function freshFlow(): Promise<Card> {
    const card = await execute(harness(), ann, 'welcome.addService');
    return actionsOf(card).some((action) => action.title === 'Start over') ? (await teamsPress(card, 'Start over')).card! : card;
  }

  async function untilNumberStepInTeams(employee: number): Promise<Card> {
    let card = await freshFlow();
    for (const [title, inputs] of [
      ['Search', { query: generatedDemoEmployees[employee]!.email }],
      ['Next', { productTypeCode: 'DSTNY_MOBILE' }],
      ['Next', { serviceTypeCode: 'MOBILE' }],
      ['Next', { bundleCode: 'MOB_S' }],
      ['Confirm', {}],
    ] as const) card = (await teamsPress(card, title, inputs)).card!;
    expect(readCard(card).texts).toContain('Step 5 of 8');
    return card;
  }

  /** Mobile numbers of Ann's organisation held for no service yet and not expired: what the pool cannot give anyone else. */
  const heldNumbers = async () => {
    const { organisationId } = await demoActor(bots[0]!.db, ann.tenantId, ann.aadObjectId);
    return prisma().phoneNumber.findMany({
      where: { kind: NumberKind.MOBILE, state: NumberState.RESERVED, organisationId, reservedUntil: { gt: new Date() }, mobileOf: { is: null } },
      select: { id: true, e164: true },
    });
  };
  const reservedNumberOn = (texts: string[]) => texts.find((text) => text.startsWith('New number reserved: '));
  const newlyHeld = async (before: Array<{ id: string }>) => (await heldNumbers()).filter((number) => !before.some((old) => old.id === number.id));
  /** The one number held since `before`. */
  const oneNewlyHeld = async (before: Array<{ id: string }>) => {
    const held = await newlyHeld(before);
    expect(held).toHaveLength(1);
    return held[0]!.e164;
  };

  /** A day going by for the stored flows and the pool: flows' last presses and reservations' ends move back `ms`. */
  async function timePasses(ms: number): Promise<void> {
    for (const row of await prisma().botState.findMany()) {
      const flow = (row.data as Json).addService;
      if (!flow?.updatedAt) continue;
      const data = { ...(row.data as Json), addService: { ...flow, updatedAt: new Date(Date.parse(flow.updatedAt) - ms).toISOString() } };
      await prisma().botState.update({ where: { key: row.key }, data: { data } });
    }
    await prisma().$executeRaw`UPDATE "PhoneNumber" SET "reservedUntil" = "reservedUntil" - make_interval(secs => ${ms / 1000}) WHERE "reservedUntil" IS NOT NULL`;
  }

  test('10 presses of Next at once on the new-number step hold one number, named by every answer, and show no error; Cancel gives it back', async () => {
    const card = await untilNumberStepInTeams(18);
    const before = await heldNumbers();

    const answers = await teamsPressedTogether(card, 'Next', { numberOption: 'NEW' }, 10);

    const held = await newlyHeld(before);
    expect(held).toHaveLength(1);
    // Every answer names that one number ("New number reserved: 0470 12 34 56." for +32470123456).
    const named = answers.map((answer) => reservedNumberOn(answer.seen)?.replace(/\D/g, ''));
    expect(new Set(named)).toEqual(new Set([`0${held[0]!.e164.slice(3)}`]));
    for (const answer of answers) {
      expect(answer.seen).toContain('Step 6 of 8');
      for (const words of errorWords) expect(answer.seen.join('\n')).not.toMatch(words);
    }

    const cancelled = await teamsPress(answers[0]!.card!, 'Cancel');
    expect(cancelled.seen).toEqual(['Add a service: cancelled', 'Nothing was created, and the number reserved for it was released.']);
    expect(await newlyHeld(before)).toEqual([]);
    expect(await prisma().phoneNumber.findUniqueOrThrow({ where: { id: held[0]!.id } })).toMatchObject({ state: NumberState.FREE, reservedFor: null });
  }, 120_000);

  test("a flow's number is held while the flow can be continued, and free for anyone once it cannot", async () => {
    const annActor = await demoActor(bots[0]!.db, ann.tenantId, ann.aadObjectId);
    let card = await untilNumberStepInTeams(19);
    const before = await heldNumbers();
    card = (await teamsPress(card, 'Next', { numberOption: 'NEW' })).card!;
    const e164 = await oneNewlyHeld(before);

    // Ann comes back 23 hours later, goes on, and leaves again for two hours: her flow is still hers to continue.
    await timePasses(23 * 60 * 60 * 1000);
    card = (await teamsPress(card, 'Next', { simOption: 'USER_ENTERS' })).card!;
    expect(readCard(card).texts).toContain('Step 8 of 8');
    await timePasses(2 * 60 * 60 * 1000);
    expect(await reserveNumber(prisma(), annActor, { kind: NumberKind.MOBILE, e164 })).toMatchObject({ ok: false });
    const saved = await teamsPress(card, 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' });
    expect(saved.seen).toContain('Service added');
    expect(await prisma().phoneNumber.findUniqueOrThrow({ where: { e164 }, select: { mobileOf: { select: { id: true } } } })).toMatchObject({ mobileOf: { id: expect.any(String) } });

    // A flow left at its number for longer than a flow can be continued: its number is anyone's again.
    card = await untilNumberStepInTeams(20);
    const beforeAbandoned = await heldNumbers();
    await teamsPress(card, 'Next', { numberOption: 'NEW' });
    const abandoned = await oneNewlyHeld(beforeAbandoned);
    await timePasses(DAY_MS + 60_000);
    expect(await reserveNumber(prisma(), annActor, { kind: NumberKind.MOBILE, e164: abandoned })).toMatchObject({ ok: true, number: { e164: abandoned } });
    const fresh = await execute(harness(), ann, 'welcome.addService');
    expect(readCard(fresh).texts).toEqual(['Who is the service for?']);
    await teamsPress(fresh, 'Cancel');
  }, 120_000);

  test('a double Save in Teams adds one service, and both presses show it without an error', async () => {
    let card = (await teamsPress(await untilNumberStepInTeams(21), 'Next', { numberOption: 'NEW' })).card!;
    card = (await teamsPress(card, 'Next', { simOption: 'USER_ENTERS' })).card!;
    const answers = await teamsPressedTogether(card, 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' }, 2);
    for (const answer of answers) {
      expect(answer.seen).toContain('Service added');
      for (const words of errorWords) expect(answer.seen.join('\n')).not.toMatch(words);
    }
    expect(await prisma().service.count({ where: { user: { email: generatedDemoEmployees[21]!.email } } })).toBe(1);
  }, 120_000);

  test('a double press of any card button in Teams moves on once, and both presses show the same card', async () => {
    let card = await freshFlow();
    card = (await teamsPress(card, 'Search', { query: generatedDemoEmployees[22]!.email })).card!;
    const answers = await teamsPressedTogether(card, 'Next', { productTypeCode: 'DSTNY_MOBILE' }, 2);
    expect(answers[0]!.seen).toContain('Step 2 of 8');
    expect(answers[1]!.seen).toEqual(answers[0]!.seen);
    await teamsPress(answers[0]!.card!, 'Cancel');
  }, 120_000);

  describe('in the web chat', () => {
    let token: string;
    let conversationId: string;
    let watermark = '';
    /** Every message of the bot since the last look, an updated card again under its id: what the person sees. */
    let seenSince: Json[] = [];

    async function directLine(method: string, route: string, body?: unknown, press = 0): Promise<Json> {
      const response = await fetch(`${botFor(press).url}/v3/directline${route}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(response.status).toBeLessThan(300);
      return (await response.json()) as Json;
    }

    /** The bot's messages without a card, since the test began. */
    const said: string[] = [];

    async function fromBot(): Promise<Json[]> {
      const page = await directLine('GET', `/conversations/${conversationId}/activities?watermark=${watermark}`);
      watermark = page.watermark;
      seenSince = (page.activities as Json[]).filter((activity) => activity.from?.role === 'bot');
      said.push(...seenSince.filter((activity) => !activity.attachments?.length).map((activity) => activity.text as string));
      return seenSince;
    }

    const texts = (activities: Json[]) => activities.flatMap((activity) => [
      ...(activity.text ? [activity.text as string] : []),
      ...(activity.attachments ?? []).flatMap((attachment: Json) => readCard(attachment.content).texts),
    ]);
    const lastCard = (): Card => seenSince.filter((activity) => activity.attachments?.length).at(-1)!.attachments[0].content;

    /** Presses an Action.Submit as Web Chat does, `times` times at once (alternating between the bots). */
    async function submit(card: Card, title: string, inputs: Json = {}, times = 1): Promise<string[]> {
      const action = [...(card.actions ?? []), ...(card.body ?? []).flatMap((element: Card) => element.actions ?? [])].find((a: Card) => a.title === title);
      if (!action) throw new Error(`no button ${title}`);
      const value = { ...action.data, ...inputs };
      await Promise.all(Array.from({ length: times }, (_, press) =>
        directLine('POST', `/conversations/${conversationId}/activities`, { type: 'message', from: { id: 'web-user' }, value }, press)));
      return texts(await fromBot());
    }

    beforeAll(async () => {
      const { html } = await signIn(bots[0]!.adminLink);
      token = /<meta name="webchat-token" content="([A-Za-z0-9_-]{43})">/.exec(html)![1]!;
      conversationId = (await directLine('POST', '/conversations', { user: { id: 'web-user' }, locale: 'en-US' })).conversationId;
      await fromBot();
      said.length = 0;
    }, 60_000);

    test('double clicks on Next, on the new-number step and on Save move on once, hold one number, and show no error', async () => {
      await submit({ actions: [{ type: 'Action.Submit', title: 'Add a service', data: { verb: 'welcome.addService' } }] }, 'Add a service');
      await submit(lastCard(), 'Search', { query: generatedDemoEmployees[23]!.email });
      const seen: string[] = [];

      seen.push(...await submit(lastCard(), 'Next', { productTypeCode: 'DSTNY_MOBILE' }, 2));
      expect(readCard(lastCard()).texts).toContain('Step 2 of 8');
      await submit(lastCard(), 'Next', { serviceTypeCode: 'MOBILE' });
      await submit(lastCard(), 'Next', { bundleCode: 'MOB_S' });
      await submit(lastCard(), 'Confirm');
      expect(readCard(lastCard()).texts).toContain('Step 5 of 8');

      const before = await heldNumbers();
      seen.push(...await submit(lastCard(), 'Next', { numberOption: 'NEW' }, 2));
      const held = await newlyHeld(before);
      expect(held).toHaveLength(1);
      expect(readCard(lastCard()).texts).toContain('Step 6 of 8');
      expect(new Set(texts(seenSince).filter((text) => text.startsWith('New number reserved: '))).size).toBe(1);

      await submit(lastCard(), 'Next', { simOption: 'USER_ENTERS' });
      seen.push(...await submit(lastCard(), 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' }, 2));
      expect(readCard(lastCard()).texts).toContain('Service added');
      expect(await prisma().service.count({ where: { user: { email: generatedDemoEmployees[23]!.email } } })).toBe(1);

      for (const words of errorWords) expect(seen.join('\n')).not.toMatch(words);
      // Beside the card, updated in place, the press that came second says at most that it was already done.
      for (const text of said) expect(text).toBe('That was already done; the card shows where things stand now.');
    }, 120_000);
  });
});
