import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { BOT_NODE_FLAGS } from '../../bot/nodeFlags';

/** npm start runs the bot with the V8 flags the bench measured it with, and this Node accepts every one of them. */
describe("the bot's V8 flags", () => {
  const packageJson = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
  const startCommand = packageJson.scripts.start!.split('&&').at(-1)!.trim().split(/\s+/);

  it('are the flags of the start script, before the bot itself', () => {
    const script = startCommand.indexOf('dist/bot/main.js');
    expect(script).toBeGreaterThan(0);
    const flags = startCommand.slice(1, script).filter((flag) => !flag.startsWith('--disable-warning'));
    expect(flags).toEqual([...BOT_NODE_FLAGS]);
  });

  it('are all known to this Node', () => {
    const run = spawnSync(process.execPath, [...BOT_NODE_FLAGS, '-e', 'process.stdout.write("ran")'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ran');
  });
});
