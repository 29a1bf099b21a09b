import { z } from 'zod';
import { NumberOption, Role, type Language } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { requireRole, type Actor } from '../people/people';

/**
 * What an administrator may order: the product types of their organisation's contract, each with its service types,
 * bundles and options, as seeded from prisma/seed-data/catalog.json. The catalog is data; nothing here names a
 * product. Codes identify; names and descriptions come in every language, and the view picks its reader's.
 */

/** A catalog name or description in each language people read. */
export type Localised = Readonly<Record<Language, string>>;

const translatedText = z.object({ name: z.string().min(1), description: z.string().min(1).optional() });
/** The `translations` column: an item's Dutch and French words beside its English `name` and `description`. */
export const catalogTranslationsSchema = z.object({ nl: translatedText, fr: translatedText });
// Read leniently: an item added without translations still shows, in English.
const storedTranslations = catalogTranslationsSchema.partial().catch({});

function localised(english: string, translations: unknown, field: 'name' | 'description'): Localised {
  const stored = storedTranslations.parse(translations);
  return { en: english, nl: stored.nl?.[field] ?? english, fr: stored.fr?.[field] ?? english };
}

export const localisedSchema = z.object({ en: z.string(), nl: z.string(), fr: z.string() });

/** Items' names as one list per language: "Mobile S, Mobile M" and "Mobiel S, Mobiel M". */
export function namesList(items: Array<{ name: Localised }>, empty = ''): Localised {
  const list = (language: Language) => items.map((item) => item.name[language]).join(', ') || empty;
  return { en: list('en'), nl: list('nl'), fr: list('fr') };
}

/** For a code the catalog no longer holds: the code itself, in every language. */
export const codeAsName = (code: string): Localised => ({ en: code, nl: code, fr: code });

export const nameOf = (row: { name: string; translations: unknown }): Localised => localised(row.name, row.translations, 'name');
const descriptionOf = (row: { description: string; translations: unknown }): Localised =>
  localised(row.description, row.translations, 'description');
/** The name of the row a service's code points at, or the code when the catalog no longer holds it. */
export const nameOrCode = (row: { name: string; translations: unknown } | null | undefined, code: string): Localised =>
  row ? nameOf(row) : codeAsName(code);

export interface CatalogBundle {
  code: string;
  name: Localised;
  dataGb: number;
  callMinutes: number | null;
  monthlyPriceCents: number;
}

export interface CatalogOption {
  code: string;
  name: Localised;
  description: Localised;
  monthlyPriceCents: number;
}

export interface CatalogServiceType {
  code: string;
  productTypeCode: string;
  name: Localised;
  description: Localised;
  hasSim: boolean;
  hasMobileNumber: boolean;
  hasFixedNumber: boolean;
  dataOnly: boolean;
  bundles: CatalogBundle[];
  options: CatalogOption[];
}

export interface CatalogProduct {
  code: string;
  name: Localised;
  description: Localised;
  serviceTypes: CatalogServiceType[];
}

/**
 * The catalog is seeded data, changed only when a process starts with another catalog.json: each step of the
 * add-service flow reads it. So each process keeps the trees it built, with a digest of the rows they were built from,
 * and one small query per read (the same digest, computed by the database) tells whether they still stand; another
 * process's seed, or an edit by hand, is seen at the next read.
 */
const builtTrees = new WeakMap<Db, Map<string, { digest: string; tree: Promise<CatalogProduct[]> }>>();

