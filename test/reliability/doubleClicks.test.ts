import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { Verbs } from '../../cards/verbs';
import { ActivationJobs } from '../../services/lifecycle/jobs';
import { ESCALATION_KIND } from '../../services/lifecycle/escalation';
import { ServiceStatus } from '../../prisma/generated/enums';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type TeamsPerson } from '../support/connector';
import { readCard } from '../support/addServiceDriver';

/**
 * Every mutating button is idempotent on a key its card carries: a double click (two invokes at once) or Teams
 * retrying an invoke it got no answer for does the thing once, and both presses get a sensible answer.
 */

const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin' };
const sam: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam Support' };

/** Not the default 14 days: a resent link keeps the configured lifetime, whichever button resent it. */
const LINK_DAYS = 3;
const { bot, presses } = useBotUnderTest('double-clicks', { ACTIVATION_LINK_DAYS: String(LINK_DAYS) });
const prisma = () => bot().db.prisma;

type Json = Record<string, unknown>;

/** The same button pressed twice at once, then once more later (Teams' retry); what each press showed. */
async function pressedThrice(who: TeamsPerson, verb: string, data: Json): Promise<string[][]> {
  const press = async () => {
    const { answer, followUps } = await presses(who, { verb, data });
    const value = answer.value as string | Json;
    return [...(typeof value === 'string' ? [value] : readCard(value).texts), ...followUps.flatMap((sent) => whatTheySee(sent).texts)];
  };
  const together = await Promise.all([press(), press()]);
  return [...together, await press()];
}

const serviceOf = (email: string) => prisma().service.findFirstOrThrow({ where: { user: { email } } });
const emailsQueued = (serviceId: string) => prisma().job.count({ where: { kind: ActivationJobs.sendEmail, payload: { path: ['serviceId'], equals: serviceId } } });
const audits = (action: string, subjectId: string) => prisma().auditEvent.count({ where: { action, subjectId } });

test("Start on Marie's service, double-clicked and retried: started once, one activation email", async () => {
  const marie = await serviceOf(demo.marie.email);
  expect(marie.status).toBe(ServiceStatus.WAITING_FOR_ACTIVATION);
  const seen = await pressedThrice(ann, Verbs.waitingServices.start, { serviceId: marie.id, page: 0, requestKey: 'start-marie-1' });

  expect(await audits('service.started', marie.id)).toBe(1);
  expect(await emailsQueued(marie.id)).toBe(1);
  const started = 'Started: 1. Users who enter their own SIM card number receive their activation email now.';
  // The repeats say who started it and when, rather than counting nothing started.
  const already = /^Marie Dubois's service was already started by Ann Admin on .+\.$/;
  const said = seen.map((texts) => texts.find((text) => text.startsWith('Started:') || already.test(text)));
  expect(said.filter((text) => text === started)).toHaveLength(1);
  expect(said.filter((text) => text !== undefined && already.test(text))).toHaveLength(2);
});

test("Resend on Jan's row, double-clicked and retried: one new email, one link revoked", async () => {
  const jan = await serviceOf(demo.jan.email);
  const emailsBefore = await emailsQueued(jan.id);
  const seen = await pressedThrice(ann, Verbs.waitingServices.resend, { serviceId: jan.id, page: 0, requestKey: 'resend-jan-1' });

  expect(await emailsQueued(jan.id)).toBe(emailsBefore + 1);
  expect(await audits('activation.resent', jan.id)).toBe(1);
  expect(await prisma().accessLink.count({ where: { serviceId: jan.id, revokedAt: null, usedAt: null } })).toBe(1);
  for (const texts of seen) expect(texts).toContain('A new activation email is on its way to Jan Peeters; the earlier link no longer works.');
});

test("Support's Resend on Jan's timeline, double-clicked and retried: one new email", async () => {
  const jan = await serviceOf(demo.jan.email);
  const emailsBefore = await emailsQueued(jan.id);
  const auditsBefore = await audits('activation.resent', jan.id);
  const seen = await pressedThrice(sam, Verbs.lookUp.resendEmail, { serviceId: jan.id, requestKey: 'support-resend-jan-1' });

  expect(await emailsQueued(jan.id)).toBe(emailsBefore + 1);
  expect(await audits('activation.resent', jan.id)).toBe(auditsBefore + 1);
  const resent = 'A new activation email is on its way to Jan Peeters; the links sent before no longer work.';
  const already = 'That activation email was already resent from this card.';
  expect(seen.map((texts) => texts.join(' ')).sort()).toEqual([resent, already, already].sort());
  const link = await prisma().accessLink.findFirstOrThrow({ where: { serviceId: jan.id, revokedAt: null, usedAt: null } });
  expect(Math.round((link.expiresAt.getTime() - link.createdAt.getTime()) / 86_400_000)).toBe(LINK_DAYS);
});

test("Support's Escalate, double-clicked and retried: each administrator is told once", async () => {
  const jan = await serviceOf(demo.jan.email);
  await pressedThrice(sam, Verbs.lookUp.escalate, { serviceId: jan.id, requestKey: 'support-escalate-jan-1' });
  const administrators = await prisma().person.count({ where: { role: 'ADMINISTRATOR', organisation: { tenantId: DEMO_TENANT_ID } } });
  expect(await prisma().notification.count({ where: { serviceId: jan.id, kind: ESCALATION_KIND } })).toBe(administrators);
});

test('Schedule, double-clicked and retried: one scheduled job, one audit event per service', async () => {
  const luc = await prisma().person.findFirstOrThrow({ where: { email: demo.luc.email } });
  const annPerson = await prisma().person.findFirstOrThrow({ where: { email: demo.ann.email } });
  const service = await prisma().service.create({
    data: {
      organisationId: luc.organisationId, userId: luc.id, createdById: annPerson.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status: ServiceStatus.WAITING_FOR_ACTIVATION, activationMethod: 'EMAIL', activationTiming: 'LATER',
    },
  });
  await pressedThrice(ann, Verbs.waitingServices.schedule, { selected: service.id, date: '2099-06-01', time: '08:00', page: 0 });
  expect(await prisma().job.count({ where: { kind: ActivationJobs.scheduledStart, payload: { path: ['serviceIds'], array_contains: [service.id] } } })).toBe(1);
  expect(await audits('service.scheduled', service.id)).toBe(1);
});
