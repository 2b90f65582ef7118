/**
 * `gridbot run`: the bot live on one machine, against the Binance protocol server (real ccxt inside),
 * credentials from the environment, state in the embedded store on disk.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { type CliProcess, cli, spawnCli } from '../support/cli.js';
import { until } from '../support/e2e/harness.js';
import { GRID_MARKETS } from '../support/e2e/markets.js';
import { tempDir } from '../support/sim.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

const dir = tempDir('gridbot-run-');
const account = ACCOUNTS[0];
// The child-process runs trade on the other account, with an instance of their own.
const other = ACCOUNTS[1];
let venue: PaperVenue;
const children: CliProcess[] = [];

beforeAll(async () => {
  venue = await startPaperVenue();
  venue.moveTo('DOGEUSDC', '0.185');
  writeFileSync(
    join(dir.path, 'deploy.json'),
    JSON.stringify({
      accounts: [{ id: account.id, exchange: 'binanceusdm' }],
      instances: [klgConfigInput({ account: account.id })],
    }),
  );
  writeFileSync(
    join(dir.path, 'deploy-unworkable.json'),
    JSON.stringify({
      accounts: [{ id: other.id, exchange: 'binanceusdm' }],
      // Ten million DOGE per level (≈ 1.9 M USDC) on the account's balance: cannot work.
      instances: [klgConfigInput({ id: 'bigklg', account: other.id, base_amount_per_grid: '10000000' })],
    }),
  );
  writeFileSync(
    join(dir.path, 'deploy-b.json'),
    JSON.stringify({
      accounts: [{ id: other.id, exchange: 'binanceusdm' }],
      instances: [klgConfigInput({ id: 'procklg', account: other.id })],
    }),
  );
});
afterAll(async () => {
  for (const c of children) c.kill();
  await venue?.stop();
  dir.remove();
});

let runs = 0;
/**
 * `gridbot run` on account b as a child process, with its own data directory. It runs in the temporary
 * directory, where no `.env` is: Node 20 itself reads an `--env-file` argument given after the script
 * (and exits 9 when the file is missing), so the child gets its credentials from the environment only.
 */
function runChild(env: Record<string, string>, more: string[] = []): CliProcess {
  runs += 1;
  const c = spawnCli(
    [
      'run',
      '--config',
      join(dir.path, 'deploy-b.json'),
      '--data-dir',
      join(dir.path, `data-b${runs}`),
      ...more,
    ],
    env,
    dir.path,
  );
  children.push(c);
  return c;
}

