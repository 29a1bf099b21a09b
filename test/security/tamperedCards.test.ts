import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, demoStockIccids, other, otherStockIccids } from '../../prisma/demoData';
import { Verbs } from '../../cards/verbs';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type TeamsPerson } from '../support/connector';
import { readCard } from '../support/addServiceDriver';
import { rowCounts } from '../support/rowCounts';

/**
 * Card actions are untrusted input. For every feature, a button pressed with data the bot never put on a card for
 * this person (another organisation's service, a user acting as administrator, a SIM card from another
 * organisation's stock, a card replayed after the fact) is answered with a sentence that says what was refused, the
 * attempt is in the audit trail, and nothing else changes.
 */

const person = (tenantId: string, aadObjectId: string, name: string): TeamsPerson => ({ tenantId, aadObjectId, name });
const ann = person(DEMO_TENANT_ID, demo.ann.aadObjectId, 'Ann Admin');
const sam = person(DEMO_TENANT_ID, demo.sam.aadObjectId, 'Sam Support');
const jan = person(DEMO_TENANT_ID, demo.jan.aadObjectId, 'Jan Peeters');
const olga = person(OTHER_TENANT_ID, other.olga.aadObjectId, 'Olga Other');

const { bot, presses, submits } = useBotUnderTest('tampered-cards');
const prisma = () => bot().db.prisma;

type Json = Record<string, unknown>;

/**
 * What any turn writes: the conversation's state, the person's conversation reference, and the audit trail itself;
 * and a person's count of wrong SIM card numbers, where one of another organisation's cards counts as one.
 */
const EXPECTED_WRITES = ['AuditEvent', 'BotState', 'ConversationReference', 'AttemptWindow'];

const waitingNotYours = "That service is not one of your organisation's, so nothing was done. The attempt was recorded.";
const supportDenied = "You can't see that service: it belongs to someone you may not look up. The attempt was recorded.";
const overviewDenied = 'The fleet overview is for fleet administrators and support, and only for the organisations they look after.';

/** The ids a forged card would carry, read from the seeded database. */
interface Ids {
  janService: string;
  marieService: string;
  pieterService: string;
  pieterRequest: string;
  oscarService: string;
  marie: string;
  oscar: string;
  demoOrganisation: string;
  annImport: string;
}

async function seededIds(): Promise<Ids> {
  const serviceOf = async (email: string) => prisma().service.findFirstOrThrow({ where: { user: { email } }, include: { portingRequests: true } });
  const pieter = await serviceOf(demo.pieter.email);
  const demoOrganisation = await prisma().organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
  const annPerson = await prisma().person.findFirstOrThrow({ where: { email: demo.ann.email } });
  const annImport = await prisma().bulkImport.create({
    data: { organisationId: demoOrganisation.id, createdById: annPerson.id, fileName: 'services.csv', totalRows: 1, validRows: 1 },
  });
  return {
    janService: (await serviceOf(demo.jan.email)).id,
    marieService: (await serviceOf(demo.marie.email)).id,
    pieterService: pieter.id,
    pieterRequest: pieter.portingRequests[0]!.id,
    oscarService: (await serviceOf(other.oscar.email)).id,
    marie: (await prisma().person.findFirstOrThrow({ where: { email: demo.marie.email } })).id,
    oscar: (await prisma().person.findFirstOrThrow({ where: { email: other.oscar.email } })).id,
    demoOrganisation: demoOrganisation.id,
    annImport: annImport.id,
  };
}

interface Forgery {
  /** What the forged card tries. */
  tries: string;
  who: TeamsPerson;
  verb: string;
  data: (ids: Ids) => Json;
  /** The sentence the person reads instead. */
  answer: string;
  /** The audit event left: its action, and the subject it names. */
  audit: { action: string; subjectId?: (ids: Ids) => string };
}

