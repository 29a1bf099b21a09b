import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { npmStartNodeFlags } from '../../bench/npmStart';

/** The bench runs its bot with npm start's Node flags, and this Node accepts every one of them. */
describe("npm start's Node flags", () => {
  const flags = npmStartNodeFlags();

  it('are the flags of the start script, before the bot itself', () => {
    const start = (JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    expect(start).toContain(['node', ...flags, 'dist/bot/main.js'].join(' '));
    expect(flags).toEqual(expect.arrayContaining([expect.stringMatching(/^--heap-growing-percent=\d+$/), expect.stringMatching(/^--max-semi-space-size=\d+$/), '--liftoff-only']));
  });

  it('are all known to this Node', () => {
    const run = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write("ran")'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ran');
  });
});
