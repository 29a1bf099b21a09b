import { Role } from '../prisma/generated/enums';
import type { Db } from './db/database';
import { requireRole, type Actor } from './people';

/**
 * What an administrator may order: the product types of their organisation's contract, each with its service types,
 * bundles and options, as seeded from prisma/seed-data/catalog.json. The catalog is data; nothing here names a
 * product.
 */

export interface CatalogBundle {
  code: string;
  name: string;
  dataGb: number;
  callMinutes: number | null;
  monthlyPriceCents: number;
}

export interface CatalogOption {
  code: string;
  name: string;
  description: string;
  monthlyPriceCents: number;
}

export interface CatalogServiceType {
  code: string;
  productTypeCode: string;
  name: string;
  description: string;
  hasSim: boolean;
  hasMobileNumber: boolean;
  hasFixedNumber: boolean;
  dataOnly: boolean;
  bundles: CatalogBundle[];
  options: CatalogOption[];
}

export interface CatalogProduct {
  code: string;
  name: string;
  description: string;
  serviceTypes: CatalogServiceType[];
}

/** The organisation's contract as a tree, in the catalog's order. Administrators only. */
export async function contractCatalog(db: Db, actor: Actor): Promise<CatalogProduct[]> {
  requireRole(actor, Role.ADMINISTRATOR);
  const products = await db.productType.findMany({
    where: { contracts: { some: { organisationId: actor.organisationId } } },
    orderBy: { sortOrder: 'asc' },
    include: {
      serviceTypes: {
        orderBy: { sortOrder: 'asc' },
        include: { bundles: { orderBy: { sortOrder: 'asc' } }, options: { orderBy: { code: 'asc' } } },
      },
    },
  });
  return products.map((product) => ({
    code: product.code,
    name: product.name,
    description: product.description,
    serviceTypes: product.serviceTypes.map(({ sortOrder: _order, bundles, options, ...type }) => ({
      ...type,
      bundles: bundles.map(({ code, name, dataGb, callMinutes, monthlyPriceCents }) => ({ code, name, dataGb, callMinutes, monthlyPriceCents })),
      options: options.map(({ code, name, description, monthlyPriceCents }) => ({ code, name, description, monthlyPriceCents })),
    })),
  }));
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
}

const plain = (text: string) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

/** Reads a request's words against the contract's own names; words that name nothing give an empty hint. */
export function catalogHintOf(catalog: CatalogProduct[], text: string): CatalogHint {
  const words = plain(text);
  const hint: CatalogHint = {};
  // Longest names first, so that "Dstny SmartMobile" is not taken for "Dstny Mobile".
  const products = [...catalog].sort((a, b) => b.name.length - a.name.length);
  const product = products.find((candidate) => words.includes(plain(candidate.name)))
    ?? products.find((candidate) => words.includes(plain(candidate.name).replace(/^dstny /, '')));
  if (product) hint.productTypeCode = product.code;
  if (/data[- ]?(sim|kaart|card)|sim[- ](data|de donnees)|mobile internet|data[- ]only|alleen data/.test(words)) hint.dataOnly = true;
  if (/\buc\b|fixed only|vast alleen|fixe uniquement/.test(words)) hint.fixedOnly = true;
  if (/converge|convergent/.test(words)) hint.converged = true;
  const gb = /(\d{1,4})\s*(gb|go)\b/.exec(words);
  if (gb) hint.dataGb = Number(gb[1]);
  const bundle = catalog
    .flatMap((p) => p.serviceTypes.flatMap((type) => type.bundles))
    .sort((a, b) => b.name.length - a.name.length)
    .find((candidate) => words.includes(plain(candidate.name)));
  if (bundle) hint.bundleCode = bundle.code;
  return hint;
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
