import type { IntentMatch } from '../../dialogs/understanding/intents';
import { addServiceFeature } from '../../dialogs/addService/feature';
import { AddServiceFlow } from '../../dialogs/addService/flow';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { demoActor, readCard, type Card } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';
import { featureTurn } from '../support/featureTurn';

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

/** The addService intent on a typed message, as the runner calls it; returns the card shown and the flow kept. */
async function say(who: Actor, text: string, entities: IntentMatch['entities']): Promise<{ card: Card; stored: unknown }> {
  const { turn, record, kept } = featureTurn<unknown>(db, who);
  await addServiceFeature.intents!.addService!(turn, { intent: 'addService', score: 1, language: 'en', text, entities });
  return { card: record.cards.at(-1)!.card as Card, stored: kept() };
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

  it('the number choice and the options a request names are preselected on their cards, not chosen for the administrator', async () => {
    const text = 'a data SIM for Oscar with the 20 GB bundle and roaming data 5 GB, porting his own number';
    const { card, stored } = await say(olga, text, { personName: 'Oscar' });
    expect(readCard(card).texts).toEqual(expect.arrayContaining(['Step 4 of 8', 'Options: Roaming data 5 GB: 5 GB of data outside the EU (+€10.00 a month)']));
    const flow = new AddServiceFlow(db.prisma);
    const { flowId } = stored as { flowId: string };
    const numberStep = await flow.next({ actor: olga, language: 'en', stored }, { flowId, step: 'confirm' });
    expect(readCard(numberStep.card).values.numberOption).toBe('PORT');
    await flow.cancel({ actor: olga, language: 'en', stored: numberStep.state }, { flowId });
  });

  it('"a mobile line for Marie" names no bundle: "Mobile L" is a name only as whole words', async () => {
    const { card } = await say(ann, 'set up a mobile line for Marie Dubois', { personName: 'Marie Dubois' });
    const texts = readCard(card).texts;
    expect(texts).toEqual(expect.arrayContaining(['For Marie Dubois']));
    expect(texts.join(' ')).not.toMatch(/Mobile L/);
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
