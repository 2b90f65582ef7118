/**
 * `npm run bench`: runs every `test/bench/*.bench.ts` (or those whose name contains an argument) and prints
 * their figures. Each bench module default-exports `{ name, run }`; `run` prints its own table.
 * Benchmarks measure; they never assert wall-clock limits (the machines are shared and noisy).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface Bench {
  readonly name: string;
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: Bench };
  console.log(`\n=== ${mod.default.name} (${file}) ===`);
  const started = performance.now();
  await mod.default.run();
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
