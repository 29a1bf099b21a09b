import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import semver from 'semver';
import { supportedRuntime, unsupportedRuntime } from '../../bot/runtime';

// Issue 22: Node.js 20 gets no security fixes since April 2026. The bot runs on a maintained line, installed with it
// by `npm install`, and refuses another with one line instead of serving on it.

const root = path.join(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
};

describe('the runtime the bot runs on', () => {
  it("is package.json's engines range: past lines are refused, the 24 line it is tested on is taken", () => {
    expect(supportedRuntime()).toBe(manifest.engines.node);
    for (const past of ['v18.20.8', 'v20.20.2', 'v22.23.3']) expect(unsupportedRuntime(past)).toContain(`Node.js ${past} is not supported`);
    expect(unsupportedRuntime('v24.21.0')).toBeUndefined();
  });

  it('is the one npm install puts in node_modules, and the one this suite runs on', () => {
    const installed = spawnSync(path.join(root, 'node_modules', '.bin', 'node'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(semver.satisfies(installed, manifest.engines.node)).toBe(true);
    expect(semver.satisfies(semver.minVersion(manifest.dependencies.node!)!, manifest.engines.node)).toBe(true);
    expect(unsupportedRuntime()).toBeUndefined();
  });

  it('an unsupported one is refused at start with one line, before anything is opened or served', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-runtime-'));
    // The process believes it is an old Node.js: the refusal reads process.version like any start would.
    const olderNode = path.join(dataDir, 'olderNode.js');
    fs.writeFileSync(olderNode, "Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n");
    try {
      const run = spawnSync(
        process.execPath,
        ['-r', olderNode, '-r', path.join(root, 'test/support/typescriptHook.js'), path.join(root, 'bot/main.ts')],
        { cwd: root, encoding: 'utf8', env: { ...process.env, PORT: '0', DATA_DIR: dataDir, DATABASE_URL: '' }, timeout: 60_000 },
      );
      expect(run.status).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toEqual([
        `Node.js v20.20.2 is not supported: the bot needs Node.js ${manifest.engines.node}. Start it with \`npm start\`, which runs the Node.js that \`npm install\` put in node_modules.`,
      ]);
      expect(fs.readdirSync(dataDir)).toEqual(['olderNode.js']);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
