import { Writable } from 'node:stream';
import { t, type Language } from '../../cards/strings';
import { Verbs } from '../../cards/verbs';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signProvisioningEvent } from '../../bot/http/provisioningWebhook';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { useBotUnderTest } from '../support/botUnderTest';
import { teamsActivity, whatTheySee, type TeamsPerson } from '../support/connector';

/**
 * What a client is told when its request is not one the bot serves, and when the bot fails: a 400 with a sentence
 * in the person's language for an invoke no card of this version sends, and for a failure a polite sentence with a
 * reference that support finds in the log, never the error itself.
 */

const SECRET = 'errors-test-secret';
const log: string[] = [];
const { bot, serviceUrl, says } = useBotUnderTest(
  'errors-and-invokes',
  { PROVISIONING_WEBHOOK_SECRET: SECRET, LOG_LEVEL: 'info' },
  new Writable({
    write(chunk, _encoding, done) {
      log.push(String(chunk));
      done();
    },
  }),
);

const jan: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan Peeters', locale: 'nl-BE' };
const ann: TeamsPerson = { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann Admin', locale: 'en-US' };

type Json = Record<string, unknown>;

/** An invoke as Teams posts it: the HTTP status and the body of the bot's answer. */
async function invoke(who: TeamsPerson, fields: Json & { name: string }): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${bot().url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(teamsActivity(serviceUrl(), who, { type: 'invoke', ...fields })),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

const execute = (who: TeamsPerson, action: Json) => invoke(who, { name: 'adaptiveCard/action', value: { action, trigger: 'manual' } });
const sentence = (statusCode: number, text: string) => ({ statusCode, type: 'application/vnd.microsoft.activity.message', value: text });

describe('an invoke no card of this version sends is answered 400 with a sentence, not 501', () => {
  test.each<[string, TeamsPerson, Language, () => Promise<{ status: number; body: Json }>]>([
    ['an invoke name the bot does not serve', jan, 'nl', () => invoke(jan, { name: 'composeExtension/query', value: { commandId: 'x' } })],
    ['an Action.Execute with a verb this version does not know', ann, 'en', () => execute(ann, { type: 'Action.Execute', verb: 'retired.verb', data: {} })],
    ['an Action.Execute without a verb', jan, 'nl', () => execute(jan, { type: 'Action.Execute', data: {} })],
    ['a card action that is no Action.Execute', ann, 'en', () => execute(ann, { type: 'Action.Submit', verb: Verbs.welcome.getHelp, data: {} })],
  ])('%s', async (_case, _who, language, send) => {
    const { status, body } = await send();

    expect(status).toBe(400);
    expect(body).toEqual(sentence(400, t(language, 'action.unknown')));
  });

  test('a known verb whose data is not as the card sent it: 400, with what the feature says about it', async () => {
    const { status, body } = await execute(ann, { type: 'Action.Execute', verb: Verbs.portingIssues.resubmit, data: { requestId: 'not-an-id', customerNumber: 42 } });

    expect(status).toBe(400);
    expect(body).toMatchObject({ statusCode: 400, value: expect.stringMatching(/^Sorry, that porting request is not one you can fix/) });
  });

  test('a public verb with data no card carries: 400 and "older message"', async () => {
    const { status, body } = await execute(jan, { type: 'Action.Execute', verb: Verbs.conversation.setLanguage, data: { language: { nested: true } } });

    expect(status).toBe(400);
    expect(body).toEqual(sentence(400, t('nl', 'action.unknown')));
  });

  test('the same button as it was sent still answers 200', async () => {
    const { status, body } = await execute(ann, { type: 'Action.Execute', verb: Verbs.welcome.getHelp, data: {} });

    expect(status).toBe(200);
    expect(body).toMatchObject({ statusCode: 200 });
  });
});

describe('a failure is told with a reference, and only the log has the error', () => {
  const INTERNAL = /Person_moved|relation|prisma|Invalid `|\bat .+\.(ts|js):\d+|\/work\//i;

  /** The reference in a sentence built from `error.withReference`, checked against the whole sentence. */
  function referenceIn(text: string, language: Language): string {
    const reference = /\b([A-Z]{8})\b(?=\W*$)/.exec(text)?.[1] ?? '';
    expect(text).toBe(`${t(language, 'error.generic')} ${t(language, 'error.reference', { reference })}`);
    return reference;
  }

  /** The log line for the reference: it has the error, masked. */
  function loggedFailure(reference: string): Json {
    const line = log.map((entry) => JSON.parse(entry) as Json).find((entry) => entry.reference === reference);
    expect(line).toMatchObject({ level: 50, err: expect.objectContaining({ message: expect.any(String) }) });
    return line!;
  }

  /** Breaks the database under the bot for the time of `work`: every read of a person fails. */
  async function withoutPeople<T>(work: () => Promise<T>): Promise<T> {
    await bot().db.sql.query('ALTER TABLE "Person" RENAME TO "Person_moved"');
    try {
      return await work();
    } finally {
      await bot().db.sql.query('ALTER TABLE "Person_moved" RENAME TO "Person"');
    }
  }

  test('a message: the person reads the generic sentence in their language with a reference found in the log', async () => {
    const replies = await withoutPeople(() => says(jan, 'hallo'));

    const texts = replies.flatMap((reply) => whatTheySee(reply).texts);
    expect(texts).toHaveLength(1);
    expect(texts[0]).not.toMatch(INTERNAL);
    loggedFailure(referenceIn(texts[0]!, 'nl'));
  });

  test('a Teams button: the invoke is answered 500 with that sentence', async () => {
    const { status, body } = await withoutPeople(() => execute(ann, { type: 'Action.Execute', verb: Verbs.welcome.getHelp, data: {} }));

    expect(status).toBe(500);
    expect(body).toMatchObject({ statusCode: 500, type: 'application/vnd.microsoft.activity.message' });
    expect(JSON.stringify(body)).not.toMatch(INTERNAL);
    loggedFailure(referenceIn(body.value as string, 'en'));
  });

  test('an HTTP route (the provisioning webhook): 500 with a JSON error and the reference, nothing internal', async () => {
    const event = JSON.stringify({ eventId: 'errors-1', type: 'activation', serviceId: '00000000-0000-4000-8000-0000000000aa', result: { outcome: 'ACTIVE' } });
    const timestamp = String(Math.floor(Date.now() / 1000));
    await bot().db.sql.query('ALTER TABLE "ProvisioningEvent" RENAME TO "ProvisioningEvent_moved"');
    let answer: Response;
    try {
      answer = await fetch(`${bot().url}/api/provisioning/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signProvisioningEvent(SECRET, timestamp, event) },
        body: event,
      });
    } finally {
      await bot().db.sql.query('ALTER TABLE "ProvisioningEvent_moved" RENAME TO "ProvisioningEvent"');
    }
    const body = (await answer.json()) as { error: string; reference: string };

    expect(answer.status).toBe(500);
    expect(body).toEqual({ error: 'internal error', reference: expect.stringMatching(/^[A-Z]{8}$/) });
    loggedFailure(body.reference);
  });
});
