import restify from 'restify';
import { z } from 'zod';
import type { Activity, TurnContext } from 'botbuilder';
import type { Db } from '../../../services/platform/db/database';
import { logFailure, type Logger } from '../../logger';
import {
  activitiesAfter,
  appendActivity,
  closeConversation,
  conversationForToken,
  extendToken,
  markStarted,
  openConversation,
  userIdOf,
  type WebChatConversation,
} from './conversations';
import { readUpload, uploadOf, type UploadedFile } from './upload';
import { BOT_ACCOUNT, WEB_CHAT_CHANNEL_ID, type WebChatAdapter } from './webChatAdapter';
import { isStorableJson } from '../../../services/platform/text';
import { linkActs } from '../../../services/people/activationLinks';

export const DIRECT_LINE_BASE = '/v3/directline';

/** Largest request body accepted: a message, or a card's submitted inputs. */
const MAX_BODY_BYTES = 32 * 1024;

export interface DirectLineDeps {
  db: Db;
  adapter: WebChatAdapter;
  bot: { run(context: TurnContext): Promise<void> };
  logger: Logger;
}

const bearerSchema = z.string().regex(/^Bearer ([A-Za-z0-9_-]{43})$/);
const watermarkSchema = z.union([z.literal(''), z.string().regex(/^\d{1,9}$/)]).optional();
const localeSchema = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/);

/** What directlinejs sends when it starts a conversation; the user id in it is ignored (the server assigns it). */
const startSchema = z.object({ locale: localeSchema.optional().catch(undefined) }).optional();

/** The fields of a posted activity the bot gets; anything else the client sends (from, ids, entities) is dropped. */
const postedActivitySchema = z.object({
  type: z.enum(['message', 'event', 'typing']),
  text: z.string().max(4000).optional(),
  name: z.string().max(100).optional(),
  value: z.json().optional(),
  // A wrong locale is not worth refusing a message for: the bot then uses its default language.
  locale: localeSchema.optional().catch(undefined),
  attachments: z.array(z.unknown()).max(0, { message: 'file uploads are not supported' }).optional(),
  channelData: z.object({ clientActivityID: z.string().max(100).optional() }).optional(),
})
  // PostgreSQL cannot store U+0000 in JSON, and no person types it: refused here rather than failing the insert.
  .refine((activity) => isStorableJson(activity), { message: 'NUL characters are not allowed, nor unpaired UTF-16 surrogates' });

type Handler = (req: restify.Request, res: restify.Response) => Promise<void>;

/**
 * The Direct Line 3.0 subset the official web chat uses with polling, plus what scripts need. Every call names its
 * conversation through a token; all state is in the database.
 */
