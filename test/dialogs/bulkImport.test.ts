import { checkFile } from '../../dialogs/bulkImport';
import { demo } from '../../prisma/demoData';
import { contentOf, templateColumns } from '../../services/bulkImport/importFile';
import type { Database } from '../../services/platform/db/database';
import type { Actor } from '../../services/people/people';
import { openTestDatabase } from '../support/database';
import { actorOf, cardOf, textsOf } from './see';

/** The bulk import's report, called directly: what Ann reads of a file that adds people. */

let db: Database;
let ann: Actor;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await actorOf(db, demo.ann.email);
}, 60_000);

afterAll(async () => {
  await db?.close();
});

const header = templateColumns.join(',');
/** A row for a new mobile service; the name and language are the template's last two columns. */
const row = (email: string, name = '', language = '') => `${email},Dstny Mobile,Mobile,Mobile S,,new,,,,,,,,,,,,,,email,later,${name},${language}`;
const file = [header, row('eva.janssens@demo.example', 'Eva Janssens'), row(demo.jan.email), row('tom.dubois@demo.example', 'Tom Dubois', 'fr'), row('eva.janssens@demo.example', 'Eva Janssens'), row('nameless@demo.example')].join('\r\n');
const send = (language: 'en' | 'nl' | 'fr') => checkFile(db.prisma, ann, language, { name: `people-${language}.csv`, content: contentOf(Buffer.from(file)) });

test('the report lists the new users, once each, apart from the rows to fix', async () => {
  const texts = textsOf(cardOf(await send('en')));
  expect(texts).toContain('4 of 5 rows are valid.');
  const listed = texts.indexOf('2 new users are added to your organisation when you confirm:');
  expect(texts.slice(listed + 1, listed + 3)).toEqual(['new user: Eva Janssens eva.janssens@demo.example', 'new user: Tom Dubois tom.dubois@demo.example']);
  expect(texts.filter((text) => text.startsWith('new user:'))).toHaveLength(2);
  expect(texts).toContain('Row 6');
  expect(texts.some((text) => text.startsWith('user_email: No one in your organisation has the email nameless@demo.example') && text.includes('user_name'))).toBe(true);
});

test.each([
  ['nl', '2 nieuwe gebruikers worden aan je organisatie toegevoegd wanneer je bevestigt:', 'nieuwe gebruiker: Tom Dubois tom.dubois@demo.example'],
  ['fr', '2 nouveaux utilisateurs sont ajoutés à votre organisation quand vous confirmez :', 'nouvel utilisateur : Tom Dubois tom.dubois@demo.example'],
] as const)('in %s too', async (language, title, line) => {
  const texts = textsOf(cardOf(await send(language)));
  expect(texts).toContain(title);
  expect(texts).toContain(line);
});

test('a file that adds nobody shows no new users', async () => {
  const reply = await checkFile(db.prisma, ann, 'en', { name: 'known.csv', content: contentOf(Buffer.from([header, row(demo.jan.email)].join('\r\n'))) });
  expect(textsOf(cardOf(reply)).filter((text) => text.includes('new user'))).toEqual([]);
});
