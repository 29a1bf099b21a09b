import fs from 'node:fs';
import { z } from 'zod';
import { iccidsFromCsv, OrganisationProblem } from '../services/organisations/input';
import { deactivateOrganisation, inspectOrganisation, listOrganisations, putOrganisation, reactivateOrganisation } from '../services/organisations/organisations';
import { addEsimProfiles, addNumbers, addSimCards } from '../services/organisations/stock';
import { openDatabase, type Db } from '../services/platform/db/database';
import { seedCatalog } from '../prisma/seed';
import { DataDirLockedError } from '../services/platform/db/dataDirLock';
import { ConfigError, checkedEnvironment, databaseLocationOf, databaseVariables } from '../services/platform/environment';

/**
 * `npm run operator -- <command>`: the operator's back office on the command line, on the database the bot uses
 * (DATA_DIR or DATABASE_URL, checked as the bot checks them). The same functions as /api/operator/, audited alike.
 */

const MAX_FILE_BYTES = 2 * 1024 * 1024;
const operator = { via: 'cli' } as const;

interface Command {
  usage: string;
  summary: string;
  arity: number;
  run(db: Db, args: string[]): Promise<unknown>;
}

const commands: Record<string, Command> = {
  list: { usage: 'list', summary: 'every organisation, by name', arity: 0, run: (db) => listOrganisations(db) },
  show: {
    usage: 'show <tenantId>',
    summary: 'one organisation, with its people, SIM cards, numbers and services counted by state',
    arity: 1,
    run: (db, [tenantId]) => inspectOrganisation(db, tenantId),
  },
  put: {
    usage: 'put <tenantId> <organisation.json>',
    summary: 'create or update an organisation: { "name", "vatNumber", "productTypes": [...], "administrators": [{ "displayName", "email", "preferredLanguage" }] }',
    arity: 2,
    run: async (db, [tenantId, file]) => (await putOrganisation(db, operator, tenantId, jsonFile(file!))).organisation,
  },
  'add-sim-cards': {
    usage: 'add-sim-cards <tenantId> <iccids.csv | sim-cards.json>',
    summary: 'add SIM cards to its stock: a CSV with one ICCID per line (or a column named iccid), or { "iccids": [...] }',
    arity: 2,
    run: (db, [tenantId, file]) => addSimCards(db, operator, tenantId, file!.toLowerCase().endsWith('.csv') ? iccidsFromCsv(readFile(file!)) : jsonFile(file!)),
  },
  'add-esim-profiles': {
    usage: 'add-esim-profiles <tenantId> <esim-profiles.json>',
    summary: 'add eSIM profiles to its stock: { "profiles": [{ "iccid", "activationCode": "LPA:1$<SM-DP+ address>$<matching id>", "confirmationCode"? }] }',
    arity: 2,
    run: (db, [tenantId, file]) => addEsimProfiles(db, operator, tenantId, jsonFile(file!)),
  },
  'add-numbers': {
    usage: 'add-numbers <tenantId> <numbers.json>',
    summary: 'give it numbers: { "mobile": ["+32470..."], "fixed": ["+322..."] }',
    arity: 2,
    run: (db, [tenantId, file]) => addNumbers(db, operator, tenantId, jsonFile(file!)),
  },
  deactivate: {
    usage: 'deactivate <tenantId>',
    summary: 'its people can no longer use the bot; nothing is deleted',
    arity: 1,
    run: (db, [tenantId]) => deactivateOrganisation(db, operator, tenantId),
  },
  reactivate: {
    usage: 'reactivate <tenantId>',
    summary: 'its people use the bot again, with what they had left',
    arity: 1,
    run: (db, [tenantId]) => reactivateOrganisation(db, operator, tenantId),
  },
};

const help = [
  'Usage: npm run operator -- <command>',
  '',
  'Commands:',
  ...Object.values(commands).map((command) => `  ${command.usage.padEnd(58)} ${command.summary}`),
  '  --help'.padEnd(60) + ' this list',
  '',
  'The database is the bot\'s: DATABASE_URL, else the embedded one under DATA_DIR (./data). The embedded database is one',
  'process\'s: while the bot runs on it, use the HTTP API under /api/operator/ instead. Results are printed as JSON.',
].join('\n');

class UsageError extends Error {}

function readFile(file: string): string {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw new UsageError(`cannot read ${file}: no such file`);
  }
  if (size > MAX_FILE_BYTES) throw new UsageError(`${file} is larger than ${MAX_FILE_BYTES} bytes: split it`);
  return fs.readFileSync(file, 'utf8');
}

function jsonFile(file: string): unknown {
  const text = readFile(file);
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${file} is not JSON`);
  }
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help}\n`);
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command ${name}; npm run operator -- --help lists them`);
  if (rest.length !== command.arity) throw new UsageError(`usage: npm run operator -- ${command.usage}`);
  const location = databaseLocationOf(checkedEnvironment(z.object(databaseVariables), process.env, new Set(['DATABASE_URL'])));
  const db = await openDatabase(location);
  try {
    // A database the bot never started on has no catalog yet, and organisations are given product types from it.
    await seedCatalog(db.prisma);
    process.stdout.write(`${JSON.stringify(await command.run(db.prisma, rest), null, 2)}\n`);
  } finally {
    await db.close();
  }
  return 0;
}

/** What went wrong, in plain lines: never a stack trace for a wrong argument, file or setting. */
function explain(error: unknown): string {
  if (error instanceof DataDirLockedError) {
    const who = error.holder ? `process ${error.holder.pid} on ${error.holder.host} since ${error.holder.since}` : 'another process';
    return `Cannot run while the bot (${who}) has the embedded database in ${error.dataDir} open: stop the bot first, or use the HTTP API under /api/operator/ while it runs.`;
  }
  if (error instanceof OrganisationProblem) return [error.message, ...error.issues.map((issue) => `  ${issue.path}: ${issue.message}`)].join('\n');
  if (error instanceof UsageError || error instanceof ConfigError) return error.message;
  return `failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${explain(error)}\n`);
      process.exitCode = 1;
    },
  );
}
