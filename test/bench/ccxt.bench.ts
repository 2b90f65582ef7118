/**
 * `npm run bench -- ccxt`: round trips of the real ccxt clients (`binanceusdm`, `okx`) through the ccxt
 * adapter to each venue's local protocol server on the paper engine (HTTP on 127.0.0.1, HMAC-signed):
 *  - place + cancel of a resting post-only limit order via the ExchangePort (two signed REST calls),
 *  - the same pair with raw ccxt calls (no adapter), to show the adapter's own cost,
 *  - fill-to-event latency: a candle fills a resting order; time until the adapter delivers the fill.
 * Through stats.ts: warm-up, then 1,000 samples of each, p50 / p99 / max. Figures are wall-clock on a
 * shared machine: compare runs, do not assert on them.
 */
import { performance } from 'node:perf_hooks';

import ccxt from 'ccxt';
import { dec } from '../../shared/domain/money.js';
import type { UserStreamEvent } from '../../shared/ports/exchange.js';
import { rawCcxt } from '../support/binance/ccxt-client.js';
import { ACCOUNTS, BTC, startPaperVenue, VENUES, type VenueId } from '../support/binance/paper-venue.js';
import { orderRequests } from '../support/orders.js';
import type { Bench } from './run.js';
import { type Budget, measureLatency, sampleLatency } from './stats.js';

// No document names a figure for a REST round trip or the user stream. Measured on this 2-core shared
// machine (n = 1,000 each, both venues, two runs), p99: place + cancel 7–19 ms through the port, 6–17 ms
// raw; fill → fill event 7–10 ms. The budgets keep about 2× headroom over the quieter run, to catch
// regressions.
const PLACE_CANCEL: Budget = { p99Ms: 30, source: 'measured figures, ~2x headroom' };
const RAW_PLACE_CANCEL: Budget = { p99Ms: 30, source: 'measured figures, ~2x headroom' };
const FILL_EVENT: Budget = { p99Ms: 20, source: 'measured figures, ~2x headroom' };

/** A raw ccxt client of the venue pointed at its local server (no adapter in between). */
function rawClient(venue: Awaited<ReturnType<typeof startPaperVenue>>, id: VenueId) {
  if (id === 'binanceusdm')
    return rawCcxt(venue.server as Parameters<typeof rawCcxt>[0], {
      apiKey: ACCOUNTS[0].apiKey,
      secret: ACCOUNTS[0].apiSecret,
    });
  const ex = new ccxt.pro.okx({
    apiKey: ACCOUNTS[0].apiKey,
    secret: ACCOUNTS[0].apiSecret,
    password: ACCOUNTS[0].passphrase,
    enableRateLimit: false,
    options: { fetchCurrencies: false, fetchMarkets: { types: ['swap'] } },
  });
  (ex.has as Record<string, unknown>).fetchCurrencies = false;
  Object.assign(ex.urls.api as Record<string, unknown>, venue.server.ccxtApiUrls());
  return ex;
}

const bench: Bench = {
  name: 'ccxt adapter ↔ Binance and OKX protocol servers',
  async run() {
    for (const id of VENUES) await runVenue(id);
  },
};

async function runVenue(id: VenueId): Promise<void> {
  {
    // Limits lifted: the loops measure latency, not how a venue paces an account (OKX: 60 orders per 2 s;
    // Binance: 2,400 request weight a minute, which a thousand place + cancel pairs exceed).
    const venue = await startPaperVenue({
      venue: id,
      okxLimitScale: 1000,
      weightLimitPerMinute: 1_000_000_000,
    });
    try {
      const port = venue.port('acct-a');
      await port.loadRules(BTC);
      let n = 0;
      const requests = orderRequests(() => `gbbenchL${(n++).toString(36)}`);
      await measureLatency(
        `${id} port place + cancel (2 REST calls)`,
        async () => {
          const order = requests.limit({ timeInForce: 'GTX' });
          const placed = await port.submit(order);
          const cancelled = await port.cancel(BTC, order.clientOrderId, 'limit');
          if (!placed.ok || !cancelled.ok) throw new Error(`round ${n} failed`);
        },
        { budget: PLACE_CANCEL },
      );

      const ex = rawClient(venue, id);
      await ex.loadMarkets();
      await measureLatency(
        `${id} raw ccxt create + cancel`,
        async () => {
          const clientOrderId = `gbrawL${(n++).toString(36)}`;
          await ex.createOrder(BTC, 'limit', 'buy', id === 'okx' ? 0.2 : 0.002, 90000, {
            ...(id === 'okx' ? { posSide: 'long', marginMode: 'cross' } : { positionSide: 'LONG' }),
            clientOrderId,
            postOnly: true,
          });
          await ex.cancelOrder(undefined as unknown as string, BTC, { clientOrderId });
        },
        { budget: RAW_PLACE_CANCEL },
      );

      let pending: { id: string; resolve: () => void } | null = null;
      const sub = await port.subscribeUser((e: UserStreamEvent) => {
        if (e.type === 'fill' && pending && e.fill.clientOrderId === pending.id) pending.resolve();
      });
      await new Promise((r) => setTimeout(r, 300));
      // One step rests an order (untimed), then moves the price through it: a buy, then a sell, in turn.
      let i = 0;
      await sampleLatency(
        { fill: { label: `${id} fill → adapter fill event (WS)`, budget: FILL_EVENT } },
        async (record) => {
          const buy = i % 2 === 0;
          const clientOrderId = `gbbenchF${(i++).toString(36)}`;
          await port.submit({
            account: 'acct-a',
            symbol: BTC,
            clientOrderId,
            side: buy ? 'buy' : 'sell',
            positionSide: 'LONG',
            type: 'limit',
            price: dec(buy ? '95400.0' : '95410.0'),
            qty: dec('0.002'),
            timeInForce: 'GTC',
          });
          const delivered = new Promise<void>((resolve) => {
            pending = { id: clientOrderId, resolve };
          });
          const t0 = performance.now();
          venue.moveTo('BTCUSDT', buy ? '95399.0' : '95411.0');
          await delivered;
          record('fill', performance.now() - t0);
        },
      );
      await sub.close();
      await ex.close();
    } finally {
      await venue.stop();
    }
  }
}

export default bench;
