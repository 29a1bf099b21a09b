import { esimWords } from '../cards/esimCard';
import { esimQrPng } from '../cards/esimQr';
import { t, type Language } from '../cards/strings';
import type { ActivationEmailData, ComposedEmail, EmailComposer, EsimEmailData } from '../services/notifications/activationEmail';
import type { SignInEmailData } from '../services/people/signInLinks';

/**
 * The activation email of the operator's help page ("1. Users"): the steps, the personal link, the tips and whom to
 * contact, in the user's language, as HTML and plain text. Its steps are what the user has to do on the page; for an
 * eSIM, the eSIM itself: its QR code, the details to type by hand and how to install it.
 */

const locales: Record<Language, string> = { en: 'en-BE', nl: 'nl-BE', fr: 'fr-BE' };

/** The words that differ by task; a service without a SIM card is never told about one. */
function wordsFor(data: ActivationEmailData, expires: string) {
  const { language: l, task } = data;
  const link = t(l, 'email.activation.step.openLink', { link: data.link });
  const intro = { administrator: data.administrator, organisation: data.organisation, product: data.product };
  if (task === 'startWithoutSim') {
    return {
      subject: t(l, 'email.activation.subject.noSim'),
      intro: t(l, 'email.activation.intro.noSim', intro),
      stepsTitle: t(l, 'email.activation.stepsTitle.noSim'),
      steps: [
        link,
        t(l, 'email.activation.step.personal.noSim', { expires, product: data.product }),
        t(l, 'email.activation.step.pressStart.noSim'),
        t(l, 'email.activation.step.duration.noSim'),
        t(l, 'email.activation.step.calls.noSim'),
      ],
      button: t(l, 'email.activation.button.noSim'),
      teams: t(l, 'email.activation.teams.start'),
      tips: [],
      help: t(l, 'email.activation.help.noSim', { administrator: data.administrator }),
    };
  }
  return {
    subject: t(l, 'email.activation.subject'),
    intro: t(l, 'email.activation.intro', intro),
    stepsTitle: t(l, 'email.activation.stepsTitle'),
    steps: [
      t(l, 'email.activation.step.keepSim'),
      link,
      t(l, 'email.activation.step.personal', { expires }),
      task === 'enterSimNumber' ? t(l, 'email.activation.step.enterNumber') : t(l, 'email.activation.step.pressStart'),
      t(l, 'email.activation.step.duration'),
      t(l, 'email.activation.step.replace'),
    ],
    button: t(l, 'email.activation.button'),
    teams: task === 'enterSimNumber' ? t(l, 'email.activation.teams') : t(l, 'email.activation.teams.start'),
    tips: [t(l, 'email.activation.tip.pin'), t(l, 'email.activation.tip.voicemail'), t(l, 'email.activation.tip.apn')],
    help: t(l, 'email.activation.help', { administrator: data.administrator }),
  };
}

const expiryOf = (l: Language, at: Date, withTime = false) =>
  new Intl.DateTimeFormat(locales[l], { dateStyle: 'long', ...(withTime ? { timeStyle: 'short' } : {}), timeZone: 'Europe/Brussels' }).format(at);

