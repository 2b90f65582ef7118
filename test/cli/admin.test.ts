/**
 * Operator commands from the CLI: locally against a DynamoDB endpoint (dynalite here) with the exchange
 * reached by the real ccxt client (pointed at the Binance protocol server on the paper engine), and on AWS
 * through the Lambda Invoke API (a local stand-in here).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  createDynamoClient,
  createDynamoStateStore,
  ensureStateTable,
} from '../../shared/adapters/dynamodb/index.js';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../shared/adapters/embedded/dynalite-server.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { initialKlgState } from '../../shared/domain/strategies/klg/index.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { type LocalRequest, startLocalHttpServer } from '../support/aws/local-http-server.js';
import { ACCOUNTS, type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { cli } from '../support/cli.js';
import { tempDir } from '../support/sim.js';

const TABLE = 'gridbot-cli';
const dir = tempDir('gridbot-admin-');
const LEVELS = ['94000', '94500', '95000', '95400', '95800', '96200', '96600'];
const doc = {
  accounts: [{ id: 'acct-a', exchange: 'binanceusdm' }],
  instances: [
    {
      id: 'btcklg',
      strategy: 'key_level_grid',
      account: 'acct-a',
      symbol: 'BTC/USDT:USDT',
      levels: { source: 'manual', prices: LEVELS },
      base_amount_per_grid: '0.002',
    },
  ],
};
const configPath = join(dir.path, 'deploy.yaml');
let dynamo: EmbeddedDynamo;
let store: StateStore;
let venue: PaperVenue;
let env: Record<string, string>;

beforeAll(async () => {
  writeFileSync(configPath, stringify(doc));
  dynamo = await startEmbeddedDynamo();
  await ensureStateTable(createDynamoClient({ endpoint: dynamo.endpoint }), TABLE);
  store = createDynamoStateStore({ tableName: TABLE, endpoint: dynamo.endpoint });
  await store.putConfig(parseDeploymentConfig(doc).instances[0]!);
  venue = await startPaperVenue();
  env = {
    GRIDBOT_ACCT_A_API_KEY: ACCOUNTS[0].apiKey,
    GRIDBOT_ACCT_A_SECRET: ACCOUNTS[0].apiSecret,
    GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()),
  };
}, 60_000);
afterAll(async () => {
  await venue?.stop();
  await dynamo?.stop();
  dir.remove();
});

/** A command against the local store; `--json` unless `human` (the answer for people). */
const local = (args: string[], human = false) =>
  cli(
    [
      ...args,
      '--instance',
      'btcklg',
      '--config',
      configPath,
      '--endpoint',
      dynamo.endpoint,
      '--table',
      TABLE,
      ...(human ? [] : ['--json']),
    ],
    { env },
  );

describe('admin commands against a local store', () => {
  it('status reads the instance from the store', async () => {
    const r = await local(['status']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      ok: true,
      command: 'status',
      instanceId: 'btcklg',
      detail: { instanceId: 'btcklg', initialized: false },
    });
  });

  it('close-all first answers with a confirmation token and exits 3', async () => {
    const r = await local(['close-all']);
    expect(r.code).toBe(3);
    const reply = JSON.parse(r.out);
    expect(reply).toMatchObject({ ok: false, needsConfirmation: true });
    expect(reply.confirm).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(r.err).toBe(`gridbot: ${reply.message}\n`);
  });

  it('pause stops opening orders and runs a recon pass on the exchange', async () => {
    const prices = LEVELS.map((p) => dec(p));
    await store.saveGrid(initialKlgState('btcklg', prices, Date.now()), 0);
    const r = await local(['pause', '--reason', 'maintenance']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const reply = JSON.parse(r.out);
    expect(reply.detail.paused).toBe(true);
    expect(reply.detail.recon).toMatchObject({ instanceId: 'btcklg', skipped: null });
    const state = await store.loadGrid('btcklg');
    expect(state?.paused).toBe(true);
    expect(state?.pauseReason).toBe('maintenance');
    // Paused: the recon placed no buy on the exchange.
    expect(venue.engine.openOrders(ACCOUNTS[0].id, 'BTCUSDT').filter((o) => o.side === 'BUY')).toEqual([]);
  });

  it('answers people by default: what was done, then the details', async () => {
    const r = await local(['status'], true);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^status btcklg: done\n {2}instanceId: btcklg\n/);
    const confirm = await local(['close-all'], true);
    expect(confirm.code).toBe(3);
    expect(confirm.out).toMatch(
      /^close-all needs confirmation: .*\n {2}run it again with --confirm [A-Za-z0-9_-]{22}\n$/,
    );
  });

  it('needs a config with --endpoint', async () => {
    const r = await cli(['status', '--instance', 'btcklg', '--endpoint', dynamo.endpoint]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'gridbot: status: --endpoint needs --config <file>: the deployment the store belongs to\n',
    );
  });

  it('refuses an instance the config does not declare', async () => {
    const r = await cli([
      'status',
      '--instance',
      'nope',
      '--config',
      configPath,
      '--endpoint',
      dynamo.endpoint,
      '--table',
      TABLE,
    ]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^gridbot: failed: Error: no instance "nope" in .*deploy\.yaml \(known: btcklg\)\n$/,
    );
  });
});

