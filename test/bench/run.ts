/**
 * `npm run bench [-- <name> [<name>…]]`: runs the named benches of `catalog.ts` (every one without a name)
 * and prints their figures; `-h` / `--help` lists them, and an unknown name prints the list and exits 2.
 * Each bench module `test/bench/<name>.bench.ts` default-exports `{ name, run }`; `run` prints its own lines,
 * latency figures through `stats.ts`. Benchmarks measure; they never assert wall-clock limits (the machines
 * are shared and noisy): a figure over its budget is flagged, not failed.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CATALOG, KIND_NOTE, usage } from './catalog.js';

export interface Bench {
  readonly name: string;
  run(): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
if (args.includes('-h') || args.includes('--help')) {
  console.log(usage());
  process.exit(0);
}
const unknown = args.filter((a) => !CATALOG.some((b) => b.name === a));
if (unknown.length > 0) {
  console.error(`unknown bench${unknown.length > 1 ? 'es' : ''}: ${unknown.join(', ')}\n`);
  console.error(usage());
  process.exit(2);
}
const chosen = CATALOG.filter((b) => args.length === 0 || args.includes(b.name));

for (const entry of chosen) {
  const file = join(here, `${entry.name}.bench.ts`);
  if (!existsSync(file)) throw new Error(`the catalog names ${entry.name} but ${file} does not exist`);
  const mod = (await import(pathToFileURL(file).href)) as { default: Bench };
  console.log(`\n=== ${entry.name}: ${mod.default.name} ===`);
  for (const kind of entry.kinds) console.log(`(${KIND_NOTE[kind]})`);
  const started = performance.now();
  await mod.default.run();
  console.log(`(${entry.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
