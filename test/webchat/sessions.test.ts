import { t } from '../../cards/strings';
import { demo, other } from '../../prisma/demoData';
import { LinkPurpose, createAccessLink, hashToken } from '../../services/people/accessLinks';
import { SESSION_LIFETIME_MS } from '../../services/people/webSessions';
import { useRunningBot } from '../support/botUnderTest';
import { textOf } from '../support/pageText';
import { directLineCall, pageToken, signIn } from '../support/webSession';

/**
 * The signed-in web chat's session: the one-time link is exchanged once for a cookie, which opens the chat again
 * on a reload or in a new tab, until sign-out, expiry, or the person's access ends.
 */

const served = useRunningBot('web-sessions', {}, { seed: true });
const secure = useRunningBot('web-sessions-https', { PUBLIC_URL: 'https://chat.example' }, { seed: true });

type Json = Record<string, any>;

async function linkFor(bot: { bot: { url: string }; db: { prisma: any } }, email: string): Promise<string> {
  const person = await bot.db.prisma.person.findFirstOrThrow({ where: { email } });
  const { token } = await createAccessLink(bot.db.prisma, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId: person.id, ttlMs: 60_000 });
  return `${bot.bot.url}/signin/${token}`;
}

const chatPage = (cookie?: string) => fetch(`${served.bot.url}/chat`, { headers: cookie ? { cookie, 'accept-language': 'en' } : { 'accept-language': 'en' } });

const directLine = (method: string, route: string, token: string, body?: unknown) => directLineCall(served.bot.url, method, route, token, body);

