import { t, type Language } from '../../cards/strings';
import { articleFor, type Topic } from '../../dialogs/knowledge/knowledgeBase';
import { DEMO_TENANT_ID, demo, demoStockIccids } from '../../prisma/demoData';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters', locale: 'nl-BE' };
const luc: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.luc.aadObjectId, name: 'Luc Lemaire', locale: 'fr-BE' };

const bot = useBotUnderTest('typed-requests');

function seen(replies: SentActivity[]) {
  const views = replies.map((reply) => whatTheySee(reply));
  return { texts: views.flatMap((view) => view.texts), buttons: views.flatMap((view) => view.buttons), replies };
}

const says = async (person: TeamsPerson, text: string) => seen(await bot.says(person, text));

/** Ends Ann's unfinished flow, so that the next request starts a fresh one. */
async function cancelFlow(): Promise<void> {
  await bot.says(ann, 'cancel');
}

describe('an administrator types a request with its details', () => {
  afterEach(cancelFlow);

  it('"add a data SIM for Marie with the 20 GB bundle": the flow is for Marie Dubois, a data SIM of 20 GB', async () => {
    const { texts } = await says(ann, 'add a data SIM for Marie with the 20 GB bundle');
    expect(texts).toEqual(expect.arrayContaining(['For Marie Dubois']));
    expect(texts.join(' ')).not.toMatch(/Nobody/);
  });

  it('"I want to give Pieter a SmartMobile converged SIM": Pieter, with the product and the service type it names', async () => {
    const { texts } = await says(ann, 'I want to give Pieter a SmartMobile converged SIM');
    expect(texts).toEqual(expect.arrayContaining(['For Pieter Janssens']));
    // Product and service type are settled: the bundle is asked next.
    expect(texts).toEqual(expect.arrayContaining([expect.stringMatching(/^Step 3 of 8/)]));
  });

  it('"new SIM for Luc Lemaire" from an administrator adds a service for Luc, not her own activation', async () => {
    const { texts } = await says(ann, 'new SIM for Luc Lemaire');
    expect(texts).toEqual(expect.arrayContaining(['For Luc Lemaire', expect.stringMatching(/^Step 1 of 8/)]));
  });

  it('"set up a mobile line for Marie Dubois" chooses no bundle nobody asked for', async () => {
    const { texts, replies } = await says(ann, 'set up a mobile line for Marie Dubois');
    expect(texts).toEqual(expect.arrayContaining(['For Marie Dubois']));
    const inputs = whatTheySee(replies.at(-1)!);
    expect(JSON.stringify(replies.at(-1)!.activity.attachments)).not.toMatch(/"value":"MOB_L"/);
    expect(inputs.texts.join(' ')).not.toMatch(/Bundle: Mobile L/);
  });
});

describe('an employee writes about his own SIM card', () => {
  it('"mijn simkaart moet nog geactiveerd worden" reaches Jan\'s own activation, in Dutch', async () => {
    const { texts } = await says(jan, 'mijn simkaart moet nog geactiveerd worden');
    expect(texts).toEqual(['Typ het nummer van je simkaart: de 19 of 20 cijfers op de kaart, beginnend met 89.']);
  });

  it('a SIM number in a sentence is taken, in the language of the sentence', async () => {
    const grouped = demoStockIccids[0]!.replace(/(\d{4})(?=\d)/g, '$1 ');
    // Jan's conversation was in Dutch; his sentence is English, and so is the answer.
    const { texts } = await says(jan, `my sim is ${grouped} thanks`);
    expect(texts[0]).toBe(t('en', 'activation.accepted', { iccid: grouped }));
  });
});

describe('troubleshooting asked the way people ask it', () => {
  const questions: Array<[Language, string, Topic]> = [
    ['en', 'should I switch flight mode on and off?', 'noNetwork'],
    ['en', 'airplane mode', 'noNetwork'],
    ['fr', 'mode avion', 'noNetwork'],
    ['nl', 'vliegtuigmodus aan en uit zetten?', 'noNetwork'],
    ['fr', 'faut-il redémarrer mon téléphone ?', 'noNetwork'],
    ['en', 'should I restart my phone?', 'noNetwork'],
    ['nl', 'wat zijn de APN-instellingen?', 'mobileData'],
  ];

  it.each(questions)('[%s] "%s" gets the %s article, in that language', async (language, text, topic) => {
    const { replies } = await says(luc, text);
    const article = articleFor(language, topic);
    expect(replies[0]!.activity.text).toBe(`**${article.title}**\n\n${article.body}`);
  });
});
