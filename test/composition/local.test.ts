import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { buildLocalRuntime } from '../../shared/composition/local.js';
import { ACCOUNTS, type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { loadKlg } from '../support/strategies/klg/state.js';

let venue: PaperVenue;
let dir: string;
const account = ACCOUNTS[0];

beforeAll(async () => {
  venue = await startPaperVenue();
  venue.moveTo('DOGEUSDC', '0.185');
  dir = mkdtempSync(join(tmpdir(), 'gridbot-local-'));
  writeFileSync(
    join(dir, 'deploy.json'),
    JSON.stringify({
      accounts: [{ id: account.id, exchange: 'binanceusdm' }],
      instances: [klgConfigInput({ account: account.id })],
    }),
  );
});
afterAll(async () => venue?.stop());

const env = () => ({
  GRIDBOT_ACCT_A_API_KEY: account.apiKey,
  GRIDBOT_ACCT_A_SECRET: account.apiSecret,
  GRIDBOT_API_URLS: JSON.stringify(venue.server.ccxtApiUrls()),
});

describe('local runtime', () => {
  it('keeps the grid across a restart of the process (embedded store on disk)', async () => {
    const first = await buildLocalRuntime({
      configPath: join(dir, 'deploy.json'),
      dataDir: join(dir, 'data'),
      env: env(),
      envFile: join(dir, 'none.env'),
    });
    await reconcileInstance(first.ctx, 'dogeklg');
    const before = await loadKlg(first.ctx.store, 'dogeklg');
    expect(before?.levels.filter((l) => l.state === 'ACTIVE')).toHaveLength(4);
    await first.close();

    const second = await buildLocalRuntime({
      configPath: join(dir, 'deploy.json'),
      dataDir: join(dir, 'data'),
      env: env(),
      envFile: join(dir, 'none.env'),
    });
    const after = await loadKlg(second.ctx.store, 'dogeklg');
    expect(after?.version).toBe(before?.version);
    const r = await reconcileInstance(second.ctx, 'dogeklg');
    expect(r.coldStart).toBe(false);
    expect(r.commands).toBe(0);
    expect(venue.engine.openOrders(account.id, 'DOGEUSDC')).toHaveLength(4);
    await second.close();
  });

  it('names the missing credentials of an account', async () => {
    await expect(
      buildLocalRuntime({
        configPath: join(dir, 'deploy.json'),
        dataDir: join(dir, 'data2'),
        env: {},
        envFile: join(dir, 'none.env'),
      }),
    ).rejects.toThrow(/ACCT_A/);
  });

  it('closes the embedded store when it cannot start, so the same data directory opens again', async () => {
    const data = join(dir, 'data-failed-start');
    await expect(
      buildLocalRuntime({
        configPath: join(dir, 'deploy.json'),
        dataDir: data,
        env: { GRIDBOT_API_URLS: env().GRIDBOT_API_URLS },
        envFile: join(dir, 'none.env'),
      }),
    ).rejects.toThrow(/no credentials for account acct-a/);
    const rt = await buildLocalRuntime({
      configPath: join(dir, 'deploy.json'),
      dataDir: data,
      env: env(),
      envFile: join(dir, 'none.env'),
    });
    expect(await loadKlg(rt.ctx.store, 'dogeklg')).toBeNull();
    await rt.close();
    await rt.close();
  });
});
