// A job worker in a process of its own, for test/reliability/jobQueueProcesses.test.ts. Plain JavaScript so that
// `node` runs it directly: it compiles the TypeScript it requires on the fly with the project's own compiler
// (transpile only, as ts-jest's isolatedModules does), so no build is needed.
//
// Environment: DATABASE_URL (the shared test database), WORKER_ID, CONCURRENCY, LOCK_MS.
// Prints "ready" once polling; SIGTERM stops it gracefully (running jobs finish), SIGKILL is what the test uses
// to make it die mid-job.
'use strict';
const fs = require('node:fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};

const { z } = require('zod');
const { openDatabase } = require('../../services/platform/db/database');
const { JobWorker, jobHandler } = require('../../services/platform/jobQueue');

const workerId = process.env.WORKER_ID;

async function main() {
  const db = await openDatabase({ kind: 'postgresql', url: process.env.DATABASE_URL });
  const record = (action, ctx) =>
    db.prisma.auditEvent.create({
      data: { action, subjectType: 'Job', subjectId: ctx.id, after: { workerId, attempt: ctx.attempt } },
    });
  const worker = new JobWorker({
    db: db.prisma,
    workerId,
    concurrency: Number(process.env.CONCURRENCY),
    lockMs: Number(process.env.LOCK_MS),
    pollIntervalMs: 50,
    handlers: {
      record: jobHandler(z.object({ n: z.number().int(), hangIn: z.string().optional() }), async (payload, ctx) => {
        await record('test.job.started', ctx);
        if (payload.hangIn === workerId) await new Promise(() => undefined); // mid-job until killed
        await new Promise((resolve) => setTimeout(resolve, 2));
        await record('test.job.finished', ctx);
      }),
    },
  });
  worker.start();
  process.stdout.write('ready\n');
  process.once('SIGTERM', async () => {
    await worker.stop();
    await db.close();
    process.exit(0);
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
