import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, demoStockIccids, donorExamples, other, otherStockIccids } from '../../prisma/demoData';
import type { TeamsPerson } from '../support/connector';
import { teamsActivity } from '../support/connector';
import {
  choiceValue,
  execute,
  post,
  press,
  readCard,
  startTeamsHarness,
  type Card,
  type TeamsHarness,
} from '../support/addServiceDriver';

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const olga: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId, name: 'Olga Other' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };

let harness: TeamsHarness;
beforeAll(async () => {
  harness = await startTeamsHarness();
}, 60_000);
afterAll(async () => harness.close());

const prisma = () => harness.bot.db.prisma;

/** What the administrator does on each card, by the words on the card. */
interface Order {
  user: string;
  product: string;
  serviceType: string;
  bundle: string;
  options?: string[];
  number?: 'NEW' | 'PORT' | 'MOVE';
  /** Left out: the user enters the SIM card number during activation. */
  iccid?: string;
  /** An eSIM from the organisation's stock instead of a physical SIM card. */
  esim?: boolean;
  fixed?: 'FREE' | 'IN_USE';
  how: 'EMAIL' | 'AUTOMATIC';
  when: 'NOW' | 'LATER';
}

const porting = donorExamples.personSubscription;

/** Walks the flow card by card as the administrator would, checking each card's step, and returns every card seen. */
async function addService(person: TeamsPerson, order: Order): Promise<Card[]> {
  const cards: Card[] = [await execute(harness, person, 'welcome.addService')];
  const last = () => cards.at(-1)!;
  const step = async (expected: string, button: string, inputs: Record<string, unknown> = {}) => {
    expect(readCard(last()).texts).toContain(expected);
    cards.push(await press(harness, person, last(), button, inputs));
  };
  await step('Who is the service for?', 'Search', { query: order.user });
  await step('Step 1 of 8', 'Next', { productTypeCode: choiceValue(last(), 'productTypeCode', order.product) });
  await step('Step 2 of 8', 'Next', { serviceTypeCode: choiceValue(last(), 'serviceTypeCode', order.serviceType) });
  const optionCodes = (order.options ?? []).map((option) => choiceValue(last(), 'optionCodes', option)).join(',');
  await step('Step 3 of 8', 'Next', { bundleCode: choiceValue(last(), 'bundleCode', order.bundle), optionCodes });
  await step('Step 4 of 8', 'Confirm');
  if (order.number) {
    await step('Step 5 of 8', 'Next', { numberOption: order.number });
    if (order.number === 'PORT') {
      await step('Details of the number to port', 'Next', {
        number: porting.e164,
        donorOperator: porting.operatorCode,
        holderKind: porting.holderKind,
        holderName: porting.holderName,
        lineType: porting.lineType,
        customerNumber: porting.customerNumber,
      });
    }
    if (order.number === 'MOVE') {
      await step('Which number moves?', 'Next', { fromServiceId: choiceValue(last(), 'fromServiceId', 'Luc Lemaire') });
      await step('Confirm the number move', 'Confirm');
    }
  }
  if (readCard(last()).texts.includes('Step 6 of 8')) {
    const sim = order.esim ? { simOption: 'ESIM' } : order.iccid ? { simOption: 'ADMIN_ENTERS', iccid: order.iccid } : { simOption: 'USER_ENTERS' };
    await step('Step 6 of 8', 'Next', sim);
  }
  if (order.fixed) {
    await step('Step 7 of 8', 'Next', { fixedOption: order.fixed });
    const pick = readCard(last());
    await step('Choose the fixed number', 'Next', { fixedNumberId: choiceValue(last(), 'fixedNumberId', pick.choices.fixedNumberId![0]!) });
    if (order.fixed === 'IN_USE') await step('Take this fixed number?', 'Yes, take it');
  }
  await step('Step 8 of 8', 'Save', { activationMethod: order.how, activationTiming: order.when });
  return cards;
}

