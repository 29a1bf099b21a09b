import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Negotiator from 'negotiator';
import type restify from 'restify';
import { languages, t, type Language } from '../../../cards/strings';
import { LinkPurpose, redeemOneTimeLink } from '../../../services/people/accessLinks';
import type { Db } from '../../../services/platform/db/database';
import { replyLanguage } from '../../../services/people/languagePreference';
import { projectRoot } from '../../../services/platform/projectRoot';
import { logFailure, type Logger } from '../../logger';
import { chatHead } from './assets';
import { openConversation } from './conversations';

export const OPERATOR = 'Dstny';
const EMPTY_STYLE_HASH = `sha256-${crypto.createHash('sha256').update('').digest('base64')}`;

export const pagesDir = path.join(projectRoot(), 'bot', 'http', 'pages');
export interface PageDeps {
  db: Db;
  logger: Logger;
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
  bodyClass?: string;
  /** Markup built with escaped values: elements added to the head, and the page's <main>. */
  head?: string;
  main: string;
}

export function renderPage(page: Page): string {
  const who = page.who === undefined ? '' : `<p class="who">${escapeHtml(page.who)}</p>`;
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
      "connect-src 'self'",
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

/**
 * The web chat page for an anonymous visitor (GET /), the sign-in link that opens a chat tied to a person
 * (GET /signin/:token).
 */
export function registerPageRoutes(server: restify.Server, deps: PageDeps): void {
  const { db, logger } = deps;
  const chatTemplate = pageTemplate('chat.html');

  function sendChatPage(res: restify.Response, l: Language, who: string, token?: string): void {
    const nonce = crypto.randomBytes(16).toString('base64');
    const main = fill(chatTemplate, {
      chatLabel: t(l, 'webChat.label'),
      chatStarting: t(l, 'webChat.starting'),
      chatFailed: t(l, 'webChat.failed'),
      chatNoScript: t(l, 'webChat.noScript'),
    });
    const title = t(l, 'welcome.guest.title');
    res.sendRaw(200, renderPage({ lang: l, title, appTitle: title, who, head: chatHead(nonce, token), main }), pageHeaders(nonce));
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
      const { token } = await openConversation(db, { personId: link.personId });
      const l = replyLanguage({ client: browserLanguage(req), person: link.person });
      sendChatPage(res, l, t(l, 'webChat.signedInAs', { name: link.person.displayName }), token);
    } catch (error) {
      const reference = logFailure(logger, error, {}, 'sign-in page failed');
      const l = browserLanguage(req);
      const body = [t(l, 'signIn.error.body'), t(l, 'error.reference', { reference })];
      res.sendRaw(500, noticePage(l, t(l, 'welcome.guest.title'), t(l, 'signIn.error.title'), body), pageHeaders());
    }
  });
}
