import fs from 'node:fs';
import path from 'node:path';
import { PortingState } from '../../prisma/generated/enums';
import { transitions } from '../../services/lifecycle/table';
import { serviceEventKinds } from '../../services/fleet/serviceEvents';

/**
 * The domain's list of timeline kinds (services/fleet/serviceEvents.ts) names every kind it writes: the cards word
 * exactly that list (the compiler checks it), so a kind written but not listed would reach a person as its code.
 */

const root = path.join(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/**
 * The snake_case kinds the domain's writers and the seed spell out: `kind: '…'` in a ServiceEvent write, a
 * transition's `timeline: '…'`, a deadline's `timeline: { kind: '…' }`, the add-service order's `event('…')`, a
 * `…_KIND = '…'` constant.
 */
function writtenKinds(): Map<string, string> {
  const found = new Map<string, string>();
  const files = [...sources('services'), 'prisma/seed.ts'].filter((file) => {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    return /serviceEvent\.create|timeline: /.test(text);
  });
  const patterns = [
    /\bkind: '([a-z]+(?:_[a-z]+)+)'/g,
    /\btimeline: (?:\{ kind: )?'([a-z]+(?:_[a-z]+)*)'/g,
    /\bevent\('([a-z]+(?:_[a-z]+)*)'/g,
    /_KIND = '([a-z]+(?:_[a-z]+)+)'/g,
  ];
  for (const file of files) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.set(match[1]!, file);
  }
  return found;
}

describe('the kinds of a service timeline', () => {
  const listed: readonly string[] = serviceEventKinds;

  test('every kind the domain and the seed write is listed', () => {
    const written = writtenKinds();
    expect(written.size).toBeGreaterThan(20);
    const missing = [...written].filter(([kind]) => !listed.includes(kind)).map(([kind, file]) => `${kind} (${file})`);
    expect(missing).toEqual([]);
  });

  test("every lifecycle transition's entry and every porting state's entry is listed", () => {
    for (const transition of transitions) expect(listed).toContain(transition.timeline);
    for (const state of Object.values(PortingState)) expect(listed).toContain(`porting_${state.toLowerCase()}`);
  });

  test('lists each kind once', () => {
    expect(new Set(listed).size).toBe(listed.length);
  });
});