/** The organisation's contract as a tree, in the catalog's order. Administrators only. */
export async function contractCatalog(db: Db, actor: Actor): Promise<CatalogProduct[]> {
  requireRole(actor, Role.ADMINISTRATOR);
  const [{ digest }] = await db.$queryRaw<[{ digest: string }]>`
    SELECT md5(coalesce(string_agg(row, '|' ORDER BY row), '')) AS digest FROM (
      SELECT p::text AS row FROM "ProductType" AS p
      UNION ALL SELECT s::text FROM "ServiceType" AS s
      UNION ALL SELECT b::text FROM "Bundle" AS b
      UNION ALL SELECT o::text FROM "BundleOption" AS o
      UNION ALL SELECT c::text FROM "ContractProduct" AS c WHERE c."organisationId" = ${actor.organisationId}::uuid
    ) AS catalog`;
  let trees = builtTrees.get(db);
  if (!trees) builtTrees.set(db, (trees = new Map()));
  const built = trees.get(actor.organisationId);
  if (built?.digest === digest) return built.tree;
  // Frozen: every caller shares it.
  const tree = readContractCatalog(db, actor.organisationId).then(deepFreeze);
  trees.set(actor.organisationId, { digest, tree });
  // A failed read is not kept.
  tree.catch(() => trees.delete(actor.organisationId));
  return tree;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

async function readContractCatalog(db: Db, organisationId: string): Promise<CatalogProduct[]> {
  const products = await db.productType.findMany({
    where: { contracts: { some: { organisationId } } },
    orderBy: { sortOrder: 'asc' },
    include: {
      serviceTypes: {
        orderBy: { sortOrder: 'asc' },
        include: { bundles: { orderBy: { sortOrder: 'asc' } }, options: { orderBy: { code: 'asc' } } },
      },
    },
  });
  return products.map(catalogProductOf);
}

type Words = { name: string; translations: unknown };
type Described = Words & { description: string };
type Priced = { code: string; monthlyPriceCents: number };

/** A product as stored (or as in catalog.json), with its names in every language. */
export interface StoredProduct extends Described {
  code: string;
  serviceTypes: Array<
    Described &
      Omit<CatalogServiceType, 'name' | 'description' | 'bundles' | 'options'> & {
        bundles: Array<Words & Priced & { dataGb: number; callMinutes: number | null }>;
        options: Array<Described & Priced>;
      }
  >;
}

export function catalogProductOf(product: StoredProduct): CatalogProduct {
  return {
    code: product.code,
    name: nameOf(product),
    description: descriptionOf(product),
    serviceTypes: product.serviceTypes.map((type) => ({
      code: type.code,
      productTypeCode: type.productTypeCode,
      name: nameOf(type),
      description: descriptionOf(type),
      hasSim: type.hasSim,
      hasMobileNumber: type.hasMobileNumber,
      hasFixedNumber: type.hasFixedNumber,
      dataOnly: type.dataOnly,
      bundles: type.bundles.map((bundle) => ({
        code: bundle.code,
        name: nameOf(bundle),
        dataGb: bundle.dataGb,
        callMinutes: bundle.callMinutes,
        monthlyPriceCents: bundle.monthlyPriceCents,
      })),
      options: type.options.map((option) => ({
        code: option.code,
        name: nameOf(option),
        description: descriptionOf(option),
        monthlyPriceCents: option.monthlyPriceCents,
      })),
    })),
  };
}

/** The names of these product types, by code: for views of services, which keep only codes. */
export async function productNames(db: Db, codes: string[]): Promise<Map<string, Localised>> {
  const rows = await db.productType.findMany({ where: { code: { in: codes } }, select: { code: true, name: true, translations: true } });
  return new Map(rows.map((row) => [row.code, nameOf(row)]));
}

/** Whether each of these service types comes with a SIM card, by code; a code not found is left out. */
export async function simCardByServiceType(db: Db, codes: string[]): Promise<Map<string, boolean>> {
  const rows = await db.serviceType.findMany({ where: { code: { in: codes } }, select: { code: true, hasSim: true } });
  return new Map(rows.map((row) => [row.code, row.hasSim]));
}

export function findProduct(catalog: CatalogProduct[], code: string | undefined): CatalogProduct | undefined {
  return catalog.find((product) => product.code === code);
}

/** A service type of the contract; with `productTypeCode`, only if it belongs to that product. */
export function findServiceType(catalog: CatalogProduct[], code: string | undefined, productTypeCode?: string): CatalogServiceType | undefined {
  return catalog
    .flatMap((product) => product.serviceTypes)
    .find((type) => type.code === code && (productTypeCode === undefined || type.productTypeCode === productTypeCode));
}

/** What a request in words names of the catalog ("a data SIM with the 20 GB bundle"). */
export interface CatalogHint {
  productTypeCode?: string;
  dataOnly?: boolean;
  /** Fixed only, without SIM card (a UC user). */
  fixedOnly?: boolean;
  converged?: boolean;
  dataGb?: number;
  bundleCode?: string;
  /** Options by their English name, which the products that offer them share ("International 100"). */
  optionNames?: string[];
  numberOption?: NumberOption;
}

const plain = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/**
 * Each item under its name in every language, longest first, so that "Dstny SmartMobile" is not taken for
 * "Dstny Mobile": a request may name the catalog in any language.
 */
const byLongestName = <T extends { name: Localised }>(items: T[]) =>
  items
    .flatMap((item) => Object.values(item.name).map((name) => ({ item, name: plain(name) })))
    .sort((a, b) => b.name.length - a.name.length);

/** The number a request asks for: "a new number", "keeping her number" (porting), "his colleague's number" (a move). */
const numberWords: Array<[NumberOption, RegExp]> = [
  [NumberOption.NEW, /\b(?:new (?:mobile )?number|nieuw(?:e)? (?:gsm)?nummer|nouveau numero)\b/],
  [NumberOption.PORT, /\b(?:port(?:ed|ing)?|keep(?:s|ing)? (?:his|her|their|the) (?:own |current |old )?number|(?:eigen|huidige?|oude?) nummer|nummer (?:overzetten|behouden|meenemen)|porter|portabilite|(?:garder|conserver) son numero)\b/],
  [NumberOption.MOVE, /\b(?:move[ds]?|moving|transfer(?:red)?) (?:the |a )?number\b|\bnummer (?:verhuizen|verplaatsen)\b|\b(?:deplacer|transferer) (?:le|un) numero\b/],
];

/** Reads a request's words against the contract's own names; words that name nothing give an empty hint. */
export function catalogHintOf(catalog: CatalogProduct[], text: string): CatalogHint {
  const words = ` ${plain(text).replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
  // A name counts only as whole words: "a mobile line" does not name the "Mobile L" bundle.
  const names = (name: string) => words.includes(` ${name.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `);
  const hint: CatalogHint = {};
  const products = byLongestName(catalog);
  const product = (products.find(({ name }) => names(name)) ?? products.find(({ name }) => names(name.replace(/^dstny /, ''))))?.item;
  if (product) hint.productTypeCode = product.code;
  if (/data[- ]?(sim|kaart|card)|sim[- ](data|de donnees)|mobile internet|data[- ]only|alleen data/.test(words)) hint.dataOnly = true;
  if (/\buc\b|fixed only|vast alleen|fixe uniquement/.test(words)) hint.fixedOnly = true;
  if (/converge|convergent/.test(words)) hint.converged = true;
  // `words` has single spaces between words, so one optional space is all there can be between figure and unit.
  const gb = /(\d{1,4}) ?(gb|go)\b/.exec(words);
  if (gb) hint.dataGb = Number(gb[1]);
  const types = catalog.flatMap((p) => p.serviceTypes);
  const bundle = byLongestName(types.flatMap((type) => type.bundles)).find(({ name }) => names(name))?.item;
  if (bundle) hint.bundleCode = bundle.code;
  const optionNames = byLongestName(types.flatMap((type) => type.options)).filter(({ name }) => names(name)).map(({ item }) => item.name.en);
  if (optionNames.length > 0) hint.optionNames = [...new Set(optionNames)];
  const numberOption = numberWords.find(([, pattern]) => pattern.test(words))?.[0];
  if (numberOption) hint.numberOption = numberOption;
  return hint;
}

/** The options of `type` a hint names (an option's name is the same across products: "International 100"). */
export function hintedOptionCodes(type: CatalogServiceType, hint: CatalogHint | undefined): string[] {
  return type.options.filter((option) => hint?.optionNames?.includes(option.name.en)).map((option) => option.code);
}

export interface HintedChoice {
  productTypeCode?: string;
  serviceTypeCode?: string;
  bundleCode?: string;
}

/**
 * What the hint settles, given what is already chosen: a product, service type or bundle is settled when it is the
 * only one left that fits every word of the request.
 */
export function settledByHint(catalog: CatalogProduct[], hint: CatalogHint, chosen: HintedChoice): HintedChoice {
  const namesType = hint.dataOnly || hint.fixedOnly || hint.converged;
  const namesBundle = hint.dataGb !== undefined || hint.bundleCode !== undefined;
  if (!hint.productTypeCode && !namesType && !namesBundle) return {};
  const fits = catalog
    .filter((product) => product.code === (chosen.productTypeCode ?? hint.productTypeCode ?? product.code))
    .flatMap((product) => product.serviceTypes)
    .filter((type) => type.code === (chosen.serviceTypeCode ?? type.code))
    .filter((type) => !hint.dataOnly || type.dataOnly)
    .filter((type) => !hint.fixedOnly || !type.hasSim)
    .filter((type) => !hint.converged || (type.hasSim && type.hasFixedNumber))
    .flatMap((type) => type.bundles.map((bundle) => ({ type, bundle })))
    .filter(({ bundle }) => hint.dataGb === undefined || bundle.dataGb === hint.dataGb)
    .filter(({ bundle }) => hint.bundleCode === undefined || bundle.code === hint.bundleCode);
  const only = <T>(values: T[]): T | undefined => (new Set(values).size === 1 ? values[0] : undefined);
  const productTypeCode = only(fits.map(({ type }) => type.productTypeCode));
  const serviceTypeCode = namesType || namesBundle ? only(fits.map(({ type }) => type.code)) : undefined;
  const bundleCode = namesBundle ? only(fits.map(({ bundle }) => bundle.code)) : undefined;
  return { productTypeCode, serviceTypeCode, bundleCode };
}
