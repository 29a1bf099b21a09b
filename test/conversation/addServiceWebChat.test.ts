import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import { expectValidCard } from '../support/adaptiveCards';
import { openTestDatabase } from '../support/database';
import { readCard, type Card } from '../support/addServiceDriver';

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

async function directLine(method: string, route: string, token: string, body?: unknown): Promise<Json> {
  const response = await fetch(`${running.url}/v3/directline${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as Json;
}

/** Ann's web chat, opened with her one-time sign-in link, as the page does. */
async function annChat() {
  const html = await (await fetch(running.adminLink)).text();
  const token = /<meta name="webchat-token" content="([A-Za-z0-9_-]{43})">/.exec(html)![1]!;
  const { conversationId } = await directLine('POST', '/conversations', token, { user: { id: 'web-user' }, locale: 'en-US' });
  let watermark = '';
  /** The bot's messages delivered after the last poll (an updated card is delivered again under its id). */
  const nextFromBot = async (): Promise<Json[]> => {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const page = await directLine('GET', `/conversations/${conversationId}/activities?watermark=${watermark}`, token);
      watermark = page.watermark;
      const fromBot = (page.activities as Json[]).filter((a) => a.from?.role === 'bot' && a.attachments?.length);
      if (fromBot.length > 0) return fromBot;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the bot sent no card');
  };
  /** Presses an Action.Submit of the web chat card as Web Chat does: a message whose value is its data and the inputs. */
  const submit = async (card: Card, title: string, inputs: Record<string, unknown> = {}) => {
    const action = [...(card.actions ?? []), ...(card.body ?? []).flatMap((element: Card) => element.actions ?? [])].find((a: Card) => a.title === title);
    if (!action) throw new Error(`no button ${title}`);
    expect(action.type).toBe('Action.Submit');
    await directLine('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', from: { id: 'web-user' }, value: { ...action.data, ...inputs } });
    return nextFromBot();
  };
  return { conversationId, nextFromBot, submit };
}

test('Ann adds a service in the web chat: one card, updated in place at every step, and kept as the service\'s card', async () => {
  const chat = await annChat();
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

  const service = await running.db.prisma.service.findFirstOrThrow({ where: { serviceTypeCode: 'SM_UC_USER', user: { displayName: 'Marie Dubois' } }, include: { events: true } });
  expect(service.events.find((event) => event.kind === 'summary_card_posted')?.detail).toEqual({
    channelId: 'webchat',
    conversationId: chat.conversationId,
    activityId: cardId,
  });
});
