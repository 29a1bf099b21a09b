/**
 * The V8 settings the bot's process runs with (`npm start`, and the bot of `npm run bench`), each trading a little
 * CPU for memory. Measured with `npm run bench` (README, Performance): without them the bot held 650 to 900 MB under
 * load, for a live heap of about 120 MB.
 * - `--heap-growing-percent`: how far the heap may grow past what survived the last full collection before the
 *   next one. On a machine with gigabytes free V8 lets it grow up to four times, so the heap sat in hundreds of MB
 *   of garbage; unlike a cap on the heap, a limit on its growth cannot make a large import run out of memory.
 * - `--max-semi-space-size` (MB): the young generation, where every turn's short-lived objects are born, is kept
 *   small; they die there all the same.
 * - `--no-liftoff`: WebAssembly (Prisma's query compiler, the embedded PostgreSQL) compiled once by the optimising
 *   compiler instead of a baseline copy first and an optimised one beside it later; a start on the embedded
 *   database takes about 8 s instead of 4.5 s, for about 100 MB less.
 * npm's start script names them on the command line (V8 reads the young generation's size only at start);
 * test/unit/nodeFlags.test.ts keeps it in step with this list.
 */
export const BOT_NODE_FLAGS: readonly string[] = ['--heap-growing-percent=20', '--max-semi-space-size=4', '--no-liftoff'];
