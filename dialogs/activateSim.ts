import { z } from 'zod';
import { renderQuestionCard } from '../cards/questionCard';
import { t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import type { Service } from '../prisma/generated/client';
import { ServiceStatus } from '../prisma/generated/enums';
import { serviceForSim, servicesWaitingForSim, submitSimNumber, type SubmitSimResult } from '../services/activation';
import { productNames } from '../services/catalog';
import type { Db } from '../services/db/database';
import { AccessDenied, type Actor } from '../services/people';
import { normaliseIccid } from '../services/simNumber';
import type { Reply } from './welcome';

/**
 * The employee's side of activation in the chat: find the service waiting for a SIM card (ask which one if there
 * are several), take the number, and explain any problem with it, offering the stock card one typo away.
 */

/** What the conversation remembers between turns: the service chosen, and the number last suggested. */
export const activateSimFlowSchema = z.object({
  serviceId: z.uuid(),
  suggestion: z.string().regex(/^\d{19,20}$/).optional(),
});
export type ActivateSimFlow = z.infer<typeof activateSimFlowSchema>;

/** What the buttons of this flow carry back; parsed, then re-checked by the services. */
export const chooseServiceDataSchema = z.object({ serviceId: z.uuid(), iccid: z.string().max(40).optional() });
export const suggestionDataSchema = z.object({ serviceId: z.uuid(), iccid: z.string().regex(/^\d{19,20}$/) });

export interface SimTurn {
  replies: Reply[];
  /** The flow to keep for the next turn; undefined ends it. */
  flow: ActivateSimFlow | undefined;
}

export interface SimInput {
  /** The number as typed or pasted, if any. */
  iccid?: string;
  /** The service chosen on a card, or remembered from earlier in the conversation. */
  serviceId?: string;
}

const text = (value: string): Reply => ({ kind: 'text', text: value });

/** Groups of four, as printed on the card: easier to compare than 19 digits in a row. */
export function groupedIccid(iccid: string): string {
  return normaliseIccid(iccid).replace(/(\d{4})(?=\d)/g, '$1 ');
}

export async function activateSim(db: Db, actor: Actor, language: Language, input: SimInput): Promise<SimTurn> {
  const chosen = input.serviceId ?? (await chooseService(db, actor, language, input.iccid));
  if (isTurn(chosen)) return chosen;
  const serviceId = typeof chosen === 'string' ? chosen : chosen.id;
  const read = typeof chosen === 'string' ? undefined : chosen;
  let result: SubmitSimResult;
  try {
    // A service chosen on a card is checked before the number is asked for: the card may be forged.
    if (input.iccid === undefined) {
      await serviceForSim(db, actor, serviceId);
      return { replies: [text(t(language, 'activation.askNumber'))], flow: { serviceId } };
    }
    result = await submitSimNumber(db, actor, serviceId, input.iccid, { read });
  } catch (error) {
    if (error instanceof AccessDenied) return { replies: [text(t(language, 'activation.denied'))], flow: undefined };
    throw error;
  }
  if (result.ok) {
    const iccid = groupedIccid(result.iccid);
    if (result.alreadyDone) return { replies: [text(t(language, 'activation.alreadyDone', { iccid }))], flow: undefined };
    const replies = [text(t(language, 'activation.accepted', { iccid }))];
    if (result.portingPending) replies.push(text(t(language, 'activation.accepted.porting')));
    return { replies, flow: undefined };
  }
  const problem = text(problemText(language, result, input.iccid));
  if (result.problem === 'not-waiting') return { replies: [problem], flow: undefined };
  if (!result.suggestion) return { replies: [problem], flow: { serviceId } };
  const suggested = result.suggestion.iccid;
  return {
    replies: [problem, { kind: 'card', card: renderQuestionCard({
      title: '',
      text: t(language, 'activation.suggest', { iccid: groupedIccid(suggested) }),
      buttons: [
        { title: t(language, 'activation.suggest.yes'), verb: Verbs.activateSim.acceptSuggestion, data: { serviceId, iccid: suggested } },
        { title: t(language, 'activation.suggest.no'), verb: Verbs.activateSim.rejectSuggestion, data: { serviceId, iccid: suggested } },
      ],
    }) }],
    flow: { serviceId, suggestion: suggested },
  };
}

/** "No, that's not it": the flow stays on the service and waits for the number typed again. */
export function suggestionRejected(language: Language, serviceId: string): SimTurn {
  return { replies: [text(t(language, 'activation.suggest.declined'))], flow: { serviceId } };
}

const isTurn = (chosen: string | Service | SimTurn): chosen is SimTurn => typeof chosen === 'object' && 'replies' in chosen;

/** The one service waiting for a SIM card, or the turn that asks which one (or says there is none). */
async function chooseService(db: Db, actor: Actor, language: Language, iccid: string | undefined): Promise<Service | SimTurn> {
  const waiting = await servicesWaitingForSim(db, actor);
  if (waiting.length === 1) return waiting[0]!;
  if (waiting.length === 0) return { replies: [text(await statusText(db, actor, language))], flow: undefined };
  const products = await productNames(db, waiting.map((service) => service.productTypeCode));
  const date = new Intl.DateTimeFormat(`${language}-BE`, { dateStyle: 'medium', timeZone: 'Europe/Brussels' });
  return {
    replies: [{ kind: 'card', card: renderQuestionCard({
      title: '',
      text: t(language, 'activation.choose'),
      buttons: waiting.map((service) => ({
        title: t(language, 'activation.choose.option', { product: products.get(service.productTypeCode)?.[language] ?? service.productTypeCode, date: date.format(service.createdAt) }),
        verb: Verbs.activateSim.chooseService,
        data: { serviceId: service.id, ...(iccid ? { iccid: normaliseIccid(iccid) } : {}) },
      })),
    }) }],
    flow: undefined,
  };
}

const stateKeys: Partial<Record<ServiceStatus, StringKey>> = {
  [ServiceStatus.WAITING_FOR_ACTIVATION]: 'activation.state.WAITING_FOR_ACTIVATION',
  [ServiceStatus.READY]: 'activation.state.READY',
  [ServiceStatus.ACTIVATING]: 'activation.state.ACTIVATING',
  [ServiceStatus.ACTIVE]: 'activation.state.ACTIVE',
  [ServiceStatus.FAILED]: 'activation.state.FAILED',
};

/** Nothing waits for a SIM card: say where the person's latest service stands instead. */
async function statusText(db: Db, actor: Actor, language: Language): Promise<string> {
  const latest = await db.service.findFirst({
    where: { userId: actor.id, status: { in: Object.keys(stateKeys) as ServiceStatus[] } },
    orderBy: { updatedAt: 'desc' },
  });
  const key = latest && stateKeys[latest.status];
  if (!latest || !key) return t(language, 'activation.none');
  const products = await productNames(db, [latest.productTypeCode]);
  return t(language, key, { product: products.get(latest.productTypeCode)?.[language] ?? latest.productTypeCode, reason: latest.failureReason ?? t(language, 'help.state.failed.unknown') });
}

/** The person-facing sentence for a refused number, in their language. */
export function problemText(language: Language, result: Extract<SubmitSimResult, { ok: false }>, typed: string): string {
  const digits = normaliseIccid(typed);
  switch (result.problem) {
    case 'empty': return t(language, 'activation.iccid.empty');
    case 'not-digits': return t(language, 'activation.iccid.notDigits');
    case 'length': return t(language, 'activation.iccid.length', { count: digits.length });
    case 'prefix': return t(language, 'activation.iccid.prefix', { prefix: digits.slice(0, 2) });
    case 'check-digit': return t(language, 'activation.iccid.checkDigit');
    case 'not-in-stock': return t(language, 'activation.notInStock');
    case 'assigned-elsewhere': return t(language, 'activation.assignedElsewhere');
    case 'not-waiting': return t(language, 'activation.notWaiting');
  }
}
