import { configFromEnvironment } from '../../bot/config';
import { startBot } from '../../bot/main';
import { WEB_CHAT_BUNDLE_PATH } from '../../bot/http/webChat/assets';
import { escapeHtml } from '../../bot/http/webChat/pages';
import { languages, t } from '../../cards/strings';
import { LinkPurpose, createAccessLink } from '../../services/people/accessLinks';
import { useRunningBot } from '../support/botUnderTest';
import { textOf } from '../support/pageText';
import { signIn } from '../support/webSession';

type Json = Record<string, any>;


const served = useRunningBot('webchat-test');


async function call(
  method: string,
  route: string,
  options: { token?: string; body?: unknown; rawBody?: string } = {},
): Promise<{ status: number; json: Json; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${served.bot.url}/v3/directline${route}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Json) : {}, headers: response.headers };
}

/** Opens and starts a conversation as the web page does: a token first, then POST /conversations with it. */
async function startConversation(token?: string): Promise<{ conversationId: string; token: string }> {
  const opened = token ?? (await call('POST', '/tokens/generate')).json.token;
  const started = await call('POST', '/conversations', { token: opened, body: { user: { id: 'forged-user' }, locale: 'en-US' } });
  expect(started.status).toBe(201);
  expect(started.json).toEqual({ conversationId: expect.any(String), token: opened, expires_in: expect.any(Number) });
  expect(started.json.streamUrl).toBeUndefined();
  return { conversationId: started.json.conversationId, token: opened };
}

/** Polls like directlinejs until `done` holds for what arrived after `watermark`. */
async function pollUntil(
  chat: { conversationId: string; token: string },
  watermark: string,
  done: (activities: Json[]) => boolean,
): Promise<{ activities: Json[]; watermark: string }> {
  const seen: Json[] = [];
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const page = await call('GET', `/conversations/${chat.conversationId}/activities?watermark=${watermark}`, { token: chat.token });
    expect(page.status).toBe(200);
    seen.push(...page.json.activities);
    watermark = page.json.watermark;
    if (done(seen)) return { activities: seen, watermark };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`gave up waiting; received ${JSON.stringify(seen)}`);
}

const fromBot = (activities: Json[]) => activities.filter((a) => a.from?.role === 'bot' && a.type === 'message');
/** Every text a person sees in a reply: its text and the texts of its Adaptive Cards. */
const visibleText = (activity: Json): string =>
  [activity.text ?? '', ...(activity.attachments ?? []).map((a: Json) => JSON.stringify(a.content ?? ''))].join(' ');

async function say(chat: { conversationId: string; token: string }, text: string, clientActivityID: string) {
  return call('POST', `/conversations/${chat.conversationId}/activities`, {
    token: chat.token,
    body: {
      type: 'message',
      text,
      from: { id: 'person:someone-else', role: 'user' },
      locale: 'en-US',
      channelData: { clientActivityID },
    },
  });
}

