import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, demo, demoStockIccids, generatedDemoEmployees } from '../../prisma/demoData';
import { seedDemo } from '../../prisma/seed';
import { Verbs } from '../../cards/verbs';
import { execute, post, press, readCard, type Card, type TeamsHarness } from '../support/addServiceDriver';
import { type ReadyProcess, startBotProcess, stopProcesses } from '../support/childProcess';
import { startLocalConnector, teamsActivity, whatTheySee, type LocalConnector, type TeamsPerson } from '../support/connector';
import { openSharedDatabase, type SharedDatabase } from '../support/sharedDatabase';

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };

const serverUrl = process.env.DATABASE_URL;
/** The embedded PGlite of `npm start` (files under DATA_DIR, reopened by the next process), and a PostgreSQL server. */
const databases = [{ database: 'PGlite' }, ...(serverUrl ? [{ database: 'PostgreSQL' }] : [])];

describe.each(databases)('a bot process killed with SIGKILL in the middle of a conversation, on $database', ({ database }) => {
  let shared: SharedDatabase | undefined;
  let connector: LocalConnector;
  let root: string;
  const processes: ReadyProcess[] = [];

  /** A bot process on the test's data folder, as Teams reaches it; the next one after a kill gets a new address. */
  async function start(): Promise<TeamsHarness> {
    const { process: started, url } = await startBotProcess(shared?.url, root);
    processes.push(started);
    const bot = { url } as RunningBot;
    return { bot, connector, close: async () => undefined };
  }

  async function kill(harness: TeamsHarness): Promise<void> {
    const victim = processes.find((candidate) => candidate.output.join('').includes(harness.bot.url))!;
    victim.child.kill('SIGKILL');
    await victim.exited;
  }

  beforeAll(async () => {
    if (database === 'PostgreSQL') {
      shared = await openSharedDatabase(serverUrl!, 1);
      await seedDemo(shared.pools[0]!.prisma);
    }
    connector = await startLocalConnector();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-killed-'));
  }, 60_000);

  afterAll(async () => {
    await stopProcesses(processes, 'SIGTERM');
    await connector?.close();
    await shared?.close();
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  test('Ann mid-wizard and Jan asked for his SIM card number; the process is killed; on the next one both go on where they were', async () => {
    const employee = generatedDemoEmployees[11]!;
    const before = await start();
    let card: Card = await execute(before, ann, Verbs.welcome.addService);
    card = await press(before, ann, card, 'Search', { query: employee.email });
    card = await press(before, ann, card, 'Next', { productTypeCode: 'DSTNY_MOBILE' });
    card = await press(before, ann, card, 'Next', { serviceTypeCode: 'MOBILE' });
    card = await press(before, ann, card, 'Next', { bundleCode: 'MOB_S' });
    card = await press(before, ann, card, 'Confirm');
    expect(readCard(card).texts).toContain('Step 5 of 8');
    const janSays = async (harness: TeamsHarness, text: string) => {
      const activity = teamsActivity(connector.serviceUrl, jan, { type: 'message', text });
      const sent = connector.sent.length;
      expect((await post(harness, activity)).status).toBe(200);
      return connector.sent.slice(sent).filter((reply) => reply.activity.replyToId === activity.id).flatMap((reply) => whatTheySee(reply).texts);
    };
    expect(await janSays(before, 'ik wil mijn simkaart activeren')).toEqual(['Typ het nummer van je simkaart: de 19 of 20 cijfers op de kaart, beginnend met 89.']);

    await kill(before);
    const after = await start();

    // Ann presses Next on the card she still has.
    card = await press(after, ann, card, 'Next', { numberOption: 'NEW' });
    expect(readCard(card).texts).toContain('Step 6 of 8');
    card = await press(after, ann, card, 'Next', { simOption: 'ADMIN_ENTERS', iccid: demoStockIccids[35] });
    card = await press(after, ann, card, 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' });
    // What was chosen before the kill (the person, the product, the bundle) is in the saved service's summary.
    const summary = readCard(card).texts.join('\n');
    expect(summary).toContain('Service added');
    expect(summary).toContain(employee.displayName);
    expect(summary).toContain('Mobile S');

    // Jan types only some digits, as if answering the question: read as such because the conversation still waits.
    const iccid = demoStockIccids[36]!;
    expect(await janSays(after, iccid.slice(0, 12))).toEqual(['Een simkaartnummer heeft 19 of 20 cijfers; dit nummer heeft er 12.']);
    const [accepted] = await janSays(after, iccid);
    expect(accepted).toMatch(new RegExp(`^Bedankt: simkaart ${iccid.replace(/(\d{4})(?=\d)/g, '$1 ')} is geregistreerd`));
  }, 150_000);
});
