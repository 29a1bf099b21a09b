import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../services/platform/projectRoot';

/**
 * The Node flags `npm start` runs the bot with, read from package.json's start script, the one place they are set
 * (README, Performance, says what each of them trades), so that the bench's bot runs as `npm start` runs it.
 */
export function npmStartNodeFlags(): string[] {
  const packageJson = JSON.parse(fs.readFileSync(path.join(projectRoot(__dirname), 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const start = packageJson.scripts?.start ?? '';
  const command = start.split('&&').at(-1)!.trim().split(/\s+/);
  const script = command.indexOf('dist/bot/main.js');
  if (command[0] !== 'node' || script < 0) throw new Error(`npm start should end in "node [flags] dist/bot/main.js", not "${start}"`);
  return command.slice(1, script);
}
