/**
 * The Lighter venue end to end at the port (issue 19): the real ccxt `lighter` client inside our
 * `CcxtExchange`, signing with the bundled WebAssembly signer, against the local Lighter protocol server
 * over the paper engine. What ccxt sends is what the server checks: accounts by index, API key index,
 * strictly increasing nonces, integer market ids and scaled amounts, our client ids packed into client
 * order indices.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CcxtExchange, createCcxtExchange } from '../../../shared/adapters/ccxt/ccxt-exchange.js';
import { SystemClock } from '../../../shared/adapters/clock/index.js';
import { closeOrderId, levelOrderId, protectiveStopOrderId } from '../../../shared/domain/client-order-id.js';
import { dec } from '../../../shared/domain/money.js';
import { ExchangeError } from '../../../shared/ports/exchange.js';
import { LIGHTER_ACCOUNTS, type LighterVenue, startLighterVenue } from '../../support/lighter-venue.js';

const INST = 'pairs1';
const SYMBOL = 'BTC/USDC:USDC';
const keys = new Map<string, string>();
let venue: LighterVenue;
let a: CcxtExchange;
let b: CcxtExchange;

function port(
  account: (typeof LIGHTER_ACCOUNTS)[number],
  apiKeyIndex: number,
  accountIndex: number = account.index,
) {
  const secret = randomBytes(40).toString('hex');
  keys.set(account.account, secret);
  return createCcxtExchange({
    venue: 'lighter',
    apiKey: '',
    secret,
    lighter: { accountIndex, apiKeyIndex, instanceId: INST },
    apiUrls: venue.server.ccxtApiUrls(),
    enableRateLimit: false,
    accountId: account.account,
    clock: new SystemClock(),
    readAttempts: 1,
  });
}

/** A good-till-cancelled buy of account a well under the market: it rests. */
const restingBuy = (clientOrderId: string) =>
  ({
    account: 'lighter-a',
    symbol: SYMBOL,
    clientOrderId,
    side: 'buy',
    positionSide: 'LONG',
    type: 'limit',
    price: dec('80000'),
    qty: dec('0.002'),
    timeInForce: 'GTC',
  }) as const;

const nextNonce = async (index: number, apiKey: number) =>
  (
    (await (
      await fetch(`${venue.server.httpUrl}/api/v1/nextNonce?account_index=${index}&api_key_index=${apiKey}`)
    ).json()) as {
      nonce: number;
    }
  ).nonce;

beforeAll(async () => {
  venue = await startLighterVenue();
  venue.moveTo('BTCUSDT', '95000');
  a = port(LIGHTER_ACCOUNTS[0], 5);
  b = port(LIGHTER_ACCOUNTS[1], 4);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await venue?.stop();
});