/** Steps 1 to 4 for a Dstny Mobile standard SIM, Mobile S, for the person `query` finds: the card of step 5. */
async function untilNumberStep(query: string, product = 'DSTNY_MOBILE', serviceType = 'MOBILE', bundle = 'MOB_S'): Promise<Card> {
  let card = await execute(harness, ann, 'welcome.addService');
  card = await press(harness, ann, card, 'Search', { query });
  card = await press(harness, ann, card, 'Next', { productTypeCode: product });
  card = await press(harness, ann, card, 'Next', { serviceTypeCode: serviceType });
  card = await press(harness, ann, card, 'Next', { bundleCode: bundle });
  return press(harness, ann, card, 'Confirm');
}

function stepsSeen(cards: Card[]): string[] {
  return cards.flatMap((card) => readCard(card).texts.filter((text) => /^Step \d of 8$/.test(text)));
}

async function serviceOf(card: Card) {
  const facts = readCard(card).texts;
  const user = facts.find((text) => text.startsWith('User: '))!.slice('User: '.length);
  return prisma().service.findFirstOrThrow({
    where: { user: { displayName: user }, idempotencyKey: { startsWith: 'addService:' } },
    orderBy: { createdAt: 'desc' },
    include: { mobileNumber: true, fixedNumber: true, simCard: true, portingRequests: true, events: true },
  });
}

describe('each product and service type a demo contract allows', () => {
  it.each([
    ['Ann', ann, 'Dstny Mobile', 'Mobile:', 'Mobile S', 'Sofie', ['Step 5 of 8', 'Step 6 of 8'], 'MOBILE'],
    ['Ann', ann, 'Dstny Mobile', 'Mobile Internet', 'Data 20 GB', 'Bram', ['Step 5 of 8', 'Step 6 of 8'], 'MOBILE_INTERNET'],
    ['Ann', ann, 'Dstny SmartMobile', 'Converged SIM', 'SmartMobile 10 GB', 'Lotte', ['Step 5 of 8', 'Step 6 of 8', 'Step 7 of 8'], 'SM_CONVERGED'],
    ['Ann', ann, 'Dstny SmartMobile', 'Data SIM', 'SmartMobile Data 20 GB', 'Wouter', ['Step 5 of 8', 'Step 6 of 8'], 'SM_DATA'],
    ['Ann', ann, 'Dstny SmartMobile', 'UC user', 'UC user', 'Nathalie', ['Step 7 of 8'], 'SM_UC_USER'],
    ['Olga', olga, 'Dstny Mobile', 'Mobile:', 'Mobile M', 'Oscar', ['Step 5 of 8', 'Step 6 of 8'], 'MOBILE'],
    ['Olga', olga, 'Dstny Mobile', 'Mobile Internet', 'Data 10 GB', 'Ines', ['Step 5 of 8', 'Step 6 of 8'], 'MOBILE_INTERNET'],
    ['Olga', olga, 'Dstny FMC', 'Converged SIM', 'FMC 10 GB', 'Tom', ['Step 5 of 8', 'Step 6 of 8', 'Step 7 of 8'], 'FMC_CONVERGED'],
  ])('%s: %s, %s, %s', async (_name, person, product, serviceType, bundle, user, middleSteps, code) => {
    const needsNumber = middleSteps.includes('Step 5 of 8');
    const needsFixed = middleSteps.includes('Step 7 of 8');
    const cards = await addService(person, { user, product, serviceType, bundle, number: needsNumber ? 'NEW' : undefined, fixed: needsFixed ? 'FREE' : undefined, how: 'EMAIL', when: 'LATER' });

    expect(stepsSeen(cards)).toEqual(['Step 1 of 8', 'Step 2 of 8', 'Step 3 of 8', 'Step 4 of 8', ...middleSteps.flatMap((s) => (s === 'Step 7 of 8' ? [s, s] : [s])), 'Step 8 of 8']);
    const summary = readCard(cards.at(-1)!);
    expect(summary.texts).toEqual(expect.arrayContaining(['Service added', 'Status: waiting for activation']));
    const service = await serviceOf(cards.at(-1)!);
    expect(service).toMatchObject({ serviceTypeCode: code, status: 'WAITING_FOR_ACTIVATION', activationTiming: 'LATER' });
    expect(service.mobileNumberId !== null).toBe(needsNumber);
    expect(service.fixedNumberId !== null).toBe(needsFixed);
    expect(service.simCardId).toBeNull();
  });

  it('never offers Dstny FMC to Demo Company NV, nor SmartMobile to Other Org BV', async () => {
    const demoCard = await press(harness, ann, await execute(harness, ann, 'welcome.addService'), 'Search', { query: 'marie' });
    expect(readCard(demoCard).choices.productTypeCode).toEqual([
      'Dstny Mobile: Mobile telephony and mobile internet',
      "Dstny SmartMobile: Fixed/mobile integration with Dstny's cloud-based telephone switchboard",
    ]);
    const otherCard = await press(harness, olga, await execute(harness, olga, 'welcome.addService'), 'Search', { query: 'oscar' });
    expect(readCard(otherCard).choices.productTypeCode).toEqual([
      'Dstny Mobile: Mobile telephony and mobile internet',
      "Dstny FMC: Fixed/mobile integration without Dstny's cloud-based telephone switchboard",
    ]);

    // A tampered card naming FMC for Demo Company NV is refused, audited, and keeps the flow where it was.
    const refused = await press(harness, ann, demoCard, 'Next', { productTypeCode: 'DSTNY_FMC' });
    expect(readCard(refused).texts).toEqual(['Not possible', 'That is outside your organisation or your contract, so nothing was changed.']);
    expect(await prisma().auditEvent.count({ where: { action: 'addService.denied', subjectId: 'DSTNY_FMC' } })).toBe(1);
    await execute(harness, ann, 'addService.cancel', { flowId: readCard(demoCard).buttons.length ? (demoCard.actions[0].data.flowId as string) : '' });
    await execute(harness, olga, 'addService.cancel', { flowId: otherCard.actions[0].data.flowId as string });
  });
});

