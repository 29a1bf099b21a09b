import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { expectValidCard } from '../support/adaptiveCards';
import { openTestDatabase } from '../support/database';
import { readCard, type Card } from '../support/addServiceDriver';
import { openWebChat } from '../support/webChatDriver';

type Json = Record<string, any>;

let running: RunningBot;
let dataDir: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'add-service-webchat-'));
  running = await startBot(configFromEnvironment({ PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir }), {
    database: await openTestDatabase(),
  });
}, 60_000);

afterAll(async () => {
  await running.close();
  await running.db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('Ann adds a service in the web chat: one card, updated in place at every step, and kept as the service\'s card', async () => {
  const chat = await openWebChat(running.url, running.adminLink);
  await chat.nextFromBot(); // the welcome
  const [welcome] = await chat.submit({ actions: [{ type: 'Action.Submit', title: 'Add a service', data: { verb: 'welcome.addService' } }] }, 'Add a service');
  const cardId: string = welcome!.id;
  const card = () => last.attachments[0].content as Card;
  let last: Json = welcome!;

  const step = async (title: string, inputs: Record<string, unknown> = {}) => {
    const delivered = await chat.submit(card(), title, inputs);
    expect(delivered.map((activity) => activity.id)).toEqual([cardId]);
    last = delivered[0]!;
    expectValidCard(card());
    return readCard(card());
  };

  expect(readCard(card()).texts).toEqual(['Who is the service for?']);
  expect((await step('Search', { query: 'marie' })).texts).toContain('Step 1 of 8');
  expect((await step('Next', { productTypeCode: 'DSTNY_SMARTMOBILE' })).texts).toContain('Step 2 of 8');
  expect((await step('Next', { serviceTypeCode: 'SM_UC_USER' })).texts).toContain('Step 3 of 8');
  expect((await step('Next', { bundleCode: 'SM_UC' })).texts).toContain('Step 4 of 8');
  expect((await step('Confirm')).texts).toContain('Step 7 of 8');
  expect((await step('Next', { fixedOption: 'FREE' })).texts).toContain('Choose the fixed number');
  const fixedNumberId = card().body.find((element: Card) => element.id === 'fixedNumberId').choices[0].value;
  const activation = await step('Next', { fixedNumberId });
  expect(activation.choices.activationMethod).toEqual(['Send Marie Dubois an email with instructions and a personal link', 'Start the activation automatically, without the user']);
  const summary = await step('Save', { activationMethod: 'AUTOMATIC', activationTiming: 'LATER' });
  expect(summary.texts).toEqual(expect.arrayContaining(['Service added', 'For Marie Dubois', 'Status: waiting for activation', 'Product: Dstny SmartMobile, UC user']));

  // "Add another service": the summary stays as it is, the new flow comes as a message of its own.
  const [another, ...more] = await chat.submit(card(), 'Add another service');
  expect(more).toEqual([]);
  expect(another!.id).not.toBe(cardId);
  expect(readCard(another!.attachments[0].content).texts).toEqual(['Who is the service for?']);
  const shownNow = (await chat.everything()).filter((activity) => activity.id === cardId).at(-1)!;
  expect(readCard(shownNow.attachments[0].content).texts).toEqual(summary.texts);

  const service = await running.db.prisma.service.findFirstOrThrow({ where: { serviceTypeCode: 'SM_UC_USER', user: { displayName: 'Marie Dubois' } }, include: { events: true } });
  expect(service.events.find((event) => event.kind === 'summary_card_posted')?.detail).toEqual({
    channelId: 'webchat',
    conversationId: chat.conversationId,
    activityId: cardId,
  });
});
