import { Application } from '@microsoft/teams-ai';
import { MemoryStorage, TestAdapter, type Activity, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { registerFeatures, type ServedFeatures } from '../../bot/runner';
import { registerTypedText, unservedIntents } from '../../bot/typedText';
import { TURN_FACTS, type TurnFacts } from '../../bot/turnFacts';
import { newTurnState, type AppTurnState } from '../../bot/turnState';
import { features } from '../../dialogs/features';
import { action, defineFeature, plainAction, type AnyFeature } from '../../dialogs/feature';
import { demo } from '../../prisma/demoData';
import { AccessDenied, Role, type Actor } from '../../services/people/people';
import type { Database } from '../../services/platform/db/database';
import { simulatedDonors } from '../../services/simulators/donor';
import { openTestDatabase } from '../support/database';
import { actorsOf } from './see';

/**
 * The runner in-process, through botbuilder's TestAdapter and the Teams AI application as the bot runs them: a small
 * feature declared here shows what every feature gets (refusals, card data checked, state kept, the domain's
 * refusals answered), and the product's own features are checked for what the runner requires of them.
 */

let db: Database;
let ann: Actor;
let jan: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ({ ann, jan } = await actorsOf(db, { ann: demo.ann.email, jan: demo.jan.email }));
});
afterAll(async () => db?.close());

const counterFeature = defineFeature<{ count: number }>({
  name: 'counter',
  state: { key: 'counter', schema: z.object({ count: z.number().int() }) },
  mayUse: (actor) => actor.role === Role.ADMINISTRATOR,
  refusal: () => ({ kind: 'text', text: 'only administrators count' }),
  denied: (_language, _actor, verb) => ({ kind: 'text', text: `refused by the domain (${verb ?? 'typed'})` }),
  actions: {
    'counter.add': action(z.object({ by: z.number().int().min(1).max(10) }), async (turn, data) => {
      const count = (turn.state?.count ?? 0) + data.by;
      turn.keep({ count });
      return [{ kind: 'text', text: `count ${count}` }];
    }),
    'counter.audited': action(z.object({ id: z.uuid() }), async () => [{ kind: 'text', text: 'never' }], 'audit'),
    'counter.forbidden': plainAction(async () => {
      throw new AccessDenied('not this one');
    }),
    'counter.card': plainAction(async (turn) => {
      await turn.channel.showCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'in place' }] });
      return [{ kind: 'text', text: 'and a message' }];
    }),
  },
  typedInput: async (turn, text) => (turn.state && /^\d+$/.test(text) ? [{ kind: 'text', text: `typed ${text} at ${turn.state.count}` }] : undefined),
});

/** A bot of the runner and typed text over `served`, where `who` writes. */
function botFor(served: readonly AnyFeature[], who: () => Actor | undefined) {
  const app = new Application<AppTurnState>({ storage: new MemoryStorage(), turnStateFactory: newTurnState, startTypingTimer: false });
  const deps = { db, settings: { clockSpeed: 1, linkDays: 14, donors: simulatedDonors(1) }, teamsAuthenticated: false };
  const runner: ServedFeatures = registerFeatures(app, served, deps);
  registerTypedText(app, runner, db);
  return new TestAdapter(async (context: TurnContext) => {
    const actor = who();
    const facts: TurnFacts = { recognition: actor ? { status: 'known', actor } : { status: 'anonymous' }, language: 'en' };
    context.turnState.set(TURN_FACTS, facts);
    await app.run(context);
  });
}

const submit = (verb: string, data: Record<string, unknown> = {}): Partial<Activity> => ({ type: 'message', value: { verb, ...data }, channelId: 'webchat' });
const execute = (verb: string, data: Record<string, unknown> = {}): Partial<Activity> => ({
  type: 'invoke',
  name: 'adaptiveCard/action',
  channelId: 'msteams',
  replyToId: 'card-1',
  value: { action: { type: 'Action.Execute', verb, data } },
});

/** The texts of the messages the bot sent for one activity. */
async function says(adapter: TestAdapter, activity: Partial<Activity>): Promise<string[]> {
  adapter.activeQueue.splice(0);
  await adapter.receiveActivity(activity);
  return adapter.activeQueue.map((sent) => sent.text ?? (sent.type === 'invokeResponse' ? JSON.stringify(sent.value) : sent.attachments?.[0]?.contentType ?? sent.type ?? ''));
}

