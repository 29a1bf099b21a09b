import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { parsedSource, productFolders, repositoryRoot, tsFiles } from '../support/productSources';

/**
 * The directions of ARCHITECTURE.md, checked on the code: every import of every .ts file under bot/, dialogs/,
 * cards/, services/ and prisma/ (the generated client aside). A failure lists each offending `file → import`.
 */

/** The Bot Framework, Teams and HTTP server libraries: only bot/ knows Teams and HTTP. */
const CHANNEL_PACKAGE = /^(botbuilder(-[\w-]+)?|botframework-[\w-]+|@microsoft\/teams-ai|restify)(\/|$)/;

/** The composition root: the only place that plugs the simulated outside systems in. */
const COMPOSITION_ROOT = new Set(['bot/main.ts', 'bot/background.ts']);

const SERVICES_MAX_LINES = 400;

/** Lines as an editor counts them: a final newline does not start another. */
const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);

interface Import {
  /** The importing file, relative to the repository, with forward slashes. */
  file: string;
  /** As written in the file. */
  specifier: string;
  /** For a relative import, the imported path relative to the repository; undefined for a package. */
  target?: string;
  /** `import type`, `export type`, or every name imported marked `type`: gone once compiled. */
  typeOnly: boolean;
}

function importsOf(file: string): Import[] {
  const source = parsedSource(file);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean) => {
    const target = specifier.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) : undefined;
    found.push({ file, specifier, target, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
      const allNamedTypes = !!named && named.length > 0 && !clause!.name && named.every((element) => element.isTypeOnly);
      add(node.moduleSpecifier.text, !!clause && (clause.isTypeOnly || allNamedTypes));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const named = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements : undefined;
      add(node.moduleSpecifier.text, node.isTypeOnly || (!!named && named.length > 0 && named.every((element) => element.isTypeOnly)));
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteralLike(node.arguments[0]!)
    ) {
      add((node.arguments[0] as ts.StringLiteralLike).text, false);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const files = productFolders.flatMap(tsFiles);
const imports = files.flatMap(importsOf);

/** Is `target` (a path relative to the repository) `folder` or inside it? */
const within = (target: string | undefined, folder: string) => target !== undefined && (target === folder || target.startsWith(`${folder}/`));
const from = (folder: string) => (i: Import) => within(i.file, folder);
const to = (folder: string) => (i: Import) => within(i.target, folder);

interface ImportRule {
  /** A short name, for this file's own check of the rules. */
  id: string;
  rule: string;
  offends: (i: Import) => boolean;
}

const importRules: ImportRule[] = [
  {
    id: 'top',
    rule: 'nothing outside bot/ imports bot/ (bot/ is the process: adapters, the runner, HTTP)',
    offends: (i) => !from('bot')(i) && to('bot')(i),
  },
  { id: 'dialogs', rule: 'dialogs/ never imports bot/', offends: (i) => from('dialogs')(i) && to('bot')(i) },
  { id: 'cards', rule: 'cards/ never imports bot/ or dialogs/', offends: (i) => from('cards')(i) && (to('bot')(i) || to('dialogs')(i)) },
  {
    id: 'services',
    rule: 'services/ never imports bot/, dialogs/ or cards/ (the domain returns facts and codes; words live in cards/)',
    offends: (i) => from('services')(i) && (to('bot')(i) || to('dialogs')(i) || to('cards')(i)),
  },
  {
    id: 'prisma',
    rule: 'prisma/ (schema, seed) never imports bot/, dialogs/ or cards/',
    offends: (i) => from('prisma')(i) && (to('bot')(i) || to('dialogs')(i) || to('cards')(i)),
  },
  {
    id: 'channel',
    rule: 'only bot/ imports botbuilder, botframework-*, @microsoft/teams-ai and restify',
    offends: (i) => !from('bot')(i) && i.target === undefined && CHANNEL_PACKAGE.test(i.specifier),
  },
  {
    id: 'generated',
    rule: 'services/ imports from prisma/ only the generated client',
    offends: (i) => from('services')(i) && to('prisma')(i) && !to('prisma/generated')(i),
  },
  {
    id: 'cardTypes',
    rule: 'cards/ takes from services/ and prisma/ only types and enums (and services/platform/projectRoot to find its files)',
    offends: (i) =>
      from('cards')(i) &&
      (to('services')(i) || to('prisma')(i)) &&
      !i.typeOnly &&
      i.target !== 'prisma/generated/enums' &&
      i.target !== 'services/platform/projectRoot',
  },
  {
    id: 'simulatorsInside',
    rule: 'services/ outside services/simulators/ never imports services/simulators/',
    offends: (i) => from('services')(i) && !from('services/simulators')(i) && to('services/simulators')(i),
  },
  {
    id: 'simulatorsRoot',
    rule: 'services/simulators/ is plugged in only by the composition root (bot/main.ts, bot/background.ts) and tests',
    offends: (i) => !from('services')(i) && to('services/simulators')(i) && !COMPOSITION_ROOT.has(i.file),
  },
];

const listed = (found: Import[]) => found.map((i) => `${i.file} → ${i.specifier}`);

function fail(rule: string, offending: string[]): void {
  if (offending.length > 0) throw new Error(`${rule}; offending:\n  ${offending.join('\n  ')}`);
}

test('the import parser sees every folder and the imports it should', () => {
  for (const folder of productFolders) expect(files.some((file) => within(file, folder))).toBe(true);
  expect(files.some((file) => file.startsWith('prisma/generated/'))).toBe(false);
  expect(imports.find((i) => i.file === 'dialogs/reply.ts' && i.specifier === '../cards/render')).toMatchObject({ target: 'cards/render', typeOnly: true });
  expect(imports.some((i) => from('bot')(i) && i.specifier === 'botbuilder' && !i.typeOnly)).toBe(true);
});

test('each rule catches what it names', () => {
  const made = (file: string, specifier: string, typeOnly = false): Import => ({
    file,
    specifier,
    target: specifier.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)) : undefined,
    typeOnly,
  });
  const caught = (i: Import) => importRules.filter((rule) => rule.offends(i)).map((rule) => rule.id);
  expect(caught(made('services/people/people.ts', '../../bot/config'))).toEqual(['top', 'services']);
  expect(caught(made('services/fleet/overview.ts', '../../cards/strings'))).toEqual(['services']);
  expect(caught(made('services/fleet/overview.ts', 'botbuilder'))).toEqual(['channel']);
  expect(caught(made('dialogs/welcome.ts', 'restify'))).toEqual(['channel']);
  expect(caught(made('dialogs/welcome.ts', '../bot/app'))).toEqual(['top', 'dialogs']);
  expect(caught(made('cards/render.ts', '../dialogs/reply'))).toEqual(['cards']);
  expect(caught(made('cards/render.ts', '../services/numbers/porting'))).toEqual(['cardTypes']);
  expect(caught(made('cards/render.ts', '../services/numbers/porting', true))).toEqual([]);
  expect(caught(made('cards/render.ts', '../prisma/generated/enums'))).toEqual([]);
  expect(caught(made('prisma/seed.ts', '../bot/config'))).toEqual(['top', 'prisma']);
  expect(caught(made('services/lifecycle/engine.ts', '../../prisma/seed'))).toEqual(['generated']);
  expect(caught(made('services/lifecycle/engine.ts', '../simulators/donor'))).toEqual(['simulatorsInside']);
  expect(caught(made('services/simulators/donor.ts', '../lifecycle/jobs'))).toEqual([]);
  expect(caught(made('dialogs/portingIssues.ts', '../services/simulators/donor'))).toEqual(['simulatorsRoot']);
  expect(caught(made('bot/background.ts', '../services/simulators/donor'))).toEqual([]);
  expect(caught(made('bot/app.ts', '../services/simulators/donor'))).toEqual(['simulatorsRoot']);
});

describe('the directions of ARCHITECTURE.md', () => {
  test.each(importRules.map((rule) => [rule.rule, rule] as const))('%s', (_, rule) => {
    fail(rule.rule, listed(imports.filter(rule.offends)));
  });

  test(`no file under services/ is longer than ${SERVICES_MAX_LINES} lines`, () => {
    const long = files
      .filter((file) => within(file, 'services'))
      .map((file) => ({ file, lines: lineCount(fs.readFileSync(path.join(repositoryRoot, file), 'utf8')) }))
      .filter(({ lines }) => lines > SERVICES_MAX_LINES);
    fail(`no file under services/ is longer than ${SERVICES_MAX_LINES} lines`, long.map(({ file, lines }) => `${file}: ${lines} lines`));
  });
});
