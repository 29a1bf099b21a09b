import { toCompatResponse } from '@azure/core-http-compat';
import { createDefaultHttpClient, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { TeamsAdapter } from '@microsoft/teams-ai';
import { AuthenticationConstants, type ConnectorClientOptions } from 'botframework-connector';
import { CallerIdConstants, type TurnContext } from 'botbuilder';
import { RetryableError } from '../services/platform/retry';
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
    undefined,
    undefined,
    { httpClient: connectorHttpClient(config.connectorTimeoutMs) },
  );
  adapter.use({ onTurn: (context, next) => skipSendsAfterTimeout(context, next) });
  adapter.onTurnError = (context, error) => answerTurnError(logger, context, error);
  return adapter;
}

/** A Bot Connector request that got no answer in time; retried later like any transient failure. */
export class ConnectorTimeoutError extends RetryableError {}

type ConnectorHttpClient = NonNullable<ConnectorClientOptions['httpClient']>;

/**
 * The HTTP client of every Bot Connector client the adapter makes (replies in a turn, updates, proactive sends, new
 * conversations): Azure's own, with at most `timeoutMs` for an answer, after which the request is aborted and fails
 * as a ConnectorTimeoutError. It is the one setting the adapter hands on to all of them (botframework-connector's
 * ConnectorFactoryImpl replaces any request policies given).
 */
function connectorHttpClient(timeoutMs: number): ConnectorHttpClient {
  const http = createDefaultHttpClient();
  return {
    async sendRequest(resource) {
      const request = createPipelineRequest({
        url: resource.url,
        method: resource.method,
        headers: createHttpHeaders(resource.headers.toJson({ preserveCase: true })),
        body: resource.body,
        requestId: resource.requestId,
        abortSignal: resource.abortSignal,
        streamResponseStatusCodes: resource.streamResponseStatusCodes,
        // As Azure's client allows it: plain HTTP for a local connector (the Emulator, tests).
        allowInsecureConnection: resource.url.toLowerCase().startsWith('http:'),
        timeout: timeoutMs,
      });
      try {
        // The request the pipeline gave stays the response's, so that the answer is read as its operation says.
        return { ...toCompatResponse(await http.sendRequest(request)), request: resource };
      } catch (error) {
        if ((error as { name?: unknown } | undefined)?.name !== 'AbortError' || resource.abortSignal?.aborted) throw error;
        throw new ConnectorTimeoutError(`the Bot Connector did not answer within ${timeoutMs} ms`, { cause: error });
      }
    },
  };
}

const TIMED_OUT = Symbol('connectorTimedOut');

/**
 * Once a reply of a turn has timed out, the connector is not asked again in that turn (the apology for the failed
 * turn would wait as long): the turn ends at once, logged. Invoke answers go in the HTTP response, not to the
 * connector, and still go out.
 */
async function skipSendsAfterTimeout(context: TurnContext, next: () => Promise<void>): Promise<void> {
  context.onSendActivities(async (turn, activities, send) => {
    if (turn.turnState.get(TIMED_OUT) && activities.every((activity) => activity.type !== 'invokeResponse')) return [];
    try {
      return await send();
    } catch (error) {
      if (error instanceof ConnectorTimeoutError) turn.turnState.set(TIMED_OUT, true);
      throw error;
    }
  });
  await next();
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
