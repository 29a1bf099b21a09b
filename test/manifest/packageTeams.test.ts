import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { main, manifestDir, officialValidator } from '../../scripts/packageTeams';

const APP_ID = '3f2b8c4e-91d7-4a6b-b5e0-7c1d9a2f6e48';

/** Every entry of a zip file, by name. */
async function unzip(file: string): Promise<Map<string, Buffer>> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (error, opened) => (error ? reject(error) : resolve(opened))),
  );
  const entries = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      zip.openReadStream(entry, (error, stream) => {
        if (error) return reject(error);
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          entries.set(entry.fileName, Buffer.concat(chunks));
          zip.readEntry();
        });
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return entries;
}

/** Runs the `npm run package:teams` entry point, catching what it prints. */
async function packageTeams(env: NodeJS.ProcessEnv, output: string) {
  const log: string[] = [];
  const error: string[] = [];
  const code = await main(env, output, { log: (line: string) => log.push(line), error: (line: string) => error.push(line) });
  return { code, log, error };
}

describe('npm run package:teams', () => {
  let dir: string;
  let output: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'teams-package-'));
    output = path.join(dir, 'appPackage.zip');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('builds appPackage.zip with the bot app id and the public host filled in', async () => {
    const run = await packageTeams({ MicrosoftAppId: APP_ID, PUBLIC_URL: 'https://sim.dstny.example/' }, output);

    expect(run).toMatchObject({ code: 0, error: [] });
    expect(run.log).toHaveLength(1);
    expect(run.log[0]).toContain(`written for bot ${APP_ID} on sim.dstny.example`);
    const entries = await unzip(output);
    expect([...entries.keys()].sort()).toEqual(['color.png', 'fr.json', 'manifest.json', 'nl.json', 'outline.png']);

    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
    expect(manifest.bots[0].botId).toBe(APP_ID);
    expect(manifest.validDomains).toEqual(['sim.dstny.example']);
    expect(officialValidator(manifest.manifestVersion, 'MicrosoftTeams.schema.json')(manifest)).toEqual([]);
    for (const file of ['color.png', 'outline.png', 'nl.json', 'fr.json']) {
      expect(entries.get(file)!.equals(fs.readFileSync(path.join(manifestDir, file)))).toBe(true);
    }
    expect(fs.readdirSync(dir)).toEqual(['appPackage.zip']);
  });

  it.each([
    [{}, 'MicrosoftAppId: required: the Microsoft App ID of the Azure Bot registration'],
    [{ MicrosoftAppId: '  ', PUBLIC_URL: 'https://sim.dstny.example' }, 'MicrosoftAppId: required: the Microsoft App ID of the Azure Bot registration'],
    [
      { MicrosoftAppId: 'sim-bot', PUBLIC_URL: 'https://sim.dstny.example' },
      'MicrosoftAppId: must be the Microsoft App ID of the Azure Bot registration, a GUID (got "sim-bot")',
    ],
    [
      { MicrosoftAppId: '00000000-0000-0000-0000-000000000000', PUBLIC_URL: 'https://sim.dstny.example' },
      'MicrosoftAppId: is the placeholder of manifest.json, not the App ID of a bot registration (got "00000000-0000-0000-0000-000000000000")',
    ],
    [{ MicrosoftAppId: APP_ID }, 'PUBLIC_URL: required: https://<host> where Teams reaches the bot'],
    [
      { MicrosoftAppId: APP_ID, PUBLIC_URL: 'http://sim.dstny.example' },
      'PUBLIC_URL: must be an https:// URL such as https://bot.example.com (got "http://sim.dstny.example")',
    ],
  ])('refuses %j with one line naming what is missing or wrong, and writes nothing', async (env, line) => {
    const run = await packageTeams(env, output);

    expect(run).toEqual({ code: 1, log: [], error: [line] });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('leaves an earlier package as it was when it refuses', async () => {
    fs.writeFileSync(output, 'the package of yesterday');

    const run = await packageTeams({ MicrosoftAppId: APP_ID, PUBLIC_URL: 'http://sim.dstny.example' }, output);

    expect(run.code).toBe(1);
    expect(fs.readFileSync(output, 'utf8')).toBe('the package of yesterday');
  });
});
