import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { configFromEnvironment, type Config } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import type { Database } from '../../services/platform/db/database';
import { openTestDatabase } from './database';
import { startLocalConnector, teamsActivity, type LocalConnector, type SentActivity, type TeamsPerson } from './connector';

type Json = Record<string, any>;

export interface BotUnderTest {
  /** The running bot (its database included); set once the file's beforeAll has run. */
  bot(): RunningBot;
  /** The configuration it runs with. */
  config(): Config;
  /** The local Bot Connector's address, for activities the helpers below do not build. */
  serviceUrl(): string;
  /** The local Bot Connector itself: what the bot sent by itself, after the turn (proactive messages, updates). */
  connector(): LocalConnector;
  /** Posts an activity as Teams would: the HTTP answer's body, and the turn's own replies and card updates. */
  post(activity: Json): Promise<{ body: Json | undefined; replies: SentActivity[] }>;
  /** The person types a message. */
  says(who: TeamsPerson, text: string): Promise<SentActivity[]>;
  /** The person presses a button in the web chat or an older client (Action.Submit: the data carries the verb). */
  submits(who: TeamsPerson, data: Json): Promise<SentActivity[]>;
  /** The person presses a button in Teams (Action.Execute): the invoke's answer replaces the card; more may follow. */
  presses(who: TeamsPerson, action: Json): Promise<{ answer: Json; followUps: SentActivity[] }>;
}

/** A running bot of a test file, set once the file's beforeAll has run. */
export interface ServedBot {
  bot: RunningBot;
  db: Database;
  config: Config;
  /** Its DATA_DIR: the email outbox and the like. */
  dataDir: string;
}

/**
 * A bot on a fresh database for one test file, started before and stopped after it; `environment` adds to or
 * overrides its settings (SIM_CLOCK_SPEED, say); `seed` fills the demo before it starts; `logDestination` receives
 * its log lines.
 */
export function useRunningBot(
  name: string,
  environment: Record<string, string> = {},
  options: { seed?: boolean; logDestination?: DestinationStream } = {},
): ServedBot {
  const served = {} as ServedBot;
  beforeAll(async () => {
    served.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `sim-${name}-`));
    served.config = configFromEnvironment({ PORT: '0', DATA_DIR: served.dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...environment });
    served.db = await openTestDatabase({ seed: options.seed });
    served.bot = await startBot(served.config, { database: served.db, logDestination: options.logDestination });
  });
  afterAll(async () => {
    await served.bot?.close();
    await served.db?.close();
    if (served.dataDir) fs.rmSync(served.dataDir, { recursive: true, force: true });
  });
  return served;
}

/** useRunningBot with a local Bot Connector the bot replies to. */
export function useBotUnderTest(name: string, environment: Record<string, string> = {}, logDestination?: DestinationStream): BotUnderTest {
  const served = useRunningBot(name, environment, { logDestination });
  let connector: LocalConnector;
  beforeAll(async () => {
    connector = await startLocalConnector();
  });
  afterAll(async () => {
    await connector.close();
  });
  const bot = () => served.bot;

  async function post(activity: Json) {
    const before = connector.sent.length;
    const response = await fetch(`${bot().url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
    const text = await response.text();
    // An invoke answers with the status its body names (400 for data no card carries); anything else with 200.
    const named = activity.type === 'invoke' && text ? (JSON.parse(text) as Json).statusCode : undefined;
    expect(response.status).toBe(typeof named === 'number' ? named : 200);
    // The turn's own messages and card updates name the posted activity as replyToId. What the notifier sends
    // meanwhile (status updates, a digest updated in place) names its own continuation: not part of this answer.
    const replies = connector.sent.slice(before).filter((sent) => sent.activity.replyToId === activity.id);
    return { body: text ? (JSON.parse(text) as Json) : undefined, replies };
  }

  return {
    bot,
    config: () => served.config,
    serviceUrl: () => connector.serviceUrl,
    connector: () => connector,
    post,
    says: async (who, text) => (await post(teamsActivity(connector.serviceUrl, who, { type: 'message', text }))).replies,
    submits: async (who, data) => (await post(teamsActivity(connector.serviceUrl, who, { type: 'message', value: data }))).replies,
    presses: async (who, { verb, data }) => {
      const value = { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' };
      const { body, replies } = await post(teamsActivity(connector.serviceUrl, who, { type: 'invoke', name: 'adaptiveCard/action', value }));
      return { answer: body!, followUps: replies };
    },
  };
}
