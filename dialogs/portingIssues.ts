import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { renderNotificationCard } from '../cards/notificationCard';
import { renderPortingFixCard } from '../cards/portingFixCard';
import {
  portingFormOf,
  portingFormSchema,
  portingInputOf,
  portingProblemText,
  renderPortingFields,
  type PortingFormValues,
  type PortingProblem,
} from './portingFields';
import { renderPortingIssuesCard } from '../cards/portingIssuesCard';
import { t, type Language, type StringKey } from '../cards/strings';
import { Verbs } from '../cards/verbs';
import type { PortingRequest } from '../prisma/generated/client';
import type { Db } from '../services/platform/db/database';
import type { DonorOperators } from '../services/lifecycle/gateways';
import { donorOperatorName } from '../services/numbers/donorOperators';
import { AccessDenied, Role, type Actor } from '../services/people/people';
import { formatBelgianNational } from '../services/numbers/phoneNumbers';
import { attemptAfter, listPortingIssues, PortingConflict, refusedRequestFor, resubmitPorting } from '../services/numbers/portingRequests';
import { portingDetailsOf } from '../services/numbers/portingDetails';
import { refusalCodeSchema, refusalField, needsCorrection, type RefusalCode } from '../services/numbers/portingEvents';
import { action, answerInPlace, defineFeature, plainAction } from './feature';
import type { Reply } from './reply';
import { serviceLabel } from './serviceLabel';

/**
 * "Mobile porting issues": the organisation's refused porting requests, "Fix" with the details as sent and the
 * refused one marked, and "Send again" as the service's next attempt.
 */

export interface PortingIssuesDeps {
  db: Db;
  /** The donor operators the resubmitted request goes to. */
  donors: DonorOperators;
}

/** What "Fix" carries: only the id; the request is read again. */
export const fixDataSchema = z.object({ requestId: z.uuid() });

/** What "Send again" carries: the id and the form's inputs. */
export const resubmitDataSchema = portingFormSchema.extend({ requestId: z.uuid() });

const refusalKeys: Record<RefusalCode, StringKey> = {
  NUMBER_UNKNOWN: 'porting.refusal.NUMBER_UNKNOWN',
  NUMBER_AT_OTHER_OPERATOR: 'porting.refusal.NUMBER_AT_OTHER_OPERATOR',
  LINE_INACTIVE: 'porting.refusal.LINE_INACTIVE',
  PORTING_IN_PROGRESS: 'porting.refusal.PORTING_IN_PROGRESS',
  WRONG_LINE_TYPE: 'porting.refusal.WRONG_LINE_TYPE',
  WRONG_SIM_NUMBER: 'porting.refusal.WRONG_SIM_NUMBER',
  WRONG_CUSTOMER_NUMBER: 'porting.refusal.WRONG_CUSTOMER_NUMBER',
  HOLDER_MISMATCH: 'porting.refusal.HOLDER_MISMATCH',
  VAT_MISMATCH: 'porting.refusal.VAT_MISMATCH',
  HOLDER_CANCELLED: 'porting.refusal.HOLDER_CANCELLED',
};

/**
 * A donor's refusal as stored: its code, and the words a real operator may send with it (in rows older than the
 * codes, the words alone).
 */
export interface Refusal {
  code: RefusalCode | null;
  reason?: string | null;
}

/** Why a donor refused, in one sentence a person understands, naming the operator. */
export function refusalText(language: Language, refusal: Refusal, operatorCode: string): string {
  return refusalSentence(language, refusal, donorOperatorName(operatorCode));
}

/**
 * The same sentence when the operator's name is already known (a notification's payload carries it). The code is
 * worded in the reader's language; an operator's own text, in whatever language it sent it, is quoted as its words.
 */
export function refusalSentence(language: Language, { code, reason }: Refusal, operator: string): string {
  if (code) return t(language, refusalKeys[code], { operator });
  const words = reason?.trim();
  return words ? t(language, 'porting.refusal.operatorWords', { operator, words }) : t(language, 'porting.refusal.unknown', { operator });
}

