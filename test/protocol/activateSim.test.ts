import { jobHandlers } from '../../bot/background';
import { createLogger } from '../../bot/logger';
import { DEMO_TENANT_ID, demo, demoScenario, demoStockIccids, generatedDemoEmployees, otherStockIccids } from '../../prisma/demoData';
import { ServiceStatus, SimState } from '../../prisma/generated/enums';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import { JobWorker } from '../../services/platform/jobQueue';
import { useBotUnderTest } from '../support/botUnderTest';
import { whatTheySee, type SentActivity, type TeamsPerson } from '../support/connector';
import { waitFor } from '../support/waitFor';

const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters' };
const luc: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.luc.aadObjectId, name: 'Luc Lemaire' };
/** Generated employees of Demo Company NV, each with an active converged service already. */
const employee = (n: number): TeamsPerson => ({ tenantId: DEMO_TENANT_ID, aadObjectId: generatedDemoEmployees[n]!.aadObjectId, name: generatedDemoEmployees[n]!.displayName });

// A very fast clock: the simulated backend's "about an hour" is well under a second.
const bot = useBotUnderTest('activate', { SIM_CLOCK_SPEED: '100000000' });
let drain: JobWorker;

beforeAll(() => {
  const { db, url } = bot.bot();
  drain = new JobWorker({
    db: db.prisma,
    workerId: 'test-drain',
    handlers: jobHandlers({ db, config: bot.config(), logger: createLogger('silent'), publicUrl: url, announce: () => undefined }),
  });
});

/** What the person reads after writing `text`: every text and card text of the replies. */
async function says(person: TeamsPerson, text: string): Promise<{ texts: string[]; buttons: string[]; replies: SentActivity[] }> {
  return seen(await bot.says(person, text));
}

function seen(replies: SentActivity[]) {
  const views = replies.map((reply) => whatTheySee(reply));
  return { texts: views.flatMap((view) => view.texts), buttons: views.flatMap((view) => view.buttons), replies };
}

/** Clicks a button in the web chat's way: a message whose value carries the verb and the button's data. */
async function clicks(person: TeamsPerson, verb: string, data: Record<string, unknown> = {}) {
  return seen(await bot.submits(person, { ...data, verb }));
}

/** The data of the button titled `title` in the replies. */
function buttonData(replies: SentActivity[], title: string): Record<string, unknown> {
  for (const reply of replies) {
    const action = whatTheySee(reply).actions.find((candidate: { title?: string }) => candidate.title === title);
    if (action) return action.data ?? {};
  }
  throw new Error(`no button "${title}"`);
}

const right = demoStockIccids[0]!;
const grouped = (iccid: string) => iccid.replace(/(\d{4})(?=\d)/g, '$1 ');
const wrongDigit = right.slice(0, 15) + String((Number(right[15]) + 5) % 10) + right.slice(16);
// Two neighbouring digits that differ, swapped.
const swapAt = [...right].findIndex((digit, i) => i >= 6 && i < right.length - 2 && digit !== right[i + 1]);
const swapped = right.slice(0, swapAt) + right[swapAt + 1] + right[swapAt] + right.slice(swapAt + 2);

test('Jan asks to activate his SIM card and is asked for the number, in Dutch', async () => {
  const { texts } = await clicks(jan, 'welcome.activateSim');
  expect(texts).toEqual(['Typ het nummer van je simkaart: de 19 of 20 cijfers op de kaart, beginnend met 89.']);
});

test.each([
  ['a number too short', '8932 1001', 'Een simkaartnummer heeft 19 of 20 cijfers; dit nummer heeft er 8.'],
  ['letters in it', '8932 10O1 0000 0000 001', 'Een simkaartnummer bestaat alleen uit cijfers (spaties en streepjes tussen de groepen mogen); dit nummer bevat andere tekens.'],
  ['the wrong start', '4932 1001 0000 0000 001', 'Een simkaartnummer begint met 89; dit nummer begint met 49.'],
  ['a card of another organisation', otherStockIccids[0]!, 'Dit simkaartnummer hoort niet bij de ongebruikte simkaarten van je organisatie. Vergelijk het met de kaart, of vraag je vlootbeheerder welke kaart de jouwe is.'],
  ['a card already used for Pieter', demoScenario.pieter.iccid, 'Deze simkaart wordt al voor een andere dienst gebruikt. Controleer of je de juiste kaart hebt, of vraag het aan je vlootbeheerder.'],
])('%s is explained and the bot keeps waiting for the number', async (_case, typed, explanation) => {
  const { texts, buttons } = await says(jan, typed);
  expect(texts).toEqual([explanation]);
  expect(buttons).toEqual([]);
});

