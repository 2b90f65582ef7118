import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { startLocalEcs } from '../support/aws/ecs-server.js';
import { LOCAL_AWS_CREDENTIALS } from '../support/aws/local-http-server.js';
import { startLocalSns } from '../support/aws/sns-server.js';
import { resourcesOf, synthesize } from './synth.js';

/**
 * Bundles the real functions exactly as `cdk synth` does (NodejsFunction, local esbuild, the account's ccxt
 * class only) and inspects what would ship: size, source map, a module that loads without protobufjs.
 */
const MB = 1024 * 1024;

interface Bundle {
  readonly description: string;
  readonly file: string;
  readonly bytes: number;
}

let all: Bundle[];
/** The trading functions: each carries its account's ccxt class. */
let bundles: Bundle[];

beforeAll(() => {
  const s = synthesize(undefined, {}, { bundle: true, entries: {}, workerCapacityEntry: undefined });
  all = resourcesOf(s.trading, 'AWS::Lambda::Function').map(([, fn]) => {
    const key = (fn.Properties.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    const file = join(s.app.outdir, `asset.${key}`, 'index.js');
    return { description: String(fn.Properties.Description), file, bytes: statSync(file).size };
  });
  bundles = all.filter((b) => b.description.includes(', account '));
  console.table(all.map((b) => ({ function: b.description, 'index.js (MB)': (b.bytes / MB).toFixed(2) })));
}, 120_000);

describe('Lambda bundles', () => {
  it('bundles every function with one ccxt exchange class, well under a whole-ccxt bundle', () => {
    expect(bundles.map((b) => b.description).sort()).toEqual([
      'gridbot admin, account main (binanceusdm)',
      'gridbot recompute, account main (binanceusdm)',
      'gridbot recon, account main (binanceusdm)',
      'gridbot risk, account main (binanceusdm)',
    ]);
    for (const b of bundles) {
      expect(b.bytes, b.description).toBeLessThan(3.5 * MB);
      const text = readFileSync(b.file, 'utf8');
      expect(text).toContain('"binanceusdm"');
      // Exchange ids that only the whole package carries.
      expect(text).not.toContain('"kucoinfutures"');
      expect(text).not.toContain('"hyperliquid"');
    }
  });

  it('bundles the Spot fallback function without ccxt', () => {
    const others = all.filter((b) => !bundles.includes(b));
    expect(others.map((b) => b.description)).toEqual([
      'gridbot worker capacity: the Spot worker falls back to on-demand Fargate and returns',
    ]);
    const text = readFileSync(others[0]!.file, 'utf8');
    expect(text).not.toContain('"binanceusdm"');
    expect(text).toContain('SERVICE_TASK_PLACEMENT_FAILURE');
    expect(others[0]!.bytes).toBeLessThan(1.5 * MB);
  });

  it('moves a stuck Spot worker to on demand as shipped: the bundle against a local ECS and SNS', async () => {
    const bundle = all.find((b) => !bundles.includes(b))!;
    const now = Date.now();
    const [ecs, sns] = await Promise.all([startLocalEcs({ now: () => Date.now() }), startLocalSns()]);
    try {
      ecs.deployedOn(
        { capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }] },
        now - 600_000,
        {
          running: 0,
        },
      );
      // Not execFileSync: the local servers answer from this process's event loop.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(bundle.file)}).handler({ action: 'check' }).then((o) => process.stdout.write('\\n' + JSON.stringify(o)))`,
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            NODE_NO_WARNINGS: '1',
            AWS_REGION: 'ap-northeast-1',
            AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
            GRIDBOT_WORKER_CLUSTER: ecs.cluster,
            GRIDBOT_WORKER_SERVICE: ecs.service,
            GRIDBOT_TOPIC_ARN: sns.createTopic('alerts'),
            GRIDBOT_ECS_ENDPOINT: ecs.endpoint,
            GRIDBOT_SNS_ENDPOINT: sns.endpoint,
          },
        },
      );
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({
        from: 'FARGATE_SPOT',
        decision: { move: 'FARGATE' },
      });
      expect(ecs.calls.map((c) => c.operation)).toEqual(['DescribeServices', 'UpdateService']);
      expect(sns.published.map((m) => JSON.parse(m.attributes.alert!.value).code)).toEqual([
        'worker_spot_fallback',
      ]);
    } finally {
      await Promise.all([ecs.stop(), sns.stop()]);
    }
  });

  it('ships a source map with each bundle', () => {
    for (const b of all) expect(statSync(`${b.file}.map`).size).toBeGreaterThan(0);
  });

  it('loads in a bare node without protobufjs or any environment, exporting the handler', () => {
    for (const b of all) {
      const out = execFileSync(
        process.execPath,
        ['-e', `console.log(typeof require(${JSON.stringify(b.file)}).handler)`],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', NODE_NO_WARNINGS: '1' } },
      );
      expect(out.trim(), b.description).toBe('function');
    }
  });

  it('keeps class names, so ccxt errors read as themselves in logs', () => {
    expect(readFileSync(bundles[0]!.file, 'utf8')).toMatch(/"OrderNotFound"/);
  });
});
