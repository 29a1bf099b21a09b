import type { z } from 'zod';
import { LinkPurpose, ServiceStatus } from '../../prisma/generated/enums';
import { t, type Language } from '../../cards/strings';
import { hashToken, newToken } from '../people/accessLinks';
import { notifyAll } from '../lifecycle/engine';
import { sendEmailJobSchema } from '../lifecycle/jobs';
import { productNames } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { jobHandler, type JobHandler } from '../platform/jobQueue';
import type { Mailer } from './mail';

/**
 * The activation email of the operator's help page ("1. Users"): the steps, the personal link, the tips and whom to
 * contact, in the user's language, as HTML and plain text. Its steps are what the user has to do on the page.
 */

/**
 * What the page asks of the user: the SIM card number (the administrator left it to them), only their Start (the
 * administrator entered the SIM card), or their Start for a service without a SIM card (a UC user, fixed only).
 */
export type ActivationTask = 'enterSimNumber' | 'startWithSim' | 'startWithoutSim';

export interface ActivationEmailData {
  language: Language;
  task: ActivationTask;
  name: string;
  administrator: string;
  organisation: string;
  product: string;
  link: string;
  expiresAt: Date;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
}

const locales: Record<Language, string> = { en: 'en-BE', nl: 'nl-BE', fr: 'fr-BE' };

/** The task of a service the email is sent for, or null when it no longer waits for its user. */
function activationTaskOf(status: ServiceStatus, hasSim: boolean): ActivationTask | null {
  if (status === ServiceStatus.WAITING_FOR_SIM) return 'enterSimNumber';
  if (status !== ServiceStatus.READY) return null;
  return hasSim ? 'startWithSim' : 'startWithoutSim';
}

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

export function composeActivationEmail(data: ActivationEmailData): ComposedEmail {
  const l = data.language;
  const expires = new Intl.DateTimeFormat(locales[l], { dateStyle: 'long', timeZone: 'Europe/Brussels' }).format(data.expiresAt);
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

export interface ActivationEmailJobDeps {
  db: Db;
  mailer: Mailer;
  /** Base of the link, e.g. https://bot.example.com. */
  publicUrl: string;
  /** Where the link goes when no SMTP server is configured, so that the demo can follow it (the console). */
  announce?: (line: string) => void;
}

/**
 * Sends the activation email of one link. The token is made here, just before sending, and only its hash is kept;
 * a retried job makes a new token (the unsent one never reached anybody). A link revoked meanwhile (resent) or a
 * service no longer waiting for its user sends nothing.
 */
export function activationEmailJob(deps: ActivationEmailJobDeps): JobHandler<z.infer<typeof sendEmailJobSchema>> {
  const { db, mailer, publicUrl } = deps;
  return jobHandler(sendEmailJobSchema, async ({ serviceId, linkId, digest }) => {
    const link = await db.accessLink.findUnique({
      where: { id: linkId },
      include: { person: true, service: { include: { organisation: true, createdBy: true } } },
    });
    const service = link?.service;
    if (!link || !service || service.id !== serviceId || link.purpose !== LinkPurpose.ACTIVATION) return;
    if (link.revokedAt || link.usedAt || link.expiresAt <= new Date()) return;
    const type = await db.serviceType.findUnique({ where: { code: service.serviceTypeCode }, select: { hasSim: true } });
    const task = activationTaskOf(service.status, type?.hasSim ?? true);
    if (!task) return;
    const sent = await db.serviceEvent.findFirst({ where: { serviceId, kind: 'activation_email_sent', detail: { path: ['linkId'], equals: linkId } } });
    if (sent) return;

    const token = newToken();
    const rotated = await db.accessLink.updateMany({
      where: { id: linkId, usedAt: null, revokedAt: null },
      data: { tokenHash: hashToken(token) },
    });
    if (rotated.count !== 1) return;
    const url = `${publicUrl}/activate/${token}`;
    const language = link.person.preferredLanguage ?? link.person.lastLanguage ?? 'en';
    const product = (await productNames(db, [service.productTypeCode])).get(service.productTypeCode)?.[language];
    const email = composeActivationEmail({
      language,
      task,
      name: link.person.displayName,
      administrator: service.createdBy?.displayName ?? service.organisation.name,
      organisation: service.organisation.name,
      product: product ?? service.productTypeCode,
      link: url,
      expiresAt: link.expiresAt,
    });
    const result = await mailer.send({ to: link.person.email, language, ...email });
    if (!mailer.usesSmtp) {
      (deps.announce ?? ((line) => process.stdout.write(`${line}\n`)))(
        `Activation email for ${link.person.displayName} written to ${result.file}; its link: ${url}`,
      );
    }
    await db.$transaction(async (tx) => {
      await tx.serviceEvent.create({ data: { serviceId, kind: 'activation_email_sent', detail: { linkId } } });
      const inDigest = digest ? { digestKey: digest.key, digestTotal: digest.total } : {};
      await notifyAll(tx, service, 'activation.emailSent', inDigest, { recipients: [service.createdById], occurrence: linkId });
    });
  });
}