const credentials = () => ({
  GRIDBOT_ACCT_B_API_KEY: other.apiKey,
  GRIDBOT_ACCT_B_SECRET: other.apiSecret,
  GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()),
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starting `bin/gridbot.js` (tsx, the embedded store, ccxt) takes a few seconds on a busy machine. */
const STARTUP_MS = 20_000;

describe('gridbot run', () => {
  it('lays the grid out, keeps running for the time given, and stops leaving the orders in place', async () => {
    const env = {
      GRIDBOT_ACCT_A_API_KEY: account.apiKey,
      GRIDBOT_ACCT_A_SECRET: account.apiSecret,
      GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()),
    };
    const args = [
      'run',
      '--config',
      join(dir.path, 'deploy.json'),
      '--data-dir',
      join(dir.path, 'data'),
      '--env-file',
      join(dir.path, 'none.env'),
      '--for',
      '2',
    ];
    const r = await cli(args, { env });
    expect(r.err).toContain('1 instance(s) live');
    expect(r.out).toMatch(/stopped after \d+ scheduled job\(s\)/);
    expect(r.code).toBe(0);
    expect(venue.engine.openOrders(account.id, 'DOGEUSDC').filter((o) => o.side === 'BUY')).toHaveLength(4);
    // One readable line per order on stdout (the JSON logs are on stderr).
    const placed = r.out
      .split('\n')
      .filter((l) => /^\d\d:\d\d:\d\d dogeklg {2}BUY {3}100 @ 0\.1[5-8] {2}placed/.test(l));
    expect(placed).toHaveLength(4);
    expect(r.out + r.err).not.toContain(account.apiSecret);
  });

  it('refuses a bad --for with a one-line reason', async () => {
    const r = await cli(['run', '--config', join(dir.path, 'deploy.json'), '--for', 'soon']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('gridbot: --for soon: give a duration > 0: seconds, or 30s, 5m, 2h\n');
  });
});

describe('gridbot run on OKX', () => {
  it('lays the grid out on an OKX swap through the OKX protocol server, passphrase from the environment', async () => {
    const okx = await startPaperVenue({ venue: 'okx' });
    try {
      const m = GRID_MARKETS.okx;
      okx.moveTo(m.engineSymbol, m.px('0.185'));
      const config = join(dir.path, 'deploy-okx.json');
      writeFileSync(
        config,
        JSON.stringify({
          accounts: [{ id: account.id, exchange: 'okx' }],
          instances: [
            klgConfigInput({
              account: account.id,
              symbol: m.symbol,
              levels: { source: 'manual', prices: ['0.15', '0.16', '0.17', '0.18', '0.19', '0.2'].map(m.px) },
              base_amount_per_grid: m.qty('100'),
            }),
          ],
        }),
      );
      const env = {
        GRIDBOT_ACCT_A_API_KEY: account.apiKey,
        GRIDBOT_ACCT_A_SECRET: account.apiSecret,
        GRIDBOT_ACCT_A_PASSWORD: account.passphrase,
        GRIDBOT_API_URLS: JSON.stringify({ okx: okx.server.ccxtApiUrls() }),
      };
      const args = ['run', '--config', config, '--data-dir', join(dir.path, 'data-okx'), '--for', '2'];
      const r = await cli(args, { env });
      expect(r.err).toContain('1 instance(s) live');
      expect(r.code).toBe(0);
      const buys = okx.engine.openOrders(account.id, m.engineSymbol).filter((o) => o.side === 'BUY');
      expect(buys.map((o) => o.price.toFixed()).sort()).toEqual(['0.15', '0.16', '0.17', '0.18'].map(m.px));
      expect(r.out + r.err).not.toContain(account.passphrase);
      expect(r.out + r.err).not.toContain(account.apiSecret);
    } finally {
      await okx.stop();
    }
  });
});

describe('gridbot run as a process', () => {
  it('exits non-zero quickly, with one clear line and no secret, when the credentials are incomplete', async () => {
    const c = runChild({
      GRIDBOT_ACCT_B_SECRET: other.apiSecret,
      GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()),
    });
    const { code, ms } = await c.exited;
    const { out, err } = c.output();
    expect(code).toBe(2);
    expect(ms).toBeLessThan(STARTUP_MS);
    expect(err).toContain(
      'gridbot: failed: SecretsError: incomplete credentials for account acct-b: GRIDBOT_ACCT_B_API_KEY not set\n',
    );
    expect(err).not.toContain('live');
    expect(out + err).not.toContain(other.apiSecret);
  }, 60_000);

  it('exits non-zero quickly, with one clear line and no secret, when the exchange cannot be reached', async () => {
    const port = await closedPort();
    const c = runChild({
      ...credentials(),
      // The venue's URLs, on a port nothing listens on.
      GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()).replace(
        /127\.0\.0\.1:\d+/g,
        `127.0.0.1:${port}`,
      ),
    });
    const { code, ms } = await c.exited;
    const { out, err } = c.output();
    expect(code).toBe(2);
    expect(ms).toBeLessThan(STARTUP_MS);
    expect(err).toMatch(
      // The pre-flight check of the config against the venue is the first thing to reach the exchange.
      /gridbot: failed: .*binanceusdm GET http:\/\/127\.0\.0\.1:\d+\/fapi\/v1\/exchangeInfo fetch failed: connect ECONNREFUSED/,
    );
    expect(err).not.toContain('live');
    expect(out + err).not.toContain(other.apiSecret);
    expect(out + err).not.toContain(other.apiKey);
  }, 90_000);

  it('refuses at start a config that cannot work on the balance, naming the field, before anything trades', async () => {
    const c = spawnCli(
      ['run', '--config', join(dir.path, 'deploy-unworkable.json'), '--data-dir', join(dir.path, 'data-big')],
      credentials(),
      dir.path,
    );
    children.push(c);
    const { code } = await c.exited;
    const { err } = c.output();
    expect(code).toBe(1); // bad input, like every config error of the CLI
    expect(err).toMatch(/base_amount_per_grid: .*lower it or fund the account/);
    expect(err).not.toContain('live');
    const open = await venue.port(other.id).openOrders('DOGE/USDC:USDC');
    expect(open.filter((o) => o.clientOrderId.startsWith('gbbigklg'))).toEqual([]);
  }, 90_000);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'drains and exits 0 on the first %s once it is running',
    async (signal) => {
      const c = runChild(credentials());
      await c.waitFor('instance(s) live', STARTUP_MS + 20_000);
      const sent = Date.now();
      c.child.kill(signal);
      const { code } = await c.exited;
      expect(Date.now() - sent).toBeLessThan(15_000);
      expect(code).toBe(0);
      expect(c.output().out).toMatch(/gridbot run: stopped after \d+ scheduled job\(s\)/);
      expect(c.output().out + c.output().err).not.toContain(other.apiSecret);
    },
    90_000,
  );

  it('takes admin commands from this machine while it runs (--data-dir), and after it stopped', async () => {
    const c = runChild(credentials(), ['--for', '60s']);
    const data = join(dir.path, `data-b${runs}`);
    await c.waitFor('instance(s) live', STARTUP_MS + 20_000);
    expect(c.output().err).toContain(`--data-dir ${data}`);
    // Its first recon pass creates the grid state (a pause before it has nothing to pause).
    await until(
      'the grid state',
      async () => {
        const r = await cli(['status', '--instance', 'procklg', '--data-dir', data, '--json'], {
          env: credentials(),
        });
        return r.code === 0 && JSON.parse(r.out).detail?.initialized !== false;
      },
      30_000,
    );
    // The running bot's store, through the handle it left in its data directory: a human answer.
    const paused = await cli(['pause', '--instance', 'procklg', '--data-dir', data, '--reason', 'lunch'], {
      env: credentials(),
    });
    expect(paused.err).toBe('');
    expect(paused.code).toBe(0);
    expect(paused.out).toMatch(
      /^pause procklg: done \(.*data-b\d+: the running LIVE bot\)\n {2}paused: true\n/,
    );
    c.child.kill('SIGTERM');
    expect((await c.exited).code).toBe(0);
    expect(existsSync(join(data, 'run.json'))).toBe(false);
    // Stopped: the command opens the embedded store itself (it needs the config then); --json for scripts.
    const status = await cli(
      [
        'status',
        '--instance',
        'procklg',
        '--data-dir',
        data,
        '--config',
        join(dir.path, 'deploy-b.json'),
        '--json',
      ],
      { env: credentials() },
    );
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({
      ok: true,
      detail: { paused: true, pauseReason: 'lunch' },
      where: `${data}: the stopped LIVE bot's store`,
    });
    const none = await cli(['status', '--instance', 'procklg', '--data-dir', join(dir.path, 'nowhere')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/no gridbot run state in .*nowhere: give --data-dir/);
  }, 120_000);

  it('will not guess between a live and a paper bot side by side: --data-dir says which', async () => {
    const both = join(dir.path, 'both');
    mkdirSync(join(both, '.gridbot-data'), { recursive: true });
    mkdirSync(join(both, '.gridbot-paper'), { recursive: true });
    const c = spawnCli(['close-all', '--instance', 'procklg'], {}, both);
    children.push(c);
    expect((await c.exited).code).toBe(1);
    expect(c.output().err).toBe(
      'gridbot: close-all: both .gridbot-data (live) and .gridbot-paper (paper) are here: say which with --data-dir\n',
    );
  }, 60_000);

  it('stops by itself after --for 3s', async () => {
    const c = runChild(credentials(), ['--for', '3s']);
    await c.waitFor('instance(s) live', STARTUP_MS + 20_000);
    const live = Date.now();
    const { code } = await c.exited;
    expect(code).toBe(0);
    expect(Date.now() - live).toBeLessThan(3_000 + 15_000);
    expect(c.output().out).toMatch(/gridbot run: stopped after \d+ scheduled job\(s\)/);
  }, 90_000);
});