describe('Lighter through ccxt and the bundled signer', () => {
  it('reads the market by its integer id: tick and step from its decimals, price, candles', async () => {
    const rules = await a.loadRules(SYMBOL);
    expect(rules.tickSize.toFixed()).toBe('0.1');
    expect(rules.stepSize.toFixed()).toBe('0.001');
    const price = await a.fetchPrice(SYMBOL);
    expect(price.last.toFixed()).toBe('95000');
    const candles = await a.candles(SYMBOL, '1m', venue.firstCandleTime, 10);
    expect(candles).toHaveLength(10);
    expect(candles[0]!.openTime).toBe(venue.firstCandleTime);
  });

  it('sets leverage by margin fraction, and reads a flat account under both sides', async () => {
    await a.setLeverage(SYMBOL, 10);
    const long = await a.position(SYMBOL, 'LONG');
    expect(long.qty.isZero()).toBe(true);
    expect(long.leverage?.toFixed()).toBe('10');
    expect((await a.balance('USDC')).wallet.toFixed()).toBe('100000');
  });

  it('opens with an IOC, reads the fill with our client id and the side it opened, then the position', async () => {
    const id = levelOrderId(INST, 3, 'buy', 11);
    const placed = await a.submit({
      account: 'lighter-a',
      symbol: SYMBOL,
      clientOrderId: id,
      side: 'buy',
      positionSide: 'LONG',
      type: 'limit',
      price: dec('95500'),
      qty: dec('0.02'),
      timeInForce: 'IOC',
    });
    expect(placed).toMatchObject({ ok: true, order: { clientOrderId: id, status: 'NEW' } });
    const fills = await a.tradesSince(SYMBOL, null);
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ clientOrderId: id, side: 'buy', positionSide: 'LONG', isMaker: false });
    expect(fills[0]!.qty.toFixed()).toBe('0.02');
    const long = await a.position(SYMBOL, 'LONG');
    expect(long.qty.toFixed()).toBe('0.02');
    expect((await a.position(SYMBOL, 'SHORT')).qty.isZero()).toBe(true);
  });

  it('protects the whole position with a reduce-only size-0 stop, finds it by client id, cancels it', async () => {
    const id = protectiveStopOrderId(INST, 'LONG', 12);
    const placed = await a.submit({
      account: 'lighter-a',
      symbol: SYMBOL,
      clientOrderId: id,
      side: 'sell',
      positionSide: 'LONG',
      type: 'stop_market',
      triggerPrice: dec('90000'),
      workingType: 'MARK_PRICE',
      closePosition: true,
    });
    expect(placed.ok).toBe(true);
    const open = await a.openOrders(SYMBOL);
    const stop = open.find((o) => o.clientOrderId === id);
    expect(stop).toMatchObject({
      kind: 'stop',
      side: 'sell',
      positionSide: 'LONG',
      closePosition: true,
      status: 'NEW',
    });
    expect(stop!.triggerPrice!.toFixed()).toBe('90000');
    expect(await a.order(SYMBOL, id, 'stop')).toMatchObject({ clientOrderId: id, kind: 'stop' });
    const cancelled = await a.cancel(SYMBOL, id, 'stop');
    expect(cancelled.ok).toBe(true);
    expect((await a.openOrders(SYMBOL)).some((o) => o.clientOrderId === id)).toBe(false);
    expect(await a.order(SYMBOL, id, 'stop')).toMatchObject({ status: 'CANCELED' });
  });

  it('sends concurrent transactions one at a time, each with the next nonce', async () => {
    const before = await nextNonce(777, 5);
    const results = await Promise.all(
      [20, 21, 22].map((seq) => a.submit(restingBuy(levelOrderId(INST, 1, 'buy', seq)))),
    );
    expect(results).toEqual(results.map(() => expect.objectContaining({ ok: true })));
    expect(await nextNonce(777, 5)).toBe(before + 3);
    const resting = (await a.openOrders(SYMBOL)).filter((o) => o.kind === 'limit');
    expect(resting.map((o) => o.clientOrderId).sort()).toEqual(
      [20, 21, 22].map((s) => levelOrderId(INST, 1, 'buy', s)).sort(),
    );
  });

  it('a nonce refusal (another process of the key sent in between) goes again once; twice is a retryable failure', async () => {
    venue.server.failNext('POST /api/v1/sendTx', {
      status: 400,
      body: { code: 21104, message: 'invalid nonce' },
    });
    const req = (seq: number) => restingBuy(levelOrderId(INST, 1, 'buy', seq));
    const before = await nextNonce(777, 5);
    const again = await a.submit(req(30));
    expect(again.ok).toBe(true);
    expect(await nextNonce(777, 5)).toBe(before + 1);
    venue.server.failNext(
      'POST /api/v1/sendTx',
      { status: 400, body: { code: 21104, message: 'invalid nonce' } },
      2,
    );
    const refused = await a.submit(req(31)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExchangeError);
    expect((refused as ExchangeError).kind).toBe('retryable');
    expect(await nextNonce(777, 5)).toBe(before + 1);
    // Another process sent with this key meanwhile (the venue's nonce moved): nothing is stale here.
    const next = await a.submit(req(32));
    expect(next.ok).toBe(true);
  });

  it('closes at market, reduce-only, with a worst price: the fill reads as closing the LONG', async () => {
    const id = closeOrderId(INST, 40);
    const placed = await a.submit({
      account: 'lighter-a',
      symbol: SYMBOL,
      clientOrderId: id,
      side: 'sell',
      positionSide: 'LONG',
      type: 'market',
      qty: dec('0.02'),
    });
    expect(placed.ok).toBe(true);
    expect((await a.position(SYMBOL, 'LONG')).qty.isZero()).toBe(true);
    const fills = await a.tradesSince(SYMBOL, null);
    expect(fills.at(-1)).toMatchObject({ clientOrderId: id, side: 'sell', positionSide: 'LONG' });
    // A second close finds nothing to reduce: refused as reduce-only, not sent as an open.
    const again = await a.submit({
      ...{ account: 'lighter-a', symbol: SYMBOL, side: 'sell', positionSide: 'LONG', type: 'market' },
      clientOrderId: closeOrderId(INST, 41),
      qty: dec('0.02'),
    } as const);
    expect(again).toMatchObject({ ok: false, reason: 'reduce_only_rejected' });
    expect((await a.position(SYMBOL, 'SHORT')).qty.isZero()).toBe(true);
  });

  it('finds a closed order by its client id past the first page of closed orders', async () => {
    const first = levelOrderId(INST, 5, 'buy', 100);
    const rest = Array.from({ length: 104 }, (_, i) => levelOrderId(INST, 5, 'buy', 101 + i));
    for (const id of [first, ...rest]) {
      const placed = await a.submit(restingBuy(id));
      expect(placed.ok).toBe(true);
      expect((await a.cancel(SYMBOL, id, 'limit')).ok).toBe(true);
    }
    // 105 closed orders since: the first is on the second page, newest first.
    expect(await a.order(SYMBOL, first, 'limit')).toMatchObject({ clientOrderId: first, status: 'CANCELED' });
    expect(await a.order(SYMBOL, levelOrderId(INST, 5, 'buy', 999), 'limit')).toBeNull();
  });

  it('two accounts in one process each trade as themselves (the signer switches clients)', async () => {
    const placed = await b.submit({
      account: 'lighter-b',
      symbol: SYMBOL,
      clientOrderId: levelOrderId(INST, 2, 'sell', 50),
      side: 'sell',
      positionSide: 'SHORT',
      type: 'limit',
      price: dec('94000'),
      qty: dec('0.01'),
      timeInForce: 'IOC',
    });
    expect(placed.ok).toBe(true);
    expect((await b.position(SYMBOL, 'SHORT')).qty.toFixed()).toBe('-0.01');
    expect((await a.position(SYMBOL, 'SHORT')).qty.isZero()).toBe(true);
    expect(
      venue.engine
        .positions('lighter-b', 'BTCUSDT')
        .find((p) => p.positionSide === 'BOTH')
        ?.positionAmt.toFixed(),
    ).toBe('-0.01');
  });

  it('a wrong account index is a credentials failure, and no error carries the API key', async () => {
    const wrong = port(LIGHTER_ACCOUNTS[0], 5, 4242);
    const err = await wrong.balance('USDC').catch((e: unknown) => e as ExchangeError);
    expect(err).toBeInstanceOf(ExchangeError);
    expect((err as ExchangeError).kind).toBe('fatal');
    const text = `${(err as Error).message} ${JSON.stringify(err)}`;
    for (const key of keys.values()) expect(text).not.toContain(key);
    await wrong.close();
  });
});
