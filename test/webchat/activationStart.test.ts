import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { jobHandlers } from '../../bot/background';
import { createLogger } from '../../bot/logger';
import { DEMO_TENANT_ID, demo, demoStockIccids, generatedDemoEmployees } from '../../prisma/demoData';
import { ServiceStatus } from '../../prisma/generated/enums';
import { startService } from '../../services/lifecycle/activation';
import { JobWorker } from '../../services/platform/jobQueue';
import { reserveNumber } from '../../services/numbers/numberPool';
import type { Actor } from '../../services/people/people';
import { saveService } from '../../services/addService/orderSaving';
import { demoActor } from '../support/addServiceDriver';
import { useRunningBot } from '../support/botUnderTest';
import { textOf } from '../support/pageText';
import { waitFor } from '../support/waitFor';

/**
 * The operator's help page, step 6 option 2 and step 8: the administrator enters the SIM card and has the user
 * emailed, now or later; the user opens the link and presses Start; the backend activates the line.
 */

// A very fast clock: the simulated backend's "about an hour" is well under a second.
const served = useRunningBot('activation-start', { SIM_CLOCK_SPEED: '100000000' }, { seed: true, logDestination: { write: () => undefined } });
let ann: Actor;
let drain: JobWorker;

beforeAll(async () => {
  ann = await demoActor(served.db, DEMO_TENANT_ID, demo.ann.aadObjectId);
  drain = new JobWorker({
    db: served.db.prisma,
    workerId: 'test-drain',
    handlers: jobHandlers({ db: served.db, config: served.config, logger: createLogger('silent'), publicUrl: served.bot.url, announce: () => undefined }),
  });
});

const outboxDir = () => path.join(served.dataDir, 'outbox');
const outboxFiles = () => new Set(fs.existsSync(outboxDir()) ? fs.readdirSync(outboxDir()) : []);

/** The activation email to `email` written after `before`: its text and its link. */
function emailTo(email: string, before: Set<string>): Promise<{ text: string; link: string }> {
  const linkPattern = new RegExp(`${served.bot.url}/activate/[A-Za-z0-9_-]{43}`);
  // A file appears before it is completely written: read again until the whole message with its link is there.
  return waitFor(`the activation email to ${email}`, async () => {
    for (const file of [...outboxFiles()].filter((name) => !before.has(name))) {
      const mail = await simpleParser(fs.readFileSync(path.join(outboxDir(), file)));
      const to = mail.to && !Array.isArray(mail.to) ? mail.to.text : '';
      const link = linkPattern.exec(mail.text ?? '')?.[0];
      if (to === email && link) return { text: mail.text ?? '', link };
    }
    return undefined;
  });
}

/** What the administrator saves in "Add service": a mobile line with a new number and the SIM card entered, by email. */
async function addServiceWithSim(email: string, iccid: string, activationTiming: 'NOW' | 'LATER') {
  const user = await served.db.prisma.person.findFirstOrThrow({ where: { email } });
  const number = await reserveNumber(served.db.prisma, ann, { kind: 'MOBILE' });
  if (!number.ok) throw new Error('no free number');
  const saved = await saveService(served.db.prisma, ann, {
    userId: user.id,
    productTypeCode: 'DSTNY_MOBILE',
    serviceTypeCode: 'MOBILE',
    bundleCode: 'MOB_M',
    optionCodes: [],
    numberOption: 'NEW',
    reservedNumberId: number.number.id,
    simOption: 'ADMIN_ENTERS',
    iccid,
    activationMethod: 'EMAIL',
    activationTiming,
  }, `activation-start:${email}:${activationTiming}`);
  if (!saved.ok) throw new Error(`not saved: ${saved.problem.message}`);
  return saved.service;
}

const statusOf = async (id: string) => (await served.db.prisma.service.findUniqueOrThrow({ where: { id } })).status;

async function open(url: string) {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, html: await response.text() };
}

/** The user's part and the backend's: the page offers Start, the press starts the activation, the backend finishes it. */
async function userStartsFromTheLink(serviceId: string, link: string) {
  const page = await open(link);
  expect(page.status).toBe(200);
  const text = textOf(page.html);
  expect(text).toContain(
    'Je vlootbeheerder heeft de simkaart van je Dstny Mobile-dienst al geregistreerd, dus je hoeft geen nummer te typen. Klik op Activatie starten wanneer je de simkaart bij de hand hebt.',
  );
  expect(page.html).not.toContain('id="iccid"');
  expect(page.html).toContain('<button type="submit">Activatie starten</button>');

  const pressed = await fetch(link, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ action: 'start' }).toString(),
    redirect: 'manual',
  });
  expect(pressed.status).toBe(303);
  expect([ServiceStatus.ACTIVATING, ServiceStatus.ACTIVE]).toContain(await statusOf(serviceId));
  const events = await served.db.prisma.serviceEvent.findMany({ where: { serviceId }, orderBy: { createdAt: 'asc' } });
  expect(events.map((event) => event.kind)).toContain('activation_confirmed');

  await waitFor('the line active', async () => {
    await drain.runDue();
    return (await statusOf(serviceId)) === ServiceStatus.ACTIVE;
  }, 20_000, 0);
  const active = await open(link);
  expect(active.status).toBe(200);
  expect(active.html).not.toContain('<form');
  expect(textOf(active.html)).toContain('Je simkaart voor Dstny Mobile is actief: je kunt bellen en surfen met Dstny.');
}

test('SIM card entered, email now: the user is told to press Start, and Start on the page activates the line', async () => {
  const koen = generatedDemoEmployees[1]!;
  const before = outboxFiles();
  const service = await addServiceWithSim(koen.email, demoStockIccids[50]!, 'NOW');
  expect(await statusOf(service.id)).toBe(ServiceStatus.READY);
  const { text, link } = await emailTo(koen.email, before);
  expect(text).toContain('Klik op "Activatie starten". Je vlootbeheerder heeft het nummer van je simkaart al ingevuld, dus je hoeft het niet te typen.');
  expect(text).not.toContain('Vul het nummer van je simkaart in');
  await userStartsFromTheLink(service.id, link);
});

test('SIM card entered, email later: nothing goes out until the administrator presses Start, then the same', async () => {
  const sofie = generatedDemoEmployees[2]!;
  const before = outboxFiles();
  const service = await addServiceWithSim(sofie.email, demoStockIccids[51]!, 'LATER');
  expect(await statusOf(service.id)).toBe(ServiceStatus.WAITING_FOR_ACTIVATION);
  await drain.runDue();
  expect([...outboxFiles()].filter((file) => !before.has(file))).toEqual([]);

  await startService(served.db.prisma, ann, service.id);
  expect(await statusOf(service.id)).toBe(ServiceStatus.READY);
  const { text, link } = await emailTo(sofie.email, before);
  expect(text).toContain('Klik op "Activatie starten".');
  expect(text).not.toContain('Vul het nummer van je simkaart in');
  await userStartsFromTheLink(service.id, link);
});
