import { DEMO_TENANT_ID, demo, other } from '../../prisma/demoData';
import { expectValidCard } from '../support/adaptiveCards';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';

const sam: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam Support' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };

const { bot, says, submits } = useBotUnderTest('support');

type Json = Record<string, any>;

/** The timeline card as a person reads it: title, facts, events and buttons. */
function timeline(sent: SentActivity) {
  const card = sent.activity.attachments[0].content;
  expectValidCard(card);
  const [title, subtitle, facts, , events] = card.body;
  return {
    title: title.text as string,
    subtitle: subtitle.text as string,
    facts: Object.fromEntries(facts.facts.map((fact: Json) => [fact.title, fact.value])),
    events: events.facts.map((fact: Json) => fact.value as string),
    times: events.facts.map((fact: Json) => fact.title as string),
    buttons: (card.actions ?? []).map((action: Json) => action.title as string),
    actions: (card.actions ?? []) as Json[],
  };
}

const auditsOf = (action: string) => bot().db.prisma.auditEvent.count({ where: { action } });

test('Sam looks up Jan by email: his service, every event with its time, and what support can do', async () => {
  const [reply] = await says(sam, 'status of jan.peeters@demo.example');
  const card = timeline(reply!);
  expect(card.title).toBe('Jan Peeters: Dstny Mobile (Mobile) · 0468 10 00 01');
  expect(card.subtitle).toBe('Demo Company NV');
  expect(card.facts).toMatchObject({ Status: 'Waiting for the SIM card number' });
  expect(card.events).toEqual(['Service created', 'Number reserved', 'Activation email sent']);
  expect(card.times.every((time: string) => /\d/.test(time))).toBe(true);
  expect(card.buttons).toEqual(['Resend the activation email', 'Escalate to the administrator']);
});

test('"services of Pieter" finds Pieter by name, with his refused porting and its reason', async () => {
  const [reply] = await says(sam, 'services of Pieter');
  const card = timeline(reply!);
  expect(card.title).toMatch(/^Pieter Janssens/);
  expect(card.facts).toMatchObject({ Porting: 'Refused', 'Refused because': expect.stringMatching(/^Proximus refused the transfer/) });
  expect(card.events).toEqual([
    'Service created',
    'SIM card assigned by the administrator',
    'Activation started by the administrator',
    'Porting request sent to the current operator',
    'SIM card working; waiting for the number transfer',
    'Porting refused',
  ]);
});

test('"Look up a user" asks whom, and the next message is the query', async () => {
  const [asked] = await submits(sam, { verb: 'welcome.lookUpUser' });
  expect(asked!.activity.text).toBe('Whom should I look up? Type a name, an email address, a phone number or a SIM card number.');
  const [reply] = await says(sam, 'Luc Lemaire');
  expect(timeline(reply!).facts).toMatchObject({ Status: 'Active' });
});

