import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningBot } from '../../bot/main';
import { DEMO_TENANT_ID, demo, demoStockIccids, generatedDemoEmployees } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import { seedDemo } from '../../prisma/seed';
import { Verbs } from '../../cards/verbs';
import { execute, post, press, readCard, type Card, type TeamsHarness } from '../support/addServiceDriver';
import { startBotProcess, type ReadyProcess } from '../support/childProcess';
import { startLocalConnector, teamsActivity, whatTheySee, type LocalConnector, type TeamsPerson } from '../support/connector';
import { openSharedDatabase, type SharedDatabase } from '../support/sharedDatabase';

// Real processes on a real server: the killed process's embedded PGlite would be that process's own.
const serverUrl = process.env.DATABASE_URL;
const describeOnPostgres = serverUrl ? describe : describe.skip;

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };

describeOnPostgres('a bot process killed with SIGKILL in the middle of a conversation (needs PostgreSQL: set DATABASE_URL)', () => {
  let shared: SharedDatabase;
  let connector: LocalConnector;
  let root: string;
  const processes: ReadyProcess[] = [];
  const prisma = () => shared.pools[0]!.prisma;

  /** A bot process, as Teams reaches it; the next one after a kill gets a new address, as a restarted host would. */
  async function start(name: string): Promise<TeamsHarness> {
    const { process: started, url } = await startBotProcess(shared.url, path.join(root, name));
    processes.push(started);
    const bot: RunningBot = { url, port: Number(new URL(url).port), db: shared.pools[0]!, adminLink: '', close: async () => undefined };
    return { bot, connector, close: async () => undefined };
  }

  async function kill(harness: TeamsHarness): Promise<void> {
    const victim = processes.find((candidate) => candidate.output.join('').includes(harness.bot.url))!;
    victim.child.kill('SIGKILL');
    await victim.exited;
  }

  beforeAll(async () => {
    shared = await openSharedDatabase(serverUrl!, 1);
    await seedDemo(prisma());
    connector = await startLocalConnector();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-killed-'));
  }, 60_000);

  afterAll(async () => {
    for (const bot of processes) if (bot.child.exitCode === null && bot.child.signalCode === null) bot.child.kill('SIGTERM');
    await Promise.all(processes.map((bot) => bot.exited));
    await connector?.close();
    await shared?.close();
    fs.rmSync(root, { recursive: true, force: true });
  }, 60_000);

  test("the add-service wizard: after the kill, the card Ann still has goes on where she was, with what she entered", async () => {
    const employee = generatedDemoEmployees[11]!;
    const before = await start('before');
    let card: Card = await execute(before, ann, Verbs.welcome.addService);
    card = await press(before, ann, card, 'Search', { query: employee.email });
    card = await press(before, ann, card, 'Next', { productTypeCode: 'DSTNY_MOBILE' });
    card = await press(before, ann, card, 'Next', { serviceTypeCode: 'MOBILE' });
    card = await press(before, ann, card, 'Next', { bundleCode: 'MOB_S' });
    card = await press(before, ann, card, 'Confirm');
    expect(readCard(card).texts).toContain('Step 5 of 8');

    await kill(before);
    const after = await start('after');

    card = await press(after, ann, card, 'Next', { numberOption: 'NEW' });
    expect(readCard(card).texts).toContain('Step 6 of 8');
    card = await press(after, ann, card, 'Next', { simOption: 'ADMIN_ENTERS', iccid: demoStockIccids[35] });
    card = await press(after, ann, card, 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' });
    expect(readCard(card).texts).toContain('Service added');
    // What was entered before the kill (the person, the product, the bundle) is in the saved service.
    const services = await prisma().service.findMany({ where: { user: { email: employee.email } } });
    expect(services).toEqual([expect.objectContaining({ productTypeCode: 'DSTNY_MOBILE', bundleCode: 'MOB_S', status: ServiceStatus.WAITING_FOR_ACTIVATION })]);
  }, 120_000);

  test('the SIM activation: Jan asked for his number, the process killed, his number typed to the next one is taken', async () => {
    const before = await start('sim-before');
    const says = async (harness: TeamsHarness, text: string) => {
      const activity = teamsActivity(connector.serviceUrl, jan, { type: 'message', text });
      const sent = connector.sent.length;
      expect((await post(harness, activity)).status).toBe(200);
      return connector.sent.slice(sent).filter((reply) => reply.activity.replyToId === activity.id).flatMap((reply) => whatTheySee(reply).texts);
    };
    expect(await says(before, 'activate my SIM')).toEqual(['Typ het nummer van je simkaart: de 19 of 20 cijfers op de kaart, beginnend met 89.']);

    await kill(before);
    const after = await start('sim-after');

    const iccid = demoStockIccids[36]!;
    // Only the digits, as if answering the question: understood because the conversation still waits for them.
    const [answer] = await says(after, iccid.slice(0, 12));
    expect(answer).toMatch(/^Een simkaartnummer heeft 19 of 20 cijfers/);
    const accepted = await says(after, iccid);
    expect(accepted[0]).toMatch(/^Bedankt/);
    const service = await prisma().service.findFirstOrThrow({ where: { user: { email: demo.jan.email } }, include: { simCard: true } });
    expect(service).toMatchObject({ status: ServiceStatus.READY, simCard: { iccid } });
  }, 120_000);
});
