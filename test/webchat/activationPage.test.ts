import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { conversationForToken } from '../../bot/http/webChat/conversations';
import { demo, demoScenario, demoStockIccids, generatedDemoEmployees } from '../../prisma/demoData';
import { LinkPurpose, ServiceStatus, SimState } from '../../prisma/generated/enums';
import { createAccessLink, newToken } from '../../services/people/accessLinks';
import { recordActivationResult } from '../../services/lifecycle/activationResult';
import { resendActivationEmail } from '../../services/lifecycle/activation';
import { lockedActivationLinks } from '../../services/people/activationLinks';
import type { Actor } from '../../services/people/people';
import { recordEsimInstalled, replaceEsim } from '../../services/simCards/esimProfiles';
import { esimInstallSteps } from '../../cards/esimCard';
import { matchingIdOf, startedEsimService } from '../support/esimService';
import { decode, textOf } from '../support/pageText';
import { qrCodeInDataUri } from '../support/qrCode';
import { useRunningBot } from '../support/botUnderTest';
import { waitFor } from '../support/waitFor';


// Real time for the simulated backend: an activation started here does not complete by itself during the test.
const served = useRunningBot('activation-page', { SIM_CLOCK_SPEED: '1' }, { seed: true, logDestination: { write: () => undefined } });


const DUTCH = { 'Accept-Language': 'nl-BE,nl;q=0.9,en;q=0.5' };
const grouped = (iccid: string) => iccid.replace(/(\d{4})(?=\d)/g, '$1 ');
const right = demoStockIccids[0]!;
const wrongDigit = right.slice(0, 15) + String((Number(right[15]) + 5) % 10) + right.slice(16);

const person = (email: string): Promise<Actor> => served.db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });

interface Page {
  status: number;
  html: string;
  headers: Headers;
}

async function open(url: string, headers: Record<string, string> = {}): Promise<Page> {
  const response = await fetch(url, { headers, redirect: 'manual' });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** Sends the form as a browser does, without following the answer's redirect. */
async function submit(url: string, iccid: string, headers: Record<string, string> = {}): Promise<Page> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ iccid }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

const tagOf = (html: string, id: string) => new RegExp(`<[a-z]+ id="${id}"[^>]*>`).exec(html)?.[0] ?? '';
const attribute = (tag: string, name: string) => decode(new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? '');
const errorText = (html: string) => textOf(/<p id="iccid-error"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '');

/** Resends the person's activation email as Ann, and returns the link in the message written to the outbox for them. */
async function emailedLink(serviceId: string): Promise<string> {
  const outbox = path.join(served.dataDir, 'outbox');
  const before = new Set(fs.existsSync(outbox) ? fs.readdirSync(outbox) : []);
  const service = await served.db.prisma.service.findUniqueOrThrow({ where: { id: serviceId }, include: { user: true } });
  await resendActivationEmail(served.db.prisma, await person(demo.ann.email), serviceId);
  const linkPattern = new RegExp(`${served.bot.url}/activate/[A-Za-z0-9_-]{43}`);
  // A file appears before it is completely written: read again until the whole message with its link is there.
  return waitFor(`the activation email to ${service.user.displayName}`, async () => {
    for (const file of fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((name) => !before.has(name)) : []) {
      const mail = await simpleParser(fs.readFileSync(path.join(outbox, file)));
      const to = mail.to && !Array.isArray(mail.to) ? mail.to.text : '';
      const link = linkPattern.exec(mail.text ?? '')?.[0];
      if (to === service.user.email && link) return link;
    }
    return undefined;
  });
}

/** What the administrator chose besides a mobile line whose SIM card number the user enters. */
interface Order {
  status?: ServiceStatus;
  /** SM_UC_USER: a UC user, fixed only, without a SIM card. */
  serviceTypeCode?: string;
  /** The administrator entered this stock card. */
  iccid?: string;
}

/** A service of a demo employee waiting for them (their SIM card number, unless ordered otherwise), with a personal link. */
async function waitingService(email: string, language: 'en' | 'nl' | 'fr' | null = 'en', order: Order = {}) {
  const [user, ann] = await Promise.all([person(email), person(demo.ann.email)]);
  await served.db.prisma.person.update({ where: { id: user.id }, data: { preferredLanguage: language } });
  const sim = order.iccid ? await served.db.prisma.simCard.update({ where: { iccid: order.iccid }, data: { state: SimState.ASSIGNED } }) : null;
  const service = await served.db.prisma.service.create({
    data: {
      organisationId: user.organisationId, userId: user.id, createdById: ann.id,
      productTypeCode: order.serviceTypeCode === 'SM_UC_USER' ? 'DSTNY_SMARTMOBILE' : 'DSTNY_MOBILE', serviceTypeCode: order.serviceTypeCode ?? 'MOBILE',
      status: order.status ?? ServiceStatus.WAITING_FOR_SIM, activationMethod: 'EMAIL', activationTiming: 'NOW', simCardId: sim?.id,
    },
  });
  const { token } = await createAccessLink(served.db.prisma, { purpose: LinkPurpose.ACTIVATION, personId: user.id, serviceId: service.id, ttlMs: 14 * 86_400_000 });
  return { service, url: `${served.bot.url}/activate/${token}` };
}

/** Presses the page's Start activation button: its form carries nothing but action=start. */
async function pressStart(url: string): Promise<Page> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ action: 'start' }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** A page that only says where the service stands: no form to send, no chat to open. */
function expectReadOnly(page: Page): void {
  expect(page.status).toBe(200);
  expect(page.html).not.toContain('<form');
  expect(page.html).not.toContain('webchat-token');
  expect(page.html).not.toContain('webchat.js');
  expect(page.headers.get('content-security-policy')).toContain("form-action 'none'");
}

