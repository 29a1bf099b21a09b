// Lets plain Node run the project's TypeScript as it is (`node -r ./test/support/typescriptHook.js bot/main.ts`), so
// a test can start the bot exactly as `npm start` does, its main() and exit codes included, without building dist/.
//
// The suite starts such processes dozens of times: each file's JavaScript is kept in the temporary folder under the
// hash of its source, so only a changed file is transpiled again, and TypeScript is loaded only then.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// transpileModule takes the options as tsconfig.json spells them; they are part of the cache key.
const compilerOptions = { module: 'commonjs', target: 'es2022', esModuleInterop: true, resolveJsonModule: true };
const cacheDir = path.join(os.tmpdir(), 'sim-typescript-hook');
const cacheVersion = `${require('typescript/package.json').version}\n${JSON.stringify(compilerOptions)}`;

function transpiled(filename, source) {
  const ts = require('typescript');
  const { options } = ts.convertCompilerOptionsFromJson(compilerOptions, '');
  return ts.transpileModule(source, { fileName: filename, compilerOptions: options }).outputText;
}

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(`${cacheVersion}\n${filename}\n${source}`).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = transpiled(filename, source);
    // Written aside and renamed: processes starting together never read half a file.
    fs.mkdirSync(cacheDir, { recursive: true });
    const aside = `${cached}.${process.pid}`;
    fs.writeFileSync(aside, output);
    fs.renameSync(aside, cached);
  }
  module._compile(output, filename);
};
