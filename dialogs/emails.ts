import { t, type Language } from '../cards/strings';
import type { ActivationEmailData, ComposedEmail, EmailComposer } from '../services/notifications/activationEmail';
import type { SignInEmailData } from '../services/people/signInLinks';

/**
 * The activation email of the operator's help page ("1. Users"): the steps, the personal link, the tips and whom to
 * contact, in the user's language, as HTML and plain text. Its steps are what the user has to do on the page.
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
