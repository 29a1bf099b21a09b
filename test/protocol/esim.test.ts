import { DEMO_TENANT_ID, demo, generatedDemoEmployees } from '../../prisma/demoData';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signProvisioningEvent } from '../../bot/http/provisioningWebhook';
import { ServiceStatus, SimState } from '../../prisma/generated/enums';
import { actionsOf, execute, press, readCard, type Card, type TeamsHarness } from '../support/addServiceDriver';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';
import { matchingIdOf } from '../support/esimService';
import { qrCodeInDataUri } from '../support/qrCode';
import { waitFor } from '../support/waitFor';

/**
 * An eSIM's whole journey over HTTP as Teams speaks: Ann adds a service with an eSIM and starts it, the employee gets
 * its QR code in the chat, the backend reports it installed and the line working, and when the phone breaks the
 * employee asks the chat for a new one and gets a new code. The code is the employee's alone: nothing Ann or support
 * reads carries it. The simulated phone and backend run in real time, so that only the webhook moves the service.
 */

const SECRET = 'esim-journey-secret';
const bot = useBotUnderTest('esim', { SIM_CLOCK_SPEED: '1', PROVISIONING_WEBHOOK_SECRET: SECRET });

const teams = (person: { aadObjectId: string; displayName: string }): TeamsPerson => ({ tenantId: DEMO_TENANT_ID, aadObjectId: person.aadObjectId, name: person.displayName });
const ann = teams(demo.ann);
const sam = teams(demo.sam);
const jeroen = generatedDemoEmployees[15]!;
const employee = teams(jeroen);

const prisma = () => bot.bot().db.prisma;
/** The add-service helpers' view of this bot: Teams' card actions, each answered with the card in its place. */
const harness = (): TeamsHarness => ({ bot: bot.bot(), connector: bot.connector(), close: async () => undefined });

const conversationOf = (person: TeamsPerson) => `a:personal-${person.tenantId}-${person.aadObjectId}`;
/** Every message the bot sent to the person's chat, by itself or answering them. */
const sentTo = (person: TeamsPerson): SentActivity[] => bot.connector().sent.filter((sent) => sent.conversationId === conversationOf(person));
const chatOf = (person: TeamsPerson): string[] => sentTo(person).flatMap((sent) => whatTheySee(sent).texts);

/** The QR codes of the eSIM cards the person was sent, read as a phone's camera reads them. */
function qrCodesSentTo(person: TeamsPerson): string[] {
  const pictures = JSON.stringify(sentTo(person).map((sent) => sent.activity)).match(/data:image\/png;base64,[A-Za-z0-9+/]+={0,2}/g) ?? [];
  return pictures.map((uri) => qrCodeInDataUri(uri) ?? '(unreadable)');
}

/** A signed event from the provisioning backend. */
async function backendReports(event: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const body = JSON.stringify(event);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${bot.bot().url}/api/provisioning/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signProvisioningEvent(SECRET, timestamp, body) },
    body,
  });
  return { status: response.status, body: await response.json() };
}

const serviceNow = (id: string) => prisma().service.findUniqueOrThrow({ where: { id }, include: { simCard: true } });

beforeAll(async () => {
  // Everyone has talked to the bot once: it can reach them in Teams.
  for (const person of [ann, sam, employee]) await bot.says(person, 'hi');
});