test('Sam never sees Other Org BV: no match by address, and its service ids are refused and audited', async () => {
  const [reply] = await says(sam, `status of ${other.oscar.email}`);
  expect(reply!.activity.text).toBe(`I found no one matching "${other.oscar.email}" among the people you may look up.`);

  const oscarService = await bot().db.prisma.service.findFirstOrThrow({ where: { user: { email: other.oscar.email } } });
  const before = await auditsOf('service.timeline.denied');
  const [denied] = await submits(sam, { verb: 'support.escalate', serviceId: oscarService.id, requestKey: 'forged-request-1' });
  expect(denied!.activity.text).toMatch(/^You can't see that service/);
  expect(await auditsOf('service.timeline.denied')).toBe(before + 1);
  expect(await bot().db.prisma.notification.count({ where: { serviceId: oscarService.id, kind: 'help.escalated' } })).toBe(0);
});

test('support escalates to the administrator once, however often the button is pressed', async () => {
  const [reply] = await says(sam, 'status of jan.peeters@demo.example');
  const escalate = timeline(reply!).actions.find((action) => action.title === 'Escalate to the administrator')!;
  const [first] = await submits(sam, escalate.fallback.data);
  expect(first!.activity.text).toBe("I've told Ann Admin, fleet administrator of Demo Company NV, about Jan Peeters's service.");
  const [second] = await submits(sam, escalate.fallback.data);
  expect(second!.activity.text).toBe("Ann Admin already had this about Jan Peeters's service.");
  const rows = await bot().db.prisma.notification.findMany({ where: { kind: 'help.escalated', recipient: { email: demo.ann.email } } });
  expect(rows).toHaveLength(1);
  expect(rows[0]!.payload).toMatchObject({ requestedBy: { name: 'Sam Support', role: 'SUPPORT' }, user: { name: 'Jan Peeters' }, service: { status: 'WAITING_FOR_SIM' } });
});

test('support resends Jan\'s activation email from the card, once per card', async () => {
  const [reply] = await says(sam, 'status of jan.peeters@demo.example');
  const resend = timeline(reply!).actions.find((action) => action.title === 'Resend the activation email')!;
  const [first] = await submits(sam, resend.fallback.data);
  expect(first!.activity.text).toBe('A new activation email is on its way to Jan Peeters; the links sent before no longer work.');
  const [second] = await submits(sam, resend.fallback.data);
  expect(second!.activity.text).toBe('That activation email was already resent from this card.');
});

test('Jan sees only his own service, without support\'s buttons; asking for someone else is refused and audited', async () => {
  const [own] = await says(jan, 'wat is de status van mijn dienst');
  const card = timeline(own!);
  // Jan writes Dutch: his service type in the catalog's Dutch words.
  expect(card.title).toBe('Jan Peeters: Dstny Mobile (Mobiel) · 0468 10 00 01');
  expect(card.buttons).toEqual([]);

  const before = await auditsOf('service.lookup.denied');
  const [refused] = await says(jan, 'status of marie.dubois@demo.example');
  expect(whatTheySee(refused!).texts[0]).toMatch(/^(Je kan alleen je eigen diensten zien|You can only see your own services)/);
  expect(await auditsOf('service.lookup.denied')).toBe(before + 1);
});

test('Ann, the administrator, looking up Pieter gets the Fix of his refused porting request', async () => {
  const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
  const [reply] = await says(ann, 'services of Pieter Janssens');
  const card = timeline(reply!);
  expect(card.buttons).toEqual(['Fix the porting request']);
  const fix = card.actions[0]!;
  const request = await bot().db.prisma.portingRequest.findFirstOrThrow({ where: { service: { user: { email: demo.pieter.email } } } });
  expect(fix).toMatchObject({ verb: 'portingIssues.fix', data: { requestId: request.id } });
});

test('a long history stays within Teams\' message size: the latest entries, and how many there are', async () => {
  const prisma = bot().db.prisma;
  const service = await prisma.service.findFirstOrThrow({ where: { user: { email: demo.luc.email } } });
  const agent = await prisma.person.findFirstOrThrow({ where: { email: demo.sam.email } });
  const start = Date.parse('2030-01-01T08:00:00Z');
  const at = (i: number) => new Date(start + i * 60_000);
  await prisma.serviceEvent.createMany({ data: Array.from({ length: 200 }, (_, i) => ({ serviceId: service.id, kind: 'activation_email_sent', createdAt: at(i) })) });
  await prisma.auditEvent.createMany({
    data: Array.from({ length: 200 }, (_, i) => ({
      organisationId: service.organisationId, actorId: agent.id, action: 'service.scheduled', subjectType: 'Service', subjectId: service.id,
      before: { scheduledStartAt: at(i).toISOString() }, after: { scheduledStartAt: at(i + 1).toISOString() }, createdAt: at(i),
    })),
  });

  const [reply] = await says(sam, `status of ${demo.luc.email}`);
  // Teams takes a bot message of about 28 KB at most, card included.
  expect(Buffer.byteLength(JSON.stringify(reply!.activity))).toBeLessThan(28 * 1024);
  const card = timeline(reply!);
  expect(card.events).toHaveLength(15);
  const texts = whatTheySee(reply!).texts;
  expect(texts).toEqual(expect.arrayContaining([expect.stringMatching(/^Timeline: the latest 15 of \d{3}$/), expect.stringMatching(/^Changes: the latest 15 of \d{3} /)]));
});
