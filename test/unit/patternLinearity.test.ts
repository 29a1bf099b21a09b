import { RegExpParser } from '@eslint-community/regexpp';
import { analyse } from 'scslre';
import ts from 'typescript';
import { parsedSource, productFolders, tsFiles } from '../support/productSources';

/**
 * Every pattern the product applies to text (people's messages, forms, files, logs) does a bounded amount of work per
 * character: one that backtracks over a long word, or rescans its run from every position, blocks the whole process
 * for minutes on a long message, every conversation with it. Checked on the code, not with a clock: every regular
 * expression literal under bot/, dialogs/, cards/, services/ and prisma/ is read by scslre, which finds the patterns
 * whose work can grow with the square (or worse) of the text's length. A failure names the file, line and pattern.
 */

interface Pattern {
  where: string;
  literal: string;
}

function superLinearities(literal: string): string[] {
  const parsed = new RegExpParser({ ecmaVersion: 2025 }).parseLiteral(literal);
  return analyse(parsed, { maxReports: 3 }).reports.map((report) => (report.exponential ? 'exponential' : `polynomial (${report.type.toLowerCase()})`));
}

/** The regular expression literals of one file, and its RegExp constructions that are not built from one of them. */
function patternsOf(file: string): { literals: Pattern[]; builtAtRunTime: string[] } {
  const source = parsedSource(file);
  const literals: Pattern[] = [];
  const builtAtRunTime: string[] = [];
  const where = (node: ts.Node) => `${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) literals.push({ where: where(node), literal: node.getText() });
    if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && node.expression.getText() === 'RegExp') {
      const [first] = node.arguments ?? [];
      // Rebuilt from a literal's source (a fresh lastIndex), that literal is checked where it is written.
      const fromLiteral = first && ts.isPropertyAccessExpression(first) && first.name.text === 'source';
      if (first && ts.isStringLiteralLike(first)) literals.push({ where: where(node), literal: `/${first.text}/` });
      else if (!fromLiteral) builtAtRunTime.push(`${where(node)} ${node.getText()}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { literals, builtAtRunTime };
}

const files = productFolders.flatMap(tsFiles);
const found = files.map(patternsOf);
const literals = found.flatMap((patterns) => patterns.literals);

test('the product has patterns to check (the scan reads the code)', () => {
  expect(literals.length).toBeGreaterThan(100);
});

test('no regular expression of the product can take super-linear time', () => {
  const slow = literals.flatMap(({ where, literal }) => superLinearities(literal).map((kind) => `${where} ${literal}: ${kind}`));
  expect(slow).toEqual([]);
});

test('no regular expression is built at run time from text that could not be checked', () => {
  expect(found.flatMap((patterns) => patterns.builtAtRunTime)).toEqual([]);
});

describe('the check finds what freezes a process', () => {
  test.each([
    ['an unbounded email address, rescanned from every position', '/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}/g'],
    ['a nested repetition', '/^(a+)+$/'],
    ['two repetitions trading the same spaces', '/^\\s*continue\\s*[.!]?\\s*$/'],
    ['a run up to its end, from every start', '/\\d+x/'],
  ])('%s', (_label, literal) => {
    expect(superLinearities(literal)).not.toEqual([]);
  });

  test.each([
    ['the same address with its lengths capped', '/[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,24}/g'],
    ['a run matched only from its start', '/(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])/g'],
  ])('and leaves alone %s', (_label, literal) => {
    expect(superLinearities(literal)).toEqual([]);
  });
});
