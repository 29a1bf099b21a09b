import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { projectRoot } from '../services/platform/projectRoot';

/** The Node.js versions the bot runs on: package.json's `engines.node`, the one statement of it. */
export function supportedRuntime(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const range = manifest.engines?.node;
  if (!range || !semver.validRange(range)) throw new Error(`package.json has no valid engines.node range (${String(range)})`);
  return range;
}

/**
 * The one line that refuses a runtime outside `range`, or undefined when `version` is supported. A Node.js that gets
 * no security fixes must not face the internet; npm's own scripts already run on the one installed in node_modules.
 */
export function unsupportedRuntime(version: string = process.version, range: string = supportedRuntime()): string | undefined {
  if (semver.satisfies(version, range)) return undefined;
  return `Node.js ${version} is not supported: the bot needs Node.js ${range}. Start it with \`npm start\`, which runs the Node.js that \`npm install\` put in node_modules.`;
}
