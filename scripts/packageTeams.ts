import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { ZipFile } from 'yazl';
import { z } from 'zod';
import { projectRoot } from '../services/platform/projectRoot';

export const manifestDir = path.join(projectRoot(), 'manifest');
const defaultPackagePath = path.join(projectRoot(), 'appPackage.zip');

/** Why no package was written: one line for the person running `npm run package:teams`. */
class PackageRefused extends Error {}

const PLACEHOLDER_APP_ID = '00000000-0000-0000-0000-000000000000';

/** Unset and empty variables are both "missing": shells and .env files leave empty strings behind. */
const required = (what: string) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), z.string({ error: `required: ${what}` }).trim());

const environmentSchema = z.object({
  MicrosoftAppId: required('the Microsoft App ID of the Azure Bot registration')
    .pipe(z.guid({ error: 'must be the Microsoft App ID of the Azure Bot registration, a GUID' }))
    .refine((id) => id !== PLACEHOLDER_APP_ID, 'is the placeholder of manifest.json, not the App ID of a bot registration'),
  PUBLIC_URL: required('https://<host> where Teams reaches the bot').pipe(
    // Teams calls bots and opens their pages over HTTPS only.
    z.url({ protocol: /^https$/, error: 'must be an https:// URL such as https://bot.example.com' }),
  ),
});

/** The error of the first wrong variable, in the `NAME: problem (got "value")` shape the bot's own config uses. */
function packagingTarget(env: NodeJS.ProcessEnv): { appId: string; host: string } {
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const value = env[name]?.trim();
    throw new PackageRefused(`${name}: ${issue.message}${value ? ` (got ${JSON.stringify(value)})` : ''}`);
  }
  return { appId: parsed.data.MicrosoftAppId, host: new URL(parsed.data.PUBLIC_URL).hostname };
}

type SchemaFile = 'MicrosoftTeams.schema.json' | 'MicrosoftTeams.Localization.schema.json';

/** Validates against a JSON schema shipped by @microsoft/app-manifest, offline; returns the problems found. */
export function officialValidator(manifestVersion: string, file: SchemaFile): (data: unknown) => string[] {
  const schemaPath = require.resolve(`@microsoft/app-manifest/build/json-schemas/teams/v${manifestVersion}/${file}`);
  // Without the u flag: the localisation schema's patterns are plain ECMA-262 regexes that unicode mode rejects.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`));
}

/** The parts of manifest.json this script reads; loose, so that everything else passes through to the package as written. */
const manifestShape = z.looseObject({
  manifestVersion: z.string(),
  icons: z.looseObject({ color: z.string(), outline: z.string() }),
  bots: z.tuple([z.looseObject({ botId: z.string() })]),
  localizationInfo: z.looseObject({ additionalLanguages: z.array(z.looseObject({ file: z.string() })).optional() }).optional(),
});
export type AppManifest = z.infer<typeof manifestShape>;

export function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(path.join(manifestDir, file), 'utf8'));
}

export function readManifest(): AppManifest {
  return manifestShape.parse(readJson('manifest.json'));
}

/** The files besides manifest.json that the manifest names: icons, then language files. */
function packagedFiles(manifest: AppManifest): string[] {
  const languages = manifest.localizationInfo?.additionalLanguages?.map((language) => language.file) ?? [];
  return [manifest.icons.color, manifest.icons.outline, ...languages];
}

function refuseInvalid(file: string, problems: string[]): void {
  if (problems.length > 0) throw new PackageRefused(`${file} is not valid against the official schema: ${problems.join('; ')}`);
}

/**
 * Builds the Teams app package: manifest.json with the bot's app id and host filled in, its icons and language files,
 * each checked against the official schema first. Writes nothing when anything is missing or wrong.
 */
async function packageTeams(env: NodeJS.ProcessEnv, output = defaultPackagePath) {
  const { appId, host } = packagingTarget(env);
  const manifest = readManifest();
  const filled: AppManifest = { ...manifest, bots: [{ ...manifest.bots[0], botId: appId }], validDomains: [host] };
  refuseInvalid('manifest.json', officialValidator(manifest.manifestVersion, 'MicrosoftTeams.schema.json')(filled));

  const files = packagedFiles(manifest);
  const validateLanguage = officialValidator(manifest.manifestVersion, 'MicrosoftTeams.Localization.schema.json');
  for (const file of files) {
    if (!fs.existsSync(path.join(manifestDir, file))) throw new PackageRefused(`manifest/${file}: missing, manifest.json names it`);
    if (file.endsWith('.json')) refuseInvalid(file, validateLanguage(readJson(file)));
  }

  const zip = new ZipFile();
  zip.addBuffer(Buffer.from(`${JSON.stringify(filled, null, 2)}\n`), 'manifest.json');
  for (const file of files) zip.addFile(path.join(manifestDir, file), file);
  zip.end();
  // Written beside the target and renamed, so that a failed write never leaves a partial package behind.
  const partial = `${output}.partial`;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.outputStream.on('error', reject).pipe(fs.createWriteStream(partial)).on('error', reject).on('finish', resolve);
    });
    fs.renameSync(partial, output);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return { file: output, appId, host };
}

/** `npm run package:teams`: one line saying what was written, or why not; exit code 1 when refused. */
export async function main(env: NodeJS.ProcessEnv, output = defaultPackagePath, print: Pick<Console, 'log' | 'error'> = console): Promise<number> {
  try {
    const result = await packageTeams(env, output);
    print.log(
      `${path.relative(process.cwd(), result.file)} written for bot ${result.appId} on ${result.host}: ` +
        'upload it in the Teams admin centre (Teams apps > Manage apps > Upload new app) or sideload it in Teams',
    );
    return 0;
  } catch (error) {
    print.error(error instanceof PackageRefused ? error.message : `Could not write the app package: ${(error as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.env).then((code) => {
    process.exitCode = code;
  });
}
