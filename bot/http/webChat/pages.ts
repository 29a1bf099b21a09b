import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Negotiator from 'negotiator';
import type restify from 'restify';
import { languages, t, type Language } from '../../../cards/strings';
import { LinkPurpose, redeemOneTimeLink } from '../../../services/people/accessLinks';
import type { Db } from '../../../services/platform/db/database';
import { replyLanguage } from '../../../services/people/languagePreference';
import { endWebSession, findWebSession, startWebSession, type LiveSession } from '../../../services/people/webSessions';
import { Role } from '../../../prisma/generated/enums';
import { projectRoot } from '../../../services/platform/projectRoot';
import { logFailure, type Logger } from '../../logger';
import { chatHead } from './assets';
import { findConversation, isStarted, issueToken, openConversation } from './conversations';

export const OPERATOR = 'Dstny';
const EMPTY_STYLE_HASH = `sha256-${crypto.createHash('sha256').update('').digest('base64')}`;

export const pagesDir = path.join(projectRoot(), 'bot', 'http', 'pages');
export interface PageDeps {
  db: Db;
  logger: Logger;
  /** The public URL is https: the session cookie is then Secure (and named __Host-). */
  secureCookies: boolean;
}

export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Fills {{name}} slots; values are escaped unless listed in `raw` (markup this module built itself). */
export function fill(template: string, values: Record<string, string>, raw: Record<string, string> = {}): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => raw[name] ?? escapeHtml(values[name] ?? ''));
}

/** A page's own part, filled into the layout by renderPage. */
export const pageTemplate = (file: string) => fs.readFileSync(path.join(pagesDir, file), 'utf8');

const layout = pageTemplate('layout.html');
const noticeTemplate = pageTemplate('notice.html');

/** A page in the shared layout: the operator's banner, then the page's own <main>. */
export interface Page {
  lang: Language | 'en';
  /** The browser tab's title, before the operator's name. */
  title: string;
  /** The banner's heading. */
  appTitle: string;
  who?: string;
  /** The label of a sign-out button beside `who`, for a signed-in page. */
  signOut?: string;
  bodyClass?: string;
  /** Markup built with escaped values: elements added to the head, and the page's <main>. */
  head?: string;
  main: string;
}

export function renderPage(page: Page): string {
  const signOut = page.signOut === undefined
    ? ''
    : `<form class="sign-out" method="post" action="${SIGN_OUT_PATH}"><button type="submit">${escapeHtml(page.signOut)}</button></form>`;
  const who = page.who === undefined ? signOut : `<p class="who">${escapeHtml(page.who)}</p>${signOut}`;
  return fill(
    layout,
    { lang: page.lang, title: page.title, operator: OPERATOR, appTitle: page.appTitle, bodyClass: page.bodyClass ?? '' },
    { head: page.head ?? '', who, main: page.main },
  );
}

