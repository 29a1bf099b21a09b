import crypto from 'node:crypto';
import restify from 'restify';
import { z } from 'zod';
import { NumberState, Role, ServiceStatus, SimState } from '../../prisma/generated/enums';
import {
  iccidsFromCsv,
  MAX_ITEMS_PER_CALL,
  esimProfilesInputSchema,
  numbersInputSchema,
  OrganisationProblem,
  organisationInputSchema,
  simCardsInputSchema,
  type OperatorActor,
} from '../../services/organisations/input';
import { deactivateOrganisation, inspectOrganisation, listOrganisations, putOrganisation, reactivateOrganisation } from '../../services/organisations/organisations';
import { addEsimProfiles, addNumbers, addSimCards } from '../../services/organisations/stock';
import { takeAttempt } from '../../services/people/attemptWindows';
import type { Database } from '../../services/platform/db/database';
import type { Config } from '../config';
import type { Logger } from '../logger';

/**
 * /api/operator/: the operator's back office for its staff and systems, never for customers. A bearer key
 * (OPERATOR_API_KEY) opens it; without one configured, none of its routes exists. Bodies are checked by the
 * domain's schemas (services/organisations/), every call is idempotent, and every change is audited there.
 */

export const OPERATOR_API_PREFIX = '/api/operator';
/** Calls per key and minute: enough for a delivery split in batches, not for a runaway script. */
export const OPERATOR_API_LIMIT = { limit: 120, windowMs: 60_000 };
// A full batch of ICCIDs as CSV with a few columns fits; JSON of the same is smaller.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface OperatorApiDeps {
  db: Database;
  config: Config;
  logger: Logger;
}

type Handler = (req: restify.Request, operator: OperatorActor) => Promise<{ status: number; body: unknown }>;

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest();

export function registerOperatorApi(server: restify.Server, deps: OperatorApiDeps): void {
  const key = deps.config.operatorApiKey;
  if (!key) return;
  const { db, logger } = deps;
  const keyHash = sha256(key);
  const bodyReader = restify.plugins.bodyReader({ maxBodySize: MAX_BODY_BYTES });

  /** Authenticates, counts the call against the key's limit, runs it, and answers domain problems plainly. */
  const serve = (handle: Handler) => async (req: restify.Request, res: restify.Response) => {
    const given = /^Bearer ([^\s]{1,512})$/.exec(req.headers.authorization ?? '')?.[1];
    // Hashes have one length whatever was sent, as timingSafeEqual needs: no early exit tells how much matched.
    if (!given || !crypto.timingSafeEqual(sha256(given), keyHash)) {
      res.header('WWW-Authenticate', 'Bearer realm="operator"');
      res.send(401, { error: 'an Authorization: Bearer header with the operator API key is required' });
      return;
    }
    const fingerprint = keyHash.toString('hex').slice(0, 12);
    const slot = await takeAttempt(db.prisma, `operator-api:${keyHash.toString('hex')}`, OPERATOR_API_LIMIT);
    if (!slot.allowed) {
      const seconds = Math.max(1, Math.ceil(slot.retryAfterMs / 1000));
      res.header('Retry-After', String(seconds));
      res.send(429, { error: `more than ${OPERATOR_API_LIMIT.limit} calls in a minute: retry in ${seconds} s` });
      return;
    }
    try {
      const { status, body } = await handle(req, { via: 'api', keyFingerprint: fingerprint });
      res.send(status, body);
    } catch (error) {
      if (!(error instanceof OrganisationProblem)) throw error;
      const status = { invalid: 400, 'not-found': 404, deactivated: 409 }[error.kind];
      res.send(status, { error: error.message, ...(error.issues.length > 0 ? { issues: error.issues } : {}) });
    } finally {
      logger.info({ method: req.method, route: req.getRoute()?.path, status: res.statusCode }, 'operator api call');
    }
  };

  const tenantId = (req: restify.Request) => req.params.tenantId as unknown;
  const base = `${OPERATOR_API_PREFIX}/organisations`;

  server.get(`${OPERATOR_API_PREFIX}/openapi.json`, serve(async () => ({ status: 200, body: openApiDocument() })));
  server.get(base, serve(async () => ({ status: 200, body: { organisations: await listOrganisations(db.prisma) } })));
  server.get(`${base}/:tenantId`, serve(async (req) => ({ status: 200, body: await inspectOrganisation(db.prisma, tenantId(req)) })));
  server.put(
    `${base}/:tenantId`,
    bodyReader,
    serve(async (req, operator) => {
      const { created, organisation } = await putOrganisation(db.prisma, operator, tenantId(req), jsonBody(req));
      return { status: created ? 201 : 200, body: organisation };
    }),
  );
  server.post(
    `${base}/:tenantId/sim-cards`,
    bodyReader,
    serve(async (req, operator) => {
      const input = isContentType(req, 'text/csv') ? iccidsFromCsv(textBody(req)) : jsonBody(req, 'or text/csv');
      return { status: 200, body: await addSimCards(db.prisma, operator, tenantId(req), input) };
    }),
  );
  server.post(
    `${base}/:tenantId/esim-profiles`,
    bodyReader,
    serve(async (req, operator) => ({ status: 200, body: await addEsimProfiles(db.prisma, operator, tenantId(req), jsonBody(req)) })),
  );
  server.post(
    `${base}/:tenantId/numbers`,
    bodyReader,
    serve(async (req, operator) => ({ status: 200, body: await addNumbers(db.prisma, operator, tenantId(req), jsonBody(req)) })),
  );
  server.post(
    `${base}/:tenantId/deactivate`,
    serve(async (req, operator) => ({ status: 200, body: await deactivateOrganisation(db.prisma, operator, tenantId(req)) })),
  );
  server.post(
    `${base}/:tenantId/reactivate`,
    serve(async (req, operator) => ({ status: 200, body: await reactivateOrganisation(db.prisma, operator, tenantId(req)) })),
  );
}

