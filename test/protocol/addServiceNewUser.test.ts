import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import type { TeamsPerson } from '../support/connector';
import { execute, press, readCard, startTeamsHarness, type Card, type TeamsHarness } from '../support/addServiceDriver';

/** Over HTTP as Teams sends it: Ann adds a service for someone who is not in the organisation yet. */

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };

let harness: TeamsHarness;
beforeAll(async () => {
  harness = await startTeamsHarness();
}, 60_000);
afterAll(async () => harness?.close());

const prisma = () => harness.bot.db.prisma;

test('Ann searches for Nora Flow, finds nobody, adds her from the card and saves a service for her', async () => {
  const cards: Card[] = [await execute(harness, ann, 'welcome.addService')];
  const step = async (expected: string, button: string, inputs: Record<string, unknown> = {}) => {
    expect(readCard(cards.at(-1)!).texts).toContain(expected);
    cards.push(await press(harness, ann, cards.at(-1)!, button, inputs));
  };
  await step('Who is the service for?', 'Search', { query: 'Nora Flow' });
  const none = readCard(cards.at(-1)!);
  expect(none.texts).toContain('Nobody in your organisation matches "Nora Flow". Check the spelling, or try part of the name or the email address.');
  expect(none.values).toMatchObject({ displayName: 'Nora Flow', email: '', language: 'en' });

  await step('Add as a new user', 'Add Nora Flow as a new user', { email: 'nora.flow@demo.example', language: 'fr' });
  expect(readCard(cards.at(-1)!).texts).toEqual(expect.arrayContaining(['Step 1 of 8', 'For Nora Flow']));
  await step('Step 1 of 8', 'Next', { productTypeCode: 'DSTNY_MOBILE' });
  await step('Step 2 of 8', 'Next', { serviceTypeCode: 'MOBILE' });
  await step('Step 3 of 8', 'Next', { bundleCode: 'MOB_S' });
  await step('Step 4 of 8', 'Confirm');
  await step('Step 5 of 8', 'Next', { numberOption: 'NEW' });
  await step('Step 6 of 8', 'Next', { simOption: 'USER_ENTERS' });
  await step('Step 8 of 8', 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' });

  expect(readCard(cards.at(-1)!).texts).toEqual(expect.arrayContaining(['Service added', 'User: Nora Flow']));
  const nora = await prisma().person.findFirstOrThrow({ where: { email: 'nora.flow@demo.example' } });
  expect(nora).toMatchObject({ displayName: 'Nora Flow', role: 'USER', preferredLanguage: 'fr' });
  const services = await prisma().service.findMany({ where: { idempotencyKey: { startsWith: 'addService:' }, userId: nora.id } });
  expect(services).toHaveLength(1);
  expect(services[0]).toMatchObject({ serviceTypeCode: 'MOBILE', status: 'WAITING_FOR_ACTIVATION' });
}, 60_000);