describe('Direct Line endpoint', () => {
  test('an anonymous visitor is greeted, and a message and its reply arrive in order after the watermark', async () => {
    const chat = await startConversation();

    const greeting = await pollUntil(chat, '', (activities) => fromBot(activities).length > 0);
    expect(visibleText(fromBot(greeting.activities)[0]!)).toContain('I help the employees and fleet administrators');

    const posted = await say(chat, 'hi', 'client-1');
    expect(posted.status).toBe(200);
    expect(posted.json.id).toMatch(new RegExp(`^${chat.conversationId}\\|\\d{7}$`));

    const after = await pollUntil(chat, greeting.watermark, (activities) => fromBot(activities).length > 0);
    const [echo, ...rest] = after.activities;
    // The user's own message comes first, with the id the POST returned and the client's id for matching it.
    expect(echo).toMatchObject({
      id: posted.json.id,
      type: 'message',
      text: 'hi',
      channelId: 'webchat',
      from: { id: `anonymous:${chat.conversationId}`, role: 'user' },
      conversation: { id: chat.conversationId },
      channelData: { clientActivityID: 'client-1' },
      locale: 'en-US',
    });
    const reply = fromBot(rest)[0]!;
    expect(visibleText(reply)).toContain('I help the employees and fleet administrators');
    expect(reply).toMatchObject({ replyToId: posted.json.id, recipient: { id: `anonymous:${chat.conversationId}` } });
    expect(Number(after.watermark)).toBeGreaterThan(Number(greeting.watermark));

    // Nothing new: the same watermark comes back with no activities.
    const idle = await call('GET', `/conversations/${chat.conversationId}/activities?watermark=${after.watermark}`, { token: chat.token });
    expect(idle.json).toEqual({ activities: [], watermark: after.watermark });
  });

  test('the admin sign-in link opens a chat tied to Ann, once', async () => {
    const first = await signIn(served.bot.adminLink);
    expect(first.status).toBe(200);
    const html = first.html;
    expect(html).toContain('Signed in as Ann Admin');
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    expect(first.headers.get('cache-control')).toBe('no-store');
    const token = /<meta name="webchat-token" content="([A-Za-z0-9_-]{43})">/.exec(html)?.[1];
    expect(token).toBeDefined();

    const chat = await startConversation(token);
    await say(chat, 'hi', 'client-ann');
    const { activities } = await pollUntil(chat, '', (all) => all.some((a) => a.replyToId && a.from?.role === 'bot'));
    const echo = activities.find((a) => a.from?.role === 'user')!;
    expect(echo.from.id).toMatch(/^person:[0-9a-f-]{36}$/);
    const reply = activities.find((a) => a.replyToId === echo.id)!;
    expect(visibleText(reply)).toContain('Hello Ann Admin');
    // The welcome with its buttons came when the chat opened: "hi" is answered briefly, pointing at the menu.
    expect(visibleText(reply)).toContain('type "help" to see the menu again');

    const second = await fetch(served.bot.adminLink);
    expect(second.status).toBe(404);
    const refused = await second.text();
    expect(textOf(refused)).toContain("This link can't be used");
    expect(textOf(refused)).toContain('ask for a new sign-in link');
    expect(refused).not.toContain('webchat-token');

    const unknown = await fetch(`${served.bot.url}/signin/${'x'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe(refused);
  });

  test.each(languages)('the chat page in %s: every sentence on it from the catalogue, in the browser\'s language', async (l) => {
    const response = await fetch(`${served.bot.url}/`, { headers: { 'Accept-Language': `${l}-BE,${l};q=0.9` } });
    const html = await response.text();
    expect(html).toContain(`<html lang="${l}">`);
    expect(html).toContain(`data-failed="${escapeHtml(t(l, 'webChat.failed'))}"`);
    expect(html).toContain(`aria-label="${escapeHtml(t(l, 'webChat.label'))}"`);
    const text = textOf(html);
    for (const key of ['welcome.guest.title', 'webChat.guest.who', 'webChat.starting', 'webChat.noScript'] as const) expect(text).toContain(t(l, key));
    if (l !== 'en') expect(text).not.toMatch(/General help|Starting the chat|needs JavaScript|SIM activation assistant/);
  });

  test('a sign-in link opens the chat in the browser\'s language, as the chat then answers; the stored one without it', async () => {
    const jan = await served.db.prisma.person.findFirstOrThrow({ where: { email: 'jan.peeters@demo.example' } });
    const open = async (acceptLanguage: string) => {
      const { token } = await createAccessLink(served.db.prisma, { purpose: LinkPurpose.ADMIN_SIGN_IN, personId: jan.id, ttlMs: 60_000 });
      return textOf((await signIn(`${served.bot.url}/signin/${token}`, { 'Accept-Language': acceptLanguage })).html);
    };
    expect(await open('fr-BE,fr;q=0.9')).toContain('Jan Peeters');
    expect(await open('nl-BE,nl;q=0.9')).toContain('Aangemeld als Jan Peeters');
    expect(await open('en')).toContain('Signed in as Jan Peeters');
  });

  test('the web chat answers in the language written in, and a text that does not say in the browser\'s', async () => {
    const opened = (await call('POST', '/tokens/generate')).json.token;
    const started = await call('POST', '/conversations', { token: opened, body: { locale: 'nl-BE' } });
    const chat = { conversationId: started.json.conversationId as string, token: opened as string };
    const greeting = await pollUntil(chat, '', (activities) => fromBot(activities).length > 0);
    const send = async (text: string, watermark: string) => {
      await call('POST', `/conversations/${chat.conversationId}/activities`, { token: chat.token, body: { type: 'message', text, locale: 'nl-BE' } });
      return pollUntil(chat, watermark, (activities) => fromBot(activities).length > 0);
    };
    // Whatever the bot makes of the request (the welcome, or choices), it answers in the language written in.
    const inLanguage = (language: 'en' | 'fr') => new RegExp([t(language, 'welcome.guest.intro'), t(language, 'messages.choose')].map((text) => text.replace(/[.?*+()[\]]/g, '\\$&')).join('|'));
    const french = await send('bonjour, que peux-tu faire pour moi ?', greeting.watermark);
    expect(visibleText(fromBot(french.activities)[0]!)).toMatch(inLanguage('fr'));
    const english = await send('hello, what can you do for me?', french.watermark);
    expect(visibleText(fromBot(english.activities)[0]!)).toMatch(inLanguage('en'));
  });

  test('two bot processes serve one conversation: nothing is kept in process memory', async () => {
    const other = await startBot(configFromEnvironment({ PORT: '0', NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: served.dataDir }), {
      database: served.db,
    });
    try {
      const chat = await startConversation();
      const posted = await fetch(`${other.url}/v3/directline/conversations/${chat.conversationId}/activities`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${chat.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'message', text: 'hi' }),
      });
      expect(posted.status).toBe(200);
      const { id } = (await posted.json()) as { id: string };
      const { activities } = await pollUntil(chat, '', (all) => all.some((a) => a.replyToId === id));
      expect(activities.find((a) => a.id === id)).toMatchObject({ text: 'hi', from: { role: 'user' } });
    } finally {
      await other.close();
    }
  });

  test('a token opens its own conversation only', async () => {
    const mine = await startConversation();
    const theirs = await startConversation();

    const read = await call('GET', `/conversations/${theirs.conversationId}/activities?watermark=`, { token: mine.token });
    expect(read.status).toBe(403);
    expect(read.json.activities).toBeUndefined();
    const write = await say({ conversationId: theirs.conversationId, token: mine.token }, 'hi', 'client-x');
    expect(write.status).toBe(403);
    expect((await call('GET', `/conversations/${theirs.conversationId}`, { token: mine.token })).status).toBe(403);

    expect((await call('GET', `/conversations/${mine.conversationId}/activities`)).status).toBe(401);
    expect((await call('GET', `/conversations/${mine.conversationId}/activities`, { token: 'y'.repeat(43) })).status).toBe(403);
    expect((await call('GET', `/conversations/${mine.conversationId}`, { token: mine.token })).json.conversationId).toBe(
      mine.conversationId,
    );
  });

  test('an expired token is refused and a refresh extends a live one', async () => {
    const chat = await startConversation();
    const refreshed = await call('POST', '/tokens/refresh', { token: chat.token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json).toMatchObject({ conversationId: chat.conversationId, token: chat.token });
    expect(refreshed.json.expires_in).toBeGreaterThan(3500);

    await served.db.prisma.webChatConversation.update({ where: { id: chat.conversationId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await call('GET', `/conversations/${chat.conversationId}/activities`, { token: chat.token });
    expect(expired.status).toBe(403);
    expect(expired.json.error.code).toBe('TokenExpired');
    expect((await call('POST', '/tokens/refresh', { token: chat.token })).status).toBe(403);
  });

  test('bad requests get a short JSON error and never reach the bot', async () => {
    const chat = await startConversation();
    const post = (options: { body?: unknown; rawBody?: string }) =>
      call('POST', `/conversations/${chat.conversationId}/activities`, { token: chat.token, ...options });

    const cases: [string, { body?: unknown; rawBody?: string }, number][] = [
      ['malformed JSON', { rawBody: '{"type": "message",' }, 400],
      ['no type', { body: { text: 'hi' } }, 400],
      ['an invoke', { body: { type: 'invoke', name: 'adaptiveCard/action' } }, 400],
      ['a text too long', { body: { type: 'message', text: 'a'.repeat(4001) } }, 400],
      ['an upload', { body: { type: 'message', attachments: [{ contentType: 'image/png', contentUrl: 'blob:x' }] } }, 400],
      ['a body too large', { body: { type: 'message', value: { blob: 'a'.repeat(40_000) } } }, 413],
    ];
    for (const [name, request, status] of cases) {
      const response = await post(request);
      expect([name, response.status]).toEqual([name, status]);
      expect(JSON.stringify(response.json).length).toBeLessThan(300);
      expect(JSON.stringify(response.json)).not.toMatch(/\bat .+\.(ts|js):\d+/);
    }
    const badWatermark = await call('GET', `/conversations/${chat.conversationId}/activities?watermark=abc`, { token: chat.token });
    expect(badWatermark.status).toBe(400);

    const stored = await served.db.prisma.webChatActivity.findMany({ where: { conversationId: chat.conversationId } });
    expect(stored.filter((row) => (row.activity as Json).from?.role === 'user')).toHaveLength(0);
  });
});

describe('web chat page', () => {
  test('serves the page with a strict policy and the Web Chat bundle from this server', async () => {
    const page = await fetch(`${served.bot.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const policy = page.headers.get('content-security-policy')!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toContain(`src="${WEB_CHAT_BUNDLE_PATH}"`);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toContain('webchat-token');

    const bundle = await fetch(`${served.bot.url}${WEB_CHAT_BUNDLE_PATH}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(bundle.headers.get('cache-control')).toContain('immutable');
    expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);

    const script = await fetch(`${served.bot.url}/webchat/page/chat.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const etag = script.headers.get('etag')!;
    const again = await fetch(`${served.bot.url}/webchat/page/chat.js`, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    expect((await fetch(`${served.bot.url}/webchat/page/..%2Fpages.ts`)).status).toBe(404);
  });
});