function composeActivationEmail(data: ActivationEmailData): ComposedEmail {
  if (data.task === 'installEsim') {
    if (!data.esim) throw new Error('an eSIM email without its eSIM');
    return composeEsimEmail(data, data.esim);
  }
  const l = data.language;
  const expires = expiryOf(l, data.expiresAt);
  const { subject, intro, stepsTitle, steps, button, teams, tips, help } = wordsFor(data, expires);
  const greeting = t(l, 'email.activation.greeting', { name: data.name });
  const tipsTitle = t(l, 'email.activation.tipsTitle');
  const helpTitle = t(l, 'email.activation.helpTitle');
  const signature = t(l, 'email.activation.signature');

  const text = [
    greeting, '', intro, '',
    stepsTitle, ...steps.map((step, i) => `${i + 1}. ${step}`), '',
    teams, '',
    ...(tips.length > 0 ? [tipsTitle, ...tips.map((tip) => `- ${tip}`), ''] : []),
    helpTitle, help, '',
    signature, '',
  ].join('\n');

  const e = escapeHtml;
  const tipsHtml = tips.length > 0
    ? `<h2 style="font-size: 1.1em">${e(tipsTitle)}</h2>
<ul>${tips.map((tip) => `<li>${e(tip)}</li>`).join('')}</ul>
`
    : '';
  const html = `<!DOCTYPE html>
<html lang="${l}"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family: Segoe UI, Arial, sans-serif; line-height: 1.5; color: #1b1b1b; max-width: 40em">
<p>${e(greeting)}</p>
<p>${e(intro)}</p>
<h2 style="font-size: 1.1em">${e(stepsTitle)}</h2>
<ol>${steps.map((step) => `<li>${linkified(step, data.link)}</li>`).join('')}</ol>
<p><a href="${e(data.link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #0b5cad; color: #fff; text-decoration: none; border-radius: 4px">${e(button)}</a></p>
<p>${e(teams)}</p>
${tipsHtml}<h2 style="font-size: 1.1em">${e(helpTitle)}</h2>
<p>${e(help)}</p>
<p>${e(signature)}</p>
</body></html>
`;
  return { subject, text, html };
}

/** The QR code's Content-ID: the HTML shows it as `cid:`, since mail clients block images given as data: URIs. */
const QR_CID = 'esim-qr@activation.dstny';
const headingStyle = 'style="font-size: 1.1em"';
const subheadingStyle = 'style="font-size: 1em; margin-bottom: 0.3em"';

/**
 * "Your eSIM is ready": the QR code as an inline image, the details to type by hand, the steps for iPhone and Android,
 * the personal page and how long activation takes. The plain text has all of it but the picture.
 */
