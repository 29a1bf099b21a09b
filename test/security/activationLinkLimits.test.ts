import crypto from 'node:crypto';
import restify from 'restify';
import { createLogger } from '../../bot/logger';
import { registerActivationPage } from '../../bot/http/activationPage';
import { openConversation } from '../../bot/http/webChat/conversations';
import { demo, demoStockIccids, generatedDemoEmployees } from '../../prisma/demoData';
import { LinkPurpose, ServiceStatus } from '../../prisma/generated/enums';
import { resendActivationEmail } from '../../services/lifecycle/activation';
import { createAccessLink } from '../../services/people/accessLinks';
import type { Actor } from '../../services/people/people';
import { useRunningBot } from '../support/botUnderTest';
import { textOf } from '../support/pageText';
import { directLineCall } from '../support/webSession';

type Json = Record<string, any>;

const served = useRunningBot('activation-link-limits', { SIM_CLOCK_SPEED: '1' }, { seed: true, logDestination: { write: () => undefined } });

const grouped = (iccid: string) => iccid.replace(/(\d{4})(?=\d)/g, '$1 ');
/** A stock card's number with its last digit changed: fails its check, and is one typo from that card. */
const typoOf = (iccid: string) => iccid.slice(0, -1) + String((Number(iccid.at(-1)) + 5) % 10);
const person = (email: string): Promise<Actor> => served.db.prisma.person.findFirstOrThrow({ where: { email }, include: { organisation: true } });
const statusOf = (id: string) => served.db.prisma.service.findUniqueOrThrow({ where: { id }, include: { simCard: true } });

/** A service of a generated employee waiting for their SIM card number, and the personal page of its link. */
async function waitingService(n: number) {
  const [user, ann] = await Promise.all([person(generatedDemoEmployees[n]!.email), person(demo.ann.email)]);
  await served.db.prisma.person.update({ where: { id: user.id }, data: { preferredLanguage: 'en' } });
  const service = await served.db.prisma.service.create({
    data: {
      organisationId: user.organisationId, userId: user.id, createdById: ann.id, productTypeCode: 'DSTNY_MOBILE', serviceTypeCode: 'MOBILE',
      status: ServiceStatus.WAITING_FOR_SIM, activationMethod: 'EMAIL', activationTiming: 'NOW',
    },
  });
  const { token } = await createAccessLink(served.db.prisma, { purpose: LinkPurpose.ACTIVATION, personId: user.id, serviceId: service.id, ttlMs: 14 * 86_400_000 });
  return { user, service, url: `${served.bot.url}/activate/${token}` };
}

async function submit(url: string, iccid: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({ iccid }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, html: await response.text() };
}

const errorText = (html: string) => textOf(/<p id="iccid-error"[^>]*>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '');

const directLine = (method: string, route: string, token: string, body?: Json) => directLineCall(served.bot.url, method, route, token, body);

/** A web chat as its page starts it, and a way to type in it and read the texts of the answer. */
async function chat(token: string) {
  const started = await directLine('POST', '/conversations', token, { locale: 'en-US' });
  expect(started.status).toBeLessThan(300);
  const { conversationId } = started.json;
  const says = async (text: string): Promise<string[]> => {
    const posted = await directLine('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', locale: 'en-US', text });
    expect(posted.status).toBe(200);
    const read = await directLine('GET', `/conversations/${conversationId}/activities`, token);
    expect(read.status).toBe(200);
    return (read.json.activities as Json[])
      .filter((activity) => activity.replyToId === posted.json.id)
      .flatMap((activity) => [activity.text, ...(activity.attachments ?? []).flatMap((a: Json) => a.content.body.map((item: Json) => item.text))])
      .filter(Boolean);
  };
  // As a person starts: the bot then waits for the number, and digits typed answer it.
  await says('activate my SIM');
  return { conversationId, says };
}

const pageChatToken = async (url: string) => {
  const html = await (await fetch(url)).text();
  return /<meta name="webchat-token" content="([^"]+)"/.exec(html)![1]!;
};

const LOCKED = 'Too many wrong SIM card numbers were entered with this link, so it no longer accepts any.';

