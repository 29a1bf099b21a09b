import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { renderNotificationCard } from '../cards/notificationCard';
import { renderQuestionCard } from '../cards/questionCard';
import { t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import { SimForm } from '../prisma/generated/enums';
import { simCardByServiceType } from '../services/catalog/catalog';
import { findServicesOf, timelineOf, type ServiceSummary } from '../services/fleet/lookUp';
import { Role, type Actor } from '../services/people/people';
import type { Db } from '../services/platform/db/database';
import { replaceEsim, type ReplaceOutcome } from '../services/simCards/esimProfiles';
import { action, answerInPlace, defineFeature, type FeatureTurn } from './feature';
import type { Reply } from './reply';
import { serviceLabel } from './serviceLabel';
import { knowledgeAnswer } from './troubleshoot';
import { welcomeFor } from './welcome';

/**
 * "I got a new phone", "my phone broke, I need my eSIM again": the user's eSIM profile replaced after a confirmation,
 * the current one stopping as the new one is sent (its notification brings the new code); an administrator does the
 * same from the service's card. Someone whose SIM is a card gets the SIM swap help instead.
 */

export const askReplacementSchema = z.object({ serviceId: z.uuid(), requestKey: z.string().min(8).max(200) });
export const replaceSchema = z.object({ serviceId: z.uuid(), requestKey: z.string().min(8).max(200), cardKey: z.string().max(64) });
export const keepSchema = z.object({ serviceId: z.uuid(), cardKey: z.string().max(64) });

type SimKind = 'esim' | 'card' | 'none';

/** Which SIM each service has: an eSIM profile, a SIM card (or one to come), or none (a UC user). Never the code. */
async function simKindsOf(db: Db, serviceIds: string[]): Promise<Map<string, SimKind>> {
  const rows = await db.service.findMany({ where: { id: { in: serviceIds } }, select: { id: true, serviceTypeCode: true, simCard: { select: { form: true } } } });
  const hasSim = await simCardByServiceType(db, rows.map((row) => row.serviceTypeCode));
  return new Map(rows.map((row) => [row.id, row.simCard?.form === SimForm.ESIM ? 'esim' : row.simCard || (hasSim.get(row.serviceTypeCode) ?? true) ? 'card' : 'none']));
}

/** The services of `serviceIds` that have an eSIM. */
export async function servicesWithEsim(db: Db, serviceIds: string[]): Promise<Set<string>> {
  const kinds = await simKindsOf(db, serviceIds);
  return new Set(serviceIds.filter((id) => kinds.get(id) === 'esim'));
}

const over = (status: ServiceSummary['status']) => status === 'ENDED' || status === 'CANCELLED';

/** Once sent and as long as the line is the user's, a new eSIM can be asked for. */
export function mayReplaceEsim(status: ServiceSummary['status']): boolean {
  return status !== 'WAITING_FOR_ACTIVATION' && !over(status);
}

type Outcome = 'sent' | 'kept' | 'notSent' | 'noStock' | 'ended' | 'notEsim';

/** Each outcome's words for the service's user, and for an administrator acting for them. */
const outcomeKeys: Record<Outcome, { user: StringKey; administrator: StringKey }> = {
  sent: { user: 'esimReplacement.sent', administrator: 'esimReplacement.admin.sent' },
  kept: { user: 'esimReplacement.kept', administrator: 'esimReplacement.admin.kept' },
  notSent: { user: 'esimReplacement.notSent', administrator: 'esimReplacement.admin.notSent' },
  noStock: { user: 'esimReplacement.noStock', administrator: 'esimReplacement.admin.noStock' },
  ended: { user: 'esimReplacement.ended', administrator: 'esimReplacement.admin.ended' },
  notEsim: { user: 'esimReplacement.notEsim', administrator: 'esimReplacement.notEsim' },
};

const problemOutcome: Record<Extract<ReplaceOutcome, { ok: false }>['problem'], Outcome> = {
  'not-esim': 'notEsim',
  'not-sent': 'notSent',
  'no-stock': 'noStock',
  ended: 'ended',
};

const ownService = (actor: Actor, service: ServiceSummary) => service.user.id === actor.id;

function outcomeText(language: Language, actor: Actor, service: ServiceSummary, outcome: Outcome): string {
  const keys = outcomeKeys[outcome];
  return t(language, ownService(actor, service) ? keys.user : keys.administrator, { name: service.user.displayName });
}

/** A confirmation whose button was pressed becomes what was done, with nothing left to press. */
const done = (text: string): Reply => ({ kind: 'card', card: renderNotificationCard({ title: text, lines: [], actions: [] }) });

/** The confirmation for one service, or why there is nothing to confirm. Each card is one request: its own key. */
function offer(language: Language, actor: Actor, service: ServiceSummary): Reply {
  if (over(service.status)) return { kind: 'text', text: outcomeText(language, actor, service, 'ended') };
  if (!mayReplaceEsim(service.status)) return { kind: 'text', text: outcomeText(language, actor, service, 'notSent') };
  const own = ownService(actor, service);
  const cardKey = randomUUID();
  const label = serviceLabel(language, { product: service.productType, serviceType: service.product, number: service.mobileNumber });
  const card = renderQuestionCard({
    title: t(language, 'esimReplacement.confirm.title', { service: label }),
    text: own ? t(language, 'esimReplacement.confirm.text') : t(language, 'esimReplacement.admin.confirm.text', { name: service.user.displayName }),
    buttons: [
      {
        title: t(language, own ? 'esimReplacement.confirm.send' : 'esimReplacement.admin.button'),
        verb: Verbs.esimReplacement.replace,
        data: { serviceId: service.id, requestKey: `esim-replace:${randomUUID()}`, cardKey },
      },
      { title: t(language, own ? 'esimReplacement.confirm.keep' : 'esimReplacement.admin.confirm.keep'), verb: Verbs.esimReplacement.keep, data: { serviceId: service.id, cardKey } },
    ],
  });
  return { kind: 'card', card };
}

/** Typed by the person: a confirmation for each of their services with an eSIM; a SIM card's holder gets the swap help. */
async function newEsimAsked(db: Db, actor: Actor, language: Language): Promise<Reply[]> {
  const [own] = await findServicesOf(db, actor);
  const services = (own?.services ?? []).filter((service) => !over(service.status));
  const kinds = await simKindsOf(db, services.map((service) => service.id));
  const esims = services.filter((service) => kinds.get(service.id) === 'esim');
  if (esims.length > 0) return esims.map((service) => offer(language, actor, service));
  if (services.some((service) => kinds.get(service.id) === 'card')) return [knowledgeAnswer(language, 'simSwap')];
  return [{ kind: 'text', text: t(language, 'esimReplacement.none') }];
}

/** The service a button names, read as this person may see it (refused and audited otherwise). */
const serviceOf = async (turn: FeatureTurn<unknown>, serviceId: string) => (await timelineOf(turn.db, turn.actor, serviceId)).service;

const denied = (language: Language): Reply => ({ kind: 'text', text: t(language, 'esimReplacement.denied') });

export const esimReplacementFeature = defineFeature({
  name: 'esimReplacement',
  refusal: (language, recognition) => welcomeFor(recognition, language),
  denied: (language) => denied(language),
  intents: { esimReplacement: (turn) => newEsimAsked(turn.db, turn.actor, turn.language) },
  actions: {
    // The administrator's button on a service's card: the confirmation first.
    [Verbs.esimReplacement.ask]: action(askReplacementSchema, async (turn, data) => {
      const service = await serviceOf(turn, data.serviceId);
      if (turn.actor.role !== Role.ADMINISTRATOR && !ownService(turn.actor, service)) return [denied(turn.language)];
      const esim = (await servicesWithEsim(turn.db, [service.id])).has(service.id);
      return [esim ? offer(turn.language, turn.actor, service) : { kind: 'text', text: outcomeText(turn.language, turn.actor, service, 'notEsim') }];
    }),
    // The card's key makes a second press (or a Teams retry) the same request: the domain replaces once.
    [Verbs.esimReplacement.replace]: action(replaceSchema, async (turn, data) => {
      const service = await serviceOf(turn, data.serviceId);
      const outcome = await replaceEsim(turn.db, turn.actor, service.id, { requestKey: data.requestKey });
      return answerInPlace(turn, [done(outcomeText(turn.language, turn.actor, service, outcome.ok ? 'sent' : problemOutcome[outcome.problem]))]);
    }),
    [Verbs.esimReplacement.keep]: action(keepSchema, async (turn, data) =>
      answerInPlace(turn, [done(outcomeText(turn.language, turn.actor, await serviceOf(turn, data.serviceId), 'kept'))])),
  },
});
