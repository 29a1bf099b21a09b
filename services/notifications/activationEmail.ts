import type { z } from 'zod';
import { LinkPurpose, ServiceStatus, type Language } from '../../prisma/generated/enums';
import { hashToken, newToken } from '../people/accessLinks';
import { notifyAll } from '../lifecycle/engine';
import { sendEmailJobSchema } from '../lifecycle/jobs';
import { productNames } from '../catalog/catalog';
import type { Db } from '../platform/db/database';
import { jobHandler, type JobHandler } from '../platform/jobQueue';
import { esimToInstall } from '../simCards/esimProfiles';
import type { InlineImage, Mailer } from './mail';

/**
 * The activation email: whether it is still to be sent, its personal link, sending it and recording it. What it
 * says is written, from the facts gathered here, by the composer the composition root gives the job.
 */

/**
 * What the page asks of the user: the SIM card number (the administrator left it to them), only their Start (the
 * administrator entered the SIM card), their Start for a service without a SIM card (a UC user, fixed only), or to
 * install the eSIM the email brings.
 */
export type ActivationTask = 'enterSimNumber' | 'startWithSim' | 'startWithoutSim' | 'installEsim';

/** The eSIM an `installEsim` email brings its user: secret, in their email and nowhere else it is sent. */
export interface EsimEmailData {
  activationCode: string;
  confirmationCode: string | null;
  /** It replaces a profile sent before, which no longer works. */
  replacement: boolean;
}

export interface ActivationEmailData {
  language: Language;
  task: ActivationTask;
  name: string;
  administrator: string;
  organisation: string;
  product: string;
  link: string;
  expiresAt: Date;
  /** With the task `installEsim`. */
  esim?: EsimEmailData;
}

export interface ComposedEmail {
  subject: string;
  text: string;
  html: string;
  inlineImages?: InlineImage[];
}

/** Writes the emails the services send, in the reader's language. */
export interface EmailComposer {
  activation(data: ActivationEmailData): ComposedEmail;
}

/** The task of a service the email is sent for, or null when it no longer waits for its user. */
function activationTaskOf(status: ServiceStatus, hasSim: boolean): ActivationTask | null {
  if (status === ServiceStatus.WAITING_FOR_SIM) return 'enterSimNumber';
  if (status !== ServiceStatus.READY) return null;
  return hasSim ? 'startWithSim' : 'startWithoutSim';
}

export interface ActivationEmailJobDeps {
  db: Db;
  mailer: Mailer;
  /** What the email says. */
  composer: EmailComposer;
  /** Base of the link, e.g. https://bot.example.com. */
  publicUrl: string;
  /** Where the link goes when no SMTP server is configured, so that the demo can follow it (the console). */
  announce?: (line: string) => void;
}

/**
 * Sends the activation email of one link. The token is made here, just before sending, and only its hash is kept;
 * a retried job makes a new token (the unsent one never reached anybody). A link revoked meanwhile (resent, or its
 * eSIM replaced) or a service no longer waiting for its user sends nothing. A service whose eSIM waits to be installed
 * (sent at the start, or a replacement, whatever the service's status) gets it in the email: the code is read here,
 * just before sending, and kept nowhere else.
 */
export function activationEmailJob(deps: ActivationEmailJobDeps): JobHandler<z.infer<typeof sendEmailJobSchema>> {
  const { db, mailer, composer, publicUrl } = deps;
  return jobHandler(sendEmailJobSchema, async ({ serviceId, linkId, digest }) => {
    const link = await db.accessLink.findUnique({
      where: { id: linkId },
      include: { person: true, service: { include: { organisation: true, createdBy: true } } },
    });
    const service = link?.service;
    if (!link || !service || service.id !== serviceId || link.purpose !== LinkPurpose.ACTIVATION) return;
    if (link.revokedAt || link.usedAt || link.expiresAt <= new Date()) return;
    // Its page would refuse the link: an administrator sends a new one once the organisation is active again.
    if (service.organisation.deactivatedAt || link.person.removedAt) return;
    const type = await db.serviceType.findUnique({ where: { code: service.serviceTypeCode }, select: { hasSim: true } });
    const esim = await esimToInstall(db, link.personId, serviceId);
    const task = esim ? 'installEsim' : activationTaskOf(service.status, type?.hasSim ?? true);
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
    const email = composer.activation({
      language,
      task,
      name: link.person.displayName,
      administrator: service.createdBy?.displayName ?? service.organisation.name,
      organisation: service.organisation.name,
      product: product ?? service.productTypeCode,
      link: url,
      expiresAt: link.expiresAt,
      ...(esim
        ? {
            esim: {
              activationCode: esim.activationCode,
              confirmationCode: esim.confirmationCode,
              replacement: (await db.serviceEvent.count({ where: { serviceId, kind: 'esim_replaced' } })) > 0,
            },
          }
        : {}),
    });
    const result = await mailer.send({ to: link.person.email, language, ...email });
    if (!mailer.usesSmtp) {
      (deps.announce ?? ((line) => process.stdout.write(`${line}\n`)))(
        // Where to find it, not what it says: the console's log outlives the link, and is read by more people.
        `Activation email written to ${result.file}`,
      );
    }
    await db.$transaction(async (tx) => {
      await tx.serviceEvent.create({ data: { serviceId, kind: 'activation_email_sent', detail: { linkId } } });
      const inDigest = digest ? { digestKey: digest.key, digestTotal: digest.total } : {};
      await notifyAll(tx, service, 'activation.emailSent', inDigest, { recipients: [service.createdById], occurrence: linkId });
    });
  });
}