export function registerDirectLineRoutes(server: restify.Server, deps: DirectLineDeps): void {
  const { db, adapter, bot, logger } = deps;
  const readBody = [limitBodySize, restify.plugins.bodyParser({ maxBodySize: MAX_BODY_BYTES, mapParams: false })];

  const guarded = (handler: Handler): Handler => async (req, res) => {
    res.header('Cache-Control', 'no-store');
    res.header('X-Content-Type-Options', 'nosniff');
    try {
      await handler(req, res);
    } catch (error) {
      const reference = logFailure(logger, error, { route: req.getRoute()?.path }, 'direct line request failed');
      sendError(res, 500, 'ServiceError', `Something went wrong on our side; please try again. Reference: ${reference}.`);
    }
  };

  /**
   * The conversation the request's token opens, or null after answering 401/403. `readUpTo`: a personal page's chat
   * whose link no longer acts, which may still read its last answers up to there.
   */
  async function authorise(req: restify.Request, res: restify.Response, reading = false): Promise<(WebChatConversation & { readUpTo?: number }) | null> {
    const header = bearerSchema.safeParse(req.header('authorization'));
    if (!header.success) {
      sendError(res, 401, 'BadArgument', 'An Authorization: Bearer <token> header is required.');
      return null;
    }
    const conversation = await conversationForToken(db, header.data.slice('Bearer '.length));
    // A personal page's chat lasts no longer than its link can act: Direct Line's answer for an expired token, on
    // which the web chat stops, and the page itself then tells where things stand. Only the answers to the turn that
    // ended it can still be read.
    const ended = conversation?.accessLinkId ? !(await linkActs(db, conversation.accessLinkId)) : false;
    if (!conversation || (ended && !(reading && conversation.closedAtSeq !== null))) {
      sendError(res, 403, 'TokenExpired', 'The token is unknown or has expired.');
      return null;
    }
    const wanted = req.params.conversationId as unknown;
    if (wanted !== undefined && wanted !== conversation.id) {
      // The same answer whether or not that conversation exists.
      sendError(res, 403, 'BadArgument', 'This token does not open that conversation.');
      return null;
    }
    return ended ? { ...conversation, readUpTo: conversation.closedAtSeq! } : conversation;
  }

  function describe(conversation: WebChatConversation, token: string) {
    return {
      conversationId: conversation.id,
      token,
      expires_in: Math.max(0, Math.floor((conversation.expiresAt.getTime() - Date.now()) / 1000)),
    };
  }

  /** The token as the client sent it; only called after `authorise` has checked it. */
  const tokenOf = (req: restify.Request) => req.header('authorization').slice('Bearer '.length);

  // Anyone may open an anonymous conversation, as anyone may open the page; only general help is available there.
  server.post(
    `${DIRECT_LINE_BASE}/tokens/generate`,
    guarded(async (_req, res) => {
      const { conversation, token } = await openConversation(db);
      res.send(200, describe(conversation, token));
    }),
  );

  server.post(
    `${DIRECT_LINE_BASE}/tokens/refresh`,
    guarded(async (req, res) => {
      const conversation = await authorise(req, res);
      if (!conversation) return;
      const expiresAt = await extendToken(db, conversation);
      res.send(200, describe({ ...conversation, expiresAt }, tokenOf(req)));
    }),
  );

  server.post(
    `${DIRECT_LINE_BASE}/conversations`,
    ...readBody,
    guarded(async (req, res) => {
      const conversation = await authorise(req, res);
      if (!conversation) return;
      const body = startSchema.safeParse(req.body ?? undefined);
      if (!body.success) return badRequest(res, body.error);
      const first = await markStarted(db, conversation.id);
      if (first) {
        // As Direct Line does: the bot learns that the user joined and may greet before the first message.
        await adapter.processActivity(
          conversation,
          {
            ...channelFields(conversation, adapter.serviceUrl),
            type: 'conversationUpdate',
            membersAdded: [BOT_ACCOUNT, { id: userIdOf(conversation), name: '', role: 'user' }],
            locale: body.data?.locale,
          },
          (context) => bot.run(context),
        );
      }
      res.send(first ? 201 : 200, describe(conversation, tokenOf(req)));
    }),
  );

  server.get(
    `${DIRECT_LINE_BASE}/conversations/:conversationId`,
    guarded(async (req, res) => {
      const conversation = await authorise(req, res);
      if (!conversation) return;
      res.send(200, describe(conversation, tokenOf(req)));
    }),
  );

  server.get(
    `${DIRECT_LINE_BASE}/conversations/:conversationId/activities`,
    guarded(async (req, res) => {
      const conversation = await authorise(req, res, true);
      if (!conversation) return;
      // The server has no query parser plugin: the query string is read here.
      const watermark = watermarkSchema.safeParse(new URLSearchParams(req.getQuery()).get('watermark') ?? undefined);
      if (!watermark.success) return badRequest(res, watermark.error);
      const after = Number(watermark.data || 0);
      // Everything readable was read: from now on the chat is over, as for an expired token.
      if (conversation.readUpTo !== undefined && after >= conversation.readUpTo) return sendError(res, 403, 'TokenExpired', 'The token is unknown or has expired.');
      const page = await activitiesAfter(db, conversation.id, after, conversation.readUpTo);
      res.send(200, { activities: page.activities, watermark: String(page.watermark) });
    }),
  );

  server.post(
    `${DIRECT_LINE_BASE}/conversations/:conversationId/activities`,
    ...readBody,
    guarded(async (req, res) => {
      const conversation = await authorise(req, res);
      if (!conversation) return;
      const posted = postedActivitySchema.safeParse(req.body);
      if (!posted.success) return badRequest(res, posted.error);
      res.send(200, { id: await receive(conversation, posted.data) });
    }),
  );

  // A message with files (the web chat's attachments): the activity and the files in one multipart request.
  server.post(
    `${DIRECT_LINE_BASE}/conversations/:conversationId/upload`,
    ...readUpload,
    guarded(async (req, res) => {
      const conversation = await authorise(req, res);
      if (!conversation) return;
      const upload = uploadOf(req);
      if (!upload.ok) return sendError(res, upload.status, 'BadArgument', upload.message);
      // The activity part lists the files by name only; their bytes are the other parts.
      const posted = postedActivitySchema.safeParse({ ...(upload.activity as object), attachments: undefined });
      if (!posted.success) return badRequest(res, posted.error);
      res.send(200, { id: await receive(conversation, posted.data, upload.files) });
    }),
  );

  /**
   * Stores the user's activity (as Direct Line shows the user's own activities in the stream) and runs the turn.
   * Files reach the turn as data: URLs and are not stored: the transcript keeps their names only.
   */
  async function receive(conversation: WebChatConversation, posted: z.infer<typeof postedActivitySchema>, files: UploadedFile[] = []): Promise<string> {
    const { channelData, attachments: _noUploads, ...fields } = posted;
    const activity: Partial<Activity> = {
      ...fields,
      ...channelFields(conversation, adapter.serviceUrl),
      // Web Chat recognises its own message in the stream by this id.
      channelData: channelData?.clientActivityID ? { clientActivityID: channelData.clientActivityID } : undefined,
    };
    const named = files.map(({ name, contentType }) => ({ name, contentType }));
    const id = await appendActivity(db, conversation.id, files.length > 0 ? { ...activity, attachments: named } : activity);
    const attachments = files.map(({ name, contentType, bytes }) => ({ name, contentType, contentUrl: `data:${contentType};base64,${bytes.toString('base64')}` }));
    await adapter.processActivity(conversation, { ...activity, id, ...(files.length > 0 ? { attachments } : {}) }, (context) => bot.run(context));
    if (conversation.accessLinkId && !(await linkActs(db, conversation.accessLinkId))) await closeConversation(db, conversation.id);
    return id;
  }
}

/** The fields the server, not the client, decides for an activity from the user. */
function channelFields(conversation: WebChatConversation, serviceUrl: string): Partial<Activity> {
  return {
    channelId: WEB_CHAT_CHANNEL_ID,
    serviceUrl,
    timestamp: new Date(),
    from: { id: userIdOf(conversation), name: '', role: 'user' },
    recipient: BOT_ACCOUNT,
    conversation: { id: conversation.id, isGroup: false, conversationType: 'personal', name: '' },
  };
}

function limitBodySize(req: restify.Request, res: restify.Response, next: restify.Next): void {
  if (Number(req.header('content-length') || 0) > MAX_BODY_BYTES) {
    sendError(res, 413, 'BadArgument', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    return next(false);
  }
  next();
}

function badRequest(res: restify.Response, error: z.ZodError): void {
  const issue = error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  sendError(res, 400, 'BadArgument', `${where}${issue?.message ?? 'invalid request'}`.slice(0, 200));
}

function sendError(res: restify.Response, status: number, code: string, message: string): void {
  res.send(status, { error: { code, message } });
}