describe('admin commands on AWS', () => {
  it('invoke the admin function with the command and print its answer', async () => {
    const seen: LocalRequest[] = [];
    const lambda = await startLocalHttpServer((req) => {
      seen.push(req);
      return {
        status: 200,
        body: JSON.stringify({
          ok: true,
          command: 'resume',
          instanceId: 'btcklg',
          detail: { paused: false },
        }),
      };
    });
    try {
      const r = await cli(
        [
          'resume',
          '--instance',
          'btcklg',
          '--aws',
          '--function',
          'prod-admin',
          '--region',
          'ap-northeast-1',
          '--json',
        ],
        {
          env: {
            GRIDBOT_LAMBDA_ENDPOINT: lambda.endpoint,
            AWS_ACCESS_KEY_ID: 'test',
            AWS_SECRET_ACCESS_KEY: 'test',
            GRIDBOT_CALLER: 'carol@ops',
          },
        },
      );
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).detail).toEqual({ paused: false });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.path).toBe('/2015-03-31/functions/prod-admin/invocations');
      // The command names who asked; the admin function journals it.
      expect(JSON.parse(seen[0]!.body)).toEqual({
        command: 'resume',
        instanceId: 'btcklg',
        caller: 'carol@ops',
      });
    } finally {
      await lambda.stop();
    }
  });

  it('with --aws and the deployment config: the admin function of the instance account, in the config region', async () => {
    const seen: LocalRequest[] = [];
    const lambda = await startLocalHttpServer((req) => {
      seen.push(req);
      return {
        status: 200,
        body: JSON.stringify({ ok: true, command: 'status', instanceId: 'btcklg', detail: {} }),
      };
    });
    try {
      const env = {
        GRIDBOT_LAMBDA_ENDPOINT: lambda.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
      const r = await cli(['status', '--instance', 'btcklg', '--aws', '--config', configPath], { env });
      expect(r.code).toBe(0);
      const account = parseDeploymentConfig(doc).accounts[0]!.id;
      expect(seen[0]!.path).toBe(`/2015-03-31/functions/gridbot-admin-${account}/invocations`);
      expect(String(seen[0]!.headers.authorization)).toContain(
        `/${parseDeploymentConfig(doc).region}/lambda/`,
      );
      const none = await cli(['status', '--instance', 'btcklg', '--aws'], { env });
      expect(none.code).toBe(1);
      expect(none.err).toMatch(/--aws needs the admin function: give --config/);
    } finally {
      await lambda.stop();
    }
  });

  it('exit 2 with the reason when the function fails', async () => {
    const lambda = await startLocalHttpServer(() => ({
      status: 200,
      headers: { 'x-amz-function-error': 'Unhandled' },
      body: JSON.stringify({ errorMessage: 'boom' }),
    }));
    try {
      const r = await cli(['status', '--instance', 'btcklg', '--aws', '--function', 'gridbot-admin'], {
        env: {
          GRIDBOT_LAMBDA_ENDPOINT: lambda.endpoint,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_REGION: 'ap-northeast-1',
        },
      });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^gridbot: failed: Error: the admin function failed \(Unhandled\): .*boom/);
    } finally {
      await lambda.stop();
    }
  });
});
