import type { AdaptiveCard as TeamsCard, Application } from '@microsoft/teams-ai';
import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import { z } from 'zod';
import { withSubmitActions } from '../../cards/render';
import { t, type Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import {
  bulkActionSchema,
  cancelReply,
  checkFile,
  confirm,
  reportFile,
  reportReply,
  startReply,
  templateActionSchema,
  templateFile,
  type FileToSend,
} from '../../dialogs/bulkImport';
import type { Reply } from '../../dialogs/reply';
import { Role } from '../../prisma/generated/enums';
import { recordProgressCard } from '../../services/bulkImport/bulkImport';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, refuseMalformedCard, type Actor } from '../../services/people/people';
import { deliverConsentedFile, fileConsentSchema, hasFiles, onFileConsent, receiveFile, sendFile } from '../files';
import { onCardAction, send } from '../replies';
import { factsOf } from '../turnFacts';
import type { AppTurnState } from '../turnState';
import type { IntentHandler, IntentName } from './intents';

export interface BulkImportRouteDeps {
  db: Database;
  /** Without a Teams app (the Emulator mode, tests), files may come from the host the activity came from. */
  teamsAuthenticated: boolean;
}

const CONSENT_KIND = 'bulkImport';

/** What a consent card of this feature carries: which file to make when the person accepts. */
const consentContextSchema = z.discriminatedUnion('file', [
  z.object({ kind: z.literal(CONSENT_KIND), file: z.literal('template'), format: z.enum(['csv', 'xlsx']) }),
  z.object({ kind: z.literal(CONSENT_KIND), file: z.literal('report'), importId: z.uuid() }),
]);
type ConsentContext = z.infer<typeof consentContextSchema>;

const deniedReply = (language: Language): Reply => ({ kind: 'text', text: t(language, 'bulkImport.file.notAdministrator') });

/** The intro card for an administrator; anyone else learns who can do this. */
const startFor = async (actor: Actor, language: Language): Promise<Reply[]> => [actor.role === Role.ADMINISTRATOR ? startReply(language) : deniedReply(language)];

/** Runs `work` for a known person; a refusal (the services check again and audit) is told plainly. */
async function answer(context: TurnContext, work: (actor: Actor, language: Language) => Promise<Reply[]>): Promise<Reply[]> {
  const { recognition, language } = factsOf(context);
  if (recognition.status !== 'known') return [deniedReply(language)];
  try {
    return await work(recognition.actor, language);
  } catch (error) {
    if (!(error instanceof AccessDenied)) throw error;
    // An administrator refused can only have named another organisation's import (a replayed or forged card).
    return [recognition.actor.role === Role.ADMINISTRATOR ? { kind: 'text', text: t(language, 'bulkImport.notYours') } : deniedReply(language)];
  }
}

async function makeFile(deps: BulkImportRouteDeps, actor: Actor, language: Language, request: ConsentContext): Promise<FileToSend> {
  return request.file === 'template' ? templateFile(language, request.format) : reportFile(deps.db.prisma, actor, language, request.importId);
}

/** Teams: the consent card now, the file when accepted. The web chat: the file itself. */
async function offerFile(deps: BulkImportRouteDeps, context: TurnContext, actor: Actor, language: Language, request: ConsentContext): Promise<Reply[]> {
  const made = await makeFile(deps, actor, language, request);
  await sendFile(context, made, request);
  return context.activity.channelId === 'msteams' ? [{ kind: 'text', text: t(language, 'bulkImport.template.consent') }] : [];
}

/** "Add services from a file". */
export function intentHandlers(): Partial<Record<IntentName, IntentHandler<AppTurnState>>> {
  return {
    bulkImport: async (context) => {
      for (const reply of await answer(context, startFor)) await send(context, reply);
    },
  };
}

/**
 * Registers the file messages (before the typed-text route: a file comes with no words to understand), the card
 * actions and the consent answers of the bulk import.
 */