test('an eSIM from the add-service card to the employee\'s phone, and a new one when the phone breaks', async () => {
  // Ann adds a Dstny Mobile service for Jeroen with a new number and an eSIM, to start later.
  const cards: Card[] = [await execute(harness(), ann, 'welcome.addService')];
  const step = async (expected: string, button: string, inputs: Record<string, unknown> = {}) => {
    expect(readCard(cards.at(-1)!).texts).toContain(expected);
    cards.push(await press(harness(), ann, cards.at(-1)!, button, inputs));
  };
  await step('Who is the service for?', 'Search', { query: jeroen.email });
  await step('Step 1 of 8', 'Next', { productTypeCode: 'DSTNY_MOBILE' });
  await step('Step 2 of 8', 'Next', { serviceTypeCode: 'MOBILE' });
  await step('Step 3 of 8', 'Next', { bundleCode: 'MOB_S' });
  await step('Step 4 of 8', 'Confirm');
  await step('Step 5 of 8', 'Next', { numberOption: 'NEW' });
  expect(readCard(cards.at(-1)!).choices.simOption).toContainEqual(expect.stringMatching(/^eSIM — /));
  await step('Step 6 of 8', 'Next', { simOption: 'ESIM' });
  await step('Step 8 of 8', 'Save', { activationMethod: 'EMAIL', activationTiming: 'LATER' });
  expect(readCard(cards.at(-1)!).texts).toEqual(expect.arrayContaining(['Service added', 'SIM card: eSIM']));
  const saved = await prisma().service.findFirstOrThrow({ where: { user: { email: jeroen.email } }, include: { simCard: true } });
  const first = saved.simCard!;
  expect(first).toMatchObject({ form: 'ESIM', state: SimState.ASSIGNED });

  // She starts it from the services waiting for activation.
  const waiting = (await bot.presses(ann, { verb: 'welcome.waitingServices', data: {} })).answer.value as Card;
  const start = actionsOf(waiting).find((action) => action.verb === 'waitingServices.start' && action.data.serviceId === saved.id);
  expect(start).toBeDefined();
  const started = await bot.presses(ann, { verb: start!.verb, data: start!.data });
  // What Ann's card buttons were answered with, besides her chat.
  const annAnswers: unknown[] = [...cards, waiting, started.answer];
  expect((await serviceNow(saved.id)).status).toBe(ServiceStatus.WAITING_FOR_ESIM_INSTALL);

  // Jeroen, in Dutch: his eSIM's card, whose QR code is his profile's activation code.
  await waitFor('the eSIM card in Jeroen\'s chat', async () => qrCodesSentTo(employee).length === 1);
  expect(qrCodesSentTo(employee)).toEqual([first.activationCode]);
  expect(chatOf(employee)).toContainEqual(expect.stringMatching(/^Je eSIM voor Dstny Mobile \(Mobiel\) · .* is klaar$/));

  // His phone installs it: the backend says so, the line is set up, and he hears that it works.
  expect(await backendReports({ eventId: 'esim-journey-1', type: 'esim', iccid: first.iccid, event: 'installed' })).toEqual({ status: 200, body: { result: 'applied' } });
  expect((await serviceNow(saved.id)).status).toBe(ServiceStatus.ACTIVATING);
  expect(await backendReports({ eventId: 'esim-journey-2', type: 'activation', serviceId: saved.id, result: { outcome: 'ACTIVE' } })).toEqual({ status: 200, body: { result: 'applied' } });
  expect(await serviceNow(saved.id)).toMatchObject({ status: ServiceStatus.ACTIVE, simCard: { state: SimState.ACTIVE } });
  await waitFor('Jeroen to hear his line works', async () => chatOf(employee).some((text) => text.startsWith('Je Dstny-simkaart is actief: je kunt bellen en surfen.')));

  // Ann and support see the service, and the button for a new eSIM is Ann's; neither reads the code.
  const annCard = (await bot.says(ann, `status of ${jeroen.email}`)).flatMap((sent) => whatTheySee(sent).buttons);
  expect(annCard).toContain('Send a new eSIM');
  const samCard = (await bot.says(sam, `status of ${jeroen.email}`)).flatMap((sent) => whatTheySee(sent));
  expect(samCard.flatMap((seen) => seen.texts)).toContainEqual(expect.stringMatching(/^Jeroen Van den Broeck: Dstny Mobile \(Mobile\) · /));
  expect(samCard.flatMap((seen) => seen.buttons)).not.toContain('Send a new eSIM');

  // The phone breaks: Jeroen asks the chat for his eSIM again, confirms, and gets a new, different code.
  const [asked] = await bot.says(employee, 'mijn gsm is kapot, ik heb mijn eSIM opnieuw nodig');
  const confirm = whatTheySee(asked!).actions.find((action) => action.title === 'Stuur me een nieuwe eSIM: de huidige werkt dan niet meer');
  expect(confirm).toBeDefined();
  const { answer } = await bot.presses(employee, { verb: confirm!.verb, data: confirm!.data });
  expect(readCard(answer.value).texts).toEqual(['Er is een nieuwe eSIM onderweg: je krijgt hem zo meteen hier, en per e-mail. Je oude eSIM werkt niet meer.']);
  await waitFor('the new eSIM card in Jeroen\'s chat', async () => qrCodesSentTo(employee).length === 2);
  const replaced = await serviceNow(saved.id);
  expect(replaced).toMatchObject({ status: ServiceStatus.ACTIVE, simCard: { state: SimState.ASSIGNED } });
  expect(replaced.simCard!.activationCode).not.toBe(first.activationCode);
  expect(qrCodesSentTo(employee)).toEqual([first.activationCode, replaced.simCard!.activationCode]);
  expect((await prisma().simCard.findUniqueOrThrow({ where: { id: first.id } })).state).toBe(SimState.DEACTIVATED);

  // Ann heard both eSIMs were sent; nothing she or support read holds either code or the part that downloads it.
  await waitFor('Ann to hear of both eSIMs', async () => chatOf(ann).filter((text) => text.includes('eSIM for Jeroen Van den Broeck')).length === 2);
  expect(JSON.stringify(sentTo(employee).map((sent) => sent.activity))).toContain(matchingIdOf(replaced.simCard!.activationCode!));
  for (const person of [ann, sam]) {
    const read = JSON.stringify([...sentTo(person).map((sent) => sent.activity), ...(person === ann ? annAnswers : [])]);
    for (const code of [first.activationCode!, replaced.simCard!.activationCode!]) {
      expect(read).not.toContain(code);
      expect(read).not.toContain(matchingIdOf(code));
    }
  }
}, 90_000);
