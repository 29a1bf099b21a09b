import { DEMO_TENANT_ID, demo } from '../../prisma/demoData';
import { contractCatalog } from '../../services/catalog/catalog';
import type { Database } from '../../services/platform/db/database';
import { openTestDatabase } from '../support/database';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase({ seed: true });
});

afterAll(async () => {
  await db.close();
});

const ann = () => db.prisma.person.findFirstOrThrow({ where: { email: demo.ann.email, organisation: { tenantId: DEMO_TENANT_ID } }, include: { organisation: true } });
const bundleNames = async () =>
  (await contractCatalog(db.prisma, await ann())).flatMap((product) => product.serviceTypes.flatMap((type) => type.bundles.map((bundle) => bundle.name.en)));

test('the catalog read again is the one the database holds now, whoever changed it', async () => {
  const before = await bundleNames();
  expect(before).toContain('Mobile M');
  // As another process's seed of a new catalog.json would.
  await db.prisma.bundle.updateMany({ where: { name: 'Mobile M' }, data: { name: 'Mobile Medium' } });
  const after = await bundleNames();
  expect(after).toContain('Mobile Medium');
  expect(after).not.toContain('Mobile M');
  await db.prisma.bundle.updateMany({ where: { name: 'Mobile Medium' }, data: { name: 'Mobile M' } });
  expect(await bundleNames()).toEqual(before);
});

test('a product taken out of the organisation\'s contract is gone at the next read', async () => {
  const actor = await ann();
  const codes = async () => (await contractCatalog(db.prisma, actor)).map((product) => product.code);
  const [first, ...rest] = await codes();
  const contract = await db.prisma.contractProduct.findFirstOrThrow({ where: { organisationId: actor.organisationId, productTypeCode: first } });
  await db.prisma.contractProduct.delete({ where: { organisationId_productTypeCode: { organisationId: contract.organisationId, productTypeCode: contract.productTypeCode } } });
  expect(await codes()).toEqual(rest);
  await db.prisma.contractProduct.create({ data: contract });
  expect(await codes()).toEqual([first, ...rest]);
});

test('the catalog shared between readers cannot be changed by one of them', async () => {
  const catalog = await contractCatalog(db.prisma, await ann());
  expect(() => (catalog as unknown as unknown[]).push({})).toThrow();
});
