import crypto from 'node:crypto';
import Negotiator from 'negotiator';
import restify from 'restify';
import { z } from 'zod';
import { esimWords } from '../../cards/esimCard';
import { esimQrDataUri } from '../../cards/esimQr';
import { t, type Language } from '../../cards/strings';
import { problemText, stateText, triesLeftText, type ShownState } from '../../dialogs/activateSim';
import { groupedIccid } from '../../services/simCards/simNumber';
import { ServiceStatus } from '../../prisma/generated/enums';
import type { SubmitSimResult } from '../../services/lifecycle/userActivation';
import type { EsimToInstall } from '../../services/simCards/esimProfiles';
import { openActivationLink, startOnLink, submitOnLink, waitsForUser, type ActivationLinkView } from '../../services/people/activationLinks';
import type { Db } from '../../services/platform/db/database';
import { logFailure, type Logger } from '../logger';
import { clientAddressResolver } from './clientAddress';
import { closeConversation, openConversation } from './webChat/conversations';
import { chatHead } from './webChat/assets';
import { browserLanguage, escapeHtml, fill, noticePage, pageHeaders, pageTemplate, renderPage } from './webChat/pages';

/**
 * The personal activation page from the email (GET /activate/:token): whose service and which product, and what the
 * user has to do, as a plain form that works without JavaScript: the SIM card number, or the Start button when the
 * SIM card is known or there is none; the web chat below is tied to the same person and service. The forms post back
 * to the same URL. Once the service no longer waits for its user, the link only shows where it stands, without the
 * chat: a forwarded link grants nothing more. While the service's eSIM waits to be installed, the page shows it — its
 * QR code, the details to type by hand, the steps — and follows it, without a form or a chat: once it is installed,
 * the code gives way to where the activation stands, and a link revoked by a replacement answers as any ended one.
 *
 * With scripts (activate.js), the forms are sent with fetch and answered in JSON, so the page and its chat stay one
 * conversation: a wrong number replaces only the form, and once the service moves on, the panel says where it stands
 * while the chat keeps what was said. The panel also follows the service by polling GET /activate/<token>/status,
 * which checks the link as the page does. Polling rather than server-sent events: this server keeps no connections
 * open (Direct Line polls too, and any instance behind the proxy can answer), and the state changes rarely, in
 * minutes for the SIM card and hours for the number transfer.
 *
 * No CSRF nonce: the form carries no cookie or session, its only authority is the 256-bit token in the URL, and a
 * page elsewhere that knows the token needs no forgery to use it. A nonce would protect nothing more.
 */

export interface ActivationPageDeps {
  db: Db;
  logger: Logger;
  /** TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For names the client; none when left out. */
  trustedProxies?: readonly string[];
}

// As in bot/server.ts, maxBodySize reaches the body reader though @types/restify leaves it out; one short field.
const formBodyOptions: restify.plugins.UrlEncodedBodyParserOptions & restify.plugins.BodyParserOptions = {
  maxBodySize: 4 * 1024,
  mapParams: false,
};
// The Start button's form carries action=start; the SIM card form, the number.
const formSchema = z.union([z.object({ action: z.literal('start') }), z.object({ iccid: z.string().max(100) })]);

/** The status address of a link's page: /activate/<token>/status. */
const STATUS_SUFFIX = '/status';

/**
 * How soon the page asks again, in seconds: often while the person is on it to type or press something (the chat
 * may move the service on at any moment), rarely once the activation runs (an hour; a number transfer, days).
 */
const POLL_WHILE_WAITING_S = 5;
const POLL_WHILE_MOVING_S = 30;

/** The panel's state while the page shows an eSIM to install, whatever the service's (a replaced one may be active). */
const ESIM_TO_INSTALL = 'ESIM_TO_INSTALL';

/** What the page's panel shows of the link, as the status address and the scripted form answer it. */
export interface LinkStatus {
  /** The service's state, the eSIM waiting to be installed, or why the link no longer shows it. */
  state: ServiceStatus | typeof ESIM_TO_INSTALL | 'unusable' | 'locked';
  heading: string;
  paragraphs: string[];
  /**
   * While the service waits for its person: the panel's form for that wait (the SIM card number, or Start), which
   * the page puts in place of the one it shows when the wait changes (the administrator registered the SIM card).
   */
  fields?: string;
  /** Seconds before asking again; null once nothing will change any more. */
  pollAfter: number | null;
}

/** The form as it is shown again: what was typed, and what is wrong with it. */
interface FormState {
  typed: string;
  problem?: string;
  suggestion?: string;
}

