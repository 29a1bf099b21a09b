import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configFromEnvironment } from '../../bot/config';
import { startBot, type RunningBot } from '../../bot/main';
import type { Database, Db } from '../../services/platform/db/database';
import { recognise, type Actor } from '../../services/people/people';
import { expectValidCard } from './adaptiveCards';
import { openTestDatabase } from './database';
import { startLocalConnector, teamsActivity, type LocalConnector, type TeamsPerson } from './connector';

export type Card = Record<string, any>;

/** A bot over real HTTP with a local Bot Connector, as Teams talks to it, for the add-service conversation tests. */
export interface TeamsHarness {
  bot: RunningBot;
  connector: LocalConnector;
  close(): Promise<void>;
}

export async function startTeamsHarness(): Promise<TeamsHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'add-service-'));
  const connector = await startLocalConnector();
  const bot = await startBot(configFromEnvironment({ PORT: '0', DATA_DIR: dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), {
    database: await openTestDatabase(),
  });
  return {
    bot,
    connector,
    close: async () => {
      await bot.close();
      await bot.db.close();
      await connector.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Posts an activity as Teams would; returns the HTTP answer. */
export async function post(harness: TeamsHarness, activity: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const response = await fetch(`${harness.bot.url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Clicks an Action.Execute as Teams does (an adaptiveCard/action invoke carrying the action's data merged with the
 * card's inputs) and returns the card Teams puts in its place, checked by the official parser.
 */
export async function execute(harness: TeamsHarness, person: TeamsPerson, verb: string, data: Record<string, unknown> = {}, replyToId = 'card-1'): Promise<Card> {
  const { status, body } = await post(
    harness,
    teamsActivity(harness.connector.serviceUrl, person, {
      type: 'invoke',
      name: 'adaptiveCard/action',
      replyToId,
      value: { action: { type: 'Action.Execute', verb, data }, trigger: 'manual' },
    }),
  );
  expect(status).toBe(200);
  expect(body).toMatchObject({ statusCode: 200, type: 'application/vnd.microsoft.card.adaptive' });
  expectValidCard(body.value);
  return body.value;
}

/** Every Action.Execute of a card, wherever it stands (card actions, action sets). */
export function actionsOf(card: Card): Card[] {
  const found: Card[] = [];
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) node.forEach((item) => walk(item));
    else if (node && typeof node === 'object' && key !== 'fallback') {
      const record = node as Card;
      if (record.type === 'Action.Execute') found.push(record);
      for (const [childKey, value] of Object.entries(record)) walk(value, childKey);
    }
  };
  walk(card);
  return found;
}

/** Presses the button titled `title`, with the inputs a person filled in; returns the next card. */
export function press(harness: TeamsHarness, person: TeamsPerson, card: Card, title: string, inputs: Record<string, unknown> = {}): Promise<Card> {
  const action = actionsOf(card).find((candidate) => candidate.title === title);
  if (!action) throw new Error(`no button "${title}" on the card; buttons: ${actionsOf(card).map((a) => a.title).join(', ')}`);
  const sent = action.associatedInputs === 'none' ? action.data : { ...inputsOf(card), ...action.data, ...inputs };
  return execute(harness, person, action.verb, sent);
}

/** The inputs' current values, as the client would submit them untouched. */
export function inputsOf(card: Card): Record<string, string> {
  const values: Record<string, string> = {};
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Card;
      if (typeof record.type === 'string' && record.type.startsWith('Input.') && typeof record.id === 'string') values[record.id] = record.value ?? '';
      Object.values(record).forEach(walk);
    }
  };
  walk(card.body);
  return values;
}

/** What a person reads on a card: its texts, facts and input labels, and the choices offered. */
export function readCard(card: Card): { texts: string[]; choices: Record<string, string[]>; buttons: string[]; values: Record<string, string> } {
  const texts: string[] = [];
  const choices: Record<string, string[]> = {};
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) node.forEach((item) => walk(item));
    else if (node && typeof node === 'object' && key !== 'fallback') {
      const record = node as Card;
      if (record.type === 'TextBlock') texts.push(record.text);
      if (record.type === 'FactSet') for (const fact of record.facts) texts.push(`${fact.title}: ${fact.value}`);
      if (record.type === 'Input.ChoiceSet') choices[record.id] = record.choices.map((choice: Card) => choice.title);
      for (const [childKey, value] of Object.entries(record)) walk(value, childKey);
    }
  };
  walk(card.body);
  return { texts, choices, buttons: actionsOf(card).map((action) => action.title), values: inputsOf(card) };
}

/** The value of the choice whose title starts with `title`, for pressing Next with it. */
export function choiceValue(card: Card, inputId: string, title: string): string {
  let value: string | undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const record = node as Card;
      if (record.type === 'Input.ChoiceSet' && record.id === inputId) value = record.choices.find((choice: Card) => choice.title.startsWith(title))?.value;
      Object.values(record).forEach(walk);
    }
  };
  walk(card.body);
  if (value === undefined) throw new Error(`no choice "${title}" in ${inputId}: ${JSON.stringify(readCard(card).choices[inputId])}`);
  return value;
}

/** A demo person as the services see them, recognised the way Teams identifies them. */
export async function demoActor(db: Database, tenantId: string, aadObjectId: string): Promise<Actor> {
  const recognition = await recognise(db.prisma, { kind: 'aad', tenantId, aadObjectId });
  if (recognition.status !== 'known') throw new Error('demo person not found');
  return recognition.actor;
}

/**
 * Leaves `count` eSIM profiles in the organisation's stock, the first ones an order would take; the others are set
 * aside (deactivated) until the returned function puts them back.
 */
export async function leaveEsimsInStock(db: Db, organisationId: string, count: number): Promise<() => Promise<void>> {
  const stock = await db.simCard.findMany({
    where: { organisationId, form: 'ESIM', state: 'IN_STOCK', service: { is: null } },
    orderBy: [{ createdAt: 'asc' }, { iccid: 'asc' }],
    select: { id: true },
  });
  const aside = stock.slice(count).map((card) => card.id);
  await db.simCard.updateMany({ where: { id: { in: aside } }, data: { state: 'DEACTIVATED' } });
  return async () => {
    await db.simCard.updateMany({ where: { id: { in: aside } }, data: { state: 'IN_STOCK' } });
  };
}