test('one wrong digit: the bot asks "did you mean" the stock card, and No lets Jan type it again', async () => {
  const { texts, buttons, replies } = await says(jan, wrongDigit);
  expect(texts).toEqual([
    'Er zit ergens een tikfout in dit simkaartnummer: het laatste cijfer klopt niet met de andere. Vergelijk het cijfer per cijfer met de kaart.',
    `Bedoelde je ${grouped(right)}?`,
  ]);
  expect(buttons).toEqual(['Ja', 'Nee']);
  const declined = await clicks(jan, 'activateSim.rejectSuggestion', buttonData(replies, 'Nee'));
  expect(declined.texts).toEqual(['Goed. Typ het nummer opnieuw, cijfer per cijfer zoals het op de kaart staat.']);
});

test('two digits swapped: Yes in Teams registers the suggested card and says what happens next', async () => {
  const { texts, replies } = await says(jan, grouped(swapped));
  expect(texts.at(-1)).toBe(`Bedoelde je ${grouped(right)}?`);
  const { answer } = await bot.presses(jan, { verb: 'activateSim.acceptSuggestion', data: buttonData(replies, 'Ja') });
  expect(answer.value).toBe(
    `Bedankt: simkaart ${grouped(right)} is geregistreerd en de activatie start nu. Die duurt normaal ongeveer een uur, en kan tot twee dagen duren. ` +
    'Ik laat je weten wanneer ze actief is; zodra het netwerk op je oude simkaart wegvalt, plaats je de Dstny-simkaart.',
  );
});

test('Jan\'s service goes from activating to active, and the bot says so', async () => {
  const service = await bot.bot().db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:jan' } });
  // The SIM card number was his go; the bot's own worker may already be running the activation (the events below
  // prove the whole path in order, whoever ran each step).
  expect([ServiceStatus.ACTIVATING, ServiceStatus.ACTIVE]).toContain(service.status);
  // Drain the job queue: the backend takes the order, then reports the SIM card active.
  await waitFor('Jan\'s service active', async () => {
    await drain.runDue();
    const current = await bot.bot().db.prisma.service.findUniqueOrThrow({ where: { id: service.id } });
    return current.status === ServiceStatus.ACTIVE;
  }, 20_000, 0);
  const events = await bot.bot().db.prisma.serviceEvent.findMany({ where: { serviceId: service.id }, orderBy: { createdAt: 'asc' } });
  expect(events.map((event) => event.kind).filter((kind) => ['sim_submitted', 'activated'].includes(kind))).toEqual(['sim_submitted', 'activated']);
  const told = await bot.bot().db.prisma.notification.findMany({ where: { serviceId: service.id, recipientId: service.userId } });
  expect(told.map((n) => n.kind)).toEqual(expect.arrayContaining(['activation.completed', 'activation.started']));

  const { texts } = await clicks(jan, 'welcome.activateSim');
  expect(texts).toEqual(['Je simkaart voor Dstny Mobile is actief: je kunt bellen en surfen met Dstny.']);
});

test('a stock SIM card number pasted by Luc, whose line is active, is not his: he is told so, and where his service stands', async () => {
  const { texts } = await says(luc, grouped(demoStockIccids[5]!));
  expect(texts).toEqual([
    "Cette carte SIM n'est liée à aucun de vos services.",
    'Votre carte SIM pour Dstny Mobile est active : vous pouvez appeler et surfer avec Dstny.',
  ]);
});

test('his own SIM card number pasted by Luc is answered with that service\'s state', async () => {
  const { texts } = await says(luc, grouped(demoScenario.luc.iccid));
  expect(texts).toEqual(['Votre carte SIM pour Dstny Mobile est active : vous pouvez appeler et surfer avec Dstny.']);
});

