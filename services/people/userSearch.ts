import { z } from 'zod';
import { Role } from '../../prisma/generated/enums';
import type { Db } from '../platform/db/database';
import { requireRole, type Actor } from './people';

/**
 * Finding the person a service is for, the way administrators type it: "jan", "Peeters", "Dubois M", "hélène",
 * "marie.dubois@demo.example". Only ever among the administrator's own organisation.
 */

export const searchQuerySchema = z.string().trim().min(1).max(200);

export interface PersonMatch {
  id: string;
  displayName: string;
  email: string;
}

/** How well a person fits: an exact address, every word whole, every word a beginning, or somewhere in the address. */
enum Fit {
  None = 0,
  InAddress = 1,
  Prefix = 2,
  Word = 3,
  Email = 4,
}

/** Lower case without accents, so that "Hélène" and "helene" are one. */
export function plainText(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
}

function fitOf(person: PersonMatch, query: string): Fit {
  const email = person.email.toLowerCase();
  if (query === email) return Fit.Email;
  const [local = ''] = email.split('@');
  const words = [...plainText(person.displayName).split(/[\s'-]+/), ...local.split(/[._-]+/)].filter(Boolean);
  let fit = Fit.Word;
  for (const token of query.split(/[\s,]+/).filter(Boolean)) {
    const tokenFit = words.includes(token)
      ? Fit.Word
      : words.some((word) => word.startsWith(token))
        ? Fit.Prefix
        : token.length >= 3 && email.includes(token)
          ? Fit.InAddress
          : Fit.None;
    fit = Math.min(fit, tokenFit);
    if (fit === Fit.None) return Fit.None;
  }
  return fit;
}

/**
 * The people of the administrator's organisation that fit the query best: "jan" finds Jan Peeters, not Pieter
 * Janssens, because a whole word beats a beginning; "jans" finds Pieter Janssens. At most `limit`, by name.
 */
export async function findPeople(db: Db, actor: Actor, query: string, options: { limit?: number } = {}): Promise<PersonMatch[]> {
  requireRole(actor, Role.ADMINISTRATOR);
  const wanted = plainText(searchQuerySchema.parse(query));
  // An organisation has hundreds of people, not millions: matching accents and word starts here beats a SQL
  // extension (unaccent) that the embedded database may not have.
  const people = await db.person.findMany({
    // A removed person is kept for the history only: never offered again.
    where: { organisationId: actor.organisationId, removedAt: null },
    select: { id: true, displayName: true, email: true },
    orderBy: { displayName: 'asc' },
  });
  const fitted = people.map((person) => ({ person, fit: fitOf(person, wanted) })).filter(({ fit }) => fit !== Fit.None);
  const best = Math.max(Fit.None, ...fitted.map(({ fit }) => fit));
  return fitted
    .filter(({ fit }) => fit === best)
    .slice(0, options.limit ?? 8)
    .map(({ person }) => person);
}

/**
 * The people most of whose name the words name: "Jan" finds Jan Peeters, "marie dubois" Marie Dubois, an address its
 * owner. A word
 * that names no one (a typo, a word of the request around the name) does not spoil the others.
 */
export function mostNamed<P extends PersonMatch>(people: P[], words: string): P[] {
  const wanted = plainText(words).split(/\s+/).filter((word) => word.length >= 2);
  const scored = people.map((person) => {
    const email = person.email.toLowerCase();
    const own = [email, ...plainText(person.displayName).split(/[\s'-]+/), ...plainText(email.split('@')[0] ?? '').split(/[._-]+/)];
    return { person, hits: wanted.filter((word) => own.includes(word)).length };
  });
  const best = Math.max(0, ...scored.map((entry) => entry.hits));
  return best === 0 ? [] : scored.filter((entry) => entry.hits === best).map((entry) => entry.person);
}

/** The people of the administrator's organisation a typed request names among its other words ("a data SIM for Marie"). */
export async function findPeopleNamedIn(db: Db, actor: Actor, words: string, options: { limit?: number } = {}): Promise<PersonMatch[]> {
  requireRole(actor, Role.ADMINISTRATOR);
  const people = await db.person.findMany({
    // A removed person is kept for the history only: never offered again.
    where: { organisationId: actor.organisationId, removedAt: null },
    select: { id: true, displayName: true, email: true },
    orderBy: { displayName: 'asc' },
  });
  return mostNamed(people, words).slice(0, options.limit ?? 8);
}
