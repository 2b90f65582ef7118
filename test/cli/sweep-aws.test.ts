/**
 * `gridbot sweep --aws` where AWS cannot be reached: without credentials it stops before uploading
 * anything, with one line naming what is missing and how to give it, and no stack trace; the AWS-only
 * options are refused on a local sweep and `--workers` on an AWS one.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, spawnCli } from '../support/cli.js';
import { tempDir } from '../support/sim.js';
import { dogeSweepBase, writeYaml } from '../support/sweep.js';

const dir = tempDir('gridbot-sweep-aws-');
afterAll(() => dir.remove());

const write = (name: string, doc: unknown) => writeYaml(dir.path, name, doc);

const config = write('base.yaml', dogeSweepBase([0.2, 0.21, 0.22], { region: 'eu-west-1' }));
const grid = write('sweep.yaml', { params: { base_amount_per_grid: [100, 300] } });

describe('gridbot sweep --aws', () => {
  it('without AWS credentials exits 2 with one line naming what is missing, no stack trace', async () => {
    const home = join(dir.path, 'home');
    mkdirSync(home);
    const c = spawnCli(
      ['sweep', '--config', config, '--grid', grid, '--aws', '--out', join(dir.path, 'out')],
      {
        HOME: home,
        // Nowhere else to look: no profile files, no instance metadata.
        AWS_CONFIG_FILE: join(home, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    );
    const { code } = await c.exited;
    const { out, err } = c.output();
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(
      /^gridbot: failed: AwsSetupError: no AWS credentials for region eu-west-1: set AWS_PROFILE .*AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect(err).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('refuses the AWS options on a local sweep, and --workers on AWS (exit 1)', async () => {
    const local = await cli(['sweep', '--config', config, '--grid', grid, '--bucket', 'b']);
    expect(local.code).toBe(1);
    expect(local.err).toBe('gridbot: --bucket is for a sweep on AWS: add --aws\n');
    const sm = await cli(['sweep', '--config', config, '--grid', grid, '--state-machine', 'arn:x']);
    expect(sm.err).toBe('gridbot: --state-machine is for a sweep on AWS: add --aws\n');
    const workers = await cli(['sweep', '--config', config, '--grid', grid, '--aws', '--workers', '2']);
    expect(workers.code).toBe(1);
    expect(workers.err).toMatch(/--workers is for a local sweep/);
  });

  it('refuses a bad sweep file before touching AWS (exit 1)', async () => {
    const bad = write('bad.yaml', { params: { base_amount_per_grid: [100, -5] } });
    const r = await cli(['sweep', '--config', config, '--grid', bad, '--aws']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^gridbot: combination 1 \(base_amount_per_grid=-5\) makes an invalid config/);
  });
});