describe('services whose SIM card the administrator entered, or that have none: the user presses Start', () => {
  const prisma = () => bot.bot().db.prisma;
  let nextCard = 50;

  /** A service started by email for a generated employee: waiting for the SIM card number, or ready with one or without. */
  async function startedService(n: number, status: ServiceStatus, kind: 'mobile with SIM' | 'mobile' | 'UC user') {
    const [user, ann] = await Promise.all([
      prisma().person.findFirstOrThrow({ where: { email: generatedDemoEmployees[n]!.email } }),
      prisma().person.findFirstOrThrow({ where: { email: demo.ann.email } }),
    ]);
    const sim = kind === 'mobile with SIM'
      ? await prisma().simCard.update({ where: { iccid: demoStockIccids[nextCard++]! }, data: { state: SimState.ASSIGNED } })
      : null;
    return prisma().service.create({
      data: {
        organisationId: user.organisationId, userId: user.id, createdById: ann.id, status, activationMethod: 'EMAIL', activationTiming: 'NOW',
        productTypeCode: kind === 'UC user' ? 'DSTNY_SMARTMOBILE' : 'DSTNY_MOBILE', serviceTypeCode: kind === 'UC user' ? 'SM_UC_USER' : 'MOBILE',
        simCardId: sim?.id,
      },
      include: { simCard: true },
    });
  }
  const statusOf = async (id: string) => (await prisma().service.findUniqueOrThrow({ where: { id } })).status;

  test('Koen asks to activate his SIM card: a Start activation button, which in Teams starts it', async () => {
    const koen = employee(1);
    const service = await startedService(1, ServiceStatus.READY, 'mobile with SIM');
    const offer = await says(koen, 'activeer mijn sim');
    expect(offer.texts).toEqual([
      'Je vlootbeheerder heeft de simkaart van je Dstny Mobile-dienst al geregistreerd, dus je hoeft geen nummer te typen. Klik op Activatie starten wanneer je de simkaart bij de hand hebt.',
    ]);
    expect(offer.buttons).toEqual(['Activatie starten']);
    const { answer } = await bot.presses(koen, { verb: 'activateSim.start', data: buttonData(offer.replies, 'Activatie starten') });
    expect(answer.value).toBe(
      'De activatie van je simkaart voor Dstny Mobile is gestart. Die duurt normaal ongeveer een uur, en kan tot twee dagen duren. ' +
      'Ik laat je weten wanneer ze actief is; zodra het netwerk op je oude simkaart wegvalt, plaats je de Dstny-simkaart.',
    );
    expect([ServiceStatus.ACTIVATING, ServiceStatus.ACTIVE]).toContain(await statusOf(service.id));
    // Pressed again: where it stands, and nothing started twice.
    const again = await clicks(koen, 'activateSim.start', { serviceId: service.id });
    expect(again.texts).toEqual([expect.stringMatching(/^Je simkaart voor Dstny Mobile (wordt geactiveerd|is actief)/)]);
    expect(await prisma().serviceEvent.count({ where: { serviceId: service.id, kind: 'activation_confirmed' } })).toBe(1);
  });

  test('typing the SIM card number the administrator entered is Sofie\'s go as well', async () => {
    const service = await startedService(2, ServiceStatus.READY, 'mobile with SIM');
    const { texts } = await says(employee(2), grouped(service.simCard!.iccid));
    expect(texts[0]).toBe(
      `Bedankt: simkaart ${grouped(service.simCard!.iccid)} is geregistreerd en de activatie start nu. Die duurt normaal ongeveer een uur, en kan tot twee dagen duren. ` +
      'Ik laat je weten wanneer ze actief is; zodra het netwerk op je oude simkaart wegvalt, plaats je de Dstny-simkaart.',
    );
    expect([ServiceStatus.ACTIVATING, ServiceStatus.ACTIVE]).toContain(await statusOf(service.id));
  });

  test('Bram, with three services waiting, is offered each as it needs him; a number goes to the one waiting for it, never to the UC user', async () => {
    const bram = employee(3);
    const forNumber = await startedService(3, ServiceStatus.WAITING_FOR_SIM, 'mobile');
    const known = await startedService(3, ServiceStatus.READY, 'mobile with SIM');
    const uc = await startedService(3, ServiceStatus.READY, 'UC user');
    const choice = await clicks(bram, 'welcome.activateSim');
    expect(choice.texts).toEqual(['Meerdere van je diensten wachten op jou. Welke wil je activeren?']);
    expect(choice.buttons).toEqual([
      expect.stringMatching(/^Dstny Mobile \(Mobiel\) · (nog geen nummer|0\d{3} \d\d \d\d \d\d), toegevoegd op /),
      expect.stringMatching(/^Activatie starten: Dstny Mobile \(Mobiel\) · (nog geen nummer|0\d{3} \d\d \d\d \d\d), toegevoegd op /),
      expect.stringMatching(/^Activatie starten: Dstny SmartMobile \(.+\) · .+, toegevoegd op /),
    ]);

    const entered = await says(bram, grouped(demoStockIccids[45]!));
    expect(entered.texts[0]).toMatch(/^Bedankt: simkaart .* is geregistreerd/);
    expect((await prisma().service.findUniqueOrThrow({ where: { id: forNumber.id }, include: { simCard: true } })).simCard?.iccid).toBe(demoStockIccids[45]);
    expect(await statusOf(uc.id)).toBe(ServiceStatus.READY);
    expect((await prisma().service.findUniqueOrThrow({ where: { id: uc.id } })).simCardId).toBeNull();

    // Another stock card: no service waits for one any more; the two waiting for Bram's Start are offered with it.
    const notHis = await says(bram, grouped(demoStockIccids[46]!));
    expect(notHis.texts).toEqual(expect.arrayContaining([
      'Deze simkaart is aan geen enkele dienst van jou gekoppeld.',
      'Je Dstny SmartMobile-dienst werkt zonder simkaart, dus je hoeft niets te typen. Klik op Activatie starten om hem te activeren.',
    ]));
    expect(notHis.buttons).toEqual(['Activatie starten', 'Activatie starten']);

    const started = await clicks(bram, 'activateSim.start', buttonData(choice.replies, choice.buttons[2]!));
    expect(started.texts).toEqual([
      'De activatie van je Dstny SmartMobile-dienst is gestart. Die duurt normaal ongeveer een uur, en kan tot twee dagen duren. Ik laat je weten wanneer hij actief is.',
    ]);
    expect(await statusOf(uc.id)).not.toBe(ServiceStatus.READY);
    expect(await statusOf(known.id)).toBe(ServiceStatus.READY);
  });

  test('a forged Start for somebody else\'s service is refused and recorded', async () => {
    const other = await startedService(4, ServiceStatus.READY, 'mobile with SIM');
    const { texts } = await clicks(luc, 'activateSim.start', { serviceId: other.id });
    expect(texts).toEqual(['Désolé, vous ne pouvez pas faire cela pour ce service.']);
    expect(await statusOf(other.id)).toBe(ServiceStatus.READY);
    expect(await prisma().auditEvent.findFirst({ where: { action: 'activation.userStart.denied', subjectId: other.id } })).not.toBeNull();
  });
});

