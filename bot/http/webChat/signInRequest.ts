import crypto from 'node:crypto';
import restify from 'restify';
import { t, type Language } from '../../../cards/strings';
import { takeAttempt, type AttemptLimit } from '../../../services/people/attemptWindows';
import { SIGN_IN_LINK_TTL_MS, requestSignInLink, signInRequestSchema } from '../../../services/people/signInLinks';
import type { Db } from '../../../services/platform/db/database';
import { logFailure, type Logger } from '../../logger';
import { browserLanguage, escapeHtml, pageHeaders, renderPage } from './pages';

/**
 * GET /signin: the form where a fleet administrator or support person asks for a sign-in link by email; POST /signin
 * queues it (services/people/signInLinks.ts). The answer is the same for every well-formed address.
 */

// One short field; as in bot/server.ts, maxBodySize reaches the body reader though @types/restify leaves it out.
const formBodyOptions: restify.plugins.UrlEncodedBodyParserOptions & restify.plugins.BodyParserOptions = {
  maxBodySize: 2 * 1024,
  mapParams: false,
};
/** Requests from one client address per hour: a whole office asking now and then, not a script trying addresses. */
const PER_CLIENT: AttemptLimit = { limit: 30, windowMs: 60 * 60 * 1000 };
const HOURS = SIGN_IN_LINK_TTL_MS / 3_600_000;

export interface SignInRequestDeps {
  db: Db;
  logger: Logger;
  /** The address a request comes from, as the server's proxy settings say. */
  clientAddressOf: (req: restify.Request) => string;
}

export function registerSignInRequest(server: restify.Server, deps: SignInRequestDeps): void {
  const { db, logger } = deps;

  server.get('/signin', (req, res, next) => {
    sendForm(res, 200, browserLanguage(req), '');
    next();
  });

  server.post('/signin', restify.plugins.urlEncodedBodyParser(formBodyOptions), async (req, res) => {
    const l = browserLanguage(req);
    const body: unknown = req.body;
    const typed = typeof body === 'object' && body !== null && typeof (body as { email?: unknown }).email === 'string'
      ? (body as { email: string }).email.slice(0, 254)
      : '';
    const parsed = signInRequestSchema.safeParse({ email: typed });
    if (!parsed.success) {
      sendForm(res, 400, l, typed, t(l, 'signIn.request.invalid'));
      return;
    }
    try {
      const client = `sign-in-client:${crypto.createHash('sha256').update(deps.clientAddressOf(req)).digest('hex')}`;
      const slot = await takeAttempt(db, client, PER_CLIENT);
      if (!slot.allowed) {
        const minutes = String(Math.max(1, Math.ceil(slot.retryAfterMs / 60_000)));
        res.sendRaw(429, page(l, t(l, 'signIn.request.title'), paragraphs(t(l, 'signIn.request.tooMany', { minutes }))), {
          ...pageHeaders(),
          'Retry-After': String(Math.ceil(slot.retryAfterMs / 1000)),
        });
        return;
      }
      await requestSignInLink(db, parsed.data.email);
      const sent = paragraphs(t(l, 'signIn.request.sent', { email: parsed.data.email, hours: String(HOURS) }), t(l, 'signIn.request.nothingArrived'));
      res.sendRaw(200, page(l, t(l, 'signIn.request.sentTitle'), sent), pageHeaders());
    } catch (error) {
      const reference = logFailure(logger, error, {}, 'sign-in request failed');
      res.sendRaw(500, page(l, t(l, 'signIn.error.title'), paragraphs(t(l, 'signIn.request.failed'), t(l, 'error.reference', { reference }))), pageHeaders());
    }
  });
}

const paragraphs = (...texts: string[]) => texts.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n      ');

function page(l: Language, heading: string, content: string): string {
  const main = `<main class="activation-main">
    <section class="panel" aria-labelledby="step-heading">
      <h2 id="step-heading">${escapeHtml(heading)}</h2>
      ${content}
    </section>
  </main>`;
  const head = '<link rel="stylesheet" href="/webchat/page/activate.css">';
  return renderPage({ lang: l, title: heading, appTitle: t(l, 'welcome.guest.title'), bodyClass: 'activation', head, main });
}

/** The form, with what was typed and what is wrong with it: nothing entered is lost. */
function sendForm(res: restify.Response, status: number, l: Language, typed: string, problem?: string): void {
  const e = escapeHtml;
  const error = problem ? `<p id="email-error" class="error">${e(problem)}</p>` : '';
  const content = `<p>${e(t(l, 'signIn.request.intro'))}</p>
      <form method="post" action="/signin" class="field" novalidate>
        <label for="email">${e(t(l, 'signIn.request.label'))}</label>
        <input id="email" name="email" type="email" autocomplete="email" maxlength="254" value="${e(typed)}"${problem ? ' aria-invalid="true" aria-describedby="email-error" autofocus' : ''}>
        ${error}
        <button type="submit">${e(t(l, 'signIn.request.submit'))}</button>
      </form>`;
  res.sendRaw(status, page(l, t(l, 'signIn.request.title'), content), pageHeaders(undefined, "'self'"));
}
