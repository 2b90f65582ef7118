import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentInput, FIXTURES, resourcesOf, type Synthesized, synthesize } from './synth.js';

/**
 * Bundles the functions exactly as `cdk synth` does (NodejsFunction, local esbuild) and inspects what would
 * ship: one ccxt exchange class per bundle, loadable without protobufjs, and its size.
 */
const PROBE = join(FIXTURES, 'exchange-handler.ts');
const MB = 1024 * 1024;

interface Bundle {
  readonly description: string;
  readonly file: string;
  readonly bytes: number;
}

let s: Synthesized;
let bundles: Bundle[];

beforeAll(() => {
  s = synthesize(
    deploymentInput(),
    {},
    {
      bundle: true,
      entries: { recon: PROBE, recompute: PROBE, risk: PROBE, admin: PROBE },
    },
  );
  const outdir = s.app.outdir;
  bundles = resourcesOf(s.trading, 'AWS::Lambda::Function').map(([, fn]) => {
    const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    const file = join(outdir, `asset.${key}`, 'index.js');
    return { description: String(fn.Properties.Description), file, bytes: statSync(file).size };
  });
  console.table(
    bundles.map((b) => ({ function: b.description, 'index.js (MB)': (b.bytes / MB).toFixed(2) })),
  );
}, 120_000);

function runProbe(file: string, venue: string): string {
  return execFileSync(
    process.execPath,
    [
      '-e',
      `require(${JSON.stringify(file)}).handler({ venue: ${JSON.stringify(venue)} }).then((r) => console.log(JSON.stringify(r)), (e) => console.log('ERR ' + e.message))`,
    ],
    { encoding: 'utf8', env: { ...process.env, AWS_REGION: 'ap-northeast-1', NODE_NO_WARNINGS: '1' } },
  ).trim();
}

describe('Lambda bundles', () => {
  it('bundles every function, each well under the size of a whole-ccxt bundle', () => {
    expect(bundles).toHaveLength(4);
    for (const b of bundles) {
      expect(b.bytes, b.description).toBeGreaterThan(0.5 * MB);
      expect(b.bytes, b.description).toBeLessThan(3.5 * MB);
    }
  });

  it('ships a source map with each bundle', () => {
    for (const b of bundles) expect(statSync(`${b.file}.map`).size).toBeGreaterThan(0);
  });

  it('loads without protobufjs and builds a client for its own venue only', () => {
    const binance = bundles.find((b) => b.description === 'gridbot recon, account main (binanceusdm)')!;
    expect(JSON.parse(runProbe(binance.file, 'binanceusdm'))).toMatchObject({
      id: 'binanceusdm',
      code: '-5022',
    });
    expect(runProbe(binance.file, 'okx')).toBe('ERR ccxt pro has no exchange class okx');
  });

  it('keeps class names, so ccxt errors read as themselves in logs', () => {
    const text = readFileSync(bundles[0]!.file, 'utf8');
    expect(text).toMatch(/"OrderNotFound"/);
  });
});
