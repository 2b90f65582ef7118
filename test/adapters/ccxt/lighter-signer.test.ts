/**
 * The Lighter signer (issue 19): ccxt's own signing methods, through the bundled WebAssembly signer of
 * `lighter-ts-sdk` behind the ABI shim (`lighter-signer.ts`), offline. What is checked: the transaction
 * ccxt would send carries the fields, indices and nonce it asked for and a signature; two accounts in one
 * process each sign as themselves; what the old signer cannot sign is refused with the reason; no key in
 * any error.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CcxtClient, createCcxtClient } from '../../../shared/adapters/ccxt/client.js';
import { lighterSignerStatus } from '../../../shared/adapters/ccxt/lighter-signer.js';

type Signing = CcxtClient & {
  loadAccount(chainId: unknown, key: unknown, apiKeyIndex: string, accountIndex: string): Promise<unknown>;
  lighterSignCreateOrder(signer: unknown, request: Record<string, unknown>): [number, string];
  lighterSignCancelOrder(signer: unknown, request: Record<string, unknown>): [number, string];
  lighterSignUpdateLeverage(signer: unknown, request: Record<string, unknown>): [number, string];
  lighterSignModifyOrder(signer: unknown, request: Record<string, unknown>): [number, string];
  createAuth(params: Record<string, unknown>): string;
};

const key = () => randomBytes(40).toString('hex');

function client(accountIndex: number, apiKeyIndex: number, secret = key()): Signing {
  return createCcxtClient(
    { venue: 'lighter', apiKey: '', secret, lighter: { accountIndex, apiKeyIndex } },
    { onMessage: () => undefined },
  ) as Signing;
}

const order = (
  accountIndex: number,
  apiKeyIndex: number,
  nonce: number,
  extra: Record<string, unknown> = {},
) => ({
  market_index: 1,
  client_order_index: 4242,
  base_amount: 1500,
  avg_execution_price: 9512340,
  is_ask: 1,
  order_type: 0,
  time_in_force: 1,
  reduce_only: 0,
  trigger_price: 0,
  order_expiry: -1,
  nonce,
  api_key_index: apiKeyIndex,
  account_index: accountIndex,
  ...extra,
});

let a: Signing;
let b: Signing;

beforeAll(async () => {
  a = client(701, 4);
  b = client(702, 5);
  await a.loadAccount(304, undefined, '4', '701');
  await b.loadAccount(304, undefined, '5', '702');
});

describe('the bundled Lighter signer behind ccxt', () => {
  it('signs a create order as ccxt asks: tx type 14, every order field, the nonce, a signature', () => {
    const before = Date.now();
    const [txType, txInfo] = a.lighterSignCreateOrder({}, order(701, 4, 17));
    const tx = JSON.parse(txInfo) as Record<string, unknown>;
    expect(txType).toBe(14);
    expect(tx).toMatchObject({
      AccountIndex: 701,
      ApiKeyIndex: 4,
      MarketIndex: 1,
      ClientOrderIndex: 4242,
      BaseAmount: 1500,
      Price: 9512340,
      IsAsk: 1,
      Type: 0,
      TimeInForce: 1,
      ReduceOnly: 0,
      TriggerPrice: 0,
      Nonce: 17,
    });
    // ccxt's "-1" is 28 days from now; the transaction itself expires later than now.
    const days28 = 28 * 86_400_000;
    expect(Number(tx.OrderExpiry)).toBeGreaterThanOrEqual(before + days28 - 1000);
    expect(Number(tx.OrderExpiry)).toBeLessThanOrEqual(Date.now() + days28 + 1000);
    expect(Number(tx.ExpiredAt)).toBeGreaterThan(before);
    expect(Buffer.from(String(tx.Sig), 'base64')).toHaveLength(80);
  });

  it('two accounts in one process each sign as themselves, whichever signed last', () => {
    const txs = [
      a.lighterSignCreateOrder({}, order(701, 4, 1)),
      b.lighterSignCancelOrder(
        {},
        { market_index: 1, order_index: 99, nonce: 2, api_key_index: 5, account_index: 702 },
      ),
      a.lighterSignUpdateLeverage(
        {},
        {
          market_index: 1,
          initial_margin_fraction: 500,
          margin_mode: 0,
          nonce: 3,
          api_key_index: 4,
          account_index: 701,
        },
      ),
    ].map(([type, info]) => ({ type, tx: JSON.parse(info) as Record<string, unknown> }));
    expect(txs.map((t) => [t.type, t.tx.AccountIndex, t.tx.ApiKeyIndex, t.tx.Nonce])).toEqual([
      [14, 701, 4, 1],
      [15, 702, 5, 2],
      [20, 701, 4, 3],
    ]);
    expect(txs[1]!.tx).toMatchObject({ MarketIndex: 1, Index: 99 });
    expect(txs[2]!.tx).toMatchObject({ InitialMarginFraction: 500, MarginMode: 0 });
    expect(lighterSignerStatus()).toMatchObject({ loaded: true });
    expect(lighterSignerStatus().clients).toBeGreaterThanOrEqual(2);
  });

  it('an account never created cannot sign, and says which indices it was asked for', () => {
    expect(() => a.lighterSignCreateOrder({}, order(999, 9, 1))).toThrow(/apiKeyIndex: 9 accountIndex: 999/);
  });

  it('refuses integrator fees and the transactions the old signer lacks, naming why', () => {
    expect(() =>
      a.lighterSignCreateOrder(
        {},
        order(701, 4, 5, { integrator_account_index: 718718, integrator_taker_fee: 1000 }),
      ),
    ).toThrow(/builderFee/);
    expect(() =>
      a.lighterSignModifyOrder(
        {},
        {
          market_index: 1,
          index: 1,
          base_amount: 1,
          price: 1,
          trigger_price: 0,
          nonce: 1,
          api_key_index: 4,
          account_index: 701,
        },
      ),
    ).toThrow(/SignModifyOrder.*lighter-ts-sdk 1\.1\.0-beta\.1/);
  });

  it('makes the read token of the account ccxt names: deadline, account, key, signature', () => {
    const token = b.createAuth({ accountIndex: '702', apiKeyIndex: '5' });
    const [deadline, account, apiKey, sig] = token.split(':');
    expect(Number(deadline)).toBeGreaterThan(Date.now() / 1000);
    expect([account, apiKey]).toEqual(['702', '5']);
    expect(sig).toMatch(/^[0-9a-f]{100,}$/);
  });

  it('a malformed API key is refused at load, and the error never carries the key', async () => {
    const secret = `zz${key()}`;
    const bad = client(703, 6, secret);
    const err = await bad.loadAccount(304, undefined, '6', '703').catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/account 703/);
    expect((err as Error).message).not.toContain(secret.slice(2, 30));
  });
});