const text = (value: string): Reply => ({ kind: 'text', text: value });

/** The list card, or the sentence saying there is nothing to fix. */
export async function portingIssuesReply(db: Db, actor: Actor, language: Language): Promise<Reply> {
  return guarded(language, async () => {
    const issues = await listPortingIssues(db, actor, actor.organisationId);
    const organisation = actor.organisation.name;
    if (issues.length === 0) return text(t(language, 'porting.issues.none', { organisation }));
    const date = new Intl.DateTimeFormat(`${language}-BE`, { timeZone: 'Europe/Brussels', day: 'numeric', month: 'long' });
    return {
      kind: 'card',
      card: renderPortingIssuesCard({
        title: t(language, 'porting.issues.title'),
        // Support reads what was refused; only the administrator, who has the Fix buttons, is asked to fix.
        intro: [
          t(language, `porting.issues.intro.${issues.length === 1 ? 'one' : 'many'}`, { organisation, count: issues.length }),
          t(language, `porting.issues.${actor.role === Role.ADMINISTRATOR ? 'fix' : 'fixedByAdministrator'}.${issues.length === 1 ? 'one' : 'many'}`),
        ].join(' '),
        issues: issues.map((issue) => ({
          user: t(language, 'service.row', {
            name: issue.user.displayName,
            service: serviceLabel(language, { product: issue.product, serviceType: issue.serviceType, number: issue.e164 }),
          }),
          summary: t(language, 'porting.issues.row', {
            operator: donorOperatorName(issue.donorOperator),
            attempt: issue.attempt,
            date: date.format(issue.refusedAt),
          }),
          reason: refusalText(language, { code: issue.refusalCode, reason: issue.refusalReason }, issue.donorOperator),
          // Correcting is the administrators' (services/numbers/portingRequests.ts): support sees the list without the button.
          buttons: actor.role === Role.ADMINISTRATOR
            ? [{ title: t(language, 'porting.issues.fix'), verb: Verbs.portingIssues.fix, data: { requestId: issue.requestId } }]
            : [],
        })),
      }),
    };
  });
}

/** "Fix": the details as they were sent, the refused one marked. */
export async function openPortingFix(db: Db, actor: Actor, requestId: string, language: Language, now = new Date()): Promise<Reply> {
  return guarded(language, async () => {
    const request = await refusedRequestFor(db, actor, requestId);
    const settled = await alreadySettled(db, request, language);
    if (settled) return settled;
    return fixCard(language, request, portingFormOf(portingDetailsOf(request)), [], now);
  });
}

/**
 * "Send again": the pre-check first (problems go back next to their fields, everything entered kept), then the
 * new attempt goes to the donor, and the list follows without it.
 */
export async function resubmitPortingFix(
  deps: PortingIssuesDeps,
  actor: Actor,
  data: z.output<typeof resubmitDataSchema>,
  language: Language,
  now = new Date(),
): Promise<Reply[]> {
  const { requestId, ...values } = data;
  const { db } = deps;
  const answer = await guarded(language, async (): Promise<Reply | Reply[]> => {
    const request = await refusedRequestFor(db, actor, requestId);
    const form = portingInputOf(values);
    if (!form.ok) return fixCard(language, request, values, form.problems, now);
    const result = await resubmitPorting(db, actor, requestId, form.input, { now, alsoInTransaction: deps.donors.requestSent });
    switch (result.status) {
      case 'blocked':
        return fixCard(language, request, values, result.warnings, now);
      case 'already-resubmitted':
        return text(t(language, 'porting.fix.alreadyResubmitted', { attempt: result.request.attempt }));
      case 'resubmitted': {
        const sent = t(language, 'porting.fix.resubmitted', {
          number: formatBelgianNational(result.request.e164),
          user: request.service.user.displayName,
          operator: donorOperatorName(result.request.donorOperator),
          attempt: result.request.attempt,
        });
        // What the pre-check noted without stopping the request (a wish date moved to the earliest possible one).
        const notes = result.warnings.map((warning) => portingProblemText(language, warning, values, now));
        // The form becomes what was done, with nothing left to press; the list follows without the request.
        const done = renderNotificationCard({
          title: t(language, 'porting.fix.sentTitle', { number: formatBelgianNational(result.request.e164) }),
          lines: [sent, ...notes],
          actions: [],
        });
        return [{ kind: 'card', card: done }, await portingIssuesReply(db, actor, language)];
      }
    }
  });
  return Array.isArray(answer) ? answer : [answer];
}

