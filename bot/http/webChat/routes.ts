import type restify from 'restify';
import type { TurnContext } from 'botbuilder';
import type { Database } from '../../../services/platform/db/database';
import type { Config } from '../../config';
import type { Logger } from '../../logger';
import { clientAddressResolver } from '../clientAddress';
import { registerDirectLineRoutes } from './directLine';
import { registerAssetRoutes } from './assets';
import { registerPageRoutes } from './pages';
import { registerSignInRequest } from './signInRequest';
import { WebChatAdapter } from './webChatAdapter';

export interface WebChatDeps {
  db: Database;
  bot: { run(context: TurnContext): Promise<void> };
  config: Config;
  logger: Logger;
}

/** The web chat: its pages, the Direct Line endpoint they talk to, and the adapter that runs the bot for it. */
export function registerWebChatRoutes(server: restify.Server, deps: WebChatDeps): WebChatAdapter {
  const { db, bot, config, logger } = deps;
  const adapter = new WebChatAdapter(db.prisma, config.publicUrl, logger);
  registerDirectLineRoutes(server, { db: db.prisma, adapter, bot, logger });
  registerAssetRoutes(server);
  registerPageRoutes(server, { db: db.prisma, logger, secureCookies: new URL(config.publicUrl).protocol === 'https:' });
  registerSignInRequest(server, { db: db.prisma, logger, clientAddressOf: clientAddressResolver(config.trustedProxies) });
  return adapter;
}
