import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCcxtClient } from '../../../shared/adapters/ccxt/client.js';
import { dec } from '../../../shared/domain/money.js';
import {
  ExchangeError,
  type MarketStreamEvent,
  type UserStreamEvent,
} from '../../../shared/ports/exchange.js';
import { EventLog } from '../../support/binance/events.js';
import { BTC, type PaperVenue, startPaperVenue } from '../../support/binance/paper-venue.js';

let venue: PaperVenue;
// The server's clock runs an hour ahead of ours: signed calls only work with time-difference adjustment.
const AHEAD_MS = 3_600_000;

beforeAll(async () => {
  venue = await startPaperVenue({
    weightLimitPerMinute: 60,
    weightWindowMs: 1_000,
    clock: {
      now: () => Date.now() + AHEAD_MS,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    },
  });
});
afterAll(async () => {
  await venue.stop();
});

function order(clientOrderId: string) {
  return {
    account: 'acct-a',
    symbol: BTC,
    clientOrderId,
    side: 'buy' as const,
    positionSide: 'LONG' as const,
    type: 'limit' as const,
    price: dec('90000.0'),
    qty: dec('0.002'),
    timeInForce: 'GTC' as const,
  };
}

describe('clock and credentials', () => {
  it('signs with the venue clock when the local clock is off by an hour', async () => {
    const port = venue.port('acct-a');
    await expect(port.balance('USDT')).resolves.toMatchObject({ asset: 'USDT' });
  });

  it('re-measures the clock offset after a -1021 and retries a read', async () => {
    const port = venue.port('acct-a', { options: { adjustForTimeDifference: false } });
    const before = venue.server.statusCounts.get(400) ?? 0;
    await expect(port.balance('USDT')).resolves.toMatchObject({ asset: 'USDT' });
    expect(venue.server.statusCounts.get(400) ?? 0).toBeGreaterThan(before);
  });

  it('makes a bad signature (-1022) a fatal error that is not retried', async () => {
    const port = venue.port('acct-a', { secret: 'not-the-secret' });
    const err = await port.balance('USDT').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeError);
    expect(err).toMatchObject({ kind: 'fatal', code: '-1022', retryable: false });
    expect(String((err as Error).message)).not.toContain('not-the-secret');
  });
});

describe('server failures', () => {
  it('retries a read through a 503 and returns its answer', async () => {
    const port = venue.port('acct-a');
    venue.server.faults.failNext({
      route: 'GET /fapi/v1/openOrders',
      status: 503,
      code: -1001,
      msg: 'Internal error; unable to process your request. Please try again.',
    });
    await expect(port.openOrders(BTC)).resolves.toEqual(expect.any(Array));
  });

  it('reports a 5xx on submit as unknown_outcome, and the order is found by client id afterwards', async () => {
    const port = venue.port('acct-a');
    venue.server.faults.failNext({ route: 'POST /fapi/v1/order', status: 502, applyThenFail: true });
    const err = await port.submit(order('gbfaultL1B1')).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'unknown_outcome' });
    expect(await port.order(BTC, 'gbfaultL1B1')).toMatchObject({ status: 'NEW' });
    await port.cancel(BTC, 'gbfaultL1B1', 'limit');
  });

  it('reports a timeout on cancel as unknown_outcome', async () => {
    const port = venue.port('acct-a', { timeoutMs: 300 });
    await port.submit(order('gbfaultL1B2'));
    venue.server.faults.failNext({ route: 'DELETE /fapi/v1/order', status: 500, delayMs: 600 });
    await expect(port.cancel(BTC, 'gbfaultL1B2', 'limit')).rejects.toMatchObject({ kind: 'unknown_outcome' });
    await new Promise((r) => setTimeout(r, 400));
    await port.cancel(BTC, 'gbfaultL1B2', 'limit');
  });
});