test('a forged button for somebody else\'s service is refused and recorded', async () => {
  const pieterService = await bot.bot().db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:pieter' } });
  const { texts } = await clicks(luc, 'activateSim.acceptSuggestion', { serviceId: pieterService.id, iccid: demoStockIccids[6]! });
  expect(texts).toEqual(['Désolé, vous ne pouvez pas faire cela pour ce service.']);
  const audit = await bot.bot().db.prisma.auditEvent.findFirst({ where: { action: 'activation.sim.denied', subjectId: pieterService.id } });
  expect(audit).not.toBeNull();
});

test('a failed activation without a reason from the network is said in Luc\'s French, not in stored English', async () => {
  const prisma = bot.bot().db.prisma;
  const service = await prisma.service.findFirstOrThrow({ where: { user: { email: demo.luc.email }, status: ServiceStatus.ACTIVE } });
  await prisma.service.update({ where: { id: service.id }, data: { status: ServiceStatus.ACTIVATING } });
  await recordActivationResult(prisma, service.id, { outcome: 'FAILED' });
  const { texts } = await says(luc, grouped(demoStockIccids[5]!));
  expect(texts).toEqual([
    "Cette carte SIM n'est liée à aucun de vos services.",
    expect.stringContaining("L'activation de votre carte SIM pour Dstny Mobile a échoué : aucune raison n'a été donnée."),
  ]);
});
