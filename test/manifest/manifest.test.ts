import { decide, intentModel } from '../../dialogs/understanding/model';
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { manifestDir, officialValidator, readJson, readManifest } from '../../scripts/packageTeams';

const manifest = readManifest();
const raw = readJson('manifest.json') as {
  name: Record<string, string>;
  description: { short: string; full: string; features: { title: string; description: string }[] };
  bots: { scopes: string[]; supportsFiles: boolean; commandLists: { scopes: string[]; commands: { title: string; description: string }[] }[] }[];
  localizationInfo: { defaultLanguageTag: string; additionalLanguages: { languageTag: string; file: string }[] };
};
const languages = raw.localizationInfo.additionalLanguages;
const schemaDir = path.dirname(
  require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`),
);
const manifestSchema = JSON.parse(fs.readFileSync(path.join(schemaDir, 'MicrosoftTeams.schema.json'), 'utf8'));

/** The strings Teams shows, under the keys a language file translates them with. */
function localizableStrings(): Record<string, string> {
  const strings: Record<string, string> = {
    'name.short': raw.name.short!,
    'name.full': raw.name.full!,
    'description.short': raw.description.short,
    'description.full': raw.description.full,
  };
  raw.description.features.forEach((feature, i) => {
    strings[`description.features[${i}].title`] = feature.title;
    strings[`description.features[${i}].description`] = feature.description;
  });
  raw.bots[0]!.commandLists.forEach((list, l) =>
    list.commands.forEach((command, c) => {
      strings[`bots[0].commandLists[${l}].commands[${c}].title`] = command.title;
      strings[`bots[0].commandLists[${l}].commands[${c}].description`] = command.description;
    }),
  );
  return strings;
}

function readIcon(file: string): PNG {
  return PNG.sync.read(fs.readFileSync(path.join(manifestDir, file)));
}

describe('Teams app manifest', () => {
  it('uses the newest generally available manifest version that @microsoft/app-manifest ships', () => {
    const versions = fs
      .readdirSync(path.dirname(schemaDir))
      .filter((folder) => /^v1\.\d+$/.test(folder)) // vDevPreview is the only preview
      .map((folder) => Number(folder.slice('v1.'.length)));
    expect(manifest.manifestVersion).toBe(`1.${Math.max(...versions)}`);
    expect(manifest.$schema).toBe(
      `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`,
    );
  });

  it('is valid against the official schema of its manifest version', () => {
    expect(officialValidator(manifest.manifestVersion, 'MicrosoftTeams.schema.json')(manifest)).toEqual([]);
  });

  it('offers the bot in personal chats only, taking files for bulk import', () => {
    const bot = raw.bots[0]!;
    // Administrators see employees' numbers and SIM cards: a team channel would show them to everyone in it.
    expect(bot.scopes).toEqual(['personal']);
    expect(bot.supportsFiles).toBe(true);
  });

  it("lists every role's main commands within the schema's limits", () => {
    const commandLists = manifestSchema.properties.bots.items.properties.commandLists;
    const commandSchema = commandLists.items.properties.commands;
    const lists = raw.bots[0]!.commandLists;
    expect(lists.length).toBeLessThanOrEqual(commandLists.maxItems);
    expect(lists.map((list) => list.scopes)).toEqual([['personal']]);
    const commands = lists[0]!.commands;
    expect(commands.length).toBeLessThanOrEqual(commandSchema.maxItems);
    expect(commands.map((command) => command.title)).toEqual([
      'Add a service',
      'What is waiting?',
      'Porting issues',
      'Overview',
      'Activate my SIM',
      'Status of my service',
      'Look up a user',
      'Help',
    ]);
    for (const command of commands) {
      expect(command.title.length).toBeLessThanOrEqual(commandSchema.items.properties.title.maxLength);
      expect(command.description.length).toBeLessThanOrEqual(commandSchema.items.properties.description.maxLength);
    }
  });

  it('every command, as Teams sends its title in each language, is understood as what it names, in that language', async () => {
    const intents = ['addService', 'waitingServices', 'portingIssues', 'overview', 'activateSim', 'serviceStatus', 'lookUpUser', 'help'];
    const model = await intentModel();
    const titles: Array<[string, string[]]> = [
      ['en', raw.bots[0]!.commandLists[0]!.commands.map((command) => command.title)],
      ...languages.map(({ languageTag, file }): [string, string[]] => {
        const translation = readJson(file) as Record<string, string>;
        return [languageTag, intents.map((_, c) => translation[`bots[0].commandLists[0].commands[${c}].title`]!)];
      }),
    ];
    for (const [language, commands] of titles) {
      for (const [c, title] of commands.entries()) {
        const understanding = await model.understand(title, language as 'en' | 'nl' | 'fr');
        expect({ title, language: understanding.language, decision: decide(understanding) }).toEqual({
          title,
          language,
          decision: expect.objectContaining({ kind: 'intent', intent: intents[c] }),
        });
      }
    }
  });

  it('is in English by default, with Dutch and French language files', () => {
    expect(raw.localizationInfo.defaultLanguageTag).toBe('en');
    expect(languages).toEqual([
      { languageTag: 'nl', file: 'nl.json' },
      { languageTag: 'fr', file: 'fr.json' },
    ]);
  });

  describe.each(['nl.json', 'fr.json'])('language file %s', (file) => {
    const translation = readJson(file) as Record<string, string>;

    it('is valid against the official localisation schema', () => {
      expect(officialValidator(manifest.manifestVersion, 'MicrosoftTeams.Localization.schema.json')(translation)).toEqual([]);
    });

    it('translates every name, description and command, and nothing the manifest does not have', () => {
      const english = localizableStrings();
      const { $schema, ...translated } = translation;
      expect($schema).toBe(
        `https://developer.microsoft.com/json-schemas/teams/v${manifest.manifestVersion}/MicrosoftTeams.Localization.schema.json`,
      );
      expect(Object.keys(translated).sort()).toEqual(Object.keys(english).sort());
      // "Overview" and "Help" differ from English too; only names of things stay.
      const untranslated = Object.keys(english).filter((key) => translated[key] === english[key]);
      expect(untranslated).toEqual([]);
    });

    it("keeps every command title within the localisation schema's limit", () => {
      const localisationSchema = JSON.parse(fs.readFileSync(path.join(schemaDir, 'MicrosoftTeams.Localization.schema.json'), 'utf8'));
      const limits = Object.entries(localisationSchema.patternProperties as Record<string, { maxLength: number }>);
      const titles = Object.entries(translation).filter(([key]) => key.endsWith('.title') && key.startsWith('bots['));
      expect(titles).toHaveLength(raw.bots[0]!.commandLists[0]!.commands.length);
      for (const [key, title] of titles) {
        const limit = limits.find(([pattern]) => new RegExp(pattern).test(key));
        expect(limit).toBeDefined();
        expect(title.length).toBeLessThanOrEqual(limit![1].maxLength);
      }
    });
  });

  it('ships a 192×192 colour icon', () => {
    const color = readIcon(manifest.icons.color);
    expect([color.width, color.height]).toEqual([192, 192]);
  });

  it('ships a 32×32 outline icon, white on transparent', () => {
    const outline = readIcon(manifest.icons.outline);
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let drawn = 0;
    const notWhite: number[] = [];
    for (let i = 0; i < outline.data.length; i += 4) {
      if (outline.data[i + 3] === 0) continue;
      drawn++;
      if (outline.data[i] !== 255 || outline.data[i + 1] !== 255 || outline.data[i + 2] !== 255) notWhite.push(i / 4);
    }
    expect(notWhite).toEqual([]);
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(32 * 32 - 4 * 32); // a transparent border at least, Teams draws the outline on its own colour
  });
});
