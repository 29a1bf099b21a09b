import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { seedDemo } from '../../prisma/seed';
import { saveConversationReference } from '../../services/people/conversations';
import { queueNotification } from '../../services/notifications/notificationOutbox';
import { type ReadyProcess, startReadyProcess, stopProcesses } from '../support/childProcess';
import { startLocalConnector, type LocalConnector } from '../support/connector';
import { openSharedDatabase, type SharedDatabase } from '../support/sharedDatabase';
import { waitFor } from '../support/waitFor';

// Real processes on a real server: PGlite is one process's embedded database, so there is nothing to share there.
const serverUrl = process.env.DATABASE_URL;
const describeOnPostgres = serverUrl ? describe : describe.skip;

const PEOPLE = 40;
const PER_PERSON = 3;

const botProcess = path.join(__dirname, '../support/botProcess.js');

describeOnPostgres('notifier across processes (needs PostgreSQL: set DATABASE_URL)', () => {
  let shared: SharedDatabase;
  let connector: LocalConnector;
  let dataDir: string;
  const bots: ReadyProcess[] = [];

  beforeAll(async () => {
    shared = await openSharedDatabase(serverUrl!, 1);
    await seedDemo(shared.pools[0]!.prisma);
    connector = await startLocalConnector();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-notifiers-'));
  }, 60_000);
  afterAll(async () => {
    await stopProcesses(bots, 'SIGKILL');
    await connector.close();
    await shared.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('two bot processes deliver every notification once in total', async () => {
    const prisma = shared.pools[0]!.prisma;
    const organisation = await prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
    const service = await prisma.service.findFirstOrThrow({ where: { user: { email: demo.jan.email } } });
    // Both deliver while the notifications arrive. Started one after the other, as each start seeds the demo.
    bots.push(await startReadyProcess(botProcess, { DATABASE_URL: shared.url, DATA_DIR: path.join(dataDir, 'first') }));
    bots.push(await startReadyProcess(botProcess, { DATABASE_URL: shared.url, DATA_DIR: path.join(dataDir, 'second') }));

    const conversations: string[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const person = await prisma.person.create({
        data: { organisationId: organisation.id, role: 'USER', email: `notified${i}@demo.example`, displayName: `Notified ${i}`, preferredLanguage: 'en' },
      });
      const conversationId = `a:notified-${i}`;
      conversations.push(conversationId);
      await saveConversationReference(prisma, {
        channelId: 'msteams',
        conversationId,
        personId: person.id,
        reference: {
          channelId: 'msteams',
          serviceUrl: connector.serviceUrl,
          conversation: { id: conversationId, tenantId: DEMO_TENANT_ID },
          bot: { id: '28:sim-activation-assistant' },
          user: { id: `29:notified-${i}` },
        },
      });
      for (let n = 0; n < PER_PERSON; n++) {
        await queueNotification(prisma, {
          idempotencyKey: `reliability:${i}:${n}`,
          recipientId: person.id,
          serviceId: service.id,
          kind: n === 0 ? 'activation.started' : n === 1 ? 'activation.completed' : 'activation.failed',
          audience: 'user',
          payload: {},
        });
      }
    }

    await waitFor(
      'every notification to be delivered',
      async () => (await prisma.notification.count({ where: { idempotencyKey: { startsWith: 'reliability:' }, state: { not: 'DELIVERED' } } })) === 0,
      60_000,
    );
    for (const bot of bots) bot.child.kill('SIGTERM');
    expect(await Promise.all(bots.map((bot) => bot.exited))).toEqual([0, 0]);

    const byConversation = new Map<string, number>();
    for (const sent of connector.sent) byConversation.set(sent.conversationId, (byConversation.get(sent.conversationId) ?? 0) + 1);
    expect(conversations.filter((id) => byConversation.get(id) !== PER_PERSON)).toEqual([]);
    expect(connector.sent.filter((sent) => conversations.includes(sent.conversationId))).toHaveLength(PEOPLE * PER_PERSON);
    expect(await prisma.notification.count({ where: { idempotencyKey: { startsWith: 'reliability:' }, state: 'DELIVERED', attempts: 1 } })).toBe(PEOPLE * PER_PERSON);
  }, 120_000);
});
