/**
 * Building the exchanges of a deployment with OKX accounts (issue 18): the passphrase is required up front
 * with the variable that holds it, and `GRIDBOT_API_URLS` can point each venue at its own server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../shared/adapters/clock/index.js';
import { JsonConsoleLogger } from '../../shared/adapters/logging/index.js';
import type { PaperOkxServer } from '../../shared/adapters/paper/okx-server/server.js';
import { EnvSecrets } from '../../shared/adapters/secrets/env-secrets.js';
import { apiUrlsFor, buildExchanges } from '../../shared/composition/exchanges.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { ACCOUNTS, BTC, type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

let okx: PaperVenue<PaperOkxServer>;
beforeAll(async () => {
  okx = await startPaperVenue({ venue: 'okx' });
});
afterAll(async () => {
  await okx.stop();
});

const logs: string[] = [];
const logger = new JsonConsoleLogger({ write: (l: string) => void logs.push(l) });
const account = ACCOUNTS[0];
const env = (password?: string) => ({
  GRIDBOT_OKX_A_API_KEY: account.apiKey,
  GRIDBOT_OKX_A_SECRET: account.apiSecret,
  ...(password ? { GRIDBOT_OKX_A_PASSWORD: password } : {}),
});

describe('exchanges of OKX accounts', () => {
  it('picks the URLs of the venue from a per-venue GRIDBOT_API_URLS, or one set for every account', () => {
    const one = { rest: 'http://a' };
    expect(apiUrlsFor(one, 'okx')).toBe(one);
    const both = { okx: { rest: 'http://o' }, binanceusdm: { fapiPublic: 'http://b' } };
    expect(apiUrlsFor(both, 'okx')).toEqual({ rest: 'http://o' });
    expect(apiUrlsFor(both, 'binanceusdm')).toEqual({ fapiPublic: 'http://b' });
    // Keyed by venue but not this one: refused, never the production endpoints with real keys.
    expect(() => apiUrlsFor({ okx: { rest: 'http://o' } }, 'binanceusdm')).toThrow(
      /GRIDBOT_API_URLS names URLs for okx but not for binanceusdm/,
    );
    expect(apiUrlsFor(undefined, 'okx')).toBeUndefined();
  });

  it('refuses an OKX account without its passphrase, naming the variable, and trades with it', async () => {
    const setup = (password?: string) => ({
      accounts: parseDeploymentConfig({
        accounts: [{ id: 'okx-a', exchange: 'okx' }],
        instances: [klgConfigInput({ account: 'okx-a', symbol: 'ETH/USDT:USDT' })],
      }).accounts,
      secrets: new EnvSecrets({ env: env(password), envFile: false }),
      clock: new SystemClock(),
      logger,
      apiUrls: { okx: okx.server.ccxtApiUrls(), binanceusdm: { fapiPublic: 'http://127.0.0.1:9' } },
    });
    await expect(buildExchanges(setup())).rejects.toThrow(
      /account okx-a trades on OKX, whose API keys carry a passphrase: add "password" to its secret \(GRIDBOT_OKX_A_PASSWORD/,
    );
    const built = await buildExchanges(setup(account.passphrase));
    const port = built.resolve('okx-a');
    try {
      expect(port.venue).toBe('okx');
      expect((await port.loadRules(BTC)).contractSize.toFixed()).toBe('0.01');
      expect((await port.balance('USDT')).wallet.toFixed()).toBe('100000');
    } finally {
      for (const p of built.all) await p.close();
    }
    expect(logs.join('')).not.toContain(account.passphrase);
  });
});
