import path from 'node:path';
import { z } from 'zod';
import type { DatabaseLocation } from './db/database';

/** A wrong setting: one line naming the variable and what is expected, never the value of a credential. */
export class ConfigError extends Error {}

/** The two variables that name the database, shared by the bot and the seed command. */
export const databaseVariables = {
  DATA_DIR: z.string().trim().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
};

/**
 * The environment checked by `schema`: the first wrong variable throws a ConfigError naming it; the value is shown
 * unless the variable is among `credentials` (URLs and secrets may carry passwords).
 */
export function checkedEnvironment<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, credentials: ReadonlySet<string>): z.output<T> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  const shown = credentials.has(name) ? '' : ` (got ${JSON.stringify(env[name] ?? '')})`;
  throw new ConfigError(`${name}: ${issue.message}${shown}`);
}

/** The database the variables name: a PostgreSQL server, or the embedded one under DATA_DIR. */
export function databaseLocationOf(variables: { DATA_DIR: string; DATABASE_URL?: string | undefined }): DatabaseLocation {
  return variables.DATABASE_URL
    ? { kind: 'postgresql', url: variables.DATABASE_URL }
    : { kind: 'pglite', dataDir: path.join(path.resolve(variables.DATA_DIR), 'pglite') };
}