const forgeries: Forgery[] = [
  {
    tries: "activate SIM: Olga enters a SIM card for Demo Company's service",
    who: olga,
    verb: Verbs.activateSim.acceptSuggestion,
    data: (ids) => ({ serviceId: ids.janService, iccid: demoStockIccids[0] }),
    answer: "Sorry, you can't do that for this service.",
    audit: { action: 'activation.sim.denied', subjectId: (ids) => ids.janService },
  },
  {
    tries: "activate SIM: Jan picks Pieter's service",
    who: jan,
    verb: Verbs.activateSim.chooseService,
    data: (ids) => ({ serviceId: ids.pieterService }),
    answer: 'Sorry, dat kun je niet doen voor deze dienst.',
    audit: { action: 'activation.sim.denied', subjectId: (ids) => ids.pieterService },
  },
  {
    tries: "activate SIM: Jan enters a SIM card from Other Org BV's stock",
    who: jan,
    verb: Verbs.activateSim.acceptSuggestion,
    data: (ids) => ({ serviceId: ids.janService, iccid: otherStockIccids[0] }),
    answer: 'Dit simkaartnummer hoort niet bij de ongebruikte simkaarten van je organisatie. Vergelijk het met de kaart, of vraag je vlootbeheerder welke kaart de jouwe is.',
    audit: { action: 'activation.sim.denied', subjectId: (ids) => ids.janService },
  },
  {
    tries: "waiting services: Jan, a user, starts Marie's service",
    who: jan,
    verb: Verbs.waitingServices.start,
    data: (ids) => ({ serviceId: ids.marieService, page: 0 }),
    answer: 'Alleen de vlootbeheerders van je organisatie kunnen diensten starten, en alleen beheerders en support kunnen activatiemails opnieuw sturen.',
    audit: { action: 'service.start.denied', subjectId: (ids) => ids.marieService },
  },
  {
    tries: "waiting services: Olga starts Demo Company's service",
    who: olga,
    verb: Verbs.waitingServices.start,
    data: (ids) => ({ serviceId: ids.marieService, page: 0 }),
    answer: waitingNotYours,
    audit: { action: 'service.start.denied', subjectId: (ids) => ids.marieService },
  },
  {
    tries: "waiting services: Olga schedules Demo Company's service",
    who: olga,
    verb: Verbs.waitingServices.schedule,
    data: (ids) => ({ selected: ids.marieService, date: '2099-01-05', time: '08:00', page: 0 }),
    answer: waitingNotYours,
    audit: { action: 'service.schedule.denied', subjectId: (ids) => ids.marieService },
  },
  {
    tries: "waiting services: Olga resends Jan's activation email",
    who: olga,
    verb: Verbs.waitingServices.resend,
    data: (ids) => ({ serviceId: ids.janService, requestKey: 'forged-resend-1', page: 0 }),
    answer: waitingNotYours,
    audit: { action: 'activation.resend.denied', subjectId: (ids) => ids.janService },
  },
  {
    tries: "porting fix: Olga opens Pieter's refused request",
    who: olga,
    verb: Verbs.portingIssues.fix,
    data: (ids) => ({ requestId: ids.pieterRequest }),
    answer: 'Sorry, that porting request is not one you can fix: only a fleet administrator of its organisation can.',
    audit: { action: 'porting.fix.denied', subjectId: (ids) => ids.pieterRequest },
  },
  {
    tries: "porting fix: Jan, a user, resubmits Pieter's request",
    who: jan,
    verb: Verbs.portingIssues.resubmit,
    data: (ids) => ({ requestId: ids.pieterRequest, customerNumber: '123456' }),
    answer: 'Sorry, je kunt deze overdrachtsaanvraag niet rechtzetten: dat kan alleen een vlootbeheerder van de organisatie.',
    audit: { action: 'porting.fix.denied', subjectId: (ids) => ids.pieterRequest },
  },
  {
    tries: "support: Sam opens Oscar, outside his support scope",
    who: sam,
    verb: Verbs.lookUp.showPerson,
    data: (ids) => ({ personId: ids.oscar }),
    answer: supportDenied,
    audit: { action: 'service.lookup.denied', subjectId: (ids) => ids.oscar },
  },
  {
    tries: "support: Jan, a user, opens Marie",
    who: jan,
    verb: Verbs.lookUp.showPerson,
    data: (ids) => ({ personId: ids.marie }),
    answer: 'Je kan alleen je eigen diensten zien. Zeg "status van mijn dienst" om de jouwe te zien.',
    audit: { action: 'service.lookup.denied', subjectId: (ids) => ids.marie },
  },
  {
    tries: "support: Sam resends the activation email of Oscar's service",
    who: sam,
    verb: Verbs.lookUp.resendEmail,
    data: (ids) => ({ serviceId: ids.oscarService, requestKey: 'forged-support-resend' }),
    answer: supportDenied,
    audit: { action: 'service.timeline.denied', subjectId: (ids) => ids.oscarService },
  },
  {
    tries: "support: Sam escalates Oscar's service",
    who: sam,
    verb: Verbs.lookUp.escalate,
    data: (ids) => ({ serviceId: ids.oscarService, requestKey: 'forged-support-escalate' }),
    answer: supportDenied,
    audit: { action: 'service.timeline.denied', subjectId: (ids) => ids.oscarService },
  },
  {
    tries: "overview: Olga opens Demo Company's counts",
    who: olga,
    verb: Verbs.overview.show,
    data: (ids) => ({ organisationId: ids.demoOrganisation }),
    answer: overviewDenied,
    audit: { action: 'overview.denied' },
  },
  {
    tries: "overview: Olga opens a Demo Company service from a forged row",
    who: olga,
    verb: Verbs.overview.openService,
    data: (ids) => ({ serviceId: ids.janService }),
    answer: overviewDenied,
    audit: { action: 'service.timeline.denied', subjectId: (ids) => ids.janService },
  },
  {
    tries: "overview: Jan, a user, exports Demo Company's services",
    who: jan,
    verb: Verbs.overview.export,
    data: (ids) => ({ organisationId: ids.demoOrganisation, requestKey: 'forged-export-1' }),
    answer: 'Het vlootoverzicht is voor vlootbeheerders en support, en alleen voor de organisaties waarvoor zij zorgen.',
    audit: { action: 'overview.denied' },
  },
  {
    tries: "bulk import: Olga confirms Ann's import",
    who: olga,
    verb: Verbs.bulkImport.confirm,
    data: (ids) => ({ importId: ids.annImport, confirmKey: 'forged-confirm-1', start: 'LATER' }),
    answer: "That import is not one of your organisation's, so nothing was done. The attempt was recorded.",
    audit: { action: 'bulkImport.denied', subjectId: (ids) => ids.annImport },
  },
  {
    tries: "bulk import: Jan, a user, cancels Ann's import",
    who: jan,
    verb: Verbs.bulkImport.cancel,
    data: (ids) => ({ importId: ids.annImport }),
    answer: 'Alleen de vlootbeheerders van je organisatie kunnen diensten uit een bestand toevoegen.',
    audit: { action: 'bulkImport.denied', subjectId: (ids) => ids.annImport },
  },
  {
    tries: 'waiting services: Ann presses Start with data no card carries',
    who: ann,
    verb: Verbs.waitingServices.start,
    data: () => ({ serviceId: "' OR 1=1 --", page: 0 }),
    answer: waitingNotYours,
    audit: { action: 'card.malformed', subjectId: () => Verbs.waitingServices.start },
  },
  {
    tries: 'bulk import: Ann confirms with data no card carries',
    who: ann,
    verb: Verbs.bulkImport.confirm,
    data: () => ({ importId: '../../etc/passwd', confirmKey: 'forged-confirm-2' }),
    answer: "That import is not one of your organisation's, so nothing was done. The attempt was recorded.",
    audit: { action: 'card.malformed', subjectId: () => Verbs.bulkImport.confirm },
  },
  {
    tries: 'add service: Ann replays the Save of a finished flow',
    who: ann,
    verb: Verbs.addService.save,
    data: () => ({ flowId: '00000000-0000-4000-8000-000000000002' }),
    answer: 'This card belongs to an add-service flow that is finished or was cancelled, so it does nothing any more.',
    audit: { action: 'addService.denied', subjectId: () => '00000000-0000-4000-8000-000000000002' },
  },
  {
    tries: "add service: Jan, a user, saves an order",
    who: jan,
    verb: Verbs.addService.save,
    data: () => ({ flowId: '00000000-0000-4000-8000-000000000001' }),
    answer: 'Deze kaart hoort bij het toevoegen van een dienst dat afgerond of geannuleerd is, en doet dus niets meer.',
    audit: { action: 'addService.denied' },
  },
];

