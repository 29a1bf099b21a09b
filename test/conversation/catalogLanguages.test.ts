import { t, textOfKey, type Language } from '../../cards/strings';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import type { TeamsPerson } from '../support/connector';
import { choiceValue, execute, press, readCard, startTeamsHarness, type Card, type TeamsHarness } from '../support/addServiceDriver';

// Administrators whose Teams speaks Dutch and French: the catalog's names reach them in their language.
const annInDutch: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin', locale: 'nl-BE' };
const olgaInFrench: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId, name: 'Olga Other', locale: 'fr-BE' };

let harness: TeamsHarness;
beforeAll(async () => {
  harness = await startTeamsHarness();
}, 60_000);
afterAll(async () => harness.close());

/** Steps 1 to 4 as the administrator reads them, choosing by the words on each card; every card seen. */
async function untilConfirm(person: TeamsPerson, language: Language, user: string, product: string, serviceType: string, bundle: string, option: string): Promise<Card[]> {
  const button = (key: string) => textOfKey(language, `addService.button.${key}`);
  const cards = [await press(harness, person, await execute(harness, person, 'welcome.addService'), button('search'), { query: user })];
  const next = async (inputs: (card: Card) => Record<string, string>) => {
    cards.push(await press(harness, person, cards.at(-1)!, button('next'), inputs(cards.at(-1)!)));
  };
  await next((card) => ({ productTypeCode: choiceValue(card, 'productTypeCode', product) }));
  await next((card) => ({ serviceTypeCode: choiceValue(card, 'serviceTypeCode', serviceType) }));
  await next((card) => ({ bundleCode: choiceValue(card, 'bundleCode', bundle), optionCodes: choiceValue(card, 'optionCodes', option) }));
  return cards;
}

describe('the catalog in the administrator’s language', () => {
  it('a Dutch administrator chooses a data SIM, its bundle and option by their Dutch names', async () => {
    const [product, serviceType, bundle, confirm] = await untilConfirm(annInDutch, 'nl', 'Bram', 'Dstny Mobile', 'Mobiel internet', 'Data 20 GB', 'Roamingdata 5 GB');
    expect(readCard(product!).choices.productTypeCode).toEqual([
      'Dstny Mobile: Mobiele telefonie en mobiel internet',
      'Dstny SmartMobile: Vast-mobiele integratie met de cloudtelefooncentrale van Dstny',
    ]);
    expect(readCard(serviceType!).choices.serviceTypeCode).toEqual([
      'Mobiel: Gewone simkaart: bellen, sms en mobiele data',
      'Mobiel internet: Datasimkaart: mobiele data, geen telefonie',
    ]);
    const bundleStep = readCard(bundle!);
    expect(bundleStep.choices.bundleCode).toEqual([
      'Data 10 GB: 10 GB, geen gesprekken, €\u00a012,00 per maand',
      'Data 20 GB: 20 GB, geen gesprekken, €\u00a018,00 per maand',
      'Data 100 GB: 100 GB, geen gesprekken, €\u00a030,00 per maand',
    ]);
    expect(bundleStep.choices.optionCodes).toEqual(['Roamingdata 5 GB: 5 GB data buiten de EU (+€\u00a010,00 per maand)']);
    expect(readCard(confirm!).texts).toEqual(expect.arrayContaining([
      'Product: Dstny Mobile',
      'Type dienst: Mobiel internet',
      'Bundel: Data 20 GB: 20 GB, geen gesprekken, €\u00a018,00 per maand',
      'Opties: Roamingdata 5 GB: 5 GB data buiten de EU (+€\u00a010,00 per maand)',
    ]));
    await execute(harness, annInDutch, 'addService.cancel', { flowId: confirm!.actions[0].data.flowId as string });
  });

  it('a French administrator reads the same catalog in French, by the same codes', async () => {
    const [, serviceType, bundle, confirm] = await untilConfirm(olgaInFrench, 'fr', 'Oscar', 'Dstny Mobile', 'Internet mobile', 'Données 20 Go', 'Données en itinérance 5 Go');
    expect(readCard(serviceType!).choices.serviceTypeCode).toEqual([
      'Mobile : Carte SIM standard : appels, SMS et données mobiles',
      'Internet mobile : Carte SIM data : données mobiles, sans téléphonie',
    ]);
    expect(readCard(bundle!).choices.bundleCode).toEqual(expect.arrayContaining([expect.stringMatching(/^Données 20 Go : 20 Go/)]));
    expect(choiceValue(bundle!, 'bundleCode', 'Données 20 Go')).toBe('DATA_20');
    expect(readCard(confirm!).texts).toEqual(expect.arrayContaining(['Type de service: Internet mobile']));
    await execute(harness, olgaInFrench, 'addService.cancel', { flowId: confirm!.actions[0].data.flowId as string });
  });
});
