import fs from 'node:fs';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { openEscalations } from '../../services/lifecycle/escalation';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type TeamsPerson } from '../support/connector';
import { waitFor } from '../support/waitFor';

/**
 * "Escalations vanish": a request for help must reach a fleet administrator as words they can act on, in their
 * Teams chat when the bot has one with them, by email otherwise; and it stays open until one of them handles it.
 */

const person = (aadObjectId: string, name: string): TeamsPerson => ({ tenantId: DEMO_TENANT_ID, aadObjectId, name });
const ann = person(demo.ann.aadObjectId, 'Ann Admin');
const jan = person(demo.jan.aadObjectId, 'Jan Peeters');
const sam = person(demo.sam.aadObjectId, 'Sam Support');
const annChat = `a:personal-${DEMO_TENANT_ID}-${demo.ann.aadObjectId}`;

const { bot, config, connector, says, submits, presses } = useBotUnderTest('escalation');

type Json = Record<string, any>;

const button = (actions: Json[], title: string) => {
  const found = actions.find((action) => action.title === title);
  if (!found) throw new Error(`no button "${title}" among ${actions.map((action) => action.title).join(', ')}`);
  return found;
};

async function emailsTo(address: string): Promise<ParsedMail[]> {
  const dir = config().mail.outboxDir;
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  const mails = await Promise.all(files.map(async (file) => simpleParser(await fs.promises.readFile(path.join(dir, file)))));
  return mails.filter((mail) => mail.to && !Array.isArray(mail.to) && mail.to.text === address);
}

/** The first message in Ann's Teams chat showing `text`, waited for. */
const inAnnsChat = (text: string) =>
  connector().waitFor((sent) => sent.conversationId === annChat && whatTheySee(sent).texts.some((seen) => seen.includes(text)), 20_000);

test('Jan, whose SIM card does not work, asks for his fleet administrator: Ann, with no chat with the bot, gets an email saying who and about what', async () => {
  const [card] = await says(jan, 'mijn sim werkt niet');
  const chosen = await presses(jan, button(whatTheySee(card!).actions, 'Bellen'));
  const contacted = await presses(jan, button(chosen.answer.value.actions, 'Mijn vlootbeheerder contacteren'));
  expect(contacted.answer.value).toMatch(/^Ik heb je vlootbeheerder \(Ann Admin\) een bericht gestuurd/);

  const [mail] = await waitFor('the email to Ann', async () => {
    const mails = (await emailsTo(demo.ann.email)).filter((sent) => sent.subject === 'Dstny SIM activation: Jan Peeters needs help');
    return mails.length > 0 ? mails : undefined;
  });
  expect(mail!.text).toContain("Jan Peeters asks for your help with their Mobile service: calls don't work.");
  expect(mail!.text).toContain('Where the service stands: Waiting for the SIM card number.');
  const row = await bot().db.prisma.notification.findFirstOrThrow({ where: { kind: 'help.escalated', recipient: { email: demo.ann.email } } });
  expect(row).toMatchObject({ state: 'DELIVERED', deliveredVia: 'email' });
});

test("Sam escalates Jan's service from the look-up: once Ann has written to the bot, it reaches her Teams chat", async () => {
  await says(ann, 'hi');
  const [reply] = await says(sam, 'status of jan.peeters@demo.example');
  const escalate = button(reply!.activity.attachments[0].content.actions, 'Escalate to the administrator');
  const [answer] = await submits(sam, escalate.fallback.data);
  expect(answer!.activity.text).toBe("I've told Ann Admin, fleet administrator of Demo Company NV, about Jan Peeters's service.");

  const message = await inAnnsChat("Sam Support asks for your help with Jan Peeters's Mobile service: Dstny support needs you to look at it.");
  expect(whatTheySee(message).texts.join('\n')).toContain('Where the service stands: Waiting for the SIM card number.');
});

test('someone with no service yet asks for help: Ann still reads who it is, and every request stays open until handled', async () => {
  const prisma = bot().db.prisma;
  const annActor = await prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
  const nina = await prisma.person.create({
    data: { organisationId: annActor.organisationId, role: 'USER', email: 'nina.nieuw@demo.example', displayName: 'Nina Nieuw', aadObjectId: 'a0000000-0000-4000-8000-0000000000f1', preferredLanguage: 'en' },
  });
  const [answer] = await says(person(nina.aadObjectId!, 'Nina Nieuw'), 'contact my fleet administrator');
  expect(whatTheySee(answer!).texts[0]).toMatch(/^I've sent your fleet administrator \(Ann Admin\) a message/);

  await inAnnsChat("Nina Nieuw asks for your help: something doesn't work. They have no service in the assistant yet.");
  const open = await openEscalations(prisma, annActor, annActor.organisationId);
  expect(open.map((escalation) => [escalation.requestedBy?.name, escalation.user?.name, escalation.topic])).toEqual([
    ['Jan Peeters', 'Jan Peeters', 'calls'],
    ['Sam Support', 'Jan Peeters', 'support'],
    ['Nina Nieuw', 'Nina Nieuw', 'general'],
  ]);
});
