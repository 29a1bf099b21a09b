import {
  ActivityHandler,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  type ConfigurationBotFrameworkAuthenticationOptions,
} from 'botbuilder';
import restify from 'restify';

/**
 * The peers every figure of `npm run bench` is compared with, each in a process of its own like the bot:
 * - `restify`: a bare restify endpoint that parses the activity and answers 200, the machine's limit;
 * - `echo`: the Bot Framework echo bot (BotBuilder-Samples 02.echo-bot) on the same stack as ours, botbuilder's
 *   CloudAdapter behind restify, replying to the activity's serviceUrl without authentication as in the Emulator.
 * Tells the parent its URL over IPC once it listens.
 */

class EchoBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      const text = context.activity.text ?? '';
      await context.sendActivity(MessageFactory.text(`Echo: ${text}`, `Echo: ${text}`));
      await next();
    });
  }
}

function createServer(kind: string): restify.Server {
  const server = restify.createServer({ name: `bench-${kind}`, handleUncaughtExceptions: false });
  server.use(restify.plugins.jsonBodyParser({ mapParams: false }));
  if (kind === 'restify') {
    server.post('/api/messages', async (_req: restify.Request, res: restify.Response) => {
      res.send(200);
    });
    return server;
  }
  // No app id: the adapter accepts unauthenticated activities and replies without a token.
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({} as ConfigurationBotFrameworkAuthenticationOptions));
  const bot = new EchoBot();
  server.post('/api/messages', async (req: restify.Request, res: restify.Response) => {
    await adapter.process(req, res, (context) => bot.run(context));
  });
  return server;
}

const kind = process.argv[2];
if (kind !== 'restify' && kind !== 'echo') {
  process.stderr.write('usage: baselineServer.js restify|echo\n');
  process.exit(2);
}
const server = createServer(kind);
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
process.on('disconnect', () => process.exit(0));