export function registerActivationPage(server: restify.Server, deps: ActivationPageDeps): void {
  const { db, logger } = deps;
  const clientAddressOf = clientAddressResolver(deps.trustedProxies ?? []);
  const activationMain = pageTemplate('activate.html');
  const esimMain = pageTemplate('activate-esim.html');

  /** The request is activate.js asking for JSON; a plain form post asks for HTML. */
  function wantsJson(req: restify.Request): boolean {
    return new Negotiator(req).mediaType(['text/html', 'application/json']) === 'application/json';
  }

  function sendJson(res: restify.Response, status: number, body: object, headers: Record<string, string> = {}): void {
    res.sendRaw(status, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  }

  function unusableStatus(l: Language): LinkStatus {
    return { state: 'unusable', heading: t(l, 'activationPage.unusable.title'), paragraphs: [t(l, 'activationPage.unusable.body')], pollAfter: null };
  }

  function lockedStatus(l: Language): LinkStatus {
    return { state: 'locked', heading: t(l, 'activationPage.locked.title'), paragraphs: [t(l, 'activationPage.locked.body')], pollAfter: null };
  }

  /** What the panel shows for a usable link: its eSIM or its form while the service waits, else where it stands. */
  function linkStatus(l: Language, view: ActivationLinkView): LinkStatus {
    // The code itself is on the page already: asked again and again, the answer only says it still waits.
    if (view.esim) return { state: ESIM_TO_INSTALL, heading: esimTitle(view, l), paragraphs: [t(l, 'activationPage.esim.waiting')], pollAfter: POLL_WHILE_WAITING_S };
    const status = view.status;
    if (waitsForUser(status)) {
      if (view.locked) return lockedStatus(l);
      return { state: status, heading: titleOf(view, l), paragraphs: [], fields: waitFields(view, l), pollAfter: POLL_WHILE_WAITING_S };
    }
    const final = status === ServiceStatus.FAILED || status === ServiceStatus.ENDED || status === ServiceStatus.CANCELLED ||
      (status === ServiceStatus.ACTIVE && !view.portingPending);
    return { state: status, heading: t(l, 'activationPage.status.title'), paragraphs: statusParagraphs(l, view, status), pollAfter: final ? null : POLL_WHILE_MOVING_S };
  }

  /** GET /activate/<token>/status: the link checked as its page checks it, answered as the panel shows it. */
  function sendLinkStatus(req: restify.Request, res: restify.Response, view: ActivationLinkView | null): void {
    if (!view) return sendJson(res, 404, unusableStatus(languageOf(req)));
    const status = linkStatus(languageOf(req, view), view);
    sendJson(res, status.state === 'locked' ? 403 : 200, status);
  }

  /**
   * The service moved on with what the page sent, so the link's chats stop acting: what they said stays readable, as
   * after the chat's own last answer. (A locked link's chat is not: the lock may be someone guessing.)
   */
  async function closeLinkChats(linkId: string): Promise<void> {
    const chats = await db.webChatConversation.findMany({ where: { accessLinkId: linkId, closedAtSeq: null }, select: { id: true } });
    for (const chat of chats) await closeConversation(db, chat.id);
  }

  /** The person's own language, else the browser's, else English. */
  function languageOf(req: restify.Request, view?: ActivationLinkView): Language {
    return view?.person.preferredLanguage ?? browserLanguage(req);
  }

  function sendNotice(res: restify.Response, status: number, l: Language, heading: string, body: string): void {
    res.sendRaw(status, noticePage(l, t(l, 'activationPage.appTitle'), heading, [body]), pageHeaders());
  }

  /** One answer for unknown, malformed, expired, revoked and used links: nothing in it tells them apart. */
  function sendUnusable(req: restify.Request, res: restify.Response): void {
    const l = languageOf(req);
    sendNotice(res, 404, l, t(l, 'activationPage.unusable.title'), t(l, 'activationPage.unusable.body'));
  }

  function sendLocked(req: restify.Request, res: restify.Response, view: ActivationLinkView): void {
    const l = languageOf(req, view);
    sendNotice(res, 403, l, t(l, 'activationPage.locked.title'), t(l, 'activationPage.locked.body'));
  }

  /** Where the service stands and what comes next, read-only: no form, no chat. */
  function sendStatus(req: restify.Request, res: restify.Response, view: ActivationLinkView, status: ShownState): void {
    const l = languageOf(req, view);
    res.sendRaw(200, noticePage(l, t(l, 'activationPage.appTitle'), t(l, 'activationPage.status.title'), statusParagraphs(l, view, status)), pageHeaders());
  }

  /** The eSIM to install, and nothing to send: no form, no chat. The panel follows it until it is installed. */
  async function sendEsimPage(res: restify.Response, view: ActivationLinkView, esim: EsimToInstall, l: Language): Promise<void> {
    const heading = esimTitle(view, l);
    const content = stepContent(heading, await esimFields(view, esim, l), [t(l, 'activationPage.esim.waiting')]);
    const html = renderPage({
      lang: l,
      title: heading,
      appTitle: t(l, 'activationPage.appTitle'),
      who: t(l, 'activationPage.who', { name: view.person.displayName }),
      bodyClass: 'activation',
      head: '<link rel="stylesheet" href="/webchat/page/activate.css">\n  <script src="/webchat/page/activate.js" defer></script>',
      main: fill(esimMain, { state: ESIM_TO_INSTALL, pollAfter: String(POLL_WHILE_WAITING_S) }, { content }),
    });
    res.sendRaw(200, html, pageHeaders());
  }

  async function sendPersonPage(
    res: restify.Response,
    status: number,
    view: ActivationLinkView,
    l: Language,
    content: string,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const nonce = crypto.randomBytes(16).toString('base64');
    const { token } = await openConversation(db, { personId: view.person.id, serviceId: view.serviceId, accessLinkId: view.linkId });
    const main = fill(
      activationMain,
      {
        chatHeading: t(l, 'activationPage.chat.title'),
        chatStarting: t(l, 'webChat.starting'),
        chatFailed: t(l, 'webChat.failed'),
        chatNoScript: t(l, 'activationPage.chat.noScript'),
        chatEnded: t(l, 'activationPage.chat.ended'),
        state: view.status,
        pollAfter: String(POLL_WHILE_WAITING_S),
      },
      { content },
    );
    const html = renderPage({
      lang: l,
      title: titleOf(view, l),
      appTitle: t(l, 'activationPage.appTitle'),
      who: t(l, 'activationPage.who', { name: view.person.displayName }),
      bodyClass: 'activation',
      head: `<link rel="stylesheet" href="/webchat/page/activate.css">\n  ${chatHead(nonce, token)}\n  <script src="/webchat/page/activate.js" defer></script>`,
      main,
    });
    res.sendRaw(status, html, { ...pageHeaders(nonce, "'self'"), ...headers });
  }

  /**
   * Runs a handler for /activate/*: a wildcard rather than a :token parameter, because the router answers a parameter
   * longer than 100 characters with its own 404, which would tell such a token apart from other unusable ones.
   * Whatever fails, the person gets a short page in their language and never a stack trace.
   */
  function answering(handler: (req: restify.Request, res: restify.Response, token: string) => Promise<void>): restify.RequestHandler {
    return async (req, res) => {
      try {
        await handler(req, res, String(req.params['*'] ?? ''));
      } catch (error) {
        const reference = logFailure(logger, error, {}, 'activation page failed');
        const l = languageOf(req);
        sendNotice(res, 500, l, t(l, 'activationPage.error.title'), `${t(l, 'activationPage.error.body')} ${t(l, 'error.reference', { reference })}`);
      }
    };
  }

  server.get('/activate/*', answering(async (req, res, path) => {
    if (path.endsWith(STATUS_SUFFIX)) return sendLinkStatus(req, res, await openActivationLink(db, path.slice(0, -STATUS_SUFFIX.length)));
    const token = path;
    const view = await openActivationLink(db, token);
    if (!view) return sendUnusable(req, res);
    if (view.esim) return sendEsimPage(res, view, view.esim, languageOf(req, view));
    const status = view.status;
    if (!waitsForUser(status)) return sendStatus(req, res, view, status);
    if (view.locked) return sendLocked(req, res, view);
    const l = languageOf(req, view);
    await sendPersonPage(res, 200, view, l, stepContent(titleOf(view, l), waitFields(view, l)));
  }));

  server.post('/activate/*', restify.plugins.urlEncodedBodyParser(formBodyOptions), answering(async (req, res, token) => {
    const json = wantsJson(req);
    const parsed = formSchema.safeParse(req.body);
    const form = parsed.success ? parsed.data : { iccid: '' };
    const refuse = (kind: 'unusable' | 'locked', view?: ActivationLinkView) => {
      const l = languageOf(req, view);
      if (json) return sendJson(res, kind === 'locked' ? 403 : 404, kind === 'locked' ? lockedStatus(l) : unusableStatus(l));
      return kind === 'locked' ? sendLocked(req, res, view!) : sendUnusable(req, res);
    };
    // Back to the page, which then tells where the activation stands; reloading it sends nothing again. The scripted
    // page stays where it is, with its chat, and gets that status instead.
    const backToPage = async (linkId: string) => {
      const now = await openActivationLink(db, token);
      if (now && !waitsForUser(now.status)) await closeLinkChats(linkId);
      if (json) return sendLinkStatus(req, res, now);
      res.redirect(303, `/activate/${encodeURIComponent(token)}`, () => undefined);
    };
    /** The form again, on the page or, scripted, alone in place of the one sent. */
    const sendForm = async (status: number, view: ActivationLinkView, l: Language, state: FormState, headers: Record<string, string> = {}) => {
      if (json) return sendJson(res, status, { form: formFields(view, l, state) }, headers);
      await sendPersonPage(res, status, view, l, formContent(view, l, state), headers);
    };
    if ('action' in form) {
      const pressed = await startOnLink(db, token);
      if (pressed.kind === 'unusable') return refuse('unusable');
      if (pressed.kind === 'locked') return refuse('locked', pressed.view);
      return backToPage(pressed.view.linkId);
    }
    const typed = form.iccid;
    const outcome = await submitOnLink(db, token, typed, clientAddressOf(req));
    if (outcome.kind === 'unusable') return refuse('unusable');
    if (outcome.kind === 'locked') return refuse('locked', outcome.view);
    if (outcome.kind === 'not-waiting') return backToPage(outcome.view.linkId);
    const { view } = outcome;
    const l = languageOf(req, view);
    if (outcome.kind === 'too-many') {
      const minutes = Math.ceil(outcome.retryAfterMs / 60_000);
      return sendForm(429, view, l, { typed, problem: t(l, 'activationPage.tooManyTries', { minutes }) }, { 'Retry-After': String(Math.ceil(outcome.retryAfterMs / 1000)) });
    }
    const { result } = outcome;
    if (result.ok || result.problem === 'not-waiting') return backToPage(view.linkId);
    await sendForm(422, view, l, wrongNumber(l, result, typed, outcome.triesLeft));
  }));
}

/** What is wrong with the number, and, when the link takes only a few more wrong ones, how many. */
function wrongNumber(l: Language, result: Extract<SubmitSimResult, { ok: false }>, typed: string, triesLeft: number | undefined): FormState {
  const problem = problemText(l, result, typed);
  const warning = triesLeft === undefined ? undefined : triesLeftText(l, { kind: 'link', triesLeft });
  return { typed, problem: warning ? `${problem} ${warning}` : problem, suggestion: result.suggestion?.iccid };
}

function titleOf(view: ActivationLinkView, l: Language): string {
  return view.hasSim ? t(l, 'activationPage.title') : t(l, 'activationPage.title.noSim');
}

function introOf(view: ActivationLinkView, l: Language): string {
  const vars = { name: view.person.displayName, product: view.product[l], serviceType: view.serviceType[l], organisation: view.person.organisation.name };
  return view.hasSim ? t(l, 'activationPage.intro', vars) : t(l, 'activationPage.intro.noSim', vars);
}

/**
 * The step panel: its heading, the live region where the page's script writes where the service stands once it
 * moves on (empty while it waits for a form: the form says what to do), and the form, which that replaces.
 */
function stepContent(heading: string, fields: string, status: string[] = []): string {
  return `<h2 id="step-heading">${escapeHtml(heading)}</h2>
      <div id="step-status" class="step-status" aria-live="polite">${status.map((text) => `<p>${escapeHtml(text)}</p>`).join('')}</div>
      <div id="step-form">
      ${fields}
      </div>`;
}

/** The form of the service's wait: an empty SIM card form, or Start. */
function waitFields(view: ActivationLinkView, l: Language): string {
  return view.status === ServiceStatus.WAITING_FOR_SIM ? formFields(view, l, { typed: '' }) : startFields(view, l);
}

/** The Start button, for a service whose SIM card the administrator entered or that has none: nothing to type. */
function startFields(view: ActivationLinkView, l: Language): string {
  const e = escapeHtml;
  const product = view.product[l];
  const ready = view.hasSim ? t(l, 'activation.state.READY', { product }) : t(l, 'activation.state.READY.noSim', { product });
  return `<p>${e(introOf(view, l))}</p>
      <p>${e(ready)}</p>
      <form method="post">
        <input type="hidden" name="action" value="start">
        <button type="submit">${e(t(l, 'activation.start'))}</button>
      </form>`;
}

function esimTitle(view: ActivationLinkView, l: Language): string {
  return t(l, 'esim.title', { service: view.product[l] });
}

/**
 * The eSIM as the chat's card shows it: the QR code to scan from this screen, the details to type on the phone itself,
 * the steps for iPhone and Android, how long activation takes. The QR code is in the page, as a data: URI.
 */
async function esimFields(view: ActivationLinkView, esim: EsimToInstall, l: Language): Promise<string> {
  const e = escapeHtml;
  const words = esimWords(l, { serviceLabel: view.product[l], activationCode: esim.activationCode, ...(esim.confirmationCode ? { confirmationCode: esim.confirmationCode } : {}) });
  const intro = t(l, 'activationPage.esim.intro', { name: view.person.displayName, product: view.product[l], serviceType: view.serviceType[l], organisation: view.person.organisation.name });
  const steps = [words.install.iphone, words.install.android]
    .map(({ title, steps: list }) => `<h3>${e(title)}</h3>
      <ol>${list.map((step) => `<li>${e(step)}</li>`).join('')}</ol>`)
    .join('\n      ');
  return `<p>${e(intro)}</p>
      <img class="esim-qr" src="${e(esimQrDataUri(esim.activationCode))}" alt="${e(words.qrAltText)}">
      <p>${e(words.scan)}</p>
      ${words.confirmation ? `<p class="esim-confirmation">${e(words.confirmation)}</p>` : ''}
      <h3>${e(words.manualTitle)}</h3>
      <dl class="esim-details">${words.details.map(({ title, value }) => `<dt>${e(title)}</dt><dd><code>${e(value)}</code></dd>`).join('')}</dl>
      <p>${e(words.wholeCodeLabel)}</p>
      <p><code class="esim-code">${e(words.wholeCode)}</code></p>
      ${steps}
      <p>${e(words.activationTime)}</p>
      <p class="hint">${e(words.secret)}</p>`;
}

function formContent(view: ActivationLinkView, l: Language, form: FormState): string {
  return stepContent(titleOf(view, l), formFields(view, l, form));
}

/** The SIM card form; a problem stands under the field, and a "did you mean" comes with a button that sends it. */
function formFields(view: ActivationLinkView, l: Language, form: FormState): string {
  const e = escapeHtml;
  const intro = introOf(view, l);
  const invalid = form.problem !== undefined;
  const describedBy = invalid ? 'iccid-hint iccid-error' : 'iccid-hint';
  const error = invalid ? `<p id="iccid-error" class="error">${e(form.problem!)}</p>` : '';
  // The suggestion's button belongs to a form of its own, so that Enter in the field still sends what was typed.
  const suggestion = form.suggestion
    ? `<div class="suggestion"><p>${e(t(l, 'activation.suggest', { iccid: groupedIccid(form.suggestion) }))}</p>` +
      `<button type="submit" form="use-suggestion">${e(t(l, 'activationPage.suggest.use'))}</button></div>`
    : '';
  const suggestionForm = form.suggestion
    ? `<form id="use-suggestion" method="post"><input type="hidden" name="iccid" value="${e(form.suggestion)}"></form>`
    : '';
  return `<p>${e(intro)}</p>
      <form method="post" class="field" novalidate>
        <label for="iccid">${e(t(l, 'activationPage.label'))}</label>
        <p id="iccid-hint" class="hint">${e(t(l, 'activationPage.hint'))}</p>
        <input id="iccid" name="iccid" type="text" inputmode="numeric" autocomplete="off" autocapitalize="off" spellcheck="false" maxlength="40" value="${e(form.typed)}" aria-describedby="${describedBy}"${invalid ? ' aria-invalid="true" autofocus' : ''}>
        ${error}${suggestion}
        <button type="submit">${e(t(l, 'activationPage.submit'))}</button>
      </form>${suggestionForm}`;
}

/** Where the service stands, then what the person does next. */
function statusParagraphs(l: Language, view: ActivationLinkView, status: ShownState): string[] {
  return [stateText(l, status, { product: view.product[l], hasSim: view.hasSim }, view.failureReason), ...nextSteps(l, view, status)];
}

/** What the person does next, after the sentence saying where the service stands. */
function nextSteps(l: Language, view: ActivationLinkView, status: ShownState): string[] {
  switch (status) {
    case ServiceStatus.ACTIVATING:
      return [
        t(l, 'activationPage.next.told'),
        // An eSIM is on the phone already: nothing to put in, only to choose when the phone has two.
        ...(view.hasSim ? [t(l, view.hasEsim ? 'activationPage.next.esim' : 'activationPage.next.swap')] : []),
        ...(view.portingPending ? [t(l, 'activationPage.next.porting')] : []),
      ];
    case ServiceStatus.ACTIVE:
      return view.hasSim ? [t(l, 'activationPage.next.active')] : [];
    default:
      return [];
  }
}
