import { demo, DEMO_TENANT_ID, other } from '../../prisma/demoData';
import type { Database } from '../../services/platform/db/database';
import { AccessDenied, type Actor } from '../../services/people/people';
import { findPeople, plainText } from '../../services/people/userSearch';
import { demoActor } from '../support/addServiceDriver';
import { openTestDatabase } from '../support/database';

let db: Database;
let ann: Actor;
let olga: Actor;
let jan: Actor;

const actor = (tenantId: string, aadObjectId: string) => demoActor(db, tenantId, aadObjectId);

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
  ann = await actor(DEMO_TENANT_ID, demo.ann.aadObjectId);
  jan = await actor(DEMO_TENANT_ID, demo.jan.aadObjectId);
  olga = await actor('de300000-0000-4000-8000-000000000002', other.olga.aadObjectId);
}, 60_000);
afterAll(async () => db.close());

const names = async (query: string, who: Actor = ann) => (await findPeople(db.prisma, who, query)).map((person) => person.displayName);

describe('finding the person a service is for', () => {
  it.each([
    ['jan', ['Jan Peeters']],
    ['JAN', ['Jan Peeters']],
    ['Peeters', ['Jan Peeters']],
    ['jans', ['Pieter Janssens']],
    ['marie.dubois@demo.example', ['Marie Dubois']],
    ['Marie.Dubois@Demo.Example', ['Marie Dubois']],
    ['Dubois M', ['Marie Dubois']],
    ['m dubois', ['Marie Dubois']],
    ['helene', ['Hélène Renard']],
    ['Hélène', ['Hélène Renard']],
    ['van den broeck', ['Jeroen Van den Broeck']],
    ['luc.lem', ['Luc Lemaire']],
  ])('"%s" finds %j', async (query, expected) => {
    const found = await names(query);
    // The generated employees' names are deterministic (prisma/demoData.ts), so the lists are exact.
    expect(found).toEqual(expected);
  });

  it('gives several people when the words fit several equally well, by name', async () => {
    expect(await names('ma')).toEqual(['Camille Martin', 'Els Maes', 'Marie Dubois', 'Maxime Lejeune']);
  });

  it('finds nobody for a name of another organisation, and Olga never finds Demo Company NV people', async () => {
    expect(await names('Oscar')).toEqual([]);
    expect(await names('oscar', olga)).toEqual(['Oscar Olsen']);
    expect(await names('jan', olga)).toEqual([]);
    expect(await names('marie.dubois@demo.example', olga)).toEqual([]);
  });

  it('is for administrators only', async () => {
    await expect(findPeople(db.prisma, jan, 'marie')).rejects.toThrow(AccessDenied);
  });

  it('compares without case or accents', () => {
    expect(plainText('  Amélie LECLERCQ ')).toBe('amelie leclercq');
  });
});
