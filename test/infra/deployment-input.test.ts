import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  deploymentInputFrom,
  loadDeploymentInput,
  sliceForAccount,
  tradedAccounts,
} from '../../lib/config/deployment-input.js';
import { DEFAULT_INFRA_OPTIONS, infraOptionsFrom } from '../../lib/config/infra-options.js';
import { planSchedules } from '../../lib/constructs/instance-schedules.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { sharedData } from '../support/paper.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { asKlgConfig } from '../support/strategies/klg/state.js';
import { CDK_CONTEXT } from './synth.js';

const main = { id: 'main', exchange: 'binanceusdm' };

describe('deployment config for AWS', () => {
  it('loads the example config the README deploys', () => {
    const input = loadDeploymentInput('examples/deploy.yaml');
    expect(input.config.region).toBe('ap-northeast-1');
    expect(input.config.instances.map((i) => i.id)).toEqual(['dogeklg']);
  });

  it('reads JSON as well as YAML, and names a missing file and the way to pass another', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbot-cfg-'));
    writeFileSync(join(dir, 'd.json'), JSON.stringify({ accounts: [main], instances: [klgConfigInput()] }));
    expect(loadDeploymentInput(join(dir, 'd.json')).config.accounts[0]?.id).toBe('main');
    expect(() => loadDeploymentInput(join(dir, 'nope.yaml'))).toThrow(
      /cannot read the deployment config .*-c config=<file>/,
    );
  });

  it('refuses a symbol the venue does not list when an exchangeInfo file is given (cdk synth -c exchangeInfo=)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridbot-cfg-'));
    const info = join(sharedData, 'fixtures/binance_usdm_exchangeInfo_2025-11-26_full.json');
    const file = join(dir, 'd.json');
    writeFileSync(
      file,
      JSON.stringify({ accounts: [main], instances: [klgConfigInput({ symbol: 'DOGGO/USDT:USDT' })] }),
    );
    expect(() => loadDeploymentInput(file, { exchangeInfo: info })).toThrow(
      /instances\[0\] "dogeklg": symbol "DOGGO\/USDT:USDT" \(DOGGOUSDT\) is not listed/,
    );
    // Without a listing at hand nothing can be said about the symbol.
    expect(asKlgConfig(loadDeploymentInput(file).config.instances[0]).symbol).toBe('DOGGO/USDT:USDT');
    expect(loadDeploymentInput('examples/deploy.yaml', { exchangeInfo: info }).config.instances).toHaveLength(
      1,
    );
  });

  it('refuses paper accounts, which only the simulator can run', () => {
    expect(() =>
      deploymentInputFrom(
        { accounts: [{ id: 'sim', exchange: 'paper' }], instances: [klgConfigInput({ account: 'sim' })] },
        'deploy.yaml',
      ),
    ).toThrow(/accounts\[0\] "sim": exchange "paper" runs only in the simulator/);
  });

  it('refuses intervals the scheduler cannot express, naming the field and the fix', () => {
    expect(() =>
      deploymentInputFrom(
        { accounts: [main], instances: [klgConfigInput({ risk_interval_sec: 90 })] },
        'd.yaml',
      ),
    ).toThrow(/instances\[0\] "dogeklg": risk_interval_sec is 90; .* use a multiple of 60/);
  });

  it('gives each account a config of its own account and instances only, still valid for the runtime', () => {
    const input = deploymentInputFrom(
      {
        accounts: [main, { id: 'b', exchange: 'okx' }, { id: 'idle', exchange: 'okx' }],
        instances: [klgConfigInput(), klgConfigInput({ id: 'two', account: 'b' })],
      },
      'd.yaml',
    );
    const slice = sliceForAccount(input, 'b');
    expect(slice.accounts).toEqual([{ id: 'b', exchange: 'okx' }]);
    expect((slice.instances as { id: string }[]).map((i) => i.id)).toEqual(['two']);
    expect(asKlgConfig(parseDeploymentConfig(slice).instances[0]!).account).toBe('b');
    expect(tradedAccounts(input.config).map((a) => a.id)).toEqual(['main', 'b']);
  });
});

describe('schedule plan', () => {
  const plan = (o: Parameters<typeof klgConfigInput>[0]) =>
    planSchedules(parseDeploymentConfig({ accounts: [main], instances: [klgConfigInput(o)] }).instances[0]!);

  it('runs recon every whole number of minutes as one schedule', () => {
    expect(plan({ recon_interval_sec: 180, recompute_interval_sec: 7200, risk_interval_sec: 600 })).toEqual([
      { name: 'dogeklg-recon', role: 'recon', everyMinutes: 3 },
      { name: 'dogeklg-recompute', role: 'recompute', everyMinutes: 120 },
      { name: 'dogeklg-risk', role: 'risk', everyMinutes: 10 },
    ]);
  });

  it('runs a 30-second recon as two passes each minute', () => {
    expect(plan({ recon_interval_sec: 30 }).filter((p) => p.role === 'recon')).toEqual([
      { name: 'dogeklg-recon', role: 'recon', everyMinutes: 1, pass: 1 },
      { name: 'dogeklg-recon-2', role: 'recon', everyMinutes: 1, pass: 2 },
    ]);
  });
});

describe('infra options from CDK context', () => {
  const from = (ctx: Record<string, unknown>) => infraOptionsFrom((k) => ctx[k]);

  it('defaults to a public-subnet deployment named gridbot: Spot worker (with its on-demand fallback), no dashboards, no Container Insights, no sweep stack', () => {
    expect(from({})).toEqual({
      name: 'gridbot',
      egress: 'public',
      logRetentionDays: 30,
      createSecrets: true,
      instancesPerStack: 40,
      workerSpot: true,
      dashboards: false,
      containerInsights: false,
      sweep: false,
      sweepConcurrency: 20,
    });
  });

  it('deploys with cdk.json what the defaults say (cdk.json sets the same values, Spot included)', () => {
    expect(infraOptionsFrom((k) => CDK_CONTEXT[k])).toEqual(DEFAULT_INFRA_OPTIONS);
  });

  it('parses command-line strings', () => {
    expect(
      from({
        name: 'prod',
        egress: 'nat',
        logRetentionDays: '90',
        createSecrets: 'false',
        workerSpot: 'false',
        dashboards: 'true',
        containerInsights: 'true',
        sweep: 'true',
        sweepConcurrency: '50',
      }),
    ).toMatchObject({
      name: 'prod',
      egress: 'nat',
      logRetentionDays: 90,
      createSecrets: false,
      workerSpot: false,
      dashboards: true,
      containerInsights: true,
      sweep: true,
      sweepConcurrency: 50,
    });
  });

  it('names the bad value and the accepted ones', () => {
    expect(() => from({ egress: 'vpn' })).toThrow(/"egress" is "vpn": use "public" .* or "nat"/);
    expect(() => from({ logRetentionDays: '10' })).toThrow(
      /"logRetentionDays" is 10: CloudWatch accepts 1, 3/,
    );
    expect(() => from({ name: 'Prod_1' })).toThrow(/"name" is "Prod_1"/);
    expect(() => from({ createSecrets: 'yes' })).toThrow(/"createSecrets" is "yes": expected true or false/);
    expect(() => from({ instancesPerStack: '0' })).toThrow(/"instancesPerStack" is 0/);
    expect(() => from({ sweepConcurrency: '0' })).toThrow(/"sweepConcurrency" is 0: use 1-1000/);
  });
});