test('someone the feature may not serve, or nobody known, gets its refusal', async () => {
  const adapter = botFor([counterFeature], () => jan);
  expect(await says(adapter, submit('counter.add', { by: 2 }))).toEqual(['only administrators count']);
  const unknown = botFor([counterFeature], () => undefined);
  expect(await says(unknown, submit('counter.add', { by: 2 }))).toEqual(['only administrators count']);
});

test('state is kept between turns under the feature\'s key, and typed input reaches the waiting flow', async () => {
  const adapter = botFor([counterFeature], () => ann);
  expect(await says(adapter, submit('counter.add', { by: 2 }))).toEqual(['count 2']);
  expect(await says(adapter, submit('counter.add', { by: 3 }))).toEqual(['count 5']);
  expect(await says(adapter, { type: 'message', text: '42', channelId: 'webchat' })).toEqual(['typed 42 at 5']);
});

test('card data not as the schema says is refused; an "audit" verb also leaves a trace', async () => {
  const adapter = botFor([counterFeature], () => ann);
  expect(await says(adapter, submit('counter.add', { by: 'eleven' }))).toEqual(['refused by the domain (counter.add)']);
  expect(await db.prisma.auditEvent.count({ where: { action: 'card.malformed', subjectId: 'counter.add' } })).toBe(0);
  // Nothing was counted by the refused press.
  expect(await says(adapter, submit('counter.add', { by: 1 }))).toEqual(['count 1']);
  const before = await db.prisma.auditEvent.count({ where: { action: 'card.malformed', subjectId: 'counter.audited' } });
  expect(await says(adapter, submit('counter.audited', { id: 'not-a-uuid' }))).toEqual(['refused by the domain (counter.audited)']);
  expect(await db.prisma.auditEvent.count({ where: { action: 'card.malformed', subjectId: 'counter.audited' } })).toBe(before + 1);
});

test("the domain's refusal is answered with the feature's denied reply, never an error", async () => {
  const adapter = botFor([counterFeature], () => ann);
  expect(await says(adapter, submit('counter.forbidden'))).toEqual(['refused by the domain (counter.forbidden)']);
});

test('in Teams a card shown by the feature answers the invoke in place; the replies follow as messages', async () => {
  const adapter = botFor([counterFeature], () => ann);
  adapter.activeQueue.splice(0);
  await adapter.receiveActivity(execute('counter.card'));
  const [message, invoke] = [adapter.activeQueue.find((sent) => sent.type === 'message'), adapter.activeQueue.find((sent) => sent.type === 'invokeResponse')];
  expect(message?.text).toBe('and a message');
  expect(JSON.stringify(invoke?.value)).toContain('in place');
  // In the web chat the same card is a message of its own.
  expect(await says(adapter, submit('counter.card'))).toEqual(['application/vnd.microsoft.card.adaptive', 'and a message']);
});

test('two features claiming one verb or one intent stop the bot at start', () => {
  const twin = defineFeature({ ...counterFeature, name: 'twin' });
  expect(() => botFor([counterFeature, twin], () => ann)).toThrow('counter.add is served twice (again by twin)');
  const greets = (name: string) => defineFeature({ name, refusal: counterFeature.refusal, intents: { greeting: async () => [] } });
  expect(() => botFor([greets('first'), greets('second')], () => ann)).toThrow('greeting is served twice (again by second)');
});

test("the product's features: every verb and intent is served exactly once, and every intent has a feature", () => {
  const app = new Application<AppTurnState>({ storage: new MemoryStorage(), turnStateFactory: newTurnState, startTypingTimer: false });
  const served = registerFeatures(app, features, { db, settings: { clockSpeed: 1, linkDays: 14, donors: simulatedDonors(1) }, teamsAuthenticated: false });
  expect(unservedIntents(served)).toEqual([]);
  const stateKeys = features.flatMap((feature) => (feature.state ? [feature.state.key] : []));
  expect(new Set(stateKeys).size).toBe(stateKeys.length);
});