/** A short page that only tells something: a heading and its paragraphs, plus a link onwards if any. */
export function noticePage(l: Language, appTitle: string, heading: string, paragraphs: string[], link?: { href: string; text: string }): string {
  const lines = paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`);
  if (link) lines.push(`<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>`);
  const main = fill(noticeTemplate, { heading }, { paragraphs: lines.join('\n    ') });
  return renderPage({ lang: l, title: heading, appTitle, main });
}

/** The language the browser asks for, else English: for pages whose reader is not known. */
export function browserLanguage(req: restify.Request): Language {
  return (new Negotiator(req).language(languages) as Language | undefined) ?? 'en';
}

/**
 * Headers of every HTML page: only this server's scripts run, nothing is framed, and no URL leaks as referrer.
 * Forms may post only where `formAction` allows (nowhere, unless a page has a form).
 */
export function pageHeaders(styleNonce?: string, formAction = "'none'"): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      // Web Chat injects its styles as <style> elements carrying the nonce it is given; one of its parts adds an
      // empty <style> without it (filled through the CSS object model), allowed by the hash of the empty string.
      styleNonce ? `style-src 'self' 'nonce-${styleNonce}' '${EMPTY_STYLE_HASH}'` : "style-src 'self'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      "font-src 'self'",
      // Web Chat reads a file the person attaches from its blob: URL before uploading it.
      "connect-src 'self' blob:",
      "base-uri 'none'",
      `form-action ${formAction}`,
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
    // The signed-in page carries a conversation token: never keep it in a cache.
    'Cache-Control': 'no-store',
  };
}

export const CHAT_PATH = '/chat';
export const SIGN_OUT_PATH = '/signout';

/**
 * The web chat page for an anonymous visitor (GET /); the one-time sign-in link (GET /signin/:token), exchanged
 * once for a session cookie; the signed-in chat that cookie opens (GET /chat), which a reload or a new tab resumes;
 * and signing out (POST /signout).
 */
export function registerPageRoutes(server: restify.Server, deps: PageDeps): void {
  const { db, logger } = deps;
  const chatTemplate = pageTemplate('chat.html');
  const cookie = sessionCookie(deps.secureCookies);

  /** `signedIn`: the conversation the page resumes, its new token, whether its person may upload files. */
  function sendChatPage(res: restify.Response, l: Language, who: string, signedIn?: { token: string; conversationId?: string; upload: boolean }): void {
    const nonce = crypto.randomBytes(16).toString('base64');
    const main = fill(chatTemplate, {
      chatLabel: t(l, 'webChat.label'),
      chatStarting: t(l, 'webChat.starting'),
      chatFailed: t(l, 'webChat.failed'),
      chatNoScript: t(l, 'webChat.noScript'),
    });
    const head = [
      chatHead(nonce, signedIn?.token),
      ...(signedIn?.conversationId ? [`<meta name="webchat-conversation" content="${escapeHtml(signedIn.conversationId)}">`] : []),
      ...(signedIn?.upload ? ['<meta name="webchat-upload" content="on">'] : []),
    ].join('\n  ');
    const title = t(l, 'welcome.guest.title');
    const signOut = signedIn ? t(l, 'webChat.signOut') : undefined;
    // The signed-in page's only form is its sign-out, posting to this server.
    res.sendRaw(200, renderPage({ lang: l, title, appTitle: title, who, signOut, head, main }), pageHeaders(nonce, signedIn ? "'self'" : undefined));
  }

  function sendFailure(req: restify.Request, res: restify.Response, error: unknown, message: string): void {
    const reference = logFailure(logger, error, {}, message);
    const l = browserLanguage(req);
    const body = [t(l, 'signIn.error.body'), t(l, 'error.reference', { reference })];
    res.sendRaw(500, noticePage(l, t(l, 'welcome.guest.title'), t(l, 'signIn.error.title'), body), pageHeaders());
  }

  server.get('/', (req, res, next) => {
    const l = browserLanguage(req);
    sendChatPage(res, l, t(l, 'webChat.guest.who'));
    next();
  });

  server.get('/signin/:token', async (req, res) => {
    try {
      const link = await redeemOneTimeLink(db, String(req.params.token), LinkPurpose.ADMIN_SIGN_IN);
      if (!link) {
        // One answer for unknown, expired and used links, so that links cannot be probed.
        const l = browserLanguage(req);
        const html = noticePage(l, t(l, 'welcome.guest.title'), t(l, 'signIn.unusable.title'), [t(l, 'signIn.unusable.body'), t(l, 'signIn.unusable.ask')], {
          href: '/signin',
          text: t(l, 'signIn.unusable.newLink'),
        });
        res.sendRaw(404, html, pageHeaders());
        return;
      }
      const { conversation } = await openConversation(db, { personId: link.personId });
      // The session ends with its conversation, both twelve hours from now.
      const session = await startWebSession(db, { personId: link.personId, conversationId: conversation.id }, conversation.createdAt);
      // The link is used up: the chat lives at an address without a token, which a reload or a new tab opens again.
      res.sendRaw(303, '', { ...redirectHeaders(CHAT_PATH), 'Set-Cookie': cookie.set(session.token, session.expiresAt) });
    } catch (error) {
      sendFailure(req, res, error, 'sign-in page failed');
    }
  });

  server.get(CHAT_PATH, async (req, res) => {
    try {
      const token = cookie.read(req);
      const session = token ? await findWebSession(db, token) : null;
      const conversation = session ? await findConversation(db, session.conversationId) : null;
      // Arriving from a sign-in link opened on another site (a webmail), the browser withholds the SameSite=Strict
      // cookie all along that redirect chain: a step from this site's own page brings it.
      if (!token && req.header('sec-fetch-site') === 'cross-site') return sendOnwards(req, res);
      if (!session || !conversation) return sendSignedOut(req, res, token !== undefined);
      const l = replyLanguage({ client: browserLanguage(req), person: session.person });
      const started = await isStarted(db, conversation.id);
      const { token: conversationToken } = await issueToken(db, conversation);
      sendChatPage(res, l, t(l, 'webChat.signedInAs', { name: session.person.displayName }), {
        token: conversationToken,
        // A started conversation is resumed (directlinejs reconnects to it and reads it from the start); a new one is started.
        conversationId: started ? conversation.id : undefined,
        upload: mayUpload(session),
      });
    } catch (error) {
      sendFailure(req, res, error, 'signed-in chat page failed');
    }
  });

  server.post(SIGN_OUT_PATH, async (req, res) => {
    try {
      // The cookie is SameSite=Strict already; a browser that names the request's site must name this one.
      if (!isSameOrigin(req)) {
        res.sendRaw(403, 'Signing out is only possible from this site\'s own page.', { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        return;
      }
      const token = cookie.read(req);
      if (token) await endWebSession(db, token);
      res.sendRaw(303, '', { ...redirectHeaders(CHAT_PATH), 'Set-Cookie': cookie.clear() });
    } catch (error) {
      sendFailure(req, res, error, 'sign-out failed');
    }
  });

  /** A page that opens the chat again at once, from this site: the navigation then carries the session cookie. */
  function sendOnwards(req: restify.Request, res: restify.Response): void {
    const l = browserLanguage(req);
    const main = fill(noticeTemplate, { heading: t(l, 'webChat.starting') }, { paragraphs: `<p><a href="${CHAT_PATH}">${escapeHtml(t(l, 'webChat.label'))}</a></p>` });
    const head = `<meta http-equiv="refresh" content="0; url=${CHAT_PATH}">`;
    res.sendRaw(200, renderPage({ lang: l, title: t(l, 'webChat.starting'), appTitle: t(l, 'welcome.guest.title'), head, main }), pageHeaders());
  }

  /** No live session: the page says so and offers a new link; a cookie that no longer opens anything is removed. */
  function sendSignedOut(req: restify.Request, res: restify.Response, hadCookie: boolean): void {
    const l = browserLanguage(req);
    const html = noticePage(l, t(l, 'welcome.guest.title'), t(l, 'webChat.signedOut.title'), [t(l, 'webChat.signedOut.body')], {
      href: '/signin',
      text: t(l, 'signIn.unusable.newLink'),
    });
    res.sendRaw(401, html, { ...pageHeaders(), ...(hadCookie ? { 'Set-Cookie': cookie.clear() } : {}) });
  }
}

/** Bulk import is the only file the chat takes, and only administrators import. */
const mayUpload = (session: LiveSession) => session.person.role === Role.ADMINISTRATOR;

function redirectHeaders(location: string): Record<string, string> {
  return { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'Content-Type': 'text/plain; charset=utf-8' };
}

/**
 * The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it), Secure and
 * __Host- behind HTTPS (never sent in the clear, nor set by a sibling domain), for the whole site, and gone when the
 * session expires.
 */
export function sessionCookie(secure: boolean) {
  const name = secure ? '__Host-session' : 'session';
  const attributes = `Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  return {
    name,
    set: (token: string, expiresAt: Date) => `${name}=${token}; ${attributes}; Max-Age=${Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000))}`,
    clear: () => `${name}=; ${attributes}; Max-Age=0`,
    /** The cookie's value if the request carries it; findWebSession checks its form. */
    read(req: restify.Request): string | undefined {
      const header = req.header('cookie');
      if (!header) return undefined;
      for (const pair of header.split(';')) {
        const at = pair.indexOf('=');
        if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
      }
      return undefined;
    },
  };
}

/**
 * A state-changing form post from this site's own page: browsers name the requesting site (Sec-Fetch-Site), or, when
 * they do not, send an Origin that must be this host.
 */
function isSameOrigin(req: restify.Request): boolean {
  const site = req.header('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origin = req.header('origin');
  if (!origin) return false;
  try {
    return new URL(origin).host === req.header('host');
  } catch {
    return false;
  }
}