let ids: Ids;
beforeAll(async () => {
  ids = await seededIds();
});

/** The forged button as Teams sends it (Action.Execute, answered in place) and as the web chat does (Action.Submit). */
const clients = {
  teams: async (forgery: Forgery) => {
    const { answer, followUps } = await presses(forgery.who, { verb: forgery.verb, data: forgery.data(ids) });
    return [
      ...(typeof answer.value === 'string' ? [answer.value] : readCard(answer.value as Json).texts),
      ...followUps.flatMap((sent) => whatTheySee(sent).texts),
    ];
  },
  webChat: async (forgery: Forgery) => (await submits(forgery.who, { verb: forgery.verb, ...forgery.data(ids) })).flatMap((sent) => whatTheySee(sent).texts),
};

const cases = forgeries.flatMap((forgery) => (['teams', 'webChat'] as const).map((client) => ({ ...forgery, client })));

test.each(cases)('$tries ($client): refused with a sentence, audited, nothing else changed', async ({ client, ...forgery }) => {
  const actor = await prisma().person.findFirstOrThrow({ where: { aadObjectId: forgery.who.aadObjectId } });
  const audits = () =>
    prisma().auditEvent.findMany({
      where: { actorId: actor.id, action: forgery.audit.action, ...(forgery.audit.subjectId ? { subjectId: forgery.audit.subjectId(ids) } : {}) },
    });
  const auditedBefore = (await audits()).length;
  const before = await rowCounts(bot().db, EXPECTED_WRITES);

  const seen = (await clients[client](forgery)).filter(Boolean);
  expect(seen).toContain(forgery.answer);
  expect(seen.join('\n')).not.toMatch(/\bat .+\.(ts|js):\d+|Error:/);
  expect((await audits()).length).toBe(auditedBefore + 1);
  expect(await rowCounts(bot().db, EXPECTED_WRITES)).toEqual(before);
});
