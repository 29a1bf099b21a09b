import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { jobHandlers } from '../../bot/background';
import { configFromEnvironment } from '../../bot/config';
import { createLogger } from '../../bot/logger';
import { esimInstallSteps } from '../../cards/esimCard';
import { demo, demoStockIccids, generatedDemoEmployees } from '../../prisma/demoData';
import { LinkPurpose, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { findUsableLink } from '../../services/people/accessLinks';
import { resendActivationEmail, startService } from '../../services/lifecycle/activation';
import type { Database } from '../../services/platform/db/database';
import { JobWorker } from '../../services/platform/jobQueue';
import type { Actor } from '../../services/people/people';
import { replaceEsim } from '../../services/simCards/esimProfiles';
import { openTestDatabase } from '../support/database';
import { matchingIdOf, startedEsimService } from '../support/esimService';
import { qrCodeIn } from '../support/qrCode';

let db: Database;
let dataDir: string;
let worker: JobWorker;
let ann: Actor;
const announced: string[] = [];
const publicUrl = 'https://bot.example.test';

async function person(email: string): Promise<Actor> {
  return db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
}

async function outbox(): Promise<Array<{ file: string; mail: ParsedMail }>> {
  const dir = path.join(dataDir, 'outbox');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  return Promise.all(files.map(async (file) => ({ file, mail: await simpleParser(fs.readFileSync(path.join(dir, file))) })));
}

/** What the administrator chose besides the defaults (a mobile line whose SIM card number the user enters). */
interface Order {
  productTypeCode?: string;
  serviceTypeCode?: string;
  /** The administrator entered this stock card. */
  iccid?: string;
}

/** Starts a new service for the person, as the administrator ordered it, and sends its email; returns the message and its link. */
async function emailFor(email: string, language: 'en' | 'nl' | 'fr' | null, order: Order = {}) {
  const user = await db.prisma.person.update({ where: { id: (await person(email)).id }, data: { preferredLanguage: language } });
  const sim = order.iccid
    ? await db.prisma.simCard.update({ where: { iccid: order.iccid }, data: { state: SimState.ASSIGNED } })
    : null;
  const service = await db.prisma.service.create({
    data: {
      organisationId: ann.organisationId, userId: user.id, createdById: ann.id,
      productTypeCode: order.productTypeCode ?? 'DSTNY_MOBILE', serviceTypeCode: order.serviceTypeCode ?? 'MOBILE', simCardId: sim?.id,
      status: ServiceStatus.WAITING_FOR_ACTIVATION, activationMethod: 'EMAIL', activationTiming: 'LATER',
    },
  });
  const before = (await outbox()).length;
  await startService(db.prisma, ann, service.id);
  await worker.runDue();
  const sent = (await outbox()).slice(before);
  expect(sent).toHaveLength(1);
  const mail = sent[0]!.mail;
  const link = /https:\/\/bot\.example\.test\/activate\/([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
  return { service, mail, file: sent[0]!.file, link: link?.[0], token: link?.[1] };
}

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-email-'));
  const config = configFromEnvironment({ DATA_DIR: dataDir, NODE_ENV: 'test' });
  worker = new JobWorker({
    db: db.prisma,
    workerId: 'email-test',
    handlers: jobHandlers({ db, config, logger: createLogger('silent'), publicUrl, announce: (line) => announced.push(line) }),
  });
  ann = await person(demo.ann.email);
});

afterAll(async () => {
  await db?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('the English email says what the help page says, in HTML and plain text, with a working personal link', async () => {
  const { mail, link, token, file } = await emailFor(demo.sam.email, null);
  expect(mail.subject).toBe('Activate your Dstny SIM card');
  expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe(demo.sam.email);
  const text = mail.text ?? '';
  for (const sentence of [
    'Hello Sam Support,',
    'Ann Admin of Demo Company NV has set up a Dstny Mobile service for you.',
    '1. Keep your SIM card close to hand.',
    'This link is personal and only applies to your SIM card.',
    'Enter your SIM card number',
    'The activation normally takes an hour, but can take up to two days',
    'As soon as the network on your old SIM card drops out, replace it with the Dstny SIM card',
    'Simply send your SIM card number to the SIM activation assistant in Microsoft Teams',
    'Change your SIM card\'s default PIN code',
    'calling 9999',
    'APN settings',
    'Contact your fleet administrator, Ann Admin, or Dstny support on 02 401 97 00 (option 1)',
  ]) {
    expect(text).toContain(sentence);
  }
  expect(mail.html).toContain(`<a href="${link}"`);
  expect(mail.html).toContain('Activate my SIM card');
  expect(mail.headers.get('content-language')).toBe('en');

  const usable = await findUsableLink(db.prisma, token!, LinkPurpose.ACTIVATION);
  expect(usable?.person.email).toBe(demo.sam.email);
  // The file name gives nothing away; without a mail server the console says where the email is, never its link
  // or whose it is.
  expect(file).toMatch(/^[0-9TZ-]+-[0-9a-f-]{36}\.eml$/);
  expect(announced.at(-1)).toBe(`Activation email written to ${path.join(dataDir, 'outbox', file)}`);
  expect(announced.join('\n')).not.toMatch(/\/activate\/|Sam Support/);
});

test('Jan gets his email in Dutch', async () => {
  const { mail } = await emailFor(demo.jan.email, 'nl');
  expect(mail.subject).toBe('Activeer je Dstny-simkaart');
  expect(mail.text).toContain('Houd je simkaart bij de hand.');
  expect(mail.text).toContain('Deze link is persoonlijk en geldt alleen voor jouw simkaart.');
  expect(mail.text).toContain('De activatie duurt normaal een uur, maar kan in bepaalde gevallen tot twee dagen duren.');
  expect(mail.text).toContain('9999');
  expect(mail.text).toContain('Microsoft Teams');
  expect(mail.html).toContain('lang="nl"');
});

test('Marie gets hers in French', async () => {
  const { mail } = await emailFor(demo.marie.email, 'fr');
  expect(mail.subject).toBe('Activez votre carte SIM Dstny');
  expect(mail.text).toContain('Gardez votre carte SIM à portée de main.');
  expect(mail.text).toContain('Ce lien est personnel et ne vaut que pour votre carte SIM.');
  expect(mail.text).toContain("L'activation prend normalement une heure, mais peut prendre jusqu'à deux jours");
  expect(mail.text).toContain('02 401 97 00 (option 1)');
  expect(mail.html).toContain('lang="fr"');
});

test('a resent email carries a new link and the old one stops working', async () => {
  const { service, token: oldToken } = await emailFor(demo.luc.email, 'fr');
  const sam = await person(demo.sam.email);
  await resendActivationEmail(db.prisma, sam, service.id);
  await worker.runDue();
  const latest = (await outbox()).at(-1)!.mail;
  const newToken = /\/activate\/([A-Za-z0-9_-]+)/.exec(latest.text ?? '')![1]!;
  expect(newToken).not.toBe(oldToken);
  expect(await findUsableLink(db.prisma, oldToken!, LinkPurpose.ACTIVATION)).toBeNull();
  expect((await findUsableLink(db.prisma, newToken, LinkPurpose.ACTIVATION))?.serviceId).toBe(service.id);
  // Running the jobs again sends nothing more.
  const count = (await outbox()).length;
  await worker.runDue();
  expect((await outbox()).length).toBe(count);
});

test('Koen, whose SIM card the administrator entered, is told to open the link and press Start, not to enter the number', async () => {
  const { service, mail, link } = await emailFor(generatedDemoEmployees[1]!.email, 'nl', { iccid: demoStockIccids[40]! });
  expect((await db.prisma.service.findUniqueOrThrow({ where: { id: service.id } })).status).toBe(ServiceStatus.READY);
  const text = mail.text ?? '';
  expect(mail.subject).toBe('Activeer je Dstny-simkaart');
  for (const sentence of [
    '1. Houd je simkaart bij de hand.',
    `2. Open je activatiepagina: ${link}`,
    '4. Klik op "Activatie starten". Je vlootbeheerder heeft het nummer van je simkaart al ingevuld, dus je hoeft het niet te typen.',
    'Liever chatten? Zeg "activatie starten" tegen de simactivatie-assistent in Microsoft Teams en klik daar op de knop Activatie starten.',
    'Stel je voicemail in door 9999 te bellen.',
  ]) {
    expect(text).toContain(sentence);
  }
  expect(text).not.toContain('Vul het nummer van je simkaart in');
  expect(text).not.toContain('Stuur je simkaartnummer');
  expect(text).not.toContain(demoStockIccids[40]!);
});

test('a UC user, who has no SIM card, is never told about a SIM card number', async () => {
  const { service, mail, link } = await emailFor(generatedDemoEmployees[2]!.email, 'en', { productTypeCode: 'DSTNY_SMARTMOBILE', serviceTypeCode: 'SM_UC_USER' });
  expect((await db.prisma.service.findUniqueOrThrow({ where: { id: service.id } })).status).toBe(ServiceStatus.READY);
  const text = mail.text ?? '';
  expect(mail.subject).toBe('Activate your Dstny service');
  expect(text).toContain('Ann Admin of Demo Company NV has set up a Dstny SmartMobile service for you. You can now activate it.');
  expect(text).toContain('How to activate your service');
  expect(text).toContain(`1. Open your activation page: ${link}`);
  expect(text).toContain('2. This link is personal and only applies to your Dstny SmartMobile service.');
  expect(text).toContain('3. Press "Start activation". This service works without a SIM card, so there is nothing to type.');
  expect(text).toContain('make and take calls on your fixed number');
  expect(text).toContain('Contact your fleet administrator, Ann Admin, or Dstny support on 02 401 97 00 (option 1).');
  // The one mention of a SIM card is that there is none: no number to enter, no card to keep at hand, no PIN or APN.
  expect(text.match(/SIM card/g)).toEqual(['SIM card']);
  expect(text).not.toMatch(/PIN|APN|9999|flight mode/);
  expect(mail.html).toContain('Activate my service');
  expect(mail.html).not.toMatch(/SIM card number|Keep your SIM/);
});

describe('an eSIM, by email', () => {
  /** Runs the jobs due, and returns the emails they wrote, raw and parsed. */
  async function emailsSent(run: () => Promise<unknown>) {
    const before = new Set((await outbox()).map(({ file }) => file));
    await run();
    await worker.runDue();
    const sent = (await outbox()).filter(({ file }) => !before.has(file));
    // Read again with the picture's cid: links as sent (simpleParser would turn them into data: URIs).
    return Promise.all(sent.map(async ({ file, mail }) => {
      const raw = fs.readFileSync(path.join(dataDir, 'outbox', file), 'utf8');
      return { mail, raw, sentHtml: String((await simpleParser(raw, { keepCidLinks: true })).html) };
    }));
  }

  test('Marie gets "Your eSIM is ready" in French: the QR code as an inline image, the code to type, both phones\' steps, her page', async () => {
    await db.prisma.person.update({ where: { id: (await person(demo.marie.email)).id }, data: { preferredLanguage: 'fr' } });
    let esim = { iccid: '', activationCode: '', confirmationCode: null as string | null };
    const sent = await emailsSent(async () => ({ esim } = await startedEsimService(db.prisma, demo.marie.email, { withConfirmationCode: true })));
    expect(sent).toHaveLength(1);
    const [{ mail, raw, sentHtml }] = sent as [(typeof sent)[number]];
    expect(mail.to && 'text' in mail.to ? mail.to.text : '').toBe(demo.marie.email);
    expect(mail.subject).toBe('Votre eSIM Dstny est prête');

    // The picture travels as a related part the HTML names by its Content-ID: mail clients block data: URIs.
    expect(raw).toMatch(/Content-Type: multipart\/related/);
    const images = mail.attachments.filter((attachment) => attachment.contentType === 'image/png');
    expect(images).toHaveLength(1);
    expect(sentHtml).toContain(`<img src="cid:${images[0]!.cid}" alt="Code QR qui installe votre eSIM"`);
    expect(sentHtml).not.toContain('data:');
    expect(qrCodeIn(images[0]!.content)).toBe(esim.activationCode);

    const text = mail.text ?? '';
    const link = /https:\/\/bot\.example\.test\/activate\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
    expect(link).toBeDefined();
    for (const line of [
      'Bonjour Marie Dubois,',
      'Ann Admin de Demo Company NV a créé pour vous un service Dstny Mobile, avec une eSIM',
      'Votre eSIM pour Dstny Mobile est prête',
      `Le téléphone demande ensuite un code de confirmation : tapez ${esim.confirmationCode}.`,
      'Adresse SM-DP+: smdp.demo.dstny.example',
      `Code d'activation: ${matchingIdOf(esim.activationCode)}`,
      `Code de confirmation: ${esim.confirmationCode}`,
      esim.activationCode,
      ...esimInstallSteps('fr').iphone.map((step, i) => `${i + 1}. ${step}`),
      ...esimInstallSteps('fr').android.map((step, i) => `${i + 1}. ${step}`),
      `Votre page personnelle affiche le même code, et où en est votre activation : ${link}`,
      "L'activation prend ensuite environ une heure, parfois jusqu'à deux jours.",
    ]) {
      expect(text).toContain(line);
    }
    expect(mail.html).toContain(`<a href="${link}"`);
    expect(mail.html).toContain('lang="fr"');
  });

  test('a replacement brings its own email with the new code; Ann is only told an email went out, and no stored update or job holds a code', async () => {
    await db.prisma.person.update({ where: { id: (await person(demo.jan.email)).id }, data: { preferredLanguage: 'nl' } });
    let first = { activationCode: '' };
    let serviceId = '';
    await emailsSent(async () => ({ esim: first, service: { id: serviceId } } = await startedEsimService(db.prisma, demo.jan.email)));
    const sent = await emailsSent(() => replaceEsim(db.prisma, ann, serviceId));
    expect(sent).toHaveLength(1);
    const { mail } = sent[0]!;
    const replacement = (await db.prisma.service.findUniqueOrThrow({ where: { id: serviceId }, include: { simCard: true } })).simCard!.activationCode!;
    expect(replacement).not.toBe(first.activationCode);
    expect(mail.subject).toBe('Je Dstny-eSIM is klaar');
    expect(mail.text).toContain('Hier is een nieuwe eSIM voor je Dstny Mobile-dienst bij Demo Company NV: de vorige werkt niet meer.');
    expect(mail.text).toContain(replacement);
    expect(mail.text).not.toContain(matchingIdOf(first.activationCode));
    expect(qrCodeIn(mail.attachments[0]!.content)).toBe(replacement);

    const updates = await db.prisma.notification.findMany({ where: { serviceId } });
    expect(updates.filter((update) => update.kind === 'activation.emailSent').map((update) => update.recipientId)).toEqual([ann.id, ann.id]);
    const stored = JSON.stringify({ updates, jobs: await db.prisma.job.findMany({ where: { payload: { path: ['serviceId'], equals: serviceId } } }) });
    for (const code of [first.activationCode, replacement]) expect(stored).not.toContain(matchingIdOf(code));
  });
});
