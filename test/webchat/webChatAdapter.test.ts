import crypto from 'node:crypto';
import { TurnContext, type Activity } from 'botbuilder';
import { WEB_CHAT_IDENTITY } from '../../bot/identity';
import { createLogger } from '../../bot/logger';
import { activitiesAfter, appendActivity, openConversation, type WebChatConversation } from '../../bot/http/webChat/conversations';
import { BOT_ACCOUNT, WebChatAdapter } from '../../bot/http/webChat/webChatAdapter';
import type { Database } from '../../services/platform/db/database';
import { openTestDatabase } from '../support/database';

let db: Database;
let adapter: WebChatAdapter;

beforeAll(async () => {
  db = await openTestDatabase();
  adapter = new WebChatAdapter(db.prisma, 'http://localhost:3978', createLogger('silent'));
}, 60_000);

afterAll(async () => {
  await db?.close();
});

function userMessage(conversation: WebChatConversation, text: string): Partial<Activity> {
  return {
    type: 'message',
    text,
    channelId: 'webchat',
    serviceUrl: adapter.serviceUrl,
    from: { id: `anonymous:${conversation.id}`, name: '', role: 'user' },
    recipient: BOT_ACCOUNT,
    conversation: { id: conversation.id, isGroup: false, conversationType: 'personal', name: '' },
  };
}

test('the bot gets the identity of the conversation, not of the sender', async () => {
  const personId = crypto.randomUUID();
  const { conversation: signedIn } = await openConversation(db.prisma, { personId });
  const { conversation: anonymous } = await openConversation(db.prisma);
  const seen: unknown[] = [];
  for (const conversation of [signedIn, anonymous]) {
    await adapter.processActivity(conversation, userMessage(conversation, 'hi'), async (context) => {
      seen.push(context.turnState.get(WEB_CHAT_IDENTITY));
    });
  }
  expect(seen).toEqual([{ kind: 'person', personId }, { kind: 'anonymous' }]);
});

test('an updated activity comes back at a new watermark with the same id and its original place', async () => {
  const { conversation } = await openConversation(db.prisma);
  let cardId = '';
  await adapter.processActivity(conversation, userMessage(conversation, 'hi'), async (context) => {
    cardId = (await context.sendActivity({ type: 'message', text: 'Step 1 of 8' }))!.id;
    await context.sendActivity('Anything else?');
  });
  const before = await activitiesAfter(db.prisma, conversation.id, 0);
  expect(before.activities.map((a) => a.text)).toEqual(['Step 1 of 8', 'Anything else?']);
  const originalTimestamp = before.activities[0]!.timestamp;

  await adapter.processActivity(conversation, userMessage(conversation, 'next'), async (context) => {
    await context.updateActivity({ id: cardId, type: 'message', text: 'Step 2 of 8' });
  });
  const after = await activitiesAfter(db.prisma, conversation.id, before.watermark);
  expect(after.activities).toHaveLength(1);
  expect(after.activities[0]).toMatchObject({ id: cardId, text: 'Step 2 of 8', timestamp: originalTimestamp, from: { role: 'bot' } });
  // A client reading from the start sees the activity once, in its new version.
  const all = await activitiesAfter(db.prisma, conversation.id, 0);
  expect(all.activities.filter((a) => a.id === cardId).map((a) => a.text)).toEqual(['Step 2 of 8']);

  await adapter.processActivity(conversation, userMessage(conversation, 'forget it'), async (context) => {
    await context.deleteActivity(cardId);
    await expect(context.updateActivity({ id: cardId, type: 'message', text: 'gone' })).rejects.toThrow('no such activity');
  });
  expect((await activitiesAfter(db.prisma, conversation.id, 0)).activities.map((a) => a.text)).toEqual(['Anything else?']);
});

test('a stored conversation reference lets the bot write later, as the same person', async () => {
  const personId = crypto.randomUUID();
  const { conversation } = await openConversation(db.prisma, { personId });
  let reference: Partial<ReturnType<typeof TurnContext.getConversationReference>> = {};
  await adapter.processActivity(conversation, userMessage(conversation, 'hi'), async (context) => {
    reference = TurnContext.getConversationReference(context.activity);
  });

  let identity: unknown;
  await adapter.continueConversationAsync('any-app-id', reference, async (context) => {
    identity = context.turnState.get(WEB_CHAT_IDENTITY);
    await context.sendActivity('Your SIM card is active.');
  });
  expect(identity).toEqual({ kind: 'person', personId });
  const { activities } = await activitiesAfter(db.prisma, conversation.id, 0);
  expect(activities).toEqual([
    expect.objectContaining({ text: 'Your SIM card is active.', from: expect.objectContaining({ role: 'bot' }) }),
  ]);

  await expect(
    adapter.continueConversationAsync('any-app-id', { ...reference, conversation: { ...reference.conversation!, id: 'nope' } }, async () => {}),
  ).rejects.toThrow('no such web chat conversation');
});

test('a failing turn tells the person something went wrong, without details', async () => {
  const { conversation } = await openConversation(db.prisma);
  await adapter.processActivity(conversation, userMessage(conversation, 'hi'), async () => {
    throw new Error('database exploded at services/x.ts:12');
  });
  const { activities } = await activitiesAfter(db.prisma, conversation.id, 0);
  expect(activities.map((a) => a.text)).toEqual([
    expect.stringMatching(/^Sorry, something went wrong on our side\. Please try again in a moment\. If it happens again, give support this reference: [A-Z]{8}\.$/),
  ]);
});

test('concurrent writers get distinct, gapless sequence numbers', async () => {
  const { conversation } = await openConversation(db.prisma);
  const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => appendActivity(db.prisma, conversation.id, { type: 'message', text: `${i}` })));
  expect(new Set(ids).size).toBe(20);
  const { activities, watermark } = await activitiesAfter(db.prisma, conversation.id, 0);
  expect(activities).toHaveLength(20);
  expect(watermark).toBe(20);
});
