import path from 'node:path';
import { ConfigError, configFromEnvironment } from '../../bot/config';

/** The error a configuration stops with, or a failure if it is accepted. */
function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    configFromEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

test('an empty environment gives the documented defaults: PGlite under ./data, port 3978, no Teams', () => {
  const config = configFromEnvironment({});
  expect(config).toMatchObject({
    nodeEnv: 'development',
    port: 3978,
    dataDir: path.resolve('./data'),
    publicUrl: 'http://localhost:3978',
    clockSpeed: 720,
    database: { kind: 'pglite', dataDir: path.join(path.resolve('./data'), 'pglite') },
    teams: undefined,
    mail: { smtpUrl: undefined, outboxDir: path.join(path.resolve('./data'), 'outbox') },
    logLevel: 'info',
    activationLinkDays: 14,
  });
});

test('variables are read: port, data folder, PostgreSQL, public URL, clock speed, Teams', () => {
  const config = configFromEnvironment({
    PORT: '4000',
    DATA_DIR: '/tmp/sim-data',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/sim',
    PUBLIC_URL: 'https://bot.example.com/',
    SIM_CLOCK_SPEED: '1',
    MicrosoftAppId: 'app-id',
    MicrosoftAppPassword: 'secret',
    MicrosoftAppType: 'SingleTenant',
    MicrosoftAppTenantId: 'tenant',
    SMTP_URL: 'smtp://mail.example.com:25',
  });
  expect(config).toMatchObject({
    port: 4000,
    dataDir: '/tmp/sim-data',
    database: { kind: 'postgresql', url: 'postgres://postgres@127.0.0.1:5432/sim' },
    publicUrl: 'https://bot.example.com',
    clockSpeed: 1,
    teams: { appId: 'app-id', appPassword: 'secret', appType: 'SingleTenant', appTenantId: 'tenant' },
    mail: { smtpUrl: 'smtp://mail.example.com:25' },
  });
});

test.each([
  ['NODE_ENV', 'staging'],
  ['PORT', 'abc'],
  ['PORT', '70000'],
  ['DATA_DIR', ' '],
  ['PUBLIC_URL', 'bot.example.com'],
  ['SIM_CLOCK_SPEED', '0'],
  ['SIM_CLOCK_SPEED', 'fast'],
  ['DATABASE_URL', 'mysql://localhost/sim'],
  ['MicrosoftAppType', 'Personal'],
  ['SMTP_URL', 'http://mail.example.com'],
  ['LOG_LEVEL', 'loud'],
  ['ACTIVATION_LINK_DAYS', '0'],
  ['ACTIVATION_LINK_DAYS', '1.5'],
])('%s=%j stops the start with one line naming it', (name, value) => {
  const error = refusal({ [name]: value });
  expect(error.message.startsWith(`${name}: `)).toBe(true);
  expect(error.message).not.toContain('\n');
});

test('values that may hold a password are never repeated in the message', () => {
  const database = refusal({ DATABASE_URL: 'mysql://admin:hunter2@db.example.com/sim' });
  const smtp = refusal({ SMTP_URL: 'http://mailer:hunter2@mail.example.com' });
  for (const error of [database, smtp]) expect(error.message).not.toContain('hunter2');
  expect(refusal({ PORT: 'abc' }).message).toContain('"abc"');
});

test('NODE_ENV=production without MicrosoftAppId is refused', () => {
  expect(refusal({ NODE_ENV: 'production' }).message).toMatch(/^MicrosoftAppId: required when NODE_ENV=production/);
  expect(configFromEnvironment({ NODE_ENV: 'production', MicrosoftAppId: 'id', MicrosoftAppPassword: 'pw' }).teams?.appId).toBe('id');
});

test('MicrosoftAppId without a password is refused, except for a managed identity', () => {
  expect(refusal({ MicrosoftAppId: 'id' }).message).toMatch(/^MicrosoftAppPassword: required with MicrosoftAppId/);
  expect(refusal({ MicrosoftAppId: 'id', MicrosoftAppPassword: '  ' }).message).toMatch(/^MicrosoftAppPassword: /);
  expect(configFromEnvironment({ MicrosoftAppId: 'id', MicrosoftAppType: 'UserAssignedMSI' }).teams?.appType).toBe('UserAssignedMSI');
});

test('a single-tenant bot needs its tenant id', () => {
  expect(refusal({ MicrosoftAppId: 'id', MicrosoftAppPassword: 'pw', MicrosoftAppType: 'SingleTenant' }).message).toMatch(
    /^MicrosoftAppTenantId: /,
  );
});