function isContentType(req: restify.Request, type: string): boolean {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === type;
}

function textBody(req: restify.Request): string {
  return Buffer.isBuffer(req.body) ? req.body.toString('utf8') : typeof req.body === 'string' ? req.body : '';
}

/** The body as JSON; what is not JSON is refused like any other invalid input, naming what is expected. */
function jsonBody(req: restify.Request, alternative = ''): unknown {
  if (!isContentType(req, 'application/json')) {
    throw new OrganisationProblem('invalid', `expected a body of type application/json${alternative ? ` ${alternative}` : ''}`, [
      { path: 'body', message: `expected Content-Type: application/json${alternative ? ` ${alternative}` : ''}` },
    ]);
  }
  try {
    return JSON.parse(textBody(req));
  } catch {
    throw new OrganisationProblem('invalid', 'malformed JSON', [{ path: 'body', message: 'expected a JSON document' }]);
  }
}

/** A request body's JSON Schema, from the very schema that checks it. */
function bodySchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: unknown) => ({ 'application/json': { schema } });
const answer = (description: string, schema: unknown) => ({ description, content: json(schema) });
const problems = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '429': { $ref: '#/components/responses/TooManyCalls' },
};
const withTenant = {
  '400': { $ref: '#/components/responses/Invalid' },
  '404': { $ref: '#/components/responses/NotFound' },
  ...problems,
};
const stockReport = (item: string) => ({
  type: 'object',
  required: ['added', 'refused'],
  properties: {
    added: { type: 'integer', minimum: 0 },
    refused: {
      type: 'array',
      items: { type: 'object', required: [item, 'reason'], properties: { [item]: { type: 'string' }, reason: { type: 'string' } } },
    },
  },
});
const counts = (keys: readonly string[]) => ({ type: 'object', required: keys, properties: Object.fromEntries(keys.map((k) => [k, { type: 'integer', minimum: 0 }])) });

