import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, demoStockIccids, other } from '../../prisma/demoData';
import { Verbs } from '../../cards/verbs';
import { submitSimNumber } from '../../services/lifecycle/userActivation';
import { expectValidCard } from '../support/adaptiveCards';
import { demoActor } from '../support/addServiceDriver';
import { useBotUnderTest } from '../support/botUnderTest';
import type { TeamsPerson } from '../support/connector';

/**
 * Every administrative change leaves who, what, when and the values before and after in the audit trail, and
 * support reads it on the service's card.
 */

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const sam: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam Support' };
const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };
const olga: TeamsPerson = { tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId, name: 'Olga Other' };

const { bot, says, presses } = useBotUnderTest('audit-trail');
const prisma = () => bot().db.prisma;
const serviceOf = (email: string) => prisma().service.findFirstOrThrow({ where: { user: { email } } });

type Json = Record<string, any>;

/** The "Changes" part of the service card a person gets when they look a user up, as they read it. */
async function changesSeenBy(who: TeamsPerson, lookup: string): Promise<string[] | undefined> {
  const [reply] = await says(who, lookup);
  const card = reply!.activity.attachments[0].content;
  expectValidCard(card);
  const heading = card.body.findIndex((element: Json) => /^(Changes|Wijzigingen)\b/.test(element.text ?? ''));
  if (heading < 0) return undefined;
  return card.body[heading + 1].facts.map((fact: Json) => fact.value as string);
}

test("a start planned by Ann: who, when, before and after, in the trail and on support's card", async () => {
  const marie = await serviceOf(demo.marie.email);
  const { answer } = await presses(ann, { verb: Verbs.waitingServices.schedule, data: { selected: marie.id, date: '2099-03-02', time: '08:00', page: 0 } });
  expect(JSON.stringify(answer.value)).toContain('Monday, 2 March 2099 at 08:00');

  const annPerson = await prisma().person.findFirstOrThrow({ where: { email: demo.ann.email } });
  const [event] = await prisma().auditEvent.findMany({ where: { action: 'service.scheduled', subjectId: marie.id } });
  expect(event).toMatchObject({ actorId: annPerson.id, subjectType: 'Service', before: { scheduledStartAt: null }, after: { scheduledStartAt: '2099-03-02T07:00:00.000Z' } });

  // A forged attempt on the same service by another organisation is audited, but its name stays out of Sam's view.
  await presses(olga, { verb: Verbs.waitingServices.start, data: { serviceId: marie.id, page: 0 } });
  const seen = await changesSeenBy(sam, 'status of marie.dubois@demo.example');
  expect(seen).toEqual(['Ann Admin: Start planned (none → 02 Mar 2099, 08:00)']);
});

test("a SIM card entered by Ann for Jan's service: audited with its last four digits only, and shown to support", async () => {
  const service = await serviceOf(demo.jan.email);
  const iccid = demoStockIccids[3]!;
  const result = await submitSimNumber(prisma(), await demoActor(bot().db, DEMO_TENANT_ID, demo.ann.aadObjectId), service.id, iccid);
  expect(result).toMatchObject({ ok: true, alreadyDone: false });

  const [event] = await prisma().auditEvent.findMany({ where: { action: 'activation.sim.entered', subjectId: service.id } });
  expect(event).toMatchObject({ before: { status: 'WAITING_FOR_SIM', simLastDigits: null }, after: { status: 'ACTIVATING', simLastDigits: iccid.slice(-4) } });
  expect(JSON.stringify(event)).not.toContain(iccid);

  const seen = await changesSeenBy(sam, 'status of jan.peeters@demo.example');
  expect(seen).toContain(`Ann Admin: SIM card entered (Waiting for the SIM card number → Activating; none → …${iccid.slice(-4)})`);
});

test('Jan, looking at his own service, sees its timeline but not the audit trail', async () => {
  expect(await changesSeenBy(jan, 'status of my service')).toBeUndefined();
});
