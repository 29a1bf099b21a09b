import fs from 'node:fs';
import path from 'node:path';
import { catalogueOf, languages, type Language } from '../../cards/strings';
import { emailComposer } from '../../dialogs/emails';
import { notificationEmail, notificationMessage } from '../../dialogs/notifications';
import { refusalSentence } from '../../dialogs/portingIssues';
import type { ActivationTask } from '../../services/notifications/activationEmail';
import { notificationAudiences, notificationKinds } from '../../services/notifications/notificationOutbox';

/**
 * One voice: in Dutch the chat, the cards, the emails, the pages and the articles all say "je", and call number
 * porting "overdracht"; in French they all say "vous", and call it "transfert". Pages hold no words of their own
 * (bot/http/pages are filled from the catalogue), so the catalogue speaks for them.
 */

const root = path.join(__dirname, '..', '..');

// A whole word, accents and apostrophes counted as part of words, placeholders left out ("{user}" is no "u").
const word = (words: string) => new RegExp(`(?<![\\p{L}\\p{N}'’{-])(?:${words})(?![\\p{L}\\p{N}'’}-])`, 'iu');

const otherRegister: Partial<Record<Language, RegExp>> = { nl: word('u|uw|uzelf|ubent'), fr: word('tu|toi|ton|ta|tes') };
const otherPortingWord: Partial<Record<Language, RegExp>> = { nl: /overzet/i, fr: word('portage|portabilité|porté') };

function articles(language: Language): Array<[string, string]> {
  const dir = path.join(root, 'dialogs', 'knowledge', language);
  return fs.readdirSync(dir).filter((name) => name.endsWith('.md')).map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')]);
}

const tasks: ActivationTask[] = ['enterSimNumber', 'startWithSim', 'startWithoutSim'];

function activationEmails(language: Language): Array<[string, string]> {
  return tasks.map((task) => {
    const email = emailComposer.activation({
      language, task, name: 'Jan Peeters', administrator: 'Ann Admin', organisation: 'Demo Company NV', product: 'Dstny Mobile',
      link: 'https://bot.example/activate/abc', expiresAt: new Date('2026-03-20T10:00:00Z'),
    });
    return [`activation email (${task})`, `${email.subject}\n${email.text}`];
  });
}

const facts = {
  service: { user: 'Jan Peeters', service: 'Mobiel', organisation: 'Demo Company NV', fixedNumber: '02 588 30 00', simEnding: '1234', failureReason: '—' },
  porting: { number: '0470 12 34 56', operator: 'Proximus', scheduledAt: new Date('2026-03-10T07:00:00Z'), windowEndsAt: new Date('2026-03-10T09:00:00Z'), refusalCode: 'WRONG_CUSTOMER_NUMBER' as const },
  takeover: { number: '0470 99 88 77', newUser: 'Els Maes' },
  escalation: { requester: 'Sam Support', user: 'Jan Peeters', forThemselves: false, topic: 'calls' as const, tried: [] },
  unreachable: 'Marie Dubois',
};

function notificationEmails(language: Language): Array<[string, string]> {
  return notificationKinds.flatMap((kind) =>
    notificationAudiences[kind].flatMap((audience) => {
      const message = notificationMessage({ kind, audience, language, ...facts });
      if (!message) return [];
      const email = notificationEmail({ kind, audience, language, ...facts }, message);
      return [[`${kind} email to the ${audience}`, [email.subject, ...email.paragraphs].join('\n')] as [string, string]];
    }),
  );
}

/** Everything a person reads in `language`, each with where it comes from. */
function everythingIn(language: Language): Array<[string, string]> {
  return [...catalogueOf(language), ...articles(language), ...activationEmails(language), ...notificationEmails(language)];
}

describe.each(['nl', 'fr'] as const)('in %s', (language) => {
  const texts = everythingIn(language);

  test('the catalogue, the articles and the emails are all there to check', () => {
    expect(texts.length).toBeGreaterThan(catalogueOf(language).size + 10);
  });

  test('one register everywhere', () => {
    expect(texts.filter(([, text]) => otherRegister[language]!.test(text)).map(([where, text]) => `${where}: ${text}`)).toEqual([]);
  });

  test('one word for number porting everywhere', () => {
    expect(texts.filter(([, text]) => otherPortingWord[language]!.test(text)).map(([where, text]) => `${where}: ${text}`)).toEqual([]);
  });
});

describe('the checks themselves', () => {
  test('find the other register and leave words that merely contain its letters alone', () => {
    expect(otherRegister.nl!.test('Kunt u dit nakijken?')).toBe(true);
    expect(otherRegister.nl!.test('Uw aanvraag')).toBe(true);
    expect(otherRegister.nl!.test('Je hoort het van {user} zodra het klaar is, uur per uur.')).toBe(false);
    expect(otherRegister.fr!.test('As-tu ta carte ?')).toBe(true);
    expect(otherRegister.fr!.test('Votre carte est prête : testez-la.')).toBe(false);
  });

  test('pages hold no words of their own: everything they show comes from the catalogue', () => {
    const dir = path.join(root, 'bot', 'http', 'pages');
    for (const page of fs.readdirSync(dir).filter((name) => name.endsWith('.html'))) {
      const words = fs.readFileSync(path.join(dir, page), 'utf8').replace(/<[^>]*>/g, ' ').replace(/\{\{[^}]*\}\}/g, ' ');
      expect([page, words.replace(/[\s–]+/g, '')]).toEqual([page, '']);
    }
  });
});

describe("a donor's refusal in the reader's language", () => {
  test.each(languages)('in %s, a code is worded, and a real operator\'s own text is quoted with a lead-in', (language) => {
    const worded = refusalSentence(language, { code: 'VAT_MISMATCH', reason: 'BTW klopt niet' }, 'Proximus');
    expect(worded).toBe(catalogueOf(language).get('porting.refusal.VAT_MISMATCH')!.replace('{operator}', 'Proximus'));
    const quoted = refusalSentence(language, { code: null, reason: ' Customer number does not match. ' }, 'Proximus');
    expect(quoted).toMatch(/^Proximus .+[“«] ?Customer number does not match\. ?[”»]$/);
    expect(refusalSentence(language, { code: null, reason: null }, 'Proximus')).toMatch(/^Proximus /);
  });
});