describe('the number, SIM card, fixed number and activation choices', () => {
  it('a new number is reserved at step 5 and attached on save; the user enters the SIM; the email goes now', async () => {
    const cards = await addService(ann, { user: 'Els', product: 'Dstny Mobile', serviceType: 'Mobile:', bundle: 'Mobile M', options: ['International 100'], number: 'NEW', how: 'EMAIL', when: 'NOW' });
    const sim = readCard(cards.find((card) => readCard(card).texts.includes('Step 6 of 8'))!);
    const reserved = sim.texts.find((text) => text.startsWith('New number reserved: '))!;
    const summary = readCard(cards.at(-1)!);
    expect(summary.texts).toEqual(expect.arrayContaining(['Status: waiting for the SIM card number', 'Options: International 100', 'Activation: email to the user, as soon as possible']));
    expect(summary.texts).toContain(`Mobile number: ${reserved.slice('New number reserved: '.length, -1)} (new)`);
    const service = await serviceOf(cards.at(-1)!);
    expect(service).toMatchObject({ numberOption: 'NEW', activationMethod: 'EMAIL', status: 'WAITING_FOR_SIM', optionCodes: ['INTL_100'] });
    expect(service.mobileNumber).toMatchObject({ state: 'RESERVED', organisationId: service.organisationId, reservedUntil: null });
    expect(service.events.map((event) => event.kind)).toEqual(expect.arrayContaining(['service_created', 'number_reserved', 'service_started', 'summary_card_posted']));
  });

  it('"Add another service" keeps the summary of what was just created; the new flow starts in a card of its own', async () => {
    const cards = await addService(ann, { user: 'Sofie', product: 'Dstny Mobile', serviceType: 'Mobile:', bundle: 'Mobile S', number: 'NEW', how: 'EMAIL', when: 'LATER' });
    const summary = cards.at(-1)!;
    expect(readCard(summary).texts).toEqual(expect.arrayContaining(['Service added', 'For Sofie Mertens']));
    const before = harness.connector.sent.length;
    // Teams puts the answer in place of the summary: the same summary, read again.
    const inPlace = await press(harness, ann, summary, 'Add another service');
    expect(readCard(inPlace).texts).toEqual(readCard(summary).texts);
    // Cards only: a status update of an earlier test's service may arrive meanwhile, as text.
    const postedCards = harness.connector.sent.slice(before).filter((sent) => sent.activity.attachments?.length).map((sent) => sent.activity.attachments[0].content);
    expect(postedCards).toHaveLength(1);
    expect(readCard(postedCards[0]).texts).toContain('Who is the service for?');
    await execute(harness, ann, 'addService.cancel', { flowId: postedCards[0].actions[0].data.flowId });
  });

  it('the administrator enters the SIM card and activation starts automatically, now', async () => {
    const iccid = demoStockIccids[40]!;
    const cards = await addService(ann, { user: 'Koen', product: 'Dstny Mobile', serviceType: 'Mobile:', bundle: 'Mobile L', number: 'NEW', iccid: iccid.replace(/(\d{4})/g, '$1 '), how: 'AUTOMATIC', when: 'NOW' });
    const activation = readCard(cards.find((card) => readCard(card).texts.includes('Step 8 of 8'))!);
    expect(activation.choices.activationMethod).toEqual(['Send Koen Jacobs an email with instructions and a personal link', 'Start the activation automatically, without the user']);
    const summary = readCard(cards.at(-1)!);
    expect(summary.texts).toEqual(expect.arrayContaining(['Status: activating', `SIM card: ending in ${iccid.slice(-4)}`, 'Activation: automatic, as soon as possible']));
    const service = await serviceOf(cards.at(-1)!);
    expect(service.simCard).toMatchObject({ iccid, state: 'ASSIGNED' });
    expect(service.status).toBe('ACTIVATING');
  });

  it('an eSIM, started automatically now: reserved from stock and sent to the user, who installs it', async () => {
    const cards = await addService(ann, { user: 'Stijn', product: 'Dstny Mobile', serviceType: 'Mobile:', bundle: 'Mobile S', number: 'NEW', esim: true, how: 'AUTOMATIC', when: 'NOW' });
    const sim = readCard(cards.find((card) => readCard(card).texts.includes('Step 6 of 8'))!);
    expect(sim.choices.simOption).toEqual([
      'Physical SIM card — the user enters its number',
      'Physical SIM card — I enter its number now',
      expect.stringMatching(/^eSIM — a QR code is sent to the user when the activation starts \(\d+ left in stock\)$/),
    ]);
    const summary = readCard(cards.at(-1)!);
    expect(summary.texts).toEqual(expect.arrayContaining(['Status: eSIM sent, waiting for the user to install it', 'SIM card: eSIM', 'Activation: automatic, as soon as possible']));
    const service = await serviceOf(cards.at(-1)!);
    expect(service.simCard).toMatchObject({ form: 'ESIM', state: 'ASSIGNED' });
    expect(service.status).toBe('WAITING_FOR_ESIM_INSTALL');
    expect(service.events.map((event) => event.kind)).toEqual(expect.arrayContaining(['esim_reserved', 'service_started']));
  });

  it('the administrator enters the SIM card but chooses the email, later', async () => {
    const cards = await addService(ann, { user: 'Inge', product: 'Dstny Mobile', serviceType: 'Mobile:', bundle: 'Mobile S', number: 'NEW', iccid: demoStockIccids[41], how: 'EMAIL', when: 'LATER' });
    const service = await serviceOf(cards.at(-1)!);
    expect(service).toMatchObject({ activationMethod: 'EMAIL', activationTiming: 'LATER', status: 'WAITING_FOR_ACTIVATION' });
    expect(service.simCard?.state).toBe('ASSIGNED');
    expect(service.events.map((event) => event.kind)).toContain('activation_deferred');
  });

  it('porting a number from another operator: the request waits until the service starts, then goes to the donor', async () => {
    const later = await addService(ann, { user: 'Camille', product: 'Dstny Mobile', serviceType: 'Mobile:', bundle: 'Mobile M', number: 'PORT', how: 'EMAIL', when: 'LATER' });
    const service = await serviceOf(later.at(-1)!);
    expect(service.numberOption).toBe('PORT');
    expect(service.portingRequests).toEqual([expect.objectContaining({ e164: porting.e164, donorOperator: 'ORANGE', state: 'REQUESTED', customerNumber: porting.customerNumber })]);
    expect(readCard(later.at(-1)!).texts).toContain('Mobile number: 0495 12 87 77, ported from another operator');
  });

  it('porting details the pre-check refuses are explained next to their field, everything typed kept', async () => {
    let card = await untilNumberStep('Olivier');
    card = await press(harness, ann, card, 'Next', { numberOption: 'PORT' });
    card = await press(harness, ann, card, 'Next', { number: '0495 12 87 77', donorOperator: 'ORANGE', holderKind: 'PERSON', holderName: 'Julien Lambert', lineType: 'PREPAID', customerNumber: '0066354505' });

    const seen = readCard(card);
    expect(seen.texts).toContain(
      "A prepaid number needs the current SIM card's number, not a customer number. It is printed on the SIM card in the phone now (19 or 20 digits, starting with 89).",
    );
    expect(seen.values).toMatchObject({ number: '0495 12 87 77', donorOperator: 'ORANGE', holderName: 'Julien Lambert', lineType: 'PREPAID', customerNumber: '0066354505' });
    await press(harness, ann, card, 'Cancel');
  });

  it('moving a number of the organisation: named with both users, recorded, the old service untouched until activation', async () => {
    const cards = await addService(ann, { user: 'Amélie', product: 'Dstny Mobile', serviceType: 'Mobile:', bundle: 'Mobile M', number: 'MOVE', how: 'EMAIL', when: 'LATER' });
    const confirm = readCard(cards.find((card) => readCard(card).texts.includes('Confirm the number move'))!);
    expect(confirm.texts).toContain(
      "The number 0468 10 00 04 moves from Luc Lemaire to Amélie Leclercq when Amélie Leclercq's service is activated. Luc Lemaire's service then ends.",
    );
    const service = await serviceOf(cards.at(-1)!);
    const luc = await prisma().service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:luc' } });
    expect(service).toMatchObject({ numberOption: 'MOVE', movedFromServiceId: luc.id, mobileNumberId: null });
    expect(luc.status).toBe('ACTIVE');
    expect(readCard(cards.at(-1)!).texts).toContain('Mobile number: 0468 10 00 04, moved from Luc Lemaire');
  });

  it('a fixed number in use: its user is named, the administrator confirms, and it stays with its user until the new service activates', async () => {
    const cards = await addService(ann, { user: 'Nicolas', product: 'Dstny SmartMobile', serviceType: 'Converged SIM', bundle: 'SmartMobile 40 GB', number: 'NEW', fixed: 'IN_USE', how: 'EMAIL', when: 'LATER' });
    // The new mobile number is noted while it is the choice (step 6); on the fixed number's cards it would read as the fixed one.
    const noted = (step: string) => cards.filter((card) => readCard(card).texts.includes(step)).map((card) => readCard(card).texts.some((text) => text.startsWith('New number reserved: ')));
    expect(noted('Step 6 of 8')).toEqual([true]);
    expect(noted('Step 7 of 8').length).toBeGreaterThan(0);
    expect(noted('Step 7 of 8')).not.toContain(true);
    const confirm = readCard(cards.find((card) => readCard(card).texts.includes('Take this fixed number?'))!);
    const sentence = confirm.texts.find((text) => text.includes('when Nicolas Dumont\'s service is activated'))!;
    expect(sentence).toMatch(/^02 588 20 0\d is now used by .+\. It moves from .+ to Nicolas Dumont when Nicolas Dumont's service is activated; .+ is told when the activation starts and when it happens\.$/);
    const service = await serviceOf(cards.at(-1)!);
    const planned = await prisma().phoneNumber.findUniqueOrThrow({ where: { id: service.plannedFixedNumberId! }, include: { fixedOf: { include: { user: true } } } });
    expect(planned.e164).toMatch(/^\+3225882/);
    expect(sentence).toContain(planned.fixedOf!.user.displayName);
    expect(planned.fixedOf).toMatchObject({ status: 'ACTIVE' });
    expect(readCard(cards.at(-1)!).texts.some((text) => text.includes(sentence.slice(0, 12)))).toBe(true);
    expect(await prisma().notification.count({ where: { kind: { in: ['fixedNumber.taken', 'fixedNumber.takePlanned'] } } })).toBe(0);
  });
});

describe('moving around the flow', () => {
  it('Back keeps every value; Cancel creates nothing and releases the reserved number', async () => {
    const servicesBefore = await prisma().service.count();
    let card = await execute(harness, ann, 'welcome.addService');
    card = await press(harness, ann, card, 'Search', { query: 'Dubois M' });
    card = await press(harness, ann, card, 'Next', { productTypeCode: 'DSTNY_MOBILE' });
    card = await press(harness, ann, card, 'Next', { serviceTypeCode: 'MOBILE' });
    card = await press(harness, ann, card, 'Next', { bundleCode: 'MOB_M', optionCodes: 'INTL_100,ROAM_DATA_5' });
    card = await press(harness, ann, card, 'Confirm');
    card = await press(harness, ann, card, 'Next', { numberOption: 'NEW' });
    const reserved = readCard(card).texts.find((text) => text.startsWith('New number reserved: '))!;
    card = await press(harness, ann, card, 'Next', { simOption: 'ADMIN_ENTERS', iccid: demoStockIccids[45] });
    expect(readCard(card).texts).toContain('Step 8 of 8');

    card = await press(harness, ann, card, 'Back');
    expect(readCard(card).values).toEqual({ simOption: 'ADMIN_ENTERS', iccid: demoStockIccids[45] });
    expect(readCard(card).texts).toContain(reserved);
    card = await press(harness, ann, card, 'Back');
    expect(readCard(card).values).toEqual({ numberOption: 'NEW' });
    card = await press(harness, ann, card, 'Back');
    card = await press(harness, ann, card, 'Back');
    expect(readCard(card).values).toEqual({ bundleCode: 'MOB_M', optionCodes: 'INTL_100,ROAM_DATA_5' });
    card = await press(harness, ann, card, 'Back');
    expect(readCard(card).values).toEqual({ serviceTypeCode: 'MOBILE' });
    card = await press(harness, ann, card, 'Back');
    expect(readCard(card).values).toEqual({ productTypeCode: 'DSTNY_MOBILE' });
    expect(readCard(card).texts).toContain('For Marie Dubois');

    const number = await prisma().phoneNumber.findFirstOrThrow({ where: { e164: `+32${reserved.slice('New number reserved: 0'.length, -1).replace(/\s/g, '')}` } });
    expect(number.state).toBe('RESERVED');
    card = await press(harness, ann, card, 'Cancel');
    expect(readCard(card).texts).toEqual(['Add a service: cancelled', 'Nothing was created, and the number reserved for it was released.']);
    expect(await prisma().service.count()).toBe(servicesBefore);
    expect(await prisma().phoneNumber.findUniqueOrThrow({ where: { id: number.id } })).toMatchObject({ state: 'FREE', organisationId: null });
  });

  it('a double Save (a double click, a Teams retry) creates one service and shows it both times', async () => {
    const cards = await addService(ann, { user: 'Julien', product: 'Dstny Mobile', serviceType: 'Mobile Internet', bundle: 'Data 10 GB', number: 'NEW', how: 'EMAIL', when: 'LATER' });
    const activation = cards.at(-2)!;
    const inputs = { activationMethod: 'EMAIL', activationTiming: 'LATER' };
    const [again, andAgain] = await Promise.all([press(harness, ann, activation, 'Save', inputs), press(harness, ann, activation, 'Save', inputs)]);
    expect(readCard(again).texts).toEqual(readCard(cards.at(-1)!).texts);
    expect(readCard(andAgain).texts).toEqual(readCard(cards.at(-1)!).texts);
    expect(await prisma().service.count({ where: { user: { displayName: 'Julien Lambert' }, serviceTypeCode: 'MOBILE_INTERNET' } })).toBe(1);
  });

  it('a data SIM gets a new number by default, and a request in words is settled as far as it goes', async () => {
    const card = await untilNumberStep('hélène', 'DSTNY_SMARTMOBILE', 'SM_DATA', 'SM_DATA_20');
    expect(readCard(card).values).toEqual({ numberOption: 'NEW' });
    await press(harness, ann, card, 'Cancel');
  });

  it('a wrong SIM card number is explained next to the field, keeping what was typed; a near miss is suggested', async () => {
    let card = await untilNumberStep('thomas');
    card = await press(harness, ann, card, 'Next', { numberOption: 'NEW' });

    card = await press(harness, ann, card, 'Next', { simOption: 'ADMIN_ENTERS', iccid: '8932 1234' });
    expect(readCard(card).texts).toContain('A SIM card number has 19 or 20 digits; this one has 8.');
    expect(readCard(card).values).toEqual({ simOption: 'ADMIN_ENTERS', iccid: '8932 1234' });

    const stock = demoStockIccids[50]!;
    const swapped = stock.slice(0, 10) + stock[11] + stock[10] + stock.slice(12);
    card = await press(harness, ann, card, 'Next', { simOption: 'ADMIN_ENTERS', iccid: swapped });
    expect(readCard(card).texts).toContain(`This SIM card number is not in your stock. Did you mean ${stock.replace(/(\d{4})(?=\d)/g, '$1 ')}?`);

    card = await press(harness, ann, card, 'Next', { simOption: 'ADMIN_ENTERS', iccid: otherStockIccids[0] });
    expect(readCard(card).texts).toContain("This SIM card is not in your organisation's unused stock. Please check the number on the card.");
    await press(harness, ann, card, 'Cancel');
  });

  it('an abandoned flow is offered again with "Continue", and "continue" typed brings its card back', async () => {
    let card = await execute(harness, ann, 'welcome.addService');
    card = await press(harness, ann, card, 'Search', { query: 'peeters' });
    card = await press(harness, ann, card, 'Next', { productTypeCode: 'DSTNY_MOBILE' });
    expect(readCard(card).texts).toContain('Step 2 of 8');

    const offer = await execute(harness, ann, 'welcome.addService');
    expect(readCard(offer).texts).toContain('You started adding a service for Jan Peeters and stopped at step 2 of 8. Continue where you stopped, or start over?');
    const resumed = await press(harness, ann, offer, 'Continue');
    expect(readCard(resumed).texts).toEqual(expect.arrayContaining(['Step 2 of 8', 'For Jan Peeters']));

    const before = harness.connector.sent.length;
    await post(harness, teamsActivity(harness.connector.serviceUrl, ann, { type: 'message', text: 'continue' }));
    const typed = harness.connector.sent.slice(before).map((sent) => sent.activity.attachments?.[0]?.content).find(Boolean);
    expect(readCard(typed).texts).toEqual(expect.arrayContaining(['Step 2 of 8', 'Choose the service type']));

    const fresh = await press(harness, ann, await execute(harness, ann, 'welcome.addService'), 'Start over');
    expect(readCard(fresh).texts).toEqual(['Who is the service for?']);
    await press(harness, ann, fresh, 'Cancel');
  });

  it('one match goes straight on; several give a short choice; none says so and keeps the search box', async () => {
    let card = await execute(harness, ann, 'welcome.addService');
    card = await press(harness, ann, card, 'Search', { query: 'Oscar' });
    expect(readCard(card).texts).toContain('Nobody in your organisation matches "Oscar". Check the spelling, or try part of the name or the email address.');
    expect(readCard(card).values).toEqual({ query: 'Oscar', displayName: 'Oscar', email: '', language: 'en' });

    card = await press(harness, ann, card, 'Search', { query: 'ma' });
    expect(readCard(card).buttons).toEqual([
      'Camille Martin (camille.martin@demo.example)',
      'Els Maes (els.maes@demo.example)',
      'Marie Dubois (marie.dubois@demo.example)',
      'Maxime Lejeune (maxime.lejeune@demo.example)',
      'Search',
      'Cancel',
    ]);
    card = await press(harness, ann, card, 'Marie Dubois (marie.dubois@demo.example)');
    expect(readCard(card).texts).toEqual(expect.arrayContaining(['Step 1 of 8', 'For Marie Dubois']));

    card = await press(harness, ann, card, 'Back');
    // Back on the person's card, the person is being chosen again: no "For Marie Dubois" any more.
    expect(readCard(card).texts).toContain('Who is the service for?');
    expect(readCard(card).texts.filter((text) => text.startsWith('For '))).toEqual([]);
    card = await press(harness, ann, card, 'Search', { query: 'jans' });
    expect(readCard(card).texts).toEqual(expect.arrayContaining(['Step 1 of 8', 'For Pieter Janssens']));
    expect(readCard(card).texts).not.toContain('For Marie Dubois');
    await press(harness, ann, card, 'Cancel');
  });
});

describe('who may add a service', () => {
  it('an employee is refused kindly, and the attempt is audited', async () => {
    const card = await execute(harness, jan, 'welcome.addService');
    // Jan prefers Dutch.
    expect(readCard(card).texts).toEqual([
      'Niet mogelijk',
      'Alleen de vlootbeheerders van je organisatie kunnen diensten toevoegen. Heb je een simkaart of een nieuwe dienst nodig, vraag het dan aan hen.',
    ]);
    const janPerson = await prisma().person.findFirstOrThrow({ where: { email: demo.jan.email } });
    expect(await prisma().auditEvent.count({ where: { actorId: janPerson.id, action: 'addService.denied' } })).toBeGreaterThan(0);
  });

  it("a card tampered to name another organisation's person is refused and changes nothing", async () => {
    const card = await execute(harness, ann, 'welcome.addService');
    const oscar = await prisma().person.findFirstOrThrow({ where: { email: other.oscar.email } });
    const refused = await execute(harness, ann, 'addService.pickUser', { flowId: card.actions[0].data.flowId, step: 'user', personId: oscar.id });
    expect(readCard(refused).texts).toEqual(['Not possible', 'That is outside your organisation or your contract, so nothing was changed.']);
    expect(await prisma().auditEvent.count({ where: { action: 'addService.denied', subjectId: oscar.id } })).toBe(1);
  });

  it('a card of a finished flow does nothing, says so, and is audited', async () => {
    const card = await execute(harness, ann, 'addService.next', { flowId: '00000000-0000-4000-8000-000000000000', step: 'product', productTypeCode: 'DSTNY_MOBILE' });
    expect(readCard(card).texts).toContain('This card belongs to an add-service flow that is finished or was cancelled, so it does nothing any more.');
    expect(await prisma().auditEvent.count({ where: { subjectId: '00000000-0000-4000-8000-000000000000' } })).toBe(1);
  });
});
