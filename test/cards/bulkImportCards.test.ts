import { languages } from '../../cards/strings';
import { withSubmitActions } from '../../cards/render';
import { progressCard, reportReply, startReply } from '../../dialogs/bulkImport';
import { demo } from '../../prisma/demoData';
import { contentOf, templateColumns } from '../../services/bulkImport/importFile';
import { validateImport } from '../../services/bulkImport/validation';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { expectValidCard, cardProblems } from '../support/adaptiveCards';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let importId: string;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email }, include: { organisation: true } });
  // Twelve invalid rows and one valid: two pages of problems, and the confirmation.
  const rows = [
    `${demo.jan.email},Dstny Mobile,Mobile,Mobile S,,new,,,,,,,,,,,,,,email,later`,
    ...Array.from({ length: 12 }, (_, n) => `nobody${n}@demo.example,Dstny Mobile,Mobile,Mobile XXL,,keep,,,,,,,,,,,,,,pigeon,someday`),
  ];
  const file = [templateColumns.join(','), ...rows].join('\r\n');
  importId = (await validateImport(db.prisma, ann, { name: 'cards.csv', content: contentOf(Buffer.from(file)) })).id;
});
afterAll(async () => {
  await db.close();
});

describe.each(languages)('the bulk import cards in %s', (language) => {
  test('the intro card, for Teams and for the web chat', () => {
    const reply = startReply(language);
    if (reply.kind !== 'card') throw new Error('expected a card');
    expectValidCard(reply.card);
    expectValidCard(withSubmitActions(reply.card));
  });

  test('the report card, each page, with its start choice', async () => {
    for (const page of [0, 1]) {
      const reply = await reportReply(db.prisma, ann, language, importId, page);
      if (reply.kind !== 'card') throw new Error('expected a card');
      expectValidCard(reply.card);
      expectValidCard(withSubmitActions(reply.card));
    }
  });

  test('the progress card', async () => {
    expectValidCard(await progressCard(db.prisma, ann, language, importId));
  });
});

test('the checker fails on a card Teams would not render', () => {
  expect(cardProblems({ type: 'AdaptiveCard', version: '1.6', body: [{ type: 'Input.Text', id: 'x' }] })).not.toEqual([]);
});