/** The OpenAPI 3.1 description of this API, served at /api/operator/openapi.json. */
export function openApiDocument() {
  const organisationPath = `${OPERATOR_API_PREFIX}/organisations/{tenantId}`;
  const tenantParameter = { name: 'tenantId', in: 'path', required: true, description: "The organisation's Microsoft Entra tenant id", schema: { type: 'string', format: 'uuid' } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'SIM activation assistant: operator back office',
      version: '1.0.0',
      description:
        `For the operator's staff and systems. Every call is idempotent and audited; at most ${OPERATOR_API_LIMIT.limit} calls a minute ` +
        `per key, ${MAX_ITEMS_PER_CALL} items a call.`,
    },
    security: [{ operatorKey: [] }],
    paths: {
      [`${OPERATOR_API_PREFIX}/openapi.json`]: {
        get: { operationId: 'openApiDocument', summary: 'This document', responses: { '200': { description: 'The OpenAPI document', content: json({ type: 'object' }) }, ...problems } },
      },
      [`${OPERATOR_API_PREFIX}/organisations`]: {
        get: {
          operationId: 'listOrganisations',
          summary: 'Every organisation, by name',
          responses: { '200': answer('The organisations', { type: 'object', required: ['organisations'], properties: { organisations: { type: 'array', items: ref('OrganisationSummary') } } }), ...problems },
        },
      },
      [organisationPath]: {
        parameters: [tenantParameter],
        get: {
          operationId: 'inspectOrganisation',
          summary: 'An organisation and how many people, SIM cards, numbers and services it has, by state',
          responses: { '200': answer('The organisation', ref('OrganisationDetail')), ...withTenant },
        },
        put: {
          operationId: 'putOrganisation',
          summary: 'Create or update an organisation',
          description:
            'Name, VAT number and exactly the product types listed; the administrators listed are added or updated (nobody is removed); ' +
            'the support people, when listed, become exactly those who may look into the organisation.',
          requestBody: { required: true, content: json(ref('OrganisationInput')) },
          responses: {
            '200': answer('Updated (or unchanged)', ref('Organisation')),
            '201': answer('Created', ref('Organisation')),
            '400': { $ref: '#/components/responses/Invalid' },
            ...problems,
          },
        },
      },
      [`${organisationPath}/sim-cards`]: {
        parameters: [tenantParameter],
        post: {
          operationId: 'addSimCards',
          summary: "Add SIM cards to the organisation's stock",
          description: 'Cards already in its stock, of another organisation, listed twice or failing their check are reported in refused, with the reason.',
          requestBody: {
            required: true,
            content: {
              ...json(ref('SimCardsInput')),
              'text/csv': { schema: { type: 'string', description: 'One ICCID per line, or a header row with a column named iccid' } },
            },
          },
          responses: { '200': answer('What was added and what was refused', ref('SimCardsReport')), '409': { $ref: '#/components/responses/Deactivated' }, ...withTenant },
        },
      },
      [`${organisationPath}/esim-profiles`]: {
        parameters: [tenantParameter],
        post: {
          operationId: 'addEsimProfiles',
          summary: "Add eSIM profiles to the organisation's stock",
          description: 'Each profile is its ICCID and its activation code (GSMA SGP.22: LPA:1$<SM-DP+ address>$<matching id>), with its confirmation code when it asks for one. Profiles already in a stock, listed twice or failing their check are reported in refused, with the reason.',
          requestBody: { required: true, content: json(ref('EsimProfilesInput')) },
          responses: { '200': answer('What was added and what was refused', ref('SimCardsReport')), '409': { $ref: '#/components/responses/Deactivated' }, ...withTenant },
        },
      },
      [`${organisationPath}/numbers`]: {
        parameters: [tenantParameter],
        post: {
          operationId: 'addNumbers',
          summary: 'Give Belgian mobile and fixed numbers to the organisation, free for its new services',
          requestBody: { required: true, content: json(ref('NumbersInput')) },
          responses: { '200': answer('What was added and what was refused', ref('NumbersReport')), '409': { $ref: '#/components/responses/Deactivated' }, ...withTenant },
        },
      },
      [`${organisationPath}/deactivate`]: {
        parameters: [tenantParameter],
        post: {
          operationId: 'deactivateOrganisation',
          summary: 'Its people can no longer use the bot; nothing is deleted',
          responses: { '200': answer('The organisation, deactivated', ref('Organisation')), ...withTenant },
        },
      },
      [`${organisationPath}/reactivate`]: {
        parameters: [tenantParameter],
        post: {
          operationId: 'reactivateOrganisation',
          summary: 'Its people use the bot again, with what they had left; an active organisation stays as it is',
          responses: { '200': answer('The organisation, active', ref('Organisation')), ...withTenant },
        },
      },
    },
    components: {
      securitySchemes: { operatorKey: { type: 'http', scheme: 'bearer', description: 'The OPERATOR_API_KEY of the deployment' } },
      responses: {
        Invalid: answer('The input is not as expected: each issue names the field and what is expected', ref('Problem')),
        NotFound: answer('No organisation has this tenant id', ref('Problem')),
        Deactivated: answer('The organisation is deactivated', ref('Problem')),
        Unauthorized: answer('No key, or not the operator API key', ref('Problem')),
        TooManyCalls: {
          description: 'Too many calls with this key: wait as Retry-After says',
          headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer', minimum: 1 } } },
          content: json(ref('Problem')),
        },
      },
      schemas: {
        OrganisationInput: bodySchema(organisationInputSchema),
        SimCardsInput: bodySchema(simCardsInputSchema),
        EsimProfilesInput: bodySchema(esimProfilesInputSchema),
        NumbersInput: bodySchema(numbersInputSchema),
        SimCardsReport: stockReport('iccid'),
        NumbersReport: stockReport('number'),
        Problem: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'string' },
            issues: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        OrganisationSummary: {
          type: 'object',
          required: ['tenantId', 'name', 'vatNumber', 'deactivatedAt', 'createdAt'],
          properties: {
            tenantId: { type: 'string' },
            name: { type: 'string' },
            vatNumber: { type: ['string', 'null'] },
            deactivatedAt: { type: ['string', 'null'], format: 'date-time' },
            createdAt: { type: 'string', format: 'date-time' },
          },
        },
        Organisation: {
          allOf: [
            ref('OrganisationSummary'),
            {
              type: 'object',
              required: ['productTypes', 'administrators', 'support'],
              properties: {
                productTypes: { type: 'array', items: { type: 'string' } },
                administrators: {
                  type: 'array',
                  items: { type: 'object', properties: { displayName: { type: 'string' }, email: { type: 'string' }, preferredLanguage: { type: ['string', 'null'], enum: ['en', 'nl', 'fr', null] } } },
                },
                support: { type: 'array', items: { type: 'object', properties: { tenantId: { type: 'string' }, email: { type: 'string' }, displayName: { type: 'string' } } } },
              },
            },
          ],
        },
        OrganisationDetail: {
          allOf: [
            ref('Organisation'),
            {
              type: 'object',
              required: ['counts'],
              properties: {
                counts: {
                  type: 'object',
                  required: ['people', 'simCards', 'numbers', 'services'],
                  properties: {
                    people: counts(Object.values(Role)),
                    simCards: counts(Object.values(SimState)),
                    numbers: { type: 'object', required: ['MOBILE', 'FIXED'], properties: { MOBILE: counts(Object.values(NumberState)), FIXED: counts(Object.values(NumberState)) } },
                    services: counts(Object.values(ServiceStatus)),
                  },
                },
              },
            },
          ],
        },
      },
    },
  };
}
