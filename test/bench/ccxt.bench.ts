/**
 * `npm run bench -- ccxt`: round trips of the real ccxt clients (`binanceusdm`, `okx`) through the ccxt
 * adapter to each venue's local protocol server on the paper engine (HTTP on 127.0.0.1, HMAC-signed):
 *  - place + cancel of a resting post-only limit order via the ExchangePort (two signed REST calls),
 *  - the same pair with raw ccxt calls (no adapter), to show the adapter's own cost,
 *  - fill-to-event latency: a candle fills a resting order; time until the adapter delivers the fill.
 * Figures are wall-clock on a shared machine: compare runs, do not assert on them.
 */

import ccxt from 'ccxt';
import { dec } from '../../shared/domain/money.js';
import type { UserStreamEvent } from '../../shared/ports/exchange.js';
import { rawCcxt } from '../support/binance/ccxt-client.js';
import { ACCOUNTS, BTC, startPaperVenue, VENUES, type VenueId } from '../support/binance/paper-venue.js';
import type { Bench } from './run.js';
import { fmtMs, summarize } from './stats.js';

const ROUNDS = 300;
const WARMUP = 30;

function reportLine(label: string, samples: number[]): void {
  const s = summarize(samples);
  console.log(
    `${label.padEnd(44)} n=${s.n}  p50 ${fmtMs(s.p50)}  p90 ${fmtMs(s.p90)}  p99 ${fmtMs(s.p99)}  max ${fmtMs(s.max)}`,
  );
}

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
    // Limits lifted: the loop measures latency, not how OKX paces an account (60 orders per 2 s).
    const venue = await startPaperVenue({ venue: id, okxLimitScale: 1000 });
    const report = (label: string, samples: number[]) => reportLine(`${id} ${label}`, samples);
    try {
      const port = venue.port('acct-a');
      await port.loadRules(BTC);
      const roundTrips: number[] = [];
      for (let i = 0; i < ROUNDS + WARMUP; i++) {
        const clientOrderId = `gbbenchL${i.toString(36)}`;
        const t0 = performance.now();
        const placed = await port.submit({
          account: 'acct-a',
          symbol: BTC,
          clientOrderId,
          side: 'buy',
          positionSide: 'LONG',
          type: 'limit',
          price: dec('90000.0'),
          qty: dec('0.002'),
          timeInForce: 'GTX',
        });
        const cancelled = await port.cancel(BTC, clientOrderId, 'limit');
        const t1 = performance.now();
        if (!placed.ok || !cancelled.ok) throw new Error(`round ${i} failed`);
        if (i >= WARMUP) roundTrips.push(t1 - t0);
      }
      report('port place + cancel (2 signed REST calls)', roundTrips);

      const ex = rawClient(venue, id);
      await ex.loadMarkets();
      const raw: number[] = [];
      for (let i = 0; i < ROUNDS + WARMUP; i++) {
        const clientOrderId = `gbrawL${i.toString(36)}`;
        const t0 = performance.now();
        await ex.createOrder(BTC, 'limit', 'buy', id === 'okx' ? 0.2 : 0.002, 90000, {
          ...(id === 'okx' ? { posSide: 'long', marginMode: 'cross' } : { positionSide: 'LONG' }),
          clientOrderId,
          postOnly: true,
        });
        await ex.cancelOrder(undefined as unknown as string, BTC, { clientOrderId });
        const t1 = performance.now();
        if (i >= WARMUP) raw.push(t1 - t0);
      }
      report('raw ccxt createOrder + cancelOrder', raw);

      const fills: number[] = [];
      let pending: { id: string; resolve: () => void } | null = null;
      const sub = await port.subscribeUser((e: UserStreamEvent) => {
        if (e.type === 'fill' && pending && e.fill.clientOrderId === pending.id) pending.resolve();
      });
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 100; i++) {
        const id = `gbbenchF${i.toString(36)}`;
        const price = i % 2 === 0 ? '95400.0' : '95410.0';
        await port.submit({
          account: 'acct-a',
          symbol: BTC,
          clientOrderId: id,
          side: i % 2 === 0 ? 'buy' : 'sell',
          positionSide: 'LONG',
          type: 'limit',
          price: dec(price),
          qty: dec('0.002'),
          timeInForce: 'GTC',
        });
        const delivered = new Promise<void>((resolve) => {
          pending = { id, resolve };
        });
        const t0 = performance.now();
        venue.moveTo('BTCUSDT', i % 2 === 0 ? '95399.0' : '95411.0');
        await delivered;
        fills.push(performance.now() - t0);
      }
      await sub.close();
      report('fill → adapter fill event (WS, ccxt pro)', fills);
      await ex.close();
    } finally {
      await venue.stop();
    }
  }
}

export default bench;
