/**
 * Measurements for `npm run bench -- infra` (test/bench/infra.bench.ts runs this; it lives here because only
 * bin/ and test/infra may import lib/). Size of each Lambda bundle with one ccxt exchange class (as `cdk synth`
 * builds it) and with the whole ccxt package, and the cold import time of each bundle (a fresh `node`
 * requiring the built file; median and minimum of several runs). Entries: the real handlers under functions/,
 * a ccxt-only probe, and the test probe that imports what a handler imports.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions, REPO_ROOT } from '../../lib/bundling/lambda-bundling.js';
import type { Venue } from '../../lib/config/deployment-input.js';
import { FUNCTION_ROLES, functionEntry } from '../../lib/runtime-contract.js';
import { percentile } from '../bench/stats.js';

const RUNS = 11;
const MB = 1024 * 1024;
const ENV = {
  GRIDBOT_TABLE: 'bench',
  GRIDBOT_TOPIC_ARN: 'arn:aws:sns:ap-northeast-1:1:bench',
  AWS_REGION: 'ap-northeast-1',
};

/** One cold import: a fresh node process timing `require` of the bundle (node's own start-up excluded). */
function coldImportOnce(file: string): number {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      `const t = performance.now(); require(${JSON.stringify(file)}); console.log(performance.now() - t);`,
    ],
    { encoding: 'utf8', env: { ...process.env, ...ENV, NODE_NO_WARNINGS: '1' } },
  );
  return Number(out.trim().split('\n').pop());
}

interface Built {
  readonly entry: string;
  readonly ccxt: string;
  readonly outfile: string;
  readonly buildMs: number;
  readonly samples: number[];
}

async function bundle(label: string, entry: string, venue: Venue | null, dir: string): Promise<Built> {
  const outfile = join(dir, `${label.replace(/\W+/g, '-')}-${venue ?? 'all'}`, 'index.js');
  const started = performance.now();
  await build(esbuildOptions(entry, outfile, venue));
  const buildMs = Math.round(performance.now() - started);
  return { entry: label, ccxt: venue ?? 'whole package', outfile, buildMs, samples: [] };
}

export async function reportBundles(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gridbot-bundles-'));
  const entries: [string, string][] = [
    ['ccxt only', join(REPO_ROOT, 'test/infra/fixtures/ccxt-only.ts')],
    ['handler probe', join(REPO_ROOT, 'test/infra/fixtures/exchange-handler.ts')],
    ...FUNCTION_ROLES.map((r): [string, string] => [r, join(REPO_ROOT, functionEntry(r))]).filter(([, f]) =>
      existsSync(f),
    ),
  ];
  const built: Built[] = [];
  for (const [label, entry] of entries) {
    for (const venue of ['binanceusdm', 'okx', null] as const) {
      if (venue === 'okx' && label !== 'ccxt only') continue;
      built.push(await bundle(label, entry, venue, dir));
    }
  }
  // Round-robin, so load from anything else on the machine spreads over every bundle alike.
  for (let i = 0; i < RUNS; i++) for (const b of built) b.samples.push(coldImportOnce(b.outfile));
  console.table(
    built.map((b) => ({
      entry: b.entry,
      ccxt: b.ccxt,
      'bundle MB': (statSync(b.outfile).size / MB).toFixed(2),
      'build ms': b.buildMs,
      'cold import p50 ms': percentile(b.samples, 50).toFixed(0),
      'min ms': Math.min(...b.samples).toFixed(0),
    })),
  );
  console.log(`(${RUNS} cold imports per bundle, node ${process.version}; bundles in ${dir})`);
}
