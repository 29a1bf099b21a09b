import { withSubmitActions, type AdaptiveCard } from '../../cards/render';
import { languages } from '../../cards/strings';
import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { overviewReply, serviceListReply } from '../../dialogs/overview';
import type { Reply } from '../../dialogs/welcome';
import type { Database } from '../../services/db/database';
import type { Actor } from '../../services/people';
import { cardProblems, expectValidCard } from '../support/adaptiveCards';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  const organisation = await db.prisma.organisation.findUniqueOrThrow({ where: { tenantId: DEMO_TENANT_ID } });
  ann = await db.prisma.person.findFirstOrThrow({ where: { organisationId: organisation.id, email: demo.ann.email }, include: { organisation: true } });
}, 60_000);

afterAll(async () => {
  await db?.close();
});

function cardOf(reply: Reply): AdaptiveCard {
  if (reply.kind !== 'card') throw new Error(`expected a card, got "${reply.text}"`);
  return reply.card;
}

const deps = () => ({ db: db.prisma, clockSpeed: 720 });

describe.each(languages)('in %s', (language) => {
  test('the overview card is a clean Adaptive Card 1.5, in Teams and in the web chat', async () => {
    const card = cardOf(await overviewReply(deps(), ann, language));
    expectValidCard(card);
    expectValidCard(withSubmitActions(card));
  });

  test('the list card, with and without filters, and with every filter wrong, is a clean Adaptive Card 1.5', async () => {
    const organisationId = ann.organisationId;
    for (const data of [
      { organisationId },
      { organisationId, state: 'active', product: 'DSTNY_MOBILE', name: 'jan' },
      { organisationId, state: 'nonsense', product: 'DSTNY_FMC', name: 'x'.repeat(101) },
    ]) {
      const card = cardOf(await serviceListReply(deps(), ann, language, data));
      expectValidCard(card);
      expectValidCard(withSubmitActions(card));
    }
  });
});

test('the checker fails a list card whose input lost its label', async () => {
  const card = cardOf(await serviceListReply(deps(), ann, 'en', { organisationId: ann.organisationId }));
  const broken = JSON.parse(JSON.stringify(card).replace('"label":"Name",', ''));
  expect(cardProblems(broken)).toEqual(['input "name" has no label']);
});
