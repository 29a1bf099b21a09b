import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { LinkPurpose } from '../../prisma/generated/enums';
import { demo } from '../../prisma/demoData';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { createAccessLink } from '../../services/people/accessLinks';
import { expectValidCard } from '../support/adaptiveCards';
import { readCard } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';
import { openWebChat } from '../support/webChatDriver';

type Json = Record<string, any>;

/**
 * Cards answered in place in the web chat, which does not say which message was pressed: the waiting list's answers
 * replace it, and a press on a copy that is out of date says what changed; a saved people form becomes what was done.
 */

let running: RunningBot;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'waiting-webchat-'));
  running = await startBot(configFromEnvironment({ PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir }), {
    database: await openTestDatabase({ seed: true }),
  });
}, 60_000);

afterAll(async () => {
  await running.close();
  await running.db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const content = (activity: Json) => activity.attachments[0].content as Json;

/** The Start buttons a card offers, by the service they start. */
function startButtons(card: Json): string[] {
  const found: string[] = [];
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) node.forEach((item) => walk(item));
    else if (node && typeof node === 'object' && key !== 'fallback') {
      const element = node as Json;
      if (element.type === 'Action.Submit' && element.data?.verb === 'waitingServices.start') found.push(element.data.serviceId);
      for (const [childKey, value] of Object.entries(element)) walk(value, childKey);
    }
  };
  walk(card);
  return found;
}

test('Start updates the list where it is; the old copy\'s Start and Start all say what changed instead of acting', async () => {
  const chat = await openWebChat(running.url, running.adminLink);
  await chat.nextFromBot(); // the welcome
  const marie = await running.db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:marie' } });

  const [list] = await chat.submit({ actions: [{ type: 'Action.Submit', title: 'Services waiting', data: { verb: 'welcome.waitingServices' } }] }, 'Services waiting');
  const original = content(list!);
  expectValidCard(original);
  expect(startButtons(original)).toEqual([marie.id]);

  // Start on Marie's row: the same message now shows the result, and no Start is left for her service.
  const started = await chat.submit(original, 'Start');
  expect(started.map((activity) => activity.id)).toEqual([list!.id]);
  const updated = content(started[0]!);
  expectValidCard(updated);
  expect(readCard(updated).texts).toContain('Started: 1. Users who enter their own SIM card number receive their activation email now.');
  expect(startButtons(updated)).toEqual([]);
  const shown = (await chat.everything()).filter((activity) => activity.from?.role === 'bot' && activity.attachments?.length);
  expect(shown.filter((activity) => readCard(content(activity)).texts.includes('Services waiting for activation'))).toHaveLength(1);

  // The copy Ann still had on screen before the update: its Start says who started the service, and when.
  const again = await chat.submit(original, 'Start');
  expect(again.map((activity) => activity.id)).toEqual([list!.id]);
  expect(readCard(content(again[0]!)).texts).toContainEqual(
    expect.stringMatching(/^Marie Dubois's service was already started by Ann Admin on .+ at \d{2}:\d{2}\.$/),
  );

  // A new service arrives; "Start all" on the first copy would start a list Ann has not seen: nothing is done.
  const els = await running.db.prisma.person.findFirstOrThrow({ where: { email: 'els.maes@demo.example' } });
  await running.db.prisma.service.create({
    data: {
      organisationId: els.organisationId, userId: els.id, createdById: marie.createdById, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status: 'WAITING_FOR_ACTIVATION', activationMethod: 'EMAIL', activationTiming: 'LATER',
    },
  });
  const stale = await chat.submit(original, 'Start all');
  expect(stale.map((activity) => activity.id)).toEqual([list!.id]);
  const now = readCard(content(stale[0]!));
  expect(now.texts).toContain('This list had changed since it was shown, so nothing was done: here it is as it is now.');
  expect(now.texts).toContainEqual(expect.stringMatching(/^Els Maes · Dstny Mobile \(Mobile\) · /));
  expect(await running.db.prisma.job.count({ where: { kind: ActivationJobs.startAll } })).toBe(0);
});

test('a saved add form becomes the line saying who was added, with no button left; its copy cannot add twice', async () => {
  const ann = await running.db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email } });
  const { token } = await createAccessLink(running.db.prisma, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId: ann.id, ttlMs: 60_000 });
  const chat = await openWebChat(running.url, `${running.url}/signin/${token}`);
  await chat.nextFromBot(); // the welcome
  const [list] = await chat.submit({ actions: [{ type: 'Action.Submit', title: 'People', data: { verb: 'welcome.managePeople' } }] }, 'People');
  const [form] = await chat.submit(content(list!), 'Add an employee');
  const typed = { displayName: 'Rita Web', email: 'rita.web@demo.example', language: 'en' };

  const saved = await chat.submit(content(form!), 'Save', typed);
  expect(saved.map((activity) => activity.id)).toEqual([form!.id]);
  const done = content(saved[0]!);
  expectValidCard(done);
  expect(readCard(done).texts).toEqual([expect.stringMatching(/^Rita Web is added\./)]);
  expect(done.actions ?? []).toEqual([]);

  // The form as it was on screen, pressed again: the same answer, and still one Rita.
  const again = await chat.submit(content(form!), 'Save', typed);
  expect(again.map((activity) => activity.id)).toEqual([form!.id]);
  expect(await running.db.prisma.person.count({ where: { email: typed.email } })).toBe(1);
});