export function registerBulkImportRoutes(app: Application<AppTurnState>, deps: BulkImportRouteDeps): void {
  const db = deps.db.prisma;

  app.addRoute(
    async (context) => hasFiles(context.activity),
    async (context) => {
      const replies = await answer(context, async (actor, language) => {
        if (actor.role !== Role.ADMINISTRATOR) return [deniedReply(language)];
        const received = await receiveFile(context.activity, { trustServiceUrlHost: !deps.teamsAuthenticated });
        if (!received.ok) return [{ kind: 'text', text: t(language, received.reason === 'several' ? 'bulkImport.file.oneAtATime' : 'bulkImport.file.unreachable') }];
        return [await checkFile(db, actor, language, received.file)];
      });
      for (const reply of replies) await send(context, reply);
    },
  );

  onCardAction(app, Verbs.bulkImport.start, (context) => answer(context, startFor));

  onCardAction(app, Verbs.bulkImport.template, (context, _state, data) =>
    answer(context, async (actor, language) => {
      const parsed = templateActionSchema.safeParse(data ?? {});
      if (!parsed.success || actor.role !== Role.ADMINISTRATOR) return [deniedReply(language)];
      return offerFile(deps, context, actor, language, { kind: CONSENT_KIND, file: 'template', format: parsed.data.format });
    }));

  const withImport = (verb: string, work: (actor: Actor, language: Language, action: z.infer<typeof bulkActionSchema>) => Promise<Reply[]>) =>
    (context: TurnContext, _state: AppTurnState, data: unknown) =>
      answer(context, async (actor, language) => {
        const parsed = bulkActionSchema.safeParse(data ?? {});
        if (!parsed.success) return refuseMalformedCard(db, actor, verb);
        return work(actor, language, parsed.data);
      });

  onCardAction(app, Verbs.bulkImport.page, withImport(Verbs.bulkImport.page, async (actor, language, action) => [await reportReply(db, actor, language, action.importId, action.to)]));
  onCardAction(app, Verbs.bulkImport.cancel, withImport(Verbs.bulkImport.cancel, async (actor, language, action) => [await cancelReply(db, actor, language, action.importId)]));
  onCardAction(app, Verbs.bulkImport.report, (context, state, data) =>
    withImport(Verbs.bulkImport.report, (actor, language, action) => offerFile(deps, context, actor, language, { kind: CONSENT_KIND, file: 'report', importId: action.importId }))(context, state, data));

  /**
   * Confirmed: in Teams the progress card takes the report card's place (the invoke's answer); in the web chat it is
   * a new message. Either way its place is kept, so that the creation updates it.
   */
  const confirmReply = async (context: TurnContext, data: unknown): Promise<Reply | undefined> => {
    const [reply] = await answer(context, async (actor, language) => {
      const parsed = bulkActionSchema.safeParse(data ?? {});
      if (!parsed.success) return refuseMalformedCard(db, actor, Verbs.bulkImport.confirm);
      const outcome = await confirm(db, actor, language, parsed.data);
      if (!outcome.confirmed) return [outcome.reply];
      const inPlace = context.activity.type === 'invoke' ? context.activity.replyToId : undefined;
      const sent = inPlace ? undefined : await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(withSubmitActions(outcome.card))));
      const activityId = inPlace ?? sent?.id;
      const place = { channelId: context.activity.channelId, conversationId: context.activity.conversation.id };
      if (activityId) await recordProgressCard(db, actor, parsed.data.importId, { ...place, activityId });
      return inPlace ? [{ kind: 'card', card: outcome.card }] : [];
    });
    return reply;
  };
  app.adaptiveCards.actionExecute(Verbs.bulkImport.confirm, async (context, _state, data) => {
    const reply = await confirmReply(context, data);
    if (!reply) return '';
    return reply.kind === 'text' ? reply.text : (reply.card as unknown as TeamsCard);
  });
  app.adaptiveCards.actionSubmit(Verbs.bulkImport.confirm, async (context, _state, data) => {
    const reply = await confirmReply(context, data);
    if (reply) await send(context, reply);
  });

  onFileConsent(app, CONSENT_KIND, async (context) => {
    const replies = await answer(context, async (actor, language) => {
      const parsed = fileConsentSchema(consentContextSchema).safeParse(context.activity.value);
      if (!parsed.success) throw new AccessDenied('malformed file consent');
      const { action, context: request, uploadInfo } = parsed.data;
      if (action === 'decline' || !uploadInfo) return [];
      const made = await makeFile(deps, actor, language, request);
      return (await deliverConsentedFile(context, uploadInfo, made)) ? [] : [{ kind: 'text', text: t(language, 'bulkImport.file.unreachable') }];
    });
    for (const reply of replies) await send(context, reply);
  });
}