describe("a link's wrong numbers are one count, on its page and in its chat", () => {
  beforeEach(async () => {
    await served.db.prisma.attemptWindow.deleteMany();
  });

  test('wrong numbers in the chat count against the link: warned before the last, locked at the tenth in the page\'s words, and then not even the right number is taken', async () => {
    const { service, url } = await waitingService(0);
    const { says } = await chat(await pageChatToken(url));
    for (let attempt = 1; attempt <= 4; attempt++) expect((await submit(url, '8932 1001')).status).toBe(422);
    const answers: string[][] = [];
    for (let attempt = 5; attempt <= 9; attempt++) answers.push(await says('8932 1001 0000'));
    const wrong = 'A SIM card number has 19 or 20 digits; this one has 12.';
    expect(answers.slice(0, 3)).toEqual([[wrong], [wrong], [wrong]]);
    expect(answers.slice(3)).toEqual([[`${wrong} You have 2 tries left before this link locks.`], [`${wrong} You have one try left before this link locks.`]]);
    const locked = await says('8932 1001 0000');
    expect(locked.join(' ')).toContain(LOCKED);
    // The page says the same, and neither takes the right number now.
    const page = await submit(url, demoStockIccids[40]!);
    expect(page.status).toBe(403);
    expect(textOf(page.html)).toContain(LOCKED);
    expect((await statusOf(service.id)).simCardId).toBeNull();
    expect(await served.db.prisma.notification.count({ where: { kind: 'activation.linkLocked', serviceId: service.id } })).toBeGreaterThan(0);
  });

  test('a chat opened before its page\'s form locked the link takes nothing more: Direct Line answers 403 as for an expired token', async () => {
    const { service, url } = await waitingService(1);
    const token = await pageChatToken(url);
    const { conversationId } = await chat(token);
    for (let attempt = 1; attempt <= 10; attempt++) await submit(url, '8932 1001');
    const posted = await directLine('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: demoStockIccids[41]! });
    expect([posted.status, posted.json.error?.code]).toEqual([403, 'TokenExpired']);
    expect((await directLine('GET', `/conversations/${conversationId}/activities`, token)).status).toBe(403);
    expect((await directLine('POST', '/tokens/refresh', token)).status).toBe(403);
    expect((await statusOf(service.id)).simCardId).toBeNull();
  });

  test('"did you mean" costs a second try and names at most four stock cards per link, each what was typed with one digit corrected', async () => {
    const { url } = await waitingService(2);
    const { says } = await chat(await pageChatToken(url));
    const named: string[] = [];
    for (let n = 44; n < 54; n++) {
      const typo = typoOf(demoStockIccids[n]!);
      const answer = n % 2 === 0 ? (await says(typo)).join(' ') : textOf((await submit(url, typo)).html);
      if (answer.includes(LOCKED)) break;
      const suggested = /Did you mean ([\d ]+)\?/.exec(answer)?.[1];
      if (suggested) named.push(suggested.replace(/ /g, ''));
    }
    expect(named).toHaveLength(4);
    for (const iccid of named) expect(demoStockIccids).toContain(iccid);
  });
});

describe('the chat of a personal page lasts only while its link acts', () => {
  test('after a new email replaces the link, refreshing, posting and reading are refused', async () => {
    const { service, url } = await waitingService(3);
    const token = await pageChatToken(url);
    const { conversationId } = await chat(token);
    expect((await directLine('POST', '/tokens/refresh', token)).status).toBe(200);
    await resendActivationEmail(served.db.prisma, await person(demo.ann.email), service.id);
    expect((await directLine('POST', '/tokens/refresh', token)).status).toBe(403);
    expect((await directLine('GET', `/conversations/${conversationId}/activities`, token)).status).toBe(403);
    expect((await directLine('POST', `/conversations/${conversationId}/activities`, token, { type: 'message', text: 'hi' })).status).toBe(403);
  });

  test('after the link expired, or its service no longer waits for its user, the same', async () => {
    const expiring = await waitingService(4);
    const expiringToken = await pageChatToken(expiring.url);
    await chat(expiringToken);
    await served.db.prisma.accessLink.updateMany({ where: { serviceId: expiring.service.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await directLine('POST', '/tokens/refresh', expiringToken)).status).toBe(403);

    const moving = await waitingService(5);
    const movingToken = await pageChatToken(moving.url);
    await chat(movingToken);
    await served.db.prisma.service.update({ where: { id: moving.service.id }, data: { status: ServiceStatus.ENDED } });
    expect((await directLine('POST', '/tokens/refresh', movingToken)).status).toBe(403);
  });

  test('the right number typed in the chat: its answer can be read, and then the chat is over', async () => {
    const { service, url } = await waitingService(6);
    const token = await pageChatToken(url);
    const { conversationId, says } = await chat(token);
    expect((await says(grouped(demoStockIccids[42]!))).join(' ')).toContain(`Thank you: SIM card ${grouped(demoStockIccids[42]!)} is registered`);
    expect((await statusOf(service.id)).simCard?.iccid).toBe(demoStockIccids[42]);
    const after = await directLine('GET', `/conversations/${conversationId}/activities`, token);
    expect((await directLine('GET', `/conversations/${conversationId}/activities?watermark=${after.json.watermark}`, token)).status).toBe(403);
    expect((await directLine('POST', '/tokens/refresh', token)).status).toBe(403);
  });

  test('a page\'s chat is refreshed for two hours at most, a signed-in administrator\'s for twelve', async () => {
    const { url } = await waitingService(7);
    const linkToken = await pageChatToken(url);
    const { conversationId: linkChat } = await chat(linkToken);
    const ann = await person(demo.ann.email);
    const { conversation, token: annToken } = await openConversation(served.db.prisma, { personId: ann.id });
    const age = (id: string, hours: number) =>
      served.db.prisma.webChatConversation.update({ where: { id }, data: { createdAt: new Date(Date.now() - hours * 3_600_000) } });

    await Promise.all([age(linkChat, 1.5), age(conversation.id, 1.5)]);
    const early = await directLine('POST', '/tokens/refresh', linkToken);
    expect(early.status).toBe(200);
    // Never past the conversation's end: half an hour left, not a full hour.
    expect(early.json.expires_in).toBeLessThanOrEqual(30 * 60);
    await Promise.all([age(linkChat, 2.5), age(conversation.id, 2.5)]);
    expect((await directLine('POST', '/tokens/refresh', linkToken)).status).toBe(403);
    expect((await directLine('POST', '/tokens/refresh', annToken)).status).toBe(200);
    await age(conversation.id, 12.5);
    expect((await directLine('POST', '/tokens/refresh', annToken)).status).toBe(403);
  });
});

describe("a person's own chat counts their wrong numbers", () => {
  test('ten an hour: warned before the last, then told when to try again', async () => {
    await served.db.prisma.attemptWindow.deleteMany();
    const { user } = await waitingService(8);
    // Their own web chat (as after signing in), not a personal page's: counted against the person.
    const { token } = await openConversation(served.db.prisma, { personId: user.id });
    const { says } = await chat(token);
    const answers: string[] = [];
    for (let attempt = 1; attempt <= 11; attempt++) answers.push((await says('8932 1001 0000')).join(' '));
    const wrong = 'A SIM card number has 19 or 20 digits; this one has 12.';
    expect(answers.slice(0, 7)).toEqual(Array(7).fill(wrong));
    expect(answers[7]).toBe(`${wrong} You can type 2 more wrong SIM card numbers this hour.`);
    expect(answers[8]).toBe(`${wrong} You can type one more wrong SIM card number this hour.`);
    expect(answers[9]).toMatch(/^A SIM card number has 19 or 20 digits; this one has 12\. Too many wrong SIM card numbers were typed\. Please try again in \d+ minutes/);
    // Over the limit, not even the right number is checked until the hour has passed.
    expect((await says(demoStockIccids[43]!)).join(' ')).toMatch(/^Too many wrong SIM card numbers were typed\. Please try again in \d+ minutes/);
    expect(await served.db.prisma.service.count({ where: { userId: user.id, simCard: { iccid: demoStockIccids[43]! } } })).toBe(0);
  });
});

describe('the per-address ceiling reads the client address from trusted proxies only', () => {
  const addressKey = (address: string) => `activation-address:${crypto.createHash('sha256').update(address).digest('hex')}`;

  /** As if 200 wrong numbers had come from `address` this hour. */
  async function exhausted(address: string): Promise<void> {
    const windowMs = 60 * 60 * 1000;
    const windowStart = new Date(Math.floor(Date.now() / windowMs) * windowMs);
    await served.db.prisma.attemptWindow.create({ data: { key: addressKey(address), windowStart, count: 200 } });
  }

  test('X-Forwarded-For from a peer not in TRUSTED_PROXIES is ignored', async () => {
    await served.db.prisma.attemptWindow.deleteMany();
    await exhausted('203.0.113.7');
    const { url } = await waitingService(9);
    expect((await submit(url, '8932 1001', { 'X-Forwarded-For': '203.0.113.7' })).status).toBe(422);
  });

  test('behind a trusted proxy, the client it names is counted, and a forged entry left of it is not', async () => {
    await served.db.prisma.attemptWindow.deleteMany();
    await exhausted('203.0.113.8');
    const server = restify.createServer();
    registerActivationPage(server, { db: served.db.prisma, logger: createLogger('silent'), trustedProxies: ['127.0.0.0/8', '::1'] });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const [held, other] = await Promise.all([10, 11].map(waitingService));
      const viaProxy = (url: string, forwarded: string) => submit(url.replace(served.bot.url, base), '8932 1001', { 'X-Forwarded-For': forwarded });
      expect((await viaProxy(held!.url, '203.0.113.8')).status).toBe(429);
      expect((await viaProxy(held!.url, '203.0.113.8, 127.0.0.1')).status).toBe(429);
      // A client writing the header itself: the proxy appends the address it really came from.
      expect((await viaProxy(other!.url, '203.0.113.8, 198.51.100.4')).status).toBe(422);
    } finally {
      server.close();
    }
  });
});
