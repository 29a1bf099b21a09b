import path from 'node:path';
import { z } from 'zod';
import { checkedEnvironment, ConfigError, databaseLocationOf, databaseVariables } from '../services/platform/environment';

export { ConfigError };

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3978),
  DATA_DIR: databaseVariables.DATA_DIR,
  PUBLIC_URL: z.url({ message: 'must be an absolute URL such as https://bot.example.com' }).optional(),
  SIM_CLOCK_SPEED: z.coerce.number().positive({ message: 'must be a number above 0 (1 is real time)' }).default(720),
  DATABASE_URL: databaseVariables.DATABASE_URL,
  MicrosoftAppId: optionalText,
  MicrosoftAppPassword: optionalText,
  MicrosoftAppTenantId: optionalText,
  MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  // Bot Framework's own name for this setting. Unset (the only sensible value in Azure) means Microsoft's document.
  BotOpenIdMetadata: z.url({ message: 'must be the absolute URL of an OpenID configuration document' }).optional(),
  SMTP_URL: z
    .string()
    .trim()
    .regex(/^smtps?:\/\//, { message: 'must be an smtp:// or smtps:// URL' })
    .optional(),
  MAIL_FROM: z.string().trim().default('Dstny SIM activation <activation@dstny.example>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACTIVATION_LINK_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  PROVISIONING_WEBHOOK_SECRET: optionalText,
  // The bearer key of the operator's back office (/api/operator/); unset, that API is off.
  OPERATOR_API_KEY: optionalText.pipe(z.string().min(32, { message: 'must be at least 32 characters, e.g. the output of openssl rand -hex 32' }).optional()),
  // false: no demo organisations; the operator brings the real ones in (README.md, "Bring a real organisation").
  DEMO_DATA: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true'),
  // The reverse proxies whose X-Forwarded-For names the client (IP addresses or CIDR ranges); unset, none is trusted.
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== ''))
    .pipe(z.array(z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
      error: 'must be IP addresses or CIDR ranges separated by commas, such as 10.0.0.5,192.168.0.0/16',
    })).max(100)),
  // Longest wait for one Bot Connector request; lowered by tests that make the connector hang.
  BOT_CONNECTOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
});

export type Config = ReturnType<typeof configFromEnvironment>;

const CREDENTIAL_VARIABLES = new Set(['DATABASE_URL', 'SMTP_URL', 'MicrosoftAppPassword', 'PROVISIONING_WEBHOOK_SECRET', 'OPERATOR_API_KEY']);

/** Reads and checks the environment once; a wrong value stops the start with one line naming the variable. */
export function configFromEnvironment(env: NodeJS.ProcessEnv = process.env) {
  const e = checkedEnvironment(environmentSchema, env, CREDENTIAL_VARIABLES);
  if (e.NODE_ENV === 'production' && !e.MicrosoftAppId) {
    throw new ConfigError(
      'MicrosoftAppId: required when NODE_ENV=production; without it anyone could post activities to the bot',
    );
  }
  if (e.MicrosoftAppId && e.MicrosoftAppType !== 'UserAssignedMSI' && !e.MicrosoftAppPassword) {
    throw new ConfigError('MicrosoftAppPassword: required with MicrosoftAppId (the client secret of the bot registration)');
  }
  if (e.MicrosoftAppType === 'SingleTenant' && e.MicrosoftAppId && !e.MicrosoftAppTenantId) {
    throw new ConfigError('MicrosoftAppTenantId: required when MicrosoftAppType=SingleTenant');
  }
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    dataDir,
    /** Base of the links the bot prints and emails; defaults to this machine. */
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/(?<!\/)\/+$/, ''),
    clockSpeed: e.SIM_CLOCK_SPEED,
    database: databaseLocationOf(e),
    teams: e.MicrosoftAppId
      ? {
          appId: e.MicrosoftAppId,
          appPassword: e.MicrosoftAppPassword,
          appTenantId: e.MicrosoftAppTenantId,
          appType: e.MicrosoftAppType,
          /** Where channel tokens' signing keys are published, for private clouds and tests; Microsoft's by default. */
          openIdMetadataUrl: e.BotOpenIdMetadata,
        }
      : undefined,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM, outboxDir: path.join(dataDir, 'outbox') },
    logLevel: e.LOG_LEVEL,
    activationLinkDays: e.ACTIVATION_LINK_DAYS,
    provisioningWebhookSecret: e.PROVISIONING_WEBHOOK_SECRET,
    operatorApiKey: e.OPERATOR_API_KEY,
    demoData: e.DEMO_DATA === 'true',
    trustedProxies: e.TRUSTED_PROXIES,
    connectorTimeoutMs: e.BOT_CONNECTOR_TIMEOUT_MS,
  };
}
