/** A raw ccxt pro `binanceusdm` client pointed at a local protocol server (no adapter in between). */
import ccxt from 'ccxt';
import type { BinanceServer } from '../../../shared/adapters/paper/binance-server/server.js';

export const TEST_KEY = {
  apiKey: 'paperkey0000000000000000000000000000000000000000000000000000000a',
  secret: 'papersecret',
  account: 'acct-a',
};
export const TEST_KEY_B = {
  apiKey: 'paperkey0000000000000000000000000000000000000000000000000000000b',
  secret: 'papersecretb',
  account: 'acct-b',
};

export function rawCcxt(
  server: BinanceServer,
  opts: { secret?: string; apiKey?: string; options?: Record<string, unknown> } = {},
): InstanceType<typeof ccxt.pro.binanceusdm> {
  const ex = new ccxt.pro.binanceusdm({
    apiKey: opts.apiKey ?? TEST_KEY.apiKey,
    secret: opts.secret ?? TEST_KEY.secret,
    enableRateLimit: false,
    options: { fetchCurrencies: false, ...(opts.options ?? {}) },
  });
  const api = ex.urls.api as Record<string, unknown>;
  for (const [k, v] of Object.entries(server.ccxtApiUrls())) {
    api[k] = k === 'ws' ? { ...(api.ws as Record<string, unknown>), ...(v as Record<string, unknown>) } : v;
  }
  return ex;
}
