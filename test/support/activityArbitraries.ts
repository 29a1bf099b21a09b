import fc from 'fast-check';
import { Verbs } from '../../cards/verbs';
import { DEMO_TENANT_ID, OTHER_TENANT_ID, demo, other } from '../../prisma/demoData';
import { teamsActivity, type TeamsPerson } from './connector';

type Json = Record<string, unknown>;

/** Text as people and attackers type it: any Unicode, control characters, right-to-left marks, emoji, huge. */
export const nastyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '\u202Eredun\u202C Jan',
    'مرحبا، أريد تفعيل بطاقة SIM',
    'שלום 👋🏽 8932 0000 0000 0000 000',
    '\u0000\u0001\u0007\u001b[31m\r\n\t',
    '👨‍👩‍👧‍👦'.repeat(200),
    'x'.repeat(20_000),
    '{{user.name}} ${process.env} <script>alert(1)</script>',
    'add a service for Marie',
    'activate my SIM 8932000000000000000',
    'help',
  ),
);

/** Demo people of both organisations, and strangers. */
const person: fc.Arbitrary<TeamsPerson> = fc.oneof(
  fc.constantFrom(
    { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId, name: 'Ann' },
    { tenantId: DEMO_TENANT_ID, aadObjectId: demo.jan.aadObjectId, name: 'Jan' },
    { tenantId: DEMO_TENANT_ID, aadObjectId: demo.sam.aadObjectId, name: 'Sam' },
    { tenantId: OTHER_TENANT_ID, aadObjectId: other.olga.aadObjectId, name: 'Olga' },
  ),
  fc.record({ tenantId: fc.uuid(), aadObjectId: fc.uuid(), name: nastyText }),
);

/** What a card's data may carry after tampering: ids of anything, wrong types, nesting, huge strings. */
const cardData: fc.Arbitrary<Json> = fc.dictionary(
  fc.oneof(fc.constantFrom('serviceId', 'serviceIds', 'flowId', 'requestId', 'personId', 'iccid', 'page', 'step', 'at', 'language', 'intent'), fc.string({ maxLength: 12 })),
  fc.oneof(fc.uuid(), nastyText, fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.uuid(), { maxLength: 3 }), fc.jsonValue({ maxDepth: 3 })),
  { maxKeys: 6 },
);

/** Every verb of every card. */
const allVerbs: readonly string[] = Object.values(Verbs).flatMap((card) => Object.values(card));
const verb = fc.oneof(fc.constantFrom(...allVerbs), fc.string({ maxLength: 30 }));

/** A Teams card button of every verb (Action.Execute) pressed by anyone, with data as sent or tampered. */
export function cardPress(serviceUrl: string): fc.Arbitrary<{ verb: string; activity: Json }> {
  return fc.tuple(person, fc.constantFrom(...allVerbs), cardData).map(([who, v, data]) => ({
    verb: v,
    activity: teamsActivity(serviceUrl, who, { type: 'invoke', name: 'adaptiveCard/action', value: { action: { type: 'Action.Execute', verb: v, data }, trigger: 'manual' } }),
  }));
}

/** Activities of every kind a Teams-shaped client could post, from well formed to absurd. */
export function activityFor(serviceUrl: string): fc.Arbitrary<Json> {
  const fields: fc.Arbitrary<Json & { type: string }> = fc.oneof(
    fc.record({ type: fc.constant('message'), text: nastyText, locale: fc.constantFrom('en-US', 'nl-BE', 'fr-BE', 'ar-EG', 'xx', '') }),
    fc.record({ type: fc.constant('message'), value: fc.tuple(verb, cardData).map(([v, data]) => ({ ...data, verb: v })) }),
    fc.record({
      type: fc.constant('invoke'),
      name: fc.constant('adaptiveCard/action'),
      // Mostly Action.Execute, as Teams sends; other types are what no card sends.
      value: fc.tuple(fc.constantFrom<unknown>('Action.Execute', 'Action.Execute', 'Action.Execute', 'Action.Submit', 42), verb, cardData).map(([type, v, data]) => ({ action: { type, verb: v, data }, trigger: 'manual' })),
    }),
    fc.record({ type: fc.constantFrom('invoke', 'event', 'messageReaction', 'typing', 'installationUpdate', 'conversationUpdate', 'endOfConversation'), name: fc.option(fc.string({ maxLength: 30 })), value: fc.option(fc.jsonValue({ maxDepth: 3 })), action: fc.option(fc.constantFrom('add', 'remove')) }),
    fc.record({ type: fc.string({ minLength: 1, maxLength: 20 }), text: fc.option(nastyText), value: fc.option(fc.jsonValue({ maxDepth: 3 })) }),
  ).map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null)) as Json & { type: string });
  return fc.tuple(person, fields).map(([who, f]) => teamsActivity(serviceUrl, who, f));
}

/** Bodies that are not Bot Framework activities at all: broken JSON, other shapes, missing or wrong-typed fields. */
export function notAnActivity(serviceUrl: string): fc.Arbitrary<string> {
  const base = teamsActivity(serviceUrl, { tenantId: DEMO_TENANT_ID, aadObjectId: demo.ann.aadObjectId }, { type: 'message', text: 'hi' });
  return fc.oneof(
    fc.string({ maxLength: 200 }).filter((text) => !isJson(text)),
    fc.jsonValue({ maxDepth: 3 }).filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)).map((value) => JSON.stringify(value)),
    fc.constantFrom('type', 'channelId', 'serviceUrl', 'conversation', 'from', 'recipient').chain((field) =>
      fc.constantFrom<unknown>(undefined, 42, '', {}, { id: '' }, { id: 7 }, ['x']).map((broken) => JSON.stringify({ ...base, [field]: broken })),
    ),
  );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
