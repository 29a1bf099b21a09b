import { TeamsAdapter } from '@microsoft/teams-ai';
import { AuthenticationConstants } from 'botframework-connector';
import { CallerIdConstants } from 'botbuilder';
import type { Config } from './config';
import type { Logger } from './logger';
import { answerTurnError } from './turnLog';

/**
 * The Bot Framework adapter for /api/messages. With an app id, every request must carry a valid Bot Framework
 * token. Without one it behaves like the Bot Framework Emulator: unauthenticated activities are accepted and
 * replies go to the activity's serviceUrl without a token.
 */
export function createAdapter(config: Config, logger: Logger): TeamsAdapter {
  const teams = config.teams;
  const adapter = new TeamsAdapter(
    teams
      ? {
          MicrosoftAppId: teams.appId,
          MicrosoftAppPassword: teams.appPassword,
          MicrosoftAppTenantId: teams.appTenantId,
          MicrosoftAppType: teams.appType,
          ...(teams.openIdMetadataUrl ? publicCloudWithKeysFrom(teams.openIdMetadataUrl) : {}),
        }
      : {},
  );
  adapter.onTurnError = (context, error) => answerTurnError(logger, context, error);
  return adapter;
}

/**
 * Bot Framework treats any one of these settings as a full custom cloud, so the public cloud's values are repeated
 * and only the document listing the channel's signing keys changes.
 */
function publicCloudWithKeysFrom(openIdMetadataUrl: string) {
  return {
    ValidateAuthority: true,
    ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
    ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
    ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
    OAuthUrl: AuthenticationConstants.OAuthUrl,
    ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
    CallerId: CallerIdConstants.PublicAzureChannel,
  };
}
