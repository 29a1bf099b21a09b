import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { demo, generatedDemoEmployees, generatedOtherEmployees, other } from '../../prisma/demoData';

/** An activity the bot sent to the connector, with where it went. */
export interface SentActivity {
  method: 'POST' | 'PUT';
  conversationId: string;
  /** The activity replied to (POST …/activities/:id) or updated (PUT …/activities/:id). */
  activityId?: string;
  activity: Record<string, any>;
}

/** A failure the connector answers instead of 200, as Teams does when throttling (429) or unwell (5xx). */
export interface ConnectorFailure {
  status: number;
  retryAfter?: string;
}

export interface LocalConnector {
  /** The serviceUrl to put in incoming activities. */
  serviceUrl: string;
  /** What was accepted (answered 200). */
  sent: SentActivity[];
  /** Every request with the status it got, failed ones included, in order of arrival. */
  requests: Array<SentActivity & { status: number; at: number }>;
  /** Decides per request whether to fail it; undefined (the default) accepts everything. */
  failWith: ((request: SentActivity) => ConnectorFailure | undefined) | undefined;
  /** Decides per request whether to hold it unanswered, as a connector that hangs; undefined holds none. */
  hangWhen: ((request: SentActivity) => boolean) | undefined;
  /** The requests held unanswered, in order of arrival; `open` until the bot gives up on one. */
  hanging: Array<SentActivity & { open: boolean }>;
  /** Teams accounts the member call (GET …/members/:userId) knows, by channel account id; others answer 404. */
  members: Map<string, TeamsMember>;
  /** Resolves with the first sent activity matching `predicate`, waiting for it up to `timeoutMs`. */
  waitFor(predicate: (sent: SentActivity) => boolean, timeoutMs?: number): Promise<SentActivity>;
  close(): Promise<void>;
}

/** A Teams account as the connector's member call describes it. */
export interface TeamsMember {
  id: string;
  aadObjectId: string;
  name: string;
  email?: string;
  userPrincipalName?: string;
  tenantId?: string;
}

const memberRoute = /^\/v3\/conversations\/([^/]+)\/members\/([^/]+)\/?$/;
const route = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/]+))?\/?$/;
const createConversationRoute = /^\/v3\/conversations\/?$/;

/** A stand-in for the Bot Connector service: records what the bot sends, as the Emulator would show it. */
export async function startLocalConnector(): Promise<LocalConnector> {
  const sent: SentActivity[] = [];
  const requests: LocalConnector['requests'] = [];
  const hanging: LocalConnector['hanging'] = [];
  const waiters = new Set<() => void>();
  let nextId = 1;
  let nextConversation = 1;

  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://connector').pathname;
    if (req.method === 'POST' && createConversationRoute.test(pathname)) {
      // createConversation: a new personal chat, whose id the bot then posts to.
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `a:created-${nextConversation++}` }));
      });
      return;
    }
    const memberMatch = req.method === 'GET' ? memberRoute.exec(pathname) : null;
    if (memberMatch) {
      req.resume();
      const member = connector.members.get(decodeURIComponent(memberMatch[2]!));
      res.writeHead(member ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(member ?? { error: { code: 'MemberNotFoundInConversation', message: 'Member not found' } }));
      return;
    }
    const match = route.exec(pathname);
    const method = req.method === 'POST' || req.method === 'PUT' ? req.method : undefined;
    if (!match || !method) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not found"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: SentActivity = {
        method,
        conversationId: decodeURIComponent(match[1]!),
        activityId: match[2] ? decodeURIComponent(match[2]) : undefined,
        activity: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      };
      if (connector.hangWhen?.(request)) {
        const held = { ...request, open: true };
        hanging.push(held);
        res.once('close', () => {
          held.open = false;
        });
        return;
      }
      const failure = connector.failWith?.(request);
      requests.push({ ...request, status: failure?.status ?? 200, at: Date.now() });
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/json', ...(failure.retryAfter ? { 'retry-after': failure.retryAfter } : {}) });
        res.end(JSON.stringify({ error: { code: 'Failure', message: `answered ${failure.status} by the test` } }));
        return;
      }
      sent.push(request);
      waiters.forEach((wake) => wake());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `sent-${nextId++}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const connector: LocalConnector = {
    serviceUrl: `http://127.0.0.1:${port}/`,
    sent,
    requests,
    failWith: undefined,
    hangWhen: undefined,
    hanging,
    members: new Map(),
    waitFor: (predicate, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const found = sent.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`nothing matching was sent within ${timeoutMs} ms (${sent.length} activities sent)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Held requests would keep the server open until the bot gives up on them.
        server.closeAllConnections();
      }),
  };
  return connector;
}

/** Who writes, as Teams describes them: the tenant and the person's AAD object id. */
export interface TeamsPerson {
  tenantId: string;
  aadObjectId: string;
  name?: string;
  /** The Teams client's language; unless said, the person's directory language (as Microsoft 365 sets it), else en-US. */
  locale?: string;
}

/** Teams shows itself in a person's Microsoft 365 language, which the directory (the demo seed) holds. */
const directoryLocales = new Map(
  [...Object.values(demo), ...Object.values(other), ...generatedDemoEmployees, ...generatedOtherEmployees].flatMap((person) =>
    'preferredLanguage' in person && person.preferredLanguage ? [[person.aadObjectId, `${person.preferredLanguage}-BE`] as const] : []),
);

const BOT = { id: '28:sim-activation-assistant', name: 'SIM activation assistant' };

/** An activity shaped like the ones Teams posts for a personal chat with the bot. */
export function teamsActivity(
  serviceUrl: string,
  person: TeamsPerson,
  fields: Record<string, unknown> & { type: string },
): Record<string, unknown> {
  return {
    id: `incoming-${Math.random().toString(36).slice(2)}`,
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    locale: person.locale ?? directoryLocales.get(person.aadObjectId) ?? 'en-US',
    from: { id: `29:${person.aadObjectId}`, aadObjectId: person.aadObjectId, name: person.name ?? 'Someone' },
    recipient: BOT,
    conversation: { id: `a:personal-${person.tenantId}-${person.aadObjectId}`, tenantId: person.tenantId, conversationType: 'personal' },
    channelData: { tenant: { id: person.tenantId } },
    ...fields,
  };
}

/** Everything a person can read on a sent message: its text, and the texts and button titles of its cards. */
export function whatTheySee(sent: SentActivity): { texts: string[]; buttons: string[]; actions: Record<string, any>[] } {
  const texts: string[] = sent.activity.text ? [sent.activity.text] : [];
  const actions: Record<string, any>[] = [];
  for (const attachment of sent.activity.attachments ?? []) {
    const card = attachment.content ?? {};
    for (const element of card.body ?? []) {
      if (typeof element.text === 'string') texts.push(element.text);
      if (element.type === 'ActionSet') actions.push(...element.actions);
    }
    actions.push(...(card.actions ?? []));
  }
  return { texts, buttons: actions.map((action) => action.title), actions };
}
