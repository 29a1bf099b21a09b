import fs from 'node:fs';
import path from 'node:path';
import { catalogueOf, languages, stringsDir, t, textOfKey } from '../../cards/strings';

const root = path.join(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'strings' || entry.name === 'generated' ? [] : sourceFiles(full);
    return /\.(ts|json|html|js)$/.test(entry.name) ? [full] : [];
  });
}

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('string catalogues', () => {
  const english = catalogueOf('en');

  it.each(languages.filter((l) => l !== 'en'))('%s has exactly the English keys, with the same placeholders', (language) => {
    const catalogue = catalogueOf(language);
    expect([...catalogue.keys()].sort()).toEqual([...english.keys()].sort());
    for (const [key, text] of english) expect([key, placeholders(catalogue.get(key)!)]).toEqual([key, placeholders(text)]);
  });

  it('keeps every area file in every language', () => {
    const files = (language: string) => fs.readdirSync(path.join(stringsDir, language)).sort();
    for (const language of languages) expect(files(language)).toEqual(files('en'));
  });

  it('has no key that no code or card uses (written out in full, or as a template over a typed name)', () => {
    const code = ['bot', 'dialogs', 'cards', 'services'].flatMap((dir) => sourceFiles(path.join(root, dir)));
    const text = code.map((file) => fs.readFileSync(file, 'utf8')).join('\n');
    // `messages.intent.${intent}`: the compiler checks that every key the template can make exists.
    const templates = [...text.matchAll(/`([a-zA-Z.]+\.)\$\{/g)].map((match) => match[1]!);
    const unused = [...english.keys()].filter(
      (key) => !text.includes(`'${key}'`) && !text.includes(`"${key}"`) && !templates.some((prefix) => key.startsWith(prefix)),
    );
    expect(unused).toEqual([]);
  });

  it('types its keys from every English area file, so that a misspelt key does not compile', () => {
    const typed = [...fs.readFileSync(path.join(root, 'cards', 'strings.ts'), 'utf8').matchAll(/import\('\.\/strings\/en\/([\w.]+\.json)'\)/g)].map((match) => match[1]);
    expect(typed.sort()).toEqual(fs.readdirSync(path.join(stringsDir, 'en')).filter((name) => name.endsWith('.json')).sort());
  });

  it('has no empty text', () => {
    for (const language of languages) {
      for (const [key, value] of catalogueOf(language)) expect([key, value.trim().length > 0]).toEqual([key, true]);
    }
  });

  it('fills placeholders and refuses an unknown key', () => {
    expect(t('en', 'welcome.greeting', { name: 'Ann' })).toBe('Hello Ann');
    expect(() => textOfKey('en', 'no.such.key')).toThrow('unknown string key');
  });
});
