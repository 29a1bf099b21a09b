import { findPhoneNumbersInText } from 'libphonenumber-js';
import { ICCID_IN_TEXT } from '../../services/simCards/simNumber';
import { wordsOf } from './corpus';

export interface Entities {
  iccid?: string;
  phoneNumber?: string;
  email?: string;
  personName?: string;
  product?: string;
}

/**
 * The longest text read as one request (bot/typedText.ts answers longer typed texts with a sentence instead): what
 * any caller passes is read up to this length, so no text makes the recognisers' work grow past it.
 */
export const MAX_REQUEST_LENGTH = 4000;

// Bounded as addresses are (64 before the @, 253 after), and starting only where a run of address characters starts:
// inside a long word every other start fails at once, so the work is linear with a small factor, not 64 per letter.
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/;
// A bundle's size has at most four digits: bounded, a long number is not read to its end and back for nothing.
const PRODUCT = /\b(?:\d{1,4}\s?GB|data[ -]?sim|smart\s?mobile|fmc|mobile internet|converged|geconvergeerd|convergente?)\b/i;

/**
 * Words that never name a person even when the training phrasings lack them: courtesy, articles, and the words a
 * request uses for what it orders (bundles, options, numbers), so that "Marie with the 20 GB bundle" names Marie.
 */
const NOT_A_NAME = new Set([
  'please', 'pls', 'plz', 'aub', 'svp', 'graag', 'merci', 'thanks', 'thx', 'bedankt', 'dank', 'ok', 'oke', 'okay',
  'the', 'de', 'het', 'een', 'le', 'la', 'les', 'un', 'une', 'du', 'des', 'for', 'voor', 'pour', 'with', 'met', 'avec',
  'gb', 'go', 'mb', 'mo', 'bundle', 'bundel', 'forfait', 'plan', 'abonnement', 'subscription', 'option', 'options',
  'optie', 'opties', 'sim', 'simkaart', 'simcard', 'esim', 'carte', 'card', 'kaart', 'line', 'lijn', 'ligne', 'number',
  'nummer', 'numero', 'numéro', 'gsm', 'data', 'mobile', 'mobiel', 'mobiele', 'smartmobile', 'smart', 'converged',
  'convergente', 'convergent', 'geconvergeerde', 'internet', 'roaming', 'international', 'internationaal', 'uc',
]);

export interface ExtractedEntities {
  entities: Entities;
  /** The text with the numbers and addresses taken out, for the intent model. */
  rest: string;
}

/**
 * Finds what a person pasted: a SIM card number, an email address, a Belgian phone number, a product word, and the
 * words the model does not know, which may name a person of the writer's organisation (looked up later, by whoever
 * may see that organisation's people).
 */
export function extractEntities(text: string, isKnownWord: (word: string) => boolean): ExtractedEntities {
  const entities: Entities = {};
  // libphonenumber's search and the classifier are linear but slow per character: a megabyte would take seconds.
  let rest = text.slice(0, MAX_REQUEST_LENGTH);

  const email = EMAIL.exec(rest);
  if (email) {
    entities.email = email[0].toLowerCase();
    rest = rest.replace(email[0], ' ');
  }
  const iccid = ICCID_IN_TEXT.exec(rest);
  if (iccid) {
    entities.iccid = iccid[0].replace(/\D/g, '');
    rest = rest.replace(iccid[0], ' ');
  }
  const phone = findPhoneNumbersInText(rest, 'BE')[0];
  if (phone) {
    entities.phoneNumber = rest.slice(phone.startsAt, phone.endsAt);
    rest = rest.slice(0, phone.startsAt) + ' ' + rest.slice(phone.endsAt);
  }
  const product = PRODUCT.exec(rest);
  if (product) entities.product = product[0];

  const unknown = wordsOf(rest).filter((word) => /^\p{L}{2,40}$/u.test(word) && !isKnownWord(word) && !NOT_A_NAME.has(word));
  if (unknown.length > 0) entities.personName = unknown.join(' ');
  return { entities, rest: rest.replace(/\s+/g, ' ').trim() };
}

/** True when the text is nothing but a pasted number or address: no words around it. */
export function isBareEntity(rest: string): boolean {
  return wordsOf(rest).length === 0;
}
