// Lets plain Node run the project's TypeScript as it is (`node -r ./test/support/typescriptHook.js bot/main.ts`), so
// a test can start the bot exactly as `npm start` does, its main() and exit codes included, without building dist/.
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true },
  });
  module._compile(outputText, filename);
};
