import { MemoryStorage, TestAdapter, TurnContext, type Activity } from 'botbuilder';
import type { IntentMatch } from '../../bot/routes/intents';
import { intentHandlers } from '../../bot/routes/addService';
import { TURN_FACTS, type TurnFacts } from '../../bot/turnFacts';
import { newTurnState } from '../../bot/turnState';
import { AddServiceFlow } from '../../dialogs/addService/flow';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { demoActor, readCard, type Card } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let olga: Actor;

const actor = (tenantId: string, aadObjectId: string) => demoActor(db, tenantId, aadObjectId);

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await actor(DEMO_TENANT_ID, demo.ann.aadObjectId);
  olga = await actor(OTHER_TENANT_ID, other.olga.aadObjectId);
}, 60_000);
afterAll(async () => db.close());

/** The addService intent handler on a typed message, as the message route calls it; returns the card and the flow kept. */
async function say(who: Actor, text: string, entities: IntentMatch['entities']): Promise<{ card: Card; stored: unknown }> {
  const adapter = new TestAdapter();
  const activity: Partial<Activity> = { type: 'message', text, channelId: 'msteams', conversation: { id: `c-${who.id}` } as Activity['conversation'], from: { id: 'u', name: who.displayName }, recipient: { id: 'b', name: 'bot' } };
  const context = new TurnContext(adapter, activity);
  const facts: TurnFacts = { recognition: { status: 'known', actor: who }, language: 'en' };
  context.turnState.set(TURN_FACTS, facts);
  const state = newTurnState();
  await state.load(context, new MemoryStorage());
  await intentHandlers({ db }).addService!(context, state, facts, { intent: 'addService', score: 1, language: 'en', text, entities });
  const sent = adapter.activeQueue.at(-1) as Partial<Activity>;
  return { card: sent.attachments![0]!.content as Card, stored: state.conversation.addService };
}

describe('a request in words pre-fills what it names', () => {
  it('"a data SIM for Marie with the 20 GB bundle": Marie found, and once the product is chosen, type and bundle follow', async () => {
    const { card, stored } = await say(ann, 'a data SIM for Marie with the 20 GB bundle', { personName: 'Marie', product: 'data SIM 20 GB' });
    expect(readCard(card).texts).toEqual(expect.arrayContaining(['Step 1 of 8', 'For Marie Dubois']));

    const flow = new AddServiceFlow(db.prisma);
    const { flowId } = stored as { flowId: string };
    const next = await flow.next({ actor: ann, language: 'en', stored }, { flowId, step: 'product', productTypeCode: 'DSTNY_MOBILE' });
    expect(readCard(next.card).texts).toEqual(expect.arrayContaining([
      'Step 4 of 8',
      'Service type: Mobile Internet',
      'Bundle: Data 20 GB: 20 GB, no calls, €18.00 a month',
    ]));
  });

  it('where the contract settles everything, the flow starts at the confirmation', async () => {
    const { card } = await say(olga, 'a data SIM for Oscar with the 20 GB bundle', { personName: 'Oscar', product: 'data SIM 20 GB' });
    expect(readCard(card).texts).toEqual(expect.arrayContaining(['Step 4 of 8', 'For Oscar Olsen', 'Product: Dstny Mobile', 'Service type: Mobile Internet']));
  });

  it('"new SIM for marie.dubois@demo.example" finds her by address and asks for the product', async () => {
    const { card } = await say(ann, 'new SIM for marie.dubois@demo.example', { email: 'marie.dubois@demo.example' });
    expect(readCard(card).texts).toEqual(expect.arrayContaining(['Step 1 of 8', 'For Marie Dubois']));
  });

  it('"add a service" without a name opens the search', async () => {
    const { card } = await say(ann, 'add a service', {});
    expect(readCard(card).texts).toEqual(['Who is the service for?']);
  });
});