/** A request that was fixed already, or never refused, has nothing to fix. */
async function alreadySettled(db: Db, request: PortingRequest, language: Language): Promise<Reply | undefined> {
  const next = await attemptAfter(db, request);
  if (next) return text(t(language, 'porting.fix.alreadyResubmitted', { attempt: next.attempt }));
  if (!needsCorrection(request.state)) return text(t(language, 'porting.fix.notRefused'));
  return undefined;
}

type RequestWithUser = PortingRequest & { service: { user: { displayName: string } } };

function fixCard(language: Language, request: RequestWithUser, values: PortingFormValues, problems: PortingProblem[], now: Date): Reply {
  const cardKey = randomUUID();
  const code = refusalCodeSchema.safeParse(request.refusalCode);
  const refused = code.success ? code.data : null;
  return {
    kind: 'card',
    card: renderPortingFixCard({
      title: t(language, 'porting.fix.title', { number: formatBelgianNational(request.e164) }),
      intro: t(language, 'porting.fix.intro', { user: request.service.user.displayName }),
      portingFields: renderPortingFields(language, { values, problems, now }),
      refusal: { field: refused ? refusalField[refused] : null, text: refusalText(language, { code: refused, reason: request.refusalReason }, request.donorOperator) },
      // The key lets the web chat replace this card with its answer, as Teams does.
      buttons: [
        { title: t(language, 'porting.fix.resubmit'), verb: Verbs.portingIssues.resubmit, data: { requestId: request.id, cardKey }, inputs: 'auto' },
        { title: t(language, 'porting.fix.back'), verb: Verbs.portingIssues.list, data: { cardKey }, inputs: 'none' },
      ],
    }),
  };
}

/** Someone else's request, a non-administrator, or a fix that is no longer possible: a sentence, not an error. */
async function guarded<T>(language: Language, run: () => Promise<T>): Promise<T | Reply> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AccessDenied) return text(t(language, 'porting.denied'));
    if (error instanceof PortingConflict) return text(t(language, 'porting.fix.notRefused'));
    throw error;
  }
}

const refused = (language: Language): Reply => ({ kind: 'text', text: t(language, 'porting.denied') });

/** The welcome's "Mobile porting issues", typed or pressed; the list's "Fix"; the fix card's "Send again". */
export const portingIssuesFeature = defineFeature({
  name: 'portingIssues',
  refusal: refused,
  intents: {
    portingIssues: async (turn) => [await portingIssuesReply(turn.db, turn.actor, turn.language)],
  },
  actions: {
    [Verbs.welcome.portingIssues]: plainAction(async (turn) => [await portingIssuesReply(turn.db, turn.actor, turn.language)]),
    // The fix card's "Back to the list" and "Send again" answer in its place.
    [Verbs.portingIssues.list]: plainAction(async (turn) => answerInPlace(turn, [await portingIssuesReply(turn.db, turn.actor, turn.language)])),
    [Verbs.portingIssues.fix]: action(fixDataSchema, async (turn, data) => answerInPlace(turn, [await openPortingFix(turn.db, turn.actor, data.requestId, turn.language)])),
    [Verbs.portingIssues.resubmit]: action(resubmitDataSchema, async (turn, data) =>
      answerInPlace(turn, await resubmitPortingFix({ db: turn.db, donors: turn.settings.donors }, turn.actor, data, turn.language))),
  },
});