const statusOf = async (id: string) => (await served.db.prisma.service.findUniqueOrThrow({ where: { id }, include: { simCard: true } }));

describe("Jan's link from his activation email", () => {
  let janService: { id: string };
  let link: string;

  beforeAll(async () => {
    janService = await served.db.prisma.service.findFirstOrThrow({ where: { idempotencyKey: 'seed:demo:jan' } });
    link = await emailedLink(janService.id);
  });

  test('opens his page in Dutch: whose service and which product, the form, and a chat tied to him and the service', async () => {
    const page = await open(link);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/^<!doctype html>\s*<html lang="nl">/);
    const text = textOf(page.html);
    expect(text).toContain('Persoonlijke pagina van Jan Peeters');
    expect(text).toContain('Jan Peeters, met deze pagina activeer je de simkaart van je Dstny Mobile-dienst (Mobiel) bij Demo Company NV.');
    expect(page.html).toContain('<label for="iccid">Simkaartnummer</label>');
    const input = tagOf(page.html, 'iccid');
    expect([attribute(input, 'name'), attribute(input, 'inputmode'), attribute(input, 'autocomplete'), attribute(input, 'value')]).toEqual(['iccid', 'numeric', 'off', '']);
    expect(attribute(input, 'aria-invalid')).toBe('');
    // A plain form posting back to the page's own address: no action, so the token is not written out again.
    expect(page.html).toMatch(/<form method="post" class="field" novalidate>/);
    expect(text).toContain('Vragen? Stel ze aan de assistent');
    // Nothing of Jan's number or any SIM card in the page.
    const mobile = demoScenario.jan.mobileNumber;
    for (const hidden of [mobile, mobile.replace('+32', '0'), ...demoStockIccids.slice(0, 5)]) expect(page.html).not.toContain(hidden);

    const chatToken = attribute(/<meta name="webchat-token"[^>]*>/.exec(page.html)![0], 'content');
    const conversation = await conversationForToken(served.db.prisma, chatToken);
    const jan = await person(demo.jan.email);
    expect(conversation).toMatchObject({ personId: jan.id, serviceId: janService.id });
  });

  test('a number with a letter in it: the specific message under the field, and what Jan typed kept in it', async () => {
    const typed = '8932 10O1 0000 0000 001';
    const page = await submit(link, typed);
    expect(page.status).toBe(422);
    expect(errorText(page.html)).toBe(
      'Een simkaartnummer bestaat alleen uit cijfers (spaties en streepjes tussen de groepen mogen); dit nummer bevat andere tekens.',
    );
    const input = tagOf(page.html, 'iccid');
    expect(attribute(input, 'value')).toBe(typed);
    expect(attribute(input, 'aria-invalid')).toBe('true');
    expect(attribute(input, 'aria-describedby')).toBe('iccid-hint iccid-error');
  });

  test('too short: how many digits it has', async () => {
    const page = await submit(link, '8932 1001');
    expect(errorText(page.html)).toBe('Een simkaartnummer heeft 19 of 20 cijfers; dit nummer heeft er 8.');
    expect(attribute(tagOf(page.html, 'iccid'), 'value')).toBe('8932 1001');
  });

  test('one wrong digit: "did you mean" the stock card, with a button that sends it', async () => {
    const page = await submit(link, grouped(wrongDigit));
    expect(page.status).toBe(422);
    expect(errorText(page.html)).toBe(
      'Er zit ergens een tikfout in dit simkaartnummer: het laatste cijfer klopt niet met de andere. Vergelijk het cijfer per cijfer met de kaart.',
    );
    expect(attribute(tagOf(page.html, 'iccid'), 'value')).toBe(grouped(wrongDigit));
    expect(textOf(page.html)).toContain(`Bedoelde je ${grouped(right)}? Ja, gebruik dit nummer`);
    // The button sends the suggestion through a form of its own, holding the suggested number.
    expect(page.html).toContain('<button type="submit" form="use-suggestion">Ja, gebruik dit nummer</button>');
    expect(page.html).toContain(`<form id="use-suggestion" method="post"><input type="hidden" name="iccid" value="${right}"></form>`);
  });

  test('the suggested number: the page then says where the activation stands and what comes next, without the chat', async () => {
    const sent = await submit(link, right);
    expect(sent.status).toBe(303);
    expect(sent.headers.get('location')).toBe(new URL(link).pathname);
    const page = await open(link);
    expectReadOnly(page);
    const text = textOf(page.html);
    expect(text).toContain('Waar je activatie staat');
    expect(text).toContain('Je simkaart voor Dstny Mobile wordt geactiveerd. Dat duurt normaal ongeveer een uur, en kan tot twee dagen duren.');
    expect(text).toContain('We laten je weten zodra ze actief is.');
    expect(text).toContain('Blijf je oude simkaart gebruiken tot ze geen netwerk meer heeft; zodra dat gebeurt, plaats je de Dstny-simkaart');
    const service = await statusOf(janService.id);
    expect(service.status).toBe(ServiceStatus.ACTIVATING);
    expect(service.simCard?.iccid).toBe(right);

    // Sent twice (a double click, a reload of the answer): the same page, and one registration.
    expect((await submit(link, right)).status).toBe(303);
    expect(await served.db.prisma.serviceEvent.count({ where: { serviceId: janService.id, kind: 'sim_submitted' } })).toBe(1);
  });

  test('once the activation is complete, the link says so and what to do if calls or data do not work', async () => {
    await recordActivationResult(served.db.prisma, janService.id, { outcome: 'ACTIVE' });
    const page = await open(link, DUTCH);
    expectReadOnly(page);
    const text = textOf(page.html);
    expect(text).toContain('Je simkaart voor Dstny Mobile is actief: je kunt bellen en surfen met Dstny.');
    expect(text).toContain('Kun je niet bellen of surfen? Zet de vliegtuigmodus aan en weer uit, of herstart je toestel.');
    // A number sent to it now is neither checked nor counted: the page just shows where the service stands.
    const wrongSoFar = async () => (await served.db.prisma.accessLink.findFirstOrThrow({ where: { serviceId: janService.id, revokedAt: null } })).failedAttempts;
    const before = await wrongSoFar();
    expect((await submit(link, '8932 1001')).status).toBe(303);
    expect(await wrongSoFar()).toBe(before);
  });
});