describe('rate limits', () => {
  it('backs off after a 429 (Retry-After) and completes every read', async () => {
    venue.server.limiter.reset();
    const port = venue.port('acct-a');
    const before = venue.server.statusCounts.get(429) ?? 0;
    const results = await Promise.all(Array.from({ length: 16 }, () => port.balance('USDT')));
    expect(results).toHaveLength(16);
    expect(venue.server.statusCounts.get(429) ?? 0).toBeGreaterThan(before);
    venue.server.limiter.reset();
  });

  it('hands a 429 on a write to the caller as rate_limited with the server wait', async () => {
    const port = venue.port('acct-a');
    await port.loadRules(BTC);
    venue.server.faults.failNext({
      route: 'POST /fapi/v1/order',
      status: 429,
      code: -1003,
      msg: 'Too many requests.',
    });
    const err = await port.submit(order('gbfaultL1B3')).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'rate_limited', retryable: true });
    expect((err as ExchangeError).retryAfterMs).toBeGreaterThan(0);
  });
});

describe('stream watchdog', () => {
  it('reconnects a market stream that went silent and reports it', async () => {
    const port = venue.port('acct-a', { stream: { watchdogMs: 300, baseBackoffMs: 20, maxBackoffMs: 100 } });
    const market = new EventLog<MarketStreamEvent>();
    const sub = await port.subscribeMarket(BTC, ['markPrice'], market.push);
    for (let i = 0; i < 100 && market.count((e) => e.type === 'markPrice') === 0; i++) {
      venue.moveTo('BTCUSDT', '95409.3');
      await new Promise((r) => setTimeout(r, 20));
    }
    await market.waitFor((e) => e.type === 'connection' && e.state === 'disconnected');
    for (
      let i = 0;
      i < 100 && market.count((e) => e.type === 'connection' && e.state === 'reconnected') === 0;
      i++
    ) {
      venue.moveTo('BTCUSDT', '95409.3');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(market.count((e) => e.type === 'connection' && e.state === 'reconnected')).toBeGreaterThan(0);
    await sub.close();
  });
});

describe('user stream watchdog', () => {
  it('reconnects a user stream with neither messages nor pongs, and keeps one with pongs', async () => {
    const silent = venue.port('acct-b', {
      keepAliveMs: 60_000,
      stream: { watchdogMs: 300, baseBackoffMs: 20, maxBackoffMs: 100 },
    });
    const events = new EventLog<UserStreamEvent>();
    const sub = await silent.subscribeUser(events.push);
    await events.waitFor((e) => e.type === 'connection' && e.state === 'reconnected');
    expect(silent.tap.reconnects).toBeGreaterThan(0);
    await sub.close();

    const healthy = venue.port('acct-b', {
      keepAliveMs: 50,
      stream: { watchdogMs: 300, baseBackoffMs: 20, maxBackoffMs: 100 },
    });
    const quiet = new EventLog<UserStreamEvent>();
    const sub2 = await healthy.subscribeUser(quiet.push);
    await quiet.waitFor((e) => e.type === 'connection' && e.state === 'connected');
    await new Promise((r) => setTimeout(r, 700));
    expect(healthy.tap.reconnects).toBe(0);
    await sub2.close();
  });
});

describe('per-account client settings', () => {
  it('applies proxies, the fetchCurrencies switch and the URL overrides to the ccxt client', () => {
    const ex = createCcxtClient(
      {
        venue: 'binanceusdm',
        apiKey: 'k',
        secret: 's',
        proxy: { httpsProxy: 'http://127.0.0.1:8080', wsProxy: 'http://127.0.0.1:8081' },
        apiUrls: { fapiPublic: 'http://127.0.0.1:1/fapi/v1' },
      },
      { onMessage: () => undefined },
    );
    expect([ex.httpsProxy, ex.wsProxy]).toEqual(['http://127.0.0.1:8080', 'http://127.0.0.1:8081']);
    expect(ex.has.fetchCurrencies).toBe(false);
    expect(ex.options.fetchCurrencies).toBe(false);
    expect(ex.options.adjustForTimeDifference).toBe(true);
    expect((ex.urls.api as Record<string, unknown>).fapiPublic).toBe('http://127.0.0.1:1/fapi/v1');
    expect((ex.urls.api as Record<string, unknown>).fapiPrivate).toBe('https://fapi.binance.com/fapi/v1');
  });
});