function composeEsimEmail(data: ActivationEmailData, esim: EsimEmailData): ComposedEmail {
  const l = data.language;
  const words = esimWords(l, { serviceLabel: data.product, activationCode: esim.activationCode, ...(esim.confirmationCode ? { confirmationCode: esim.confirmationCode } : {}) });
  const vars = { administrator: data.administrator, organisation: data.organisation, product: data.product };
  const subject = t(l, 'email.activation.subject.esim');
  const greeting = t(l, 'email.activation.greeting', { name: data.name });
  const intro = t(l, esim.replacement ? 'email.activation.intro.esimReplacement' : 'email.activation.intro.esim', vars);
  const page = t(l, 'email.activation.esim.page', { link: data.link });
  const personal = t(l, 'email.activation.step.personal', { expires: expiryOf(l, data.expiresAt) });
  const teams = t(l, 'email.activation.teams.esim');
  const tipsTitle = t(l, 'email.activation.tipsTitle');
  const tips = [t(l, 'email.activation.tip.voicemail'), t(l, 'email.activation.tip.apn')];
  const helpTitle = t(l, 'email.activation.helpTitle');
  const help = t(l, 'email.activation.help', { administrator: data.administrator });
  const signature = t(l, 'email.activation.signature');
  const { iphone, android } = words.install;
  const confirmation = words.confirmation ? [words.confirmation] : [];

  const text = [
    greeting, '', intro, '',
    words.title, ...confirmation, '',
    words.manualTitle, ...words.details.map(({ title, value }) => `${title}: ${value}`), words.wholeCodeLabel, words.wholeCode, '',
    ...[iphone, android].flatMap(({ title, steps }) => [title, ...steps.map((step, i) => `${i + 1}. ${step}`), '']),
    words.activationTime, '',
    page, personal, words.secret, '',
    teams, '',
    tipsTitle, ...tips.map((tip) => `- ${tip}`), '',
    helpTitle, help, '',
    signature, '',
  ].join('\n');

  // The picture as the chat and the page show it, as bytes for the email.
  const png = esimQrPng(esim.activationCode);
  // A PNG's width and height are the first fields of its header chunk; a square.
  const width = png.readUInt32BE(16);
  const e = escapeHtml;
  const code = (value: string) => `<code style="font-size: 1.05em; overflow-wrap: anywhere; word-break: break-all">${e(value)}</code>`;
  const steps = [iphone, android].map(({ title, steps: list }) => `<h3 ${subheadingStyle}>${e(title)}</h3>
<ol>${list.map((step) => `<li>${e(step)}</li>`).join('')}</ol>`).join('\n');
  const html = `<!DOCTYPE html>
<html lang="${l}"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family: Segoe UI, Arial, sans-serif; line-height: 1.5; color: #1b1b1b; max-width: 40em">
<p>${e(greeting)}</p>
<p>${e(intro)}</p>
<h2 ${headingStyle}>${e(words.title)}</h2>
<p><img src="cid:${QR_CID}" alt="${e(words.qrAltText)}" width="${width}" height="${width}" style="display: block; max-width: 100%; height: auto"></p>
<p>${e(words.scan)}</p>
${confirmation.map((line) => `<p><strong>${e(line)}</strong></p>\n`).join('')}<h3 ${subheadingStyle}>${e(words.manualTitle)}</h3>
<p>${words.details.map(({ title, value }) => `${e(title)}: ${code(value)}`).join('<br>\n')}</p>
<p>${e(words.wholeCodeLabel)}<br>\n${code(words.wholeCode)}</p>
${steps}
<p>${e(words.activationTime)}</p>
<p>${linkified(page, data.link)}</p>
<p><a href="${e(data.link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #0b5cad; color: #fff; text-decoration: none; border-radius: 4px">${e(t(l, 'email.activation.button.esim'))}</a></p>
<p>${e(personal)}</p>
<p><strong>${e(words.secret)}</strong></p>
<p>${e(teams)}</p>
<h2 ${headingStyle}>${e(tipsTitle)}</h2>
<ul>${tips.map((tip) => `<li>${e(tip)}</li>`).join('')}</ul>
<h2 ${headingStyle}>${e(helpTitle)}</h2>
<p>${e(help)}</p>
<p>${e(signature)}</p>
</body></html>
`;
  return { subject, text, html, inlineImages: [{ cid: QR_CID, filename: 'esim-qr-code.png', contentType: 'image/png', content: png }] };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The step's text with the link in it, if any, made clickable. */
function linkified(step: string, link: string): string {
  return escapeHtml(step).replace(escapeHtml(link), `<a href="${escapeHtml(link)}">${escapeHtml(link)}</a>`);
}

/** The web chat sign-in link an administrator or support person asked for on the page. */
export function composeSignInEmail(data: SignInEmailData): ComposedEmail {
  const l = data.language;
  const subject = t(l, 'email.signIn.subject');
  const greeting = t(l, 'email.activation.greeting', { name: data.name });
  const intro = t(l, 'email.signIn.intro', { name: data.name, organisation: data.organisation });
  const link = t(l, 'email.signIn.link', { link: data.link });
  const validity = t(l, 'email.signIn.validity', { expires: expiryOf(l, data.expiresAt, true) });
  const notYou = t(l, 'email.signIn.notYou');
  const signature = t(l, 'email.activation.signature');
  const text = [greeting, '', intro, '', link, '', validity, '', notYou, '', signature, ''].join('\n');
  const e = escapeHtml;
  const html = `<!DOCTYPE html>
<html lang="${l}"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="font-family: Segoe UI, Arial, sans-serif; line-height: 1.5; color: #1b1b1b; max-width: 40em">
<p>${e(greeting)}</p>
<p>${e(intro)}</p>
<p><a href="${e(data.link)}" style="display: inline-block; padding: 0.6em 1.2em; background: #0b5cad; color: #fff; text-decoration: none; border-radius: 4px">${e(t(l, 'email.signIn.button'))}</a></p>
<p>${linkified(link, data.link)}</p>
<p>${e(validity)}</p>
<p>${e(notYou)}</p>
<p>${e(signature)}</p>
</body></html>
`;
  return { subject, text, html };
}

/** What the emails of the services say: given to the email job by the composition root (bot/background.ts). */
export const emailComposer: EmailComposer = { activation: composeActivationEmail };