/** Stock cards for services whose SIM card the administrator entered. */
let nextCard = 30;

describe('after the user\'s part, the link shows every later state of its service in their language', () => {
  test.each([
    [ServiceStatus.ACTIVATING, null, ['Your SIM card for Dstny Mobile is being activated.', "We'll let you know as soon as it is active.", 'Keep using your old SIM card until its network drops out']],
    [ServiceStatus.WAITING_FOR_PORTING, null, ['Your SIM card for Dstny Mobile works. Your current number moves to it once the transfer from your current operator is complete: keep using your old SIM card until it loses the network, then put in the Dstny SIM card.']],
    [ServiceStatus.ACTIVE, null, ['Your SIM card for Dstny Mobile is active: you can call and surf with Dstny.', "Can't call or surf?"]],
    [ServiceStatus.FAILED, 'The network refused the SIM card.', ['The activation of your SIM card for Dstny Mobile failed: The network refused the SIM card. Please contact your fleet administrator, or Dstny support on 02 401 97 00 (option 1).']],
    [ServiceStatus.FAILED, null, ['The activation of your SIM card for Dstny Mobile failed: no reason was given.']],
    [ServiceStatus.ENDED, null, ['Your Dstny Mobile service has ended.']],
  ])('%s (%s)', async (status, failureReason, sentences) => {
    const { service, url } = await waitingService(generatedDemoEmployees[11]!.email, 'en', { iccid: demoStockIccids[nextCard++]! });
    await served.db.prisma.service.update({ where: { id: service.id }, data: { status, failureReason } });
    const page = await open(url);
    expectReadOnly(page);
    const text = textOf(page.html);
    expect(text).toContain('Where your activation stands');
    for (const sentence of sentences) expect(text).toContain(sentence);
    expect(page.html).not.toMatch(/at [\w.]+ \(|Error:/);
  });
});

describe('a UC user\'s link: no SIM card, so nothing to type', () => {
  test('the page offers Start activation only, its chat is there, and Start moves the service on', async () => {
    const { service, url } = await waitingService(generatedDemoEmployees[12]!.email, 'en', { status: ServiceStatus.READY, serviceTypeCode: 'SM_UC_USER' });
    const page = await open(url);
    expect(page.status).toBe(200);
    const text = textOf(page.html);
    expect(text).toContain('Activate your service');
    expect(text).toContain('this page activates your Dstny SmartMobile service (UC user) at Demo Company NV.');
    expect(text).toContain('Your Dstny SmartMobile service works without a SIM card, so there is nothing to type. Press Start activation to activate it.');
    expect(page.html).not.toContain('id="iccid"');
    expect(text).not.toMatch(/SIM card number/);
    expect(page.html).toContain('<input type="hidden" name="action" value="start">');
    expect(page.html).toContain('<button type="submit">Start activation</button>');
    expect(page.html).toContain('<meta name="webchat-token"');

    const pressed = await pressStart(url);
    expect([pressed.status, pressed.headers.get('location')]).toEqual([303, new URL(url).pathname]);
    expect((await statusOf(service.id)).status).toBe(ServiceStatus.ACTIVATING);
    const after = await open(url);
    expectReadOnly(after);
    expect(textOf(after.html)).toContain('Your Dstny SmartMobile service is being activated. This normally takes about an hour, and can take up to two days.');
    expect(textOf(after.html)).not.toMatch(/SIM card/);
  });
});

type Json = Record<string, any>;

/** The web chat of a page, as its script starts it: the page's token, then a conversation through Direct Line. */
async function chatOf(page: Page) {
  const token = attribute(/<meta name="webchat-token"[^>]*>/.exec(page.html)![0], 'content');
  const call = async (method: string, route: string, body?: Json): Promise<Json> => {
    const response = await fetch(`${served.bot.url}/v3/directline${route}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as Json;
  };
  const { conversationId } = await call('POST', '/conversations', { locale: 'en-US' });
  /** Posts a message (typed text, or a button's value as Action.Submit sends it) and reads what the bot answered. */
  return async (message: { text?: string; value?: Json }) => {
    const { id } = await call('POST', `/conversations/${conversationId}/activities`, { type: 'message', locale: 'en-US', ...message });
    const { activities } = await call('GET', `/conversations/${conversationId}/activities`);
    const replies = (activities as Json[]).filter((activity) => activity.replyToId === id);
    const cards = replies.flatMap((reply) => (reply.attachments ?? []).map((attachment: Json) => attachment.content));
    return {
      texts: [...replies.map((reply) => reply.text).filter(Boolean), ...cards.flatMap((card) => card.body.filter((item: Json) => item.type === 'TextBlock').map((item: Json) => item.text))],
      buttons: cards.flatMap((card) => (card.actions ?? []).map((action: Json) => action.title)),
    };
  };
}

describe('the chat on a personal page speaks of the link\'s service only', () => {
  test('an administrator\'s own activation link opens a chat that can do what an employee can, nothing of her role', async () => {
    const own = await waitingService(demo.ann.email, 'en');
    const says = await chatOf(await open(own.url));
    const overview = await says({ text: 'show me the fleet overview' });
    expect(overview.texts.join(' ')).not.toMatch(/Needs you now|Overview of|Demo Company NV/);
    const lookUp = await says({ text: 'status of jan.peeters@demo.example' });
    expect(lookUp.texts.join(' ')).not.toMatch(/Jan Peeters/);
    const before = await served.db.prisma.service.count({ where: { status: ServiceStatus.ACTIVATING } });
    await says({ value: { verb: 'waitingServices.startAll' } });
    expect(await served.db.prisma.service.count({ where: { status: ServiceStatus.ACTIVATING } })).toBe(before);
    // Her own activation is what the link is for.
    expect(await says({ text: 'activate my SIM' })).toEqual({ texts: ['Please type your SIM card number: the 19 or 20 digits printed on the card, starting with 89.'], buttons: [] });
  });

  test('with two services waiting for a number, the number typed goes to the page\'s service: no "which one"', async () => {
    const email = generatedDemoEmployees[13]!.email;
    const first = await waitingService(email, 'en');
    const second = await waitingService(email, 'en');
    const says = await chatOf(await open(second.url));
    expect(await says({ text: 'activate my SIM' })).toEqual({ texts: ['Please type your SIM card number: the 19 or 20 digits printed on the card, starting with 89.'], buttons: [] });
    const answer = await says({ text: grouped(demoStockIccids[40]!) });
    expect(answer.texts[0]).toContain(`Thank you: SIM card ${grouped(demoStockIccids[40]!)} is registered and its activation starts now.`);
    expect((await statusOf(second.service.id)).simCard?.iccid).toBe(demoStockIccids[40]);
    expect((await statusOf(first.service.id)).simCardId).toBeNull();
  });

  test('a page whose SIM card is known offers Start in its chat, takes no other card, and starts its own service', async () => {
    const email = generatedDemoEmployees[14]!.email;
    const waiting = await waitingService(email, 'en');
    const ready = await waitingService(email, 'en', { status: ServiceStatus.READY, iccid: demoStockIccids[41]! });
    const says = await chatOf(await open(ready.url));
    const offer = 'Your fleet administrator has already registered the SIM card of your Dstny Mobile service, so there is no number to type. Press Start activation when you have the SIM card at hand.';
    expect(await says({ text: 'activate my SIM' })).toEqual({ texts: [offer], buttons: ['Start activation'] });
    // Another stock card typed here is not taken for the other service waiting for one.
    expect(await says({ text: grouped(demoStockIccids[42]!) })).toEqual({
      texts: ['This is not the SIM card your fleet administrator registered for this service. Please check that you have the right card, or ask your fleet administrator.', offer],
      buttons: ['Start activation'],
    });
    expect((await statusOf(waiting.service.id)).simCardId).toBeNull();
    const started = await says({ value: { verb: 'activateSim.start', serviceId: ready.service.id } });
    expect(started.texts).toEqual([expect.stringContaining('The activation of your SIM card for Dstny Mobile has started.')]);
    expect((await statusOf(ready.service.id)).status).toBe(ServiceStatus.ACTIVATING);
    expect((await statusOf(waiting.service.id)).status).toBe(ServiceStatus.WAITING_FOR_SIM);
  });
});

describe('a link that cannot be used', () => {
  test('expired, revoked, used, unknown or malformed: byte for byte the same answer, saying whom to ask', async () => {
    const expired = await waitingService(generatedDemoEmployees[0]!.email);
    await served.db.prisma.accessLink.updateMany({ where: { serviceId: expired.service.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const revoked = await waitingService(generatedDemoEmployees[1]!.email);
    await resendActivationEmail(served.db.prisma, await person(demo.ann.email), revoked.service.id);
    const used = await waitingService(generatedDemoEmployees[2]!.email);
    await served.db.prisma.accessLink.updateMany({ where: { serviceId: used.service.id }, data: { usedAt: new Date() } });

    const urls = [
      expired.url,
      revoked.url,
      used.url,
      `${served.bot.url}/activate/${newToken()}`,
      `${served.bot.url}/activate/not-a-token`,
      `${served.bot.url}/activate/${'A'.repeat(43)}%00`,
      `${served.bot.url}/activate/${'x'.repeat(300)}`,
    ];
    const answers = await Promise.all(urls.map((url) => open(url, DUTCH)));
    const posted = await Promise.all(urls.slice(0, 3).map((url) => submit(url, right, DUTCH)));
    const headersOf = (page: Page) => {
      const all: string[][] = [];
      page.headers.forEach((value, name) => name !== 'date' && all.push([name, value]));
      return all;
    };
    for (const answer of [...answers, ...posted]) {
      expect(answer.status).toBe(404);
      expect(answer.html).toBe(answers[0]!.html);
      expect(headersOf(answer)).toEqual(headersOf(answers[0]!));
    }
    expect(answers[0]!.html).toContain('<html lang="nl">');
    expect(textOf(answers[0]!.html)).toContain(
      'Deze activatielink is onbekend, verlopen of niet meer geldig. Is je simkaart nog niet actief? Vraag je vlootbeheerder om een nieuwe activatiemail, of bel Dstny support op 02 401 97 00 (optie 1).',
    );
    // Without a language of its own, the page speaks the browser's language, or English.
    expect(textOf((await open(urls[3]!)).html)).toContain("This link can't be used");
    expect(textOf((await open(urls[3]!, { 'Accept-Language': 'de-DE,fr;q=0.8' })).html)).toContain('Ce lien ne peut pas être utilisé');
    // Nothing was entered through them.
    for (const { service } of [expired, revoked, used]) expect((await statusOf(service.id)).simCardId).toBeNull();
  });
});

describe('wrong numbers are limited', () => {
  beforeEach(async () => {
    await served.db.prisma.attemptWindow.deleteMany();
  });

  test('the last tries are counted down under the field; the tenth wrong number locks the link and the administrators are told', async () => {
    const { service, url } = await waitingService(generatedDemoEmployees[3]!.email);
    const errors: string[] = [];
    for (let attempt = 1; attempt < 10; attempt++) {
      const page = await submit(url, '8932 1001');
      expect(page.status).toBe(422);
      errors.push(errorText(page.html));
    }
    const wrong = 'A SIM card number has 19 or 20 digits; this one has 8.';
    expect(errors.slice(0, 7)).toEqual(Array(7).fill(wrong));
    expect(errors.slice(7)).toEqual([`${wrong} You have 2 tries left before this link locks.`, `${wrong} You have one try left before this link locks.`]);
    // An empty form is not a wrong number.
    expect((await submit(url, '')).status).toBe(422);
    const locked = await submit(url, '8932 1002');
    expect(locked.status).toBe(403);
    expect(textOf(locked.html)).toContain(
      'This link is locked Too many wrong SIM card numbers were entered with this link, so it no longer accepts any. Your fleet administrator has been told and will send you a new activation email with a new link.',
    );
    expect(locked.html).not.toContain('webchat-token');
    expect((await open(url)).status).toBe(403);
    expect((await submit(url, demoStockIccids[1]!)).status).toBe(403);
    expect((await statusOf(service.id)).status).toBe(ServiceStatus.WAITING_FOR_SIM);
    const ann = await person(demo.ann.email);
    const told = await served.db.prisma.notification.findMany({ where: { kind: 'activation.linkLocked', serviceId: service.id } });
    expect(told.map((notice) => notice.recipientId)).toEqual([ann.id]);
    expect(await lockedActivationLinks(served.db.prisma, ann.organisationId)).toContain(service.id);
    // A new email brings a new link that works again.
    const fresh = await emailedLink(service.id);
    expect((await open(fresh)).status).toBe(200);
    expect(await lockedActivationLinks(served.db.prisma, ann.organisationId)).not.toContain(service.id);
  });

  test('thirty wrong numbers from one address over three links do not hold back an unrelated employee on that network', async () => {
    const links = await Promise.all([4, 5, 6, 7].map((n) => waitingService(generatedDemoEmployees[n]!.email)));
    for (const { url } of links.slice(0, 3)) {
      for (let attempt = 1; attempt <= 10; attempt++) await submit(url, '8932 1001');
    }
    const { service, url } = links[3]!;
    expect((await submit(url, grouped(demoStockIccids[2]!))).status).toBe(303);
    expect((await statusOf(service.id)).simCard?.iccid).toBe(demoStockIccids[2]);
  });

  test('two hundred wrong numbers from one address in an hour hold back every link from it, keeping what was typed, until the hour has passed', async () => {
    const first = await waitingService(generatedDemoEmployees[16]!.email);
    const { service, url } = await waitingService(generatedDemoEmployees[17]!.email);
    expect((await submit(first.url, '8932 1001')).status).toBe(422);
    // As if 199 more had come from this address across other links.
    await served.db.prisma.attemptWindow.updateMany({ where: { key: { startsWith: 'activation-address:' } }, data: { count: 200 } });
    const held = await submit(url, grouped(demoStockIccids[4]!));
    expect(held.status).toBe(429);
    expect(Number(held.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(errorText(held.html)).toMatch(/^Too many wrong SIM card numbers were entered from your network\. Please try again in \d+ minutes, or ask your fleet administrator\.$/);
    expect(attribute(tagOf(held.html, 'iccid'), 'value')).toBe(grouped(demoStockIccids[4]!));
    expect((await statusOf(service.id)).simCardId).toBeNull();

    // The window the wrong numbers were counted in has ended.
    await served.db.prisma.attemptWindow.updateMany({ data: { windowStart: new Date(Date.now() - 2 * 60 * 60 * 1000) } });
    expect((await submit(url, grouped(demoStockIccids[4]!))).status).toBe(303);
    expect((await statusOf(service.id)).simCard?.iccid).toBe(demoStockIccids[4]);
  });

  test('right numbers do not count against the address', async () => {
    const { url } = await waitingService(generatedDemoEmployees[8]!.email);
    expect((await submit(url, demoStockIccids[3]!)).status).toBe(303);
    expect(await served.db.prisma.attemptWindow.aggregate({ _sum: { count: true } })).toEqual({ _sum: { count: 0 } });
  });
});

describe("the page's language and headers", () => {
  test('in the person\'s own language first, the browser\'s otherwise', async () => {
    const { url } = await waitingService(generatedDemoEmployees[9]!.email, null);
    const french = await open(url, { 'Accept-Language': 'fr-BE,fr;q=0.9' });
    expect(french.html).toContain('<html lang="fr">');
    expect(textOf(french.html)).toContain('Activez votre carte SIM');
    const english = await open(url);
    expect(english.html).toContain('<html lang="en">');
    await served.db.prisma.person.update({ where: { id: (await person(generatedDemoEmployees[9]!.email)).id }, data: { preferredLanguage: 'nl' } });
    expect((await open(url, { 'Accept-Language': 'fr-BE' })).html).toContain('<html lang="nl">');
  });

  test('headers: only this server\'s scripts, the form posting only here, never framed, no referrer, never cached', async () => {
    const { url } = await waitingService(generatedDemoEmployees[10]!.email);
    const page = await open(url);
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = attribute(/<meta name="csp-nonce"[^>]*>/.exec(page.html)![0], 'content');
    expect(csp.split('; ')).toEqual(expect.arrayContaining([
      "default-src 'none'",
      "script-src 'self'",
      `style-src 'self' 'nonce-${nonce}' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='`,
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ]));
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const css = await fetch(`${served.bot.url}/webchat/page/activate.css`);
    expect([css.status, css.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);

    const unusable = await open(`${served.bot.url}/activate/${newToken()}`);
    expect(unusable.headers.get('content-security-policy')).toContain("form-action 'none'");
    expect(unusable.headers.get('referrer-policy')).toBe('no-referrer');
    expect(unusable.headers.get('cache-control')).toBe('no-store');
  });
});

