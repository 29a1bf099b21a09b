import type { Application } from '@microsoft/teams-ai';
import type { TurnContext } from 'botbuilder';
import { z } from 'zod';
import { t, type Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import {
  deniedReply,
  exportFile,
  exportSchema,
  markHandledReply,
  markHandledSchema,
  openServiceReply,
  openServiceSchema,
  overviewReply,
  overviewStateSchema,
  resendReply,
  resendSchema,
  retryReply,
  retrySchema,
  serviceListReply,
  showSchema,
  type OverviewDeps,
  type OverviewState,
} from '../../dialogs/overview';
import type { Reply } from '../../dialogs/reply';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, refuseMalformedCard, type Actor } from '../../services/people/people';
import { deliverConsentedFile, fileConsentSchema, onFileConsent, sendFile, type OutgoingFile } from '../files';
import { onCardAction, send } from '../replies';
import { factsOf } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import { actorOr } from './help';
import type { IntentHandler, IntentName } from './intents';

export interface OverviewRouteDeps {
  db: Database;
  clockSpeed: number;
  /** How long a new activation link stays valid (ACTIVATION_LINK_DAYS). */
  linkDays: number;
}

const CONSENT_KIND = 'overview';

/** What the overview's consent card carries: the export asked for, its access checked again when accepted. */
const consentContextSchema = exportSchema.extend({ kind: z.literal(CONSENT_KIND) });

function depsOf(deps: Pick<OverviewRouteDeps, 'db' | 'clockSpeed'>): OverviewDeps {
  return { db: deps.db.prisma, clockSpeed: deps.clockSpeed };
}

/** Runs `work` for the person of this turn; someone unknown gets the welcome, someone refused a plain sentence. */
async function answer(context: TurnContext, work: (actor: Actor, language: Language) => Promise<Reply[]>): Promise<Reply[]> {
  const facts = factsOf(context);
  const who = actorOr(facts);
  if ('reply' in who) return [who.reply];
  try {
    return await work(who.actor, facts.language);
  } catch (error) {
    if (error instanceof AccessDenied) return [deniedReply(facts.language)];
    throw error;
  }
}

function exportsOf(state: AppTurnState): OverviewState {
  return overviewStateSchema.parse(state.conversation.overview ?? {});
}

function markSent(state: AppTurnState, requestKey: string): void {
  state.conversation.overview = { sent: [...exportsOf(state).sent, requestKey].slice(-50) } satisfies OverviewState;
}

/** "Overview", "how far are we?". */
export function intentHandlers(deps: Pick<OverviewRouteDeps, 'db' | 'clockSpeed'>): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  return {
    overview: async (context) => {
      for (const reply of await answer(context, async (actor, language) => [await overviewReply(depsOf(deps), actor, language)])) {
        await send(context, reply);
      }
    },
  };
}

export function registerOverviewRoutes(app: Application<AppTurnState>, deps: OverviewRouteDeps): void {
  const overview = { ...depsOf(deps), linkDays: deps.linkDays };
  onCardAction(app, Verbs.welcome.overview, (context) => answer(context, async (actor, language) => [await overviewReply(overview, actor, language)]));

  onCardAction(app, Verbs.overview.show, (context, _state, data) =>
    answer(context, async (actor, language) => {
      const parsed = showSchema.safeParse(data ?? {});
      if (!parsed.success) return [deniedReply(language)];
      return [await overviewReply(overview, actor, language, parsed.data.organisationId)];
    }));

  onCardAction(app, Verbs.overview.list, (context, _state, data) =>
    answer(context, async (actor, language) => [await serviceListReply(overview, actor, language, data)]));

  onCardAction(app, Verbs.overview.openService, (context, _state, data) =>
    answer(context, async (actor, language) => {
      const parsed = openServiceSchema.safeParse(data ?? {});
      if (!parsed.success) return [deniedReply(language)];
      return [await openServiceReply(overview, actor, language, parsed.data.serviceId)];
    }));

  /**
   * "Needs you now": each button's ids are checked again by the service it calls; data not as the card was sent is
   * refused and audited. The overview comes back with what the button did.
   */
  const act = <T extends z.ZodType>(verb: string, schema: T, reply: (deps: OverviewDeps, actor: Actor, language: Language, data: z.output<T>) => Promise<Reply>) =>
    onCardAction(app, verb, (context, _state, data) =>
      answer(context, async (actor, language) => {
        const parsed = schema.safeParse(data ?? {});
        if (!parsed.success) return refuseMalformedCard(deps.db.prisma, actor, verb);
        return [await reply(overview, actor, language, parsed.data)];
      }));
  act(Verbs.overview.retry, retrySchema, retryReply);
  act(Verbs.overview.resendEmail, resendSchema, resendReply);
  act(Verbs.overview.markHandled, markHandledSchema, markHandledReply);

  /** Teams: the consent card now, the file made when accepted. The web chat: the file itself. */
  onCardAction(app, Verbs.overview.export, (context, state, data) =>
    answer(context, async (actor, language) => {
      const parsed = exportSchema.safeParse(data ?? {});
      if (!parsed.success) return [deniedReply(language)];
      if (exportsOf(state).sent.includes(parsed.data.requestKey)) return [{ kind: 'text', text: t(language, 'overview.export.already') }];
      await sendFile(context, await exportToSend(overview, actor, language, parsed.data.organisationId), { kind: CONSENT_KIND, ...parsed.data });
      if (context.activity.channelId === 'msteams') return [{ kind: 'text', text: t(language, 'overview.export.consent') }];
      markSent(state, parsed.data.requestKey);
      return [];
    }));

  /** Accepted: the file is made now (with today's data, access checked again), uploaded where Teams says, and shown. */
  onFileConsent(app, CONSENT_KIND, async (context, state) => {
    const replies = await answer(context, async (actor, language) => {
      const parsed = fileConsentSchema(consentContextSchema).safeParse(context.activity.value);
      if (!parsed.success) return [deniedReply(language)];
      const { action, context: request, uploadInfo } = parsed.data;
      if (action === 'decline') return [{ kind: 'text', text: t(language, 'overview.export.declined') }];
      if (!uploadInfo) return [{ kind: 'text', text: t(language, 'overview.export.failed') }];
      // Teams retries an invoke it did not see answered in time: the file is not uploaded twice.
      if (exportsOf(state).sent.includes(request.requestKey)) return [{ kind: 'text', text: t(language, 'overview.export.already') }];
      const file = await exportToSend(overview, actor, language, request.organisationId);
      if (!(await deliverConsentedFile(context, uploadInfo, file))) return [{ kind: 'text', text: t(language, 'overview.export.failed') }];
      markSent(state, request.requestKey);
      return [];
    });
    for (const reply of replies) await send(context, reply);
  });
}

/** The CSV export as bot/files.ts sends it: described on Teams' consent card, presented in the web chat's message. */
async function exportToSend(deps: OverviewDeps, actor: Actor, language: Language, organisationId: string): Promise<OutgoingFile> {
  const file = await exportFile(deps, actor, language, organisationId);
  const counts = { organisation: file.organisation, count: file.count };
  return {
    name: file.name,
    contentType: 'text/csv;charset=utf-8',
    bytes: Buffer.from(file.csv, 'utf8'),
    description: t(language, 'overview.export.description', counts),
    message: t(language, 'overview.export.ready', counts),
  };
}