/** The bot's messages of the conversation, from its start, read with `token`; waits until there are `count`. */
async function botMessages(conversationId: string, token: string, count: number): Promise<Json[]> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const page = await directLine('GET', `/conversations/${conversationId}/activities?watermark=`, token);
    expect(page.status).toBe(200);
    const messages = (page.json.activities as Json[]).filter((a) => a.from?.role === 'bot' && a.type === 'message');
    if (messages.length >= count) return messages;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fewer than ${count} messages from the bot`);
}

/** The page's chat, started as Web Chat does, and the bot's welcome in it. */
async function startedChat(html: string): Promise<{ conversationId: string; token: string }> {
  const token = pageToken(html)!;
  const started = await directLine('POST', '/conversations', token, { locale: 'en-US' });
  expect(started.status).toBe(201);
  await botMessages(started.json.conversationId, token, 1);
  return { conversationId: started.json.conversationId, token };
}

const attributes = (setCookie: string) => setCookie.split(';').slice(1).map((part) => part.trim());

test('the link is exchanged once for an HttpOnly, SameSite=Strict session cookie of twelve hours, and a redirect without the token', async () => {
  const link = await linkFor(served, demo.ann.email);
  const exchanged = await fetch(link, { redirect: 'manual' });
  expect(exchanged.status).toBe(303);
  expect(exchanged.headers.get('location')).toBe('/chat');
  expect(exchanged.headers.get('cache-control')).toBe('no-store');
  expect(exchanged.headers.get('referrer-policy')).toBe('no-referrer');
  const setCookie = exchanged.headers.get('set-cookie')!;
  const [name, value] = setCookie.split(';')[0]!.split('=');
  expect(name).toBe('session');
  expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(attributes(setCookie)).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
  expect(attributes(setCookie)).not.toContain('Secure');
  const maxAge = Number(attributes(setCookie).find((a) => a.startsWith('Max-Age='))!.slice('Max-Age='.length));
  expect(maxAge).toBeLessThanOrEqual(SESSION_LIFETIME_MS / 1000);
  expect(maxAge).toBeGreaterThan(SESSION_LIFETIME_MS / 1000 - 60);
  // Only the value's hash is stored, ending with the signed-in conversation.
  const stored = await served.db.prisma.webSession.findUniqueOrThrow({ where: { tokenHash: hashToken(value!) }, include: { conversation: true } });
  expect(stored.expiresAt.getTime() - stored.createdAt.getTime()).toBe(SESSION_LIFETIME_MS);
  expect(stored.conversation.createdAt).toEqual(stored.createdAt);
  expect(JSON.stringify(await served.db.prisma.webSession.findMany())).not.toContain(value);

  const again = await fetch(link, { redirect: 'manual' });
  expect(again.status).toBe(404);
  expect(again.headers.get('set-cookie')).toBeNull();
  expect(textOf(await again.text())).toContain("This link can't be used");
});

test('behind HTTPS the cookie is Secure and __Host-', async () => {
  const exchanged = await fetch(await linkFor(secure, demo.ann.email), { redirect: 'manual' });
  const setCookie = exchanged.headers.get('set-cookie')!;
  expect(setCookie.startsWith('__Host-session=')).toBe(true);
  expect(attributes(setCookie)).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']));
});

test('a reload and a new tab open the same conversation with its history, each page with a token of its own', async () => {
  const first = await signIn(await linkFor(served, demo.ann.email), { 'accept-language': 'en' });
  expect(first.status).toBe(200);
  expect(first.headers.get('cache-control')).toBe('no-store');
  expect(first.headers.get('content-security-policy')).toContain("form-action 'self'");
  expect(textOf(first.html)).toContain('Signed in as Ann Admin');
  expect(textOf(first.html)).toContain(t('en', 'webChat.signOut'));
  // A new conversation: the page starts it.
  expect(first.html).not.toContain('webchat-conversation');
  const chat = await startedChat(first.html);

  const reloaded = await chatPage(first.cookie);
  expect(reloaded.status).toBe(200);
  const html = await reloaded.text();
  const token = pageToken(html)!;
  expect(token).not.toBe(chat.token);
  expect(html).toContain(`<meta name="webchat-conversation" content="${chat.conversationId}">`);
  // The history from the start, through the new token; the first page's token keeps working too.
  const history = await botMessages(chat.conversationId, token, 1);
  expect(JSON.stringify(history[0])).toContain('Hello Ann Admin');
  expect((await directLine('GET', `/conversations/${chat.conversationId}?watermark=`, token)).status).toBe(200);
  expect((await directLine('GET', `/conversations/${chat.conversationId}/activities?watermark=`, chat.token)).status).toBe(200);
  // Only the chat of this session.
  expect((await directLine('GET', `/conversations/someone-else/activities?watermark=`, token)).status).toBe(403);
});

test('only an administrator\'s page offers uploads', async () => {
  expect((await signIn(await linkFor(served, demo.ann.email))).html).toContain('<meta name="webchat-upload" content="on">');
  const sam = await signIn(await linkFor(served, demo.sam.email));
  expect(textOf(sam.html)).toContain('Signed in as Sam Support');
  expect(sam.html).not.toContain('webchat-upload');
});

test('without a session the chat page says so and offers a new link; a cookie that opens nothing is removed', async () => {
  const none = await chatPage();
  expect(none.status).toBe(401);
  const text = textOf(await none.text());
  expect(text).toContain(t('en', 'webChat.signedOut.title'));
  expect(text).toContain(t('en', 'signIn.unusable.newLink'));
  expect(none.headers.get('set-cookie')).toBeNull();

  const forged = await chatPage(`session=${'a'.repeat(43)}`);
  expect(forged.status).toBe(401);
  expect(await forged.text()).not.toContain('webchat-token');
  expect(attributes(forged.headers.get('set-cookie')!)).toContain('Max-Age=0');
});

test('arriving from another site without the cookie (withheld along the redirect), the page takes a step from this site', async () => {
  const arriving = await fetch(`${served.bot.url}/chat`, { headers: { 'sec-fetch-site': 'cross-site', 'accept-language': 'en' } });
  expect(arriving.status).toBe(200);
  const html = await arriving.text();
  expect(html).toContain('<meta http-equiv="refresh" content="0; url=/chat">');
  expect(textOf(html)).toContain(t('en', 'webChat.label'));
  expect(html).not.toContain('webchat-token');
});

test('signing out ends the session and its conversation\'s tokens; a post from another site does not', async () => {
  const signedIn = await signIn(await linkFor(served, demo.ann.email));
  const chat = await startedChat(signedIn.html);
  const signOut = (headers: Record<string, string>) => fetch(`${served.bot.url}/signout`, { method: 'POST', redirect: 'manual', headers: { cookie: signedIn.cookie, ...headers } });

  expect((await signOut({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
  expect((await signOut({ origin: 'https://elsewhere.example' })).status).toBe(403);
  expect((await chatPage(signedIn.cookie)).status).toBe(200);

  const out = await signOut({ 'sec-fetch-site': 'same-origin', origin: served.bot.url });
  expect(out.status).toBe(303);
  expect(out.headers.get('location')).toBe('/chat');
  expect(attributes(out.headers.get('set-cookie')!)).toEqual(expect.arrayContaining(['Max-Age=0', 'HttpOnly', 'SameSite=Strict']));
  const after = await chatPage(signedIn.cookie);
  expect(after.status).toBe(401);
  expect(textOf(await after.text())).toContain(t('en', 'webChat.signedOut.title'));
  expect((await directLine('GET', `/conversations/${chat.conversationId}/activities?watermark=`, chat.token)).status).toBe(403);
  expect((await directLine('POST', `/conversations/${chat.conversationId}/activities`, chat.token, { type: 'message', text: 'hi' })).status).toBe(403);
  expect((await directLine('POST', '/tokens/refresh', chat.token)).status).toBe(403);
  const session = await served.db.prisma.webSession.findUniqueOrThrow({ where: { conversationId: chat.conversationId } });
  expect(session.revokedAt).not.toBeNull();
});

test('an expired session, a removed person and a deactivated organisation open nothing', async () => {
  const cases: Array<{ email: string; end: () => Promise<unknown>; undo: () => Promise<unknown> }> = [
    {
      email: demo.ann.email,
      end: () => served.db.prisma.webSession.updateMany({ where: { person: { email: demo.ann.email } }, data: { expiresAt: new Date() } }),
      undo: async () => undefined,
    },
    {
      email: demo.sam.email,
      end: () => served.db.prisma.person.updateMany({ where: { email: demo.sam.email }, data: { removedAt: new Date() } }),
      undo: () => served.db.prisma.person.updateMany({ where: { email: demo.sam.email }, data: { removedAt: null } }),
    },
    {
      email: other.olga.email,
      end: () => served.db.prisma.organisation.updateMany({ where: { people: { some: { email: other.olga.email } } }, data: { deactivatedAt: new Date() } }),
      undo: () => served.db.prisma.organisation.updateMany({ where: { people: { some: { email: other.olga.email } } }, data: { deactivatedAt: null } }),
    },
  ];
  for (const { email, end, undo } of cases) {
    const signedIn = await signIn(await linkFor(served, email));
    expect(signedIn.status).toBe(200);
    const chat = await startedChat(signedIn.html);
    await end();
    expect((await chatPage(signedIn.cookie)).status).toBe(401);
    expect((await directLine('GET', `/conversations/${chat.conversationId}/activities?watermark=`, chat.token)).status).toBe(403);
    await undo();
  }
});