/** The link's status as the page's script asks for it. */
async function linkStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers }> {
  const response = await fetch(`${url}/status`, { headers: { Accept: 'application/json', ...headers } });
  return { status: response.status, body: (await response.json()) as Json, headers: response.headers };
}

/** Sends the form as the page's script does: with fetch, asking for JSON, so that the page and its chat stay. */
async function submitScripted(url: string, fields: Record<string, string>): Promise<{ status: number; body: Json }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

describe('the status address of a link: what the page\'s panel shows, for that link only', () => {
  test('while the service waits it says so; once the number is taken in the chat, where it stands and what comes next, in the person\'s language', async () => {
    const { url } = await waitingService(generatedDemoEmployees[18]!.email, 'nl');
    const before = await linkStatus(url);
    expect(before.status).toBe(200);
    // The form of the wait, which the page puts in place when the wait changes.
    expect(before.body).toEqual({ state: 'WAITING_FOR_SIM', heading: 'Activeer je simkaart', paragraphs: [], fields: expect.stringContaining('<label for="iccid">Simkaartnummer</label>'), pollAfter: 5 });
    expect(before.headers.get('cache-control')).toBe('no-store');
    expect(before.headers.get('content-type')).toBe('application/json; charset=utf-8');

    const says = await chatOf(await open(url));
    await says({ text: grouped(demoStockIccids[43]!) });
    const after = await linkStatus(url, { 'Accept-Language': 'fr-BE' });
    expect(after.status).toBe(200);
    expect(after.body.state).toBe('ACTIVATING');
    expect(after.body.heading).toBe('Waar je activatie staat');
    expect(after.body.paragraphs).toEqual(expect.arrayContaining([
      'Je simkaart voor Dstny Mobile wordt geactiveerd. Dat duurt normaal ongeveer een uur, en kan tot twee dagen duren.',
      'We laten je weten zodra ze actief is.',
    ]));
    expect(after.body.pollAfter).toBeGreaterThan(0);
  });

  test('when the administrator registers the SIM card meanwhile, it gives the Start form, as the page now shows it', async () => {
    const { service, url } = await waitingService(generatedDemoEmployees[15]!.email, 'nl');
    const sim = await served.db.prisma.simCard.update({ where: { iccid: demoStockIccids[47]! }, data: { state: SimState.ASSIGNED } });
    await served.db.prisma.service.update({ where: { id: service.id }, data: { status: ServiceStatus.READY, simCardId: sim.id } });
    const { status, body } = await linkStatus(url);
    expect(status).toBe(200);
    expect(body).toMatchObject({ state: 'READY', heading: 'Activeer je simkaart', paragraphs: [], pollAfter: 5 });
    expect(body.fields).toContain('<input type="hidden" name="action" value="start">');
    expect(body.fields).toContain('<button type="submit">Activatie starten</button>');
    expect(body.fields).not.toContain('name="iccid"');
    // The same form the page itself has for this wait.
    const page = await open(url);
    const shown = /<div id="step-form">([\s\S]*?)<\/div>\s*<\/section>/.exec(page.html)?.[1];
    expect(shown?.trim()).toBe(body.fields.trim());
  });

  test('two links of one person each tell of their own service only', async () => {
    const email = generatedDemoEmployees[19]!.email;
    const first = await waitingService(email, 'en');
    const second = await waitingService(email, 'en');
    expect((await submit(second.url, grouped(demoStockIccids[44]!))).status).toBe(303);
    expect((await linkStatus(first.url)).body.state).toBe('WAITING_FOR_SIM');
    expect((await linkStatus(second.url)).body.state).toBe('ACTIVATING');
  });

  test('an expired, replaced or used link, or another path, answers as the page would: nothing about the service', async () => {
    const expired = await waitingService(generatedDemoEmployees[20]!.email);
    await served.db.prisma.accessLink.updateMany({ where: { serviceId: expired.service.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const replaced = await waitingService(generatedDemoEmployees[21]!.email);
    await resendActivationEmail(served.db.prisma, await person(demo.ann.email), replaced.service.id);
    const used = await waitingService(generatedDemoEmployees[22]!.email);
    await served.db.prisma.accessLink.updateMany({ where: { serviceId: used.service.id }, data: { usedAt: new Date() } });
    const unknown = `${served.bot.url}/activate/${newToken()}`;
    const answers = await Promise.all([expired.url, replaced.url, used.url, unknown].map((url) => linkStatus(url, DUTCH)));
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.body).toEqual({
        state: 'unusable',
        heading: 'Deze link kan niet gebruikt worden',
        paragraphs: ['Deze activatielink is onbekend, verlopen of niet meer geldig. Is je simkaart nog niet actief? Vraag je vlootbeheerder om een nieuwe activatiemail, of bel Dstny support op 02 401 97 00 (optie 1).'],
        pollAfter: null,
      });
    }
    // The status of a link is only under its own page's address.
    expect((await fetch(`${replaced.url}/status/more`)).status).toBe(404);
  });

  test('a locked link says it is locked', async () => {
    await served.db.prisma.attemptWindow.deleteMany();
    const { service, url } = await waitingService(generatedDemoEmployees[23]!.email);
    await served.db.prisma.accessLink.updateMany({ where: { serviceId: service.id }, data: { failedAttempts: 10 } });
    const locked = await linkStatus(url);
    expect([locked.status, locked.body.state, locked.body.heading, locked.body.pollAfter]).toEqual([403, 'locked', 'This link is locked', null]);
  });
});

describe('the form sent by the page\'s script, on the same conversation as the chat', () => {
  test('a wrong number answers the form alone; the right one answers where the service stands, and the chat keeps what it said', async () => {
    const { service, url } = await waitingService(generatedDemoEmployees[20]!.email, 'en');
    const page = await open(url);
    const says = await chatOf(page);
    const question = await says({ text: 'how long does activation take?' });
    expect(question.texts.length).toBeGreaterThan(0);

    const wrong = await submitScripted(url, { iccid: '8932 1001' });
    expect(wrong.status).toBe(422);
    expect(textOf(wrong.body.form)).toContain('A SIM card number has 19 or 20 digits; this one has 8.');
    expect(wrong.body.form).toContain('value="8932 1001"');
    // No new page, so no new chat.
    expect(wrong.body.form).not.toContain('webchat-token');

    const right = await submitScripted(url, { iccid: grouped(demoStockIccids[45]!) });
    expect(right.status).toBe(200);
    expect(right.body.state).toBe('ACTIVATING');
    expect(right.body.paragraphs[0]).toBe('Your SIM card for Dstny Mobile is being activated. This normally takes about an hour, and can take up to two days.');
    expect((await statusOf(service.id)).simCard?.iccid).toBe(demoStockIccids[45]);

    // The page's chat can still read all it said, the question included, and takes nothing more.
    const token = attribute(/<meta name="webchat-token"[^>]*>/.exec(page.html)![0], 'content');
    const conversation = (await conversationForToken(served.db.prisma, token))!;
    const read = await fetch(`${served.bot.url}/v3/directline/conversations/${conversation.id}/activities`, { headers: { Authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    const texts = ((await read.json()) as Json).activities.map((activity: Json) => activity.text);
    expect(texts).toContain('how long does activation take?');
    const more = await fetch(`${served.bot.url}/v3/directline/conversations/${conversation.id}/activities`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'message', text: 'hello again' }),
    });
    expect(more.status).toBe(403);
  });

  test('Start pressed through the script answers where the service stands', async () => {
    const { service, url } = await waitingService(generatedDemoEmployees[21]!.email, 'en', { status: ServiceStatus.READY, serviceTypeCode: 'SM_UC_USER' });
    const pressed = await submitScripted(url, { action: 'start' });
    expect([pressed.status, pressed.body.state]).toEqual([200, 'ACTIVATING']);
    expect((await statusOf(service.id)).status).toBe(ServiceStatus.ACTIVATING);
  });
});

describe('a link of a deactivated organisation', () => {
  test('its page, its form (plain or scripted) and its status all answer as an unusable link does, and nothing is entered', async () => {
    const organisation = await served.db.prisma.organisation.create({ data: { name: 'Gone BV', tenantId: crypto.randomUUID() } });
    const user = await served.db.prisma.person.create({ data: { organisationId: organisation.id, role: 'USER', email: 'eva@gone.example', displayName: 'Eva Gone', preferredLanguage: 'en' } });
    const service = await served.db.prisma.service.create({
      data: { organisationId: organisation.id, userId: user.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE', status: ServiceStatus.WAITING_FOR_SIM, activationMethod: 'EMAIL', activationTiming: 'NOW' },
    });
    const { token } = await createAccessLink(served.db.prisma, { purpose: LinkPurpose.ACTIVATION, personId: user.id, serviceId: service.id, ttlMs: 86_400_000 });
    const url = `${served.bot.url}/activate/${token}`;
    expect((await open(url)).status).toBe(200);
    await served.db.prisma.organisation.update({ where: { id: organisation.id }, data: { deactivatedAt: new Date() } });

    const unusable = await open(`${served.bot.url}/activate/${newToken()}`);
    const page = await open(url);
    expect([page.status, page.html]).toEqual([404, unusable.html]);
    const posted = await submit(url, demoStockIccids[46]!);
    expect([posted.status, posted.html]).toEqual([404, unusable.html]);
    const scripted = await submitScripted(url, { iccid: demoStockIccids[46]! });
    expect([scripted.status, scripted.body.state]).toEqual([404, 'unusable']);
    expect([(await linkStatus(url)).status, (await linkStatus(url)).body.state]).toEqual([404, 'unusable']);
    expect((await statusOf(service.id)).simCardId).toBeNull();
  });
});

describe("an eSIM's personal page", () => {
  /** A started service of the person's with an eSIM to install, and a personal link to it. */
  async function esimWaiting(email: string, language: 'en' | 'nl' | 'fr', options: { withConfirmationCode?: boolean } = {}) {
    const user = await person(email);
    await served.db.prisma.person.update({ where: { id: user.id }, data: { preferredLanguage: language } });
    const { service, esim } = await startedEsimService(served.db.prisma, email, options);
    return { service, esim, url: await linkTo(service.id, user.id) };
  }

  async function linkTo(serviceId: string, personId: string): Promise<string> {
    const { token } = await createAccessLink(served.db.prisma, { purpose: LinkPurpose.ACTIVATION, personId, serviceId, ttlMs: 14 * 86_400_000 });
    return `${served.bot.url}/activate/${token}`;
  }

  /** What the page's QR code reads as, as a phone's camera would read it. */
  const qrCodeOf = (html: string) => qrCodeInDataUri(attribute(/<img class="esim-qr"[^>]*>/.exec(html)?.[0] ?? '', 'src'));

  test('shows the QR code, the details to type by hand and both phones\' steps in the person\'s language, and that it waits; nothing to send, no chat', async () => {
    const { esim, url } = await esimWaiting(generatedDemoEmployees[4]!.email, 'nl', { withConfirmationCode: true });
    const page = await open(url, { 'Accept-Language': 'fr' });
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/^<!doctype html>\s*<html lang="nl">/);
    expect(qrCodeOf(page.html)).toBe(esim.activationCode);
    const text = textOf(page.html);
    for (const line of [
      'Je eSIM voor Dstny Mobile is klaar',
      'We wachten tot je telefoon de eSIM installeert. Deze pagina gaat vanzelf verder zodra dat gebeurd is.',
      `Daarna vraagt de telefoon om een bevestigingscode: typ ${esim.confirmationCode}.`,
      'SM-DP+-adres smdp.demo.dstny.example',
      `Activeringscode ${matchingIdOf(esim.activationCode)}`,
      `Bevestigingscode ${esim.confirmationCode}`,
      esim.activationCode,
      ...esimInstallSteps('nl').iphone,
      ...esimInstallSteps('nl').android,
      'De activatie duurt daarna ongeveer een uur, soms tot twee dagen.',
    ]) {
      expect(text).toContain(line);
    }
    expect(page.html).toContain('<section class="panel step esim" aria-labelledby="step-heading" data-state="ESIM_TO_INSTALL" data-poll-after="5">');
    expect(page.html).not.toContain('<form');
    expect(page.html).not.toContain('webchat-token');
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("img-src 'self' data: blob:");
    expect(policy).toContain("form-action 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  test('its status address says it still waits, without the code; once installed, the page and the address say where the activation stands, and the code is gone', async () => {
    const { esim, url } = await esimWaiting(generatedDemoEmployees[5]!.email, 'en');
    const waiting = await linkStatus(url);
    expect([waiting.status, waiting.body]).toEqual([200, {
      state: 'ESIM_TO_INSTALL',
      heading: 'Your eSIM for Dstny Mobile is ready',
      paragraphs: ['Waiting for your phone to install the eSIM. This page moves on by itself as soon as it has.'],
      pollAfter: 5,
    }]);
    expect(JSON.stringify(waiting.body)).not.toContain(matchingIdOf(esim.activationCode));

    expect(await recordEsimInstalled(served.db.prisma, esim.iccid)).toEqual({ applied: true, status: ServiceStatus.ACTIVATING });
    const installed = [
      'Your SIM card for Dstny Mobile is being activated. This normally takes about an hour, and can take up to two days.',
      "We'll let you know as soon as it is active.",
      'Your eSIM is on your phone. If your phone has more than one SIM, choose the eSIM for calls and mobile data once it is active.',
    ];
    const after = await linkStatus(url);
    expect(after.body).toMatchObject({ state: 'ACTIVATING', heading: 'Where your activation stands', paragraphs: installed });
    const page = await open(url);
    expect(page.status).toBe(200);
    expect(textOf(page.html)).toContain(installed.join(' '));
    expect(page.html).not.toContain(matchingIdOf(esim.activationCode));
    expect(page.html).not.toContain('<img');
  });

  test('replaced: the old link answers as any ended link does, and a link to the replacement shows the new code only', async () => {
    const email = generatedDemoEmployees[6]!.email;
    const { service, esim, url } = await esimWaiting(email, 'en');
    expect(await replaceEsim(served.db.prisma, await person(email), service.id)).toEqual({ ok: true, serviceId: service.id });
    const unusable = await open(`${served.bot.url}/activate/${newToken()}`);
    const old = await open(url);
    expect([old.status, old.html]).toEqual([404, unusable.html]);
    expect((await linkStatus(url)).body.state).toBe('unusable');

    const replacement = (await statusOf(service.id)).simCard!.activationCode!;
    const page = await open(await linkTo(service.id, (await person(email)).id));
    expect(qrCodeOf(page.html)).toBe(replacement);
    expect(page.html).toContain(matchingIdOf(replacement));
    expect(page.html).not.toContain(matchingIdOf(esim.activationCode));
  });

  test('a link shows the eSIM of its own service only: the page of another service of the same person has none of it', async () => {
    const email = generatedDemoEmployees[7]!.email;
    const { esim, url } = await esimWaiting(email, 'en');
    const other = await waitingService(email, 'en');
    const page = await open(other.url);
    expect(page.html).toContain('<label for="iccid">SIM card number</label>');
    expect(page.html).not.toContain('esim-qr');
    expect(`${page.html}${JSON.stringify((await linkStatus(other.url)).body)}`).not.toContain(matchingIdOf(esim.activationCode));
    expect(qrCodeOf((await open(url)).html)).toBe(esim.activationCode);
  });
});
