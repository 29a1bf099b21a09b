import type { TeamsAdapter } from '@microsoft/teams-ai';
import restify from 'restify';
import { z } from 'zod';
import type { Database } from '../services/platform/db/database';
import type { Bot } from './app';
import type { Config } from './config';
import { logFailure, type Logger } from './logger';
import { registerActivationPage } from './http/activationPage';
import { registerOperatorApi } from './http/operatorApi';
import { registerProvisioningWebhook } from './http/provisioningWebhook';
import { registerWebChatRoutes } from './http/webChat/routes';
import type { WebChatAdapter } from './http/webChat/webChatAdapter';
import { storableJson } from '../services/platform/text';

export interface ServerDeps {
  bot: Bot;
  adapter: TeamsAdapter;
  db: Database;
  config: Config;
  logger: Logger;
}

// jsonBodyParser hands these to its body reader too (maxBodySize is missing from @types/restify's JSON options).
const activityBodyOptions: restify.plugins.JsonBodyParserOptions & restify.plugins.BodyParserOptions = {
  maxBodySize: 256 * 1024,
  mapParams: false,
};
const HEALTH_TIMEOUT_MS = 3000;

/** What the Bot Framework adapter and turn state need to find in an activity; the rest passes through unchecked. */
const incomingActivitySchema = z.looseObject({
  type: z.string({ message: 'type is required' }).min(1).max(64),
  channelId: z.string({ message: 'channelId is required' }).min(1).max(64),
  serviceUrl: z.url({ message: 'serviceUrl must be an absolute URL' }),
  conversation: z.looseObject({ id: z.string({ message: 'conversation.id is required' }).min(1).max(500) }),
  from: z.looseObject({ id: z.string({ message: 'from.id is required' }).min(1).max(500) }),
  recipient: z.looseObject({ id: z.string({ message: 'recipient.id is required' }).min(1).max(500) }),
});

/** The server, with the web chat's adapter for messages the bot sends there by itself. */
export type BotServer = restify.Server & { webChat: WebChatAdapter };

/** The HTTP side of the bot: Bot Framework activities, health, and the web chat's routes. */
export function createServer(deps: ServerDeps): BotServer {
  const { bot, adapter, db, logger } = deps;
  const server = restify.createServer({ name: 'sim-activation-assistant', handleUncaughtExceptions: false });

  // Errors leave as one short JSON line; internal details stay in the (masked) log.
  server.on('restifyError', (req: restify.Request, _res: restify.Response, err: Error & { statusCode?: number; toJSON?: () => unknown }, callback: () => void) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) {
      // A handler's own error has no status: restify would then send a fresh error carrying its text (a Prisma
      // message, a file path). With a status, restify sends this one, as toJSON words it.
      err.statusCode = status;
      const reference = logFailure(logger, err, { route: req.getRoute()?.path }, 'request failed');
      err.toJSON = () => ({ error: 'internal error', reference });
    } else {
      const message = err.name === 'InvalidContentError' ? 'malformed JSON' : shortReason(err.message);
      err.toJSON = () => ({ error: message });
    }
    return callback();
  });

  server.post(
    '/api/messages',
    restify.plugins.jsonBodyParser(activityBodyOptions),
    async (req: restify.Request, res: restify.Response) => {
      // A name, locale or field holding what no database stores (NUL, a lone surrogate) loses only that.
      req.body = storableJson(req.body);
      const parsed = incomingActivitySchema.safeParse(req.body);
      if (!parsed.success) {
        res.send(400, { error: `not a Bot Framework activity: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
        return;
      }
      // The adapter would refuse this too, but only after printing a stack trace for every anonymous probe.
      if (deps.config.teams && !req.headers.authorization) {
        res.send(401, { error: 'a Bot Framework token is required' });
        return;
      }
      await adapter.process(req, res, (context) => bot.run(context));
    },
  );

  server.get('/healthz', async (_req: restify.Request, res: restify.Response) => {
    const reachable = await databaseReachable(db);
    res.send(reachable ? 200 : 503, {
      status: reachable ? 'ok' : 'unavailable',
      database: { kind: db.kind, reachable },
    });
  });

  // The web chat page and its Direct Line–compatible endpoint live in bot/webChat.
  const webChat = registerWebChatRoutes(server, { db, bot, config: deps.config, logger });

  registerProvisioningWebhook(server, { db, config: deps.config, logger });

  // The operator's back office, only when OPERATOR_API_KEY is set.
  registerOperatorApi(server, { db, config: deps.config, logger });

  // The personal activation page from the email.
  registerActivationPage(server, { db: db.prisma, logger, trustedProxies: deps.config.trustedProxies });

  return Object.assign(server, { webChat });
}

async function databaseReachable(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_TIMEOUT_MS);
  });
  try {
    return await Promise.race([db.sql.query('SELECT 1').then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function shortReason(message: string): string {
  return message.split('\n')[0]!.slice(0, 120);
}
