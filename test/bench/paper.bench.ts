/**
 * Paper engine throughput: one month of real DOGEUSDT 1m candles replayed with 200 resting grid orders
 * (100 buys below, 100 sells above, 0.25% apart). A fill re-places the opposite order one level away, as a
 * grid would, so the book stays at 200 orders. Reports candles per second, fills, and the same replay with
 * an empty book as a baseline. Measures only; asserts nothing.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '../../shared/adapters/clock/virtual-clock.js';
import { loadCandles, loadExchangeInfo } from '../../shared/adapters/paper/data-files.js';
import { PaperExchange } from '../../shared/adapters/paper/engine.js';
import type { CandleInput } from '../../shared/adapters/paper/market-driver.js';
import { ceilTo, type Decimal, dec, floorTo } from '../../shared/domain/money.js';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../../..');
const data = resolve(repoRoot, '../shared/data');
// DOGEUSDC (MAX_NUM_ORDERS 200) replaying DOGEUSDT candles, the stand-in SOURCES.md names for it.
const S = 'DOGEUSDC';
const LEVELS = 100;
const STEP = dec('0.0025');

function gridPrice(base: Decimal, level: number, tick: Decimal): Decimal {
  const p = base.times(dec(1).plus(STEP).pow(level));
  return level < 0 ? floorTo(p, tick) : ceilTo(p, tick);
}

function replay(
  candles: readonly CandleInput[],
  withGrid: boolean,
): { seconds: number; fills: number; open: number } {
  const clock = new VirtualClock(candles[0]!.openTime);
  const ex = new PaperExchange({
    clock,
    exchangeInfo: loadExchangeInfo(
      resolve(data, 'fixtures/binance_usdm_exchangeInfo_2025-11-26_subset.json'),
    ),
    symbols: [S],
  });
  ex.createAccount({ id: 'grid', balances: { USDC: '10000000' }, dualSidePosition: true });
  ex.setLeverage('grid', S, 1);
  const tick = ex.marketRules(S).tickSize;
  ex.applyCandle(S, candles[0]!);
  const base = candles[0]!.close;
  let fills = 0;
  if (withGrid) {
    const place = (side: 'BUY' | 'SELL', level: number): void => {
      const long = side === 'BUY' ? 'LONG' : 'SHORT';
      ex.placeOrder('grid', {
        symbol: S,
        side,
        type: 'LIMIT',
        price: gridPrice(base, level, tick),
        quantity: dec(100),
        timeInForce: 'GTC',
        positionSide: long,
        newClientOrderId: `L${level}${side[0]}`,
      });
    };
    const levelOf = new Map<string, number>();
    for (let i = 1; i <= LEVELS; i++) {
      place('BUY', -i);
      place('SELL', i);
      levelOf.set(`L${-i}B`, -i);
      levelOf.set(`L${i}S`, i);
    }
    ex.subscribeAccount('grid', {
      onEvent: (e) => {
        if (e.type !== 'orderUpdate' || e.order.status !== 'FILLED') return;
        fills++;
        const level = Number(e.order.clientOrderId.slice(1, -1));
        const side = e.order.side === 'BUY' ? 'SELL' : 'BUY';
        const next = side === 'SELL' ? level + 1 : level - 1;
        try {
          place(side, next);
        } catch {
          // a level already holding an order keeps it (duplicate id) — the book stays near 200
        }
      },
    });
  }
  const started = performance.now();
  for (const c of candles.slice(1)) {
    clock.setTime(c.openTime + 60_000);
    ex.applyCandle(S, c);
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, fills, open: ex.openOrders('grid', S).length };
}

export default {
  name: 'paper engine: candles per second with 200 resting orders',
  async run(): Promise<void> {
    const candles = loadCandles(resolve(data, 'ohlcv_1m/binance_usdm_DOGEUSDT_1m_2025-05-25_2025-06-24.csv'));
    replay(candles.slice(0, 2000), true); // warm-up
    const n = candles.length - 1;
    // the machines are shared and noisy: report the median of three replays
    const median = (runs: ReturnType<typeof replay>[]) => [...runs].sort((a, b) => a.seconds - b.seconds)[1]!;
    const grid = median([replay(candles, true), replay(candles, true), replay(candles, true)]);
    const empty = median([replay(candles, false), replay(candles, false), replay(candles, false)]);
    console.log(`candles replayed:            ${n} (DOGEUSDT 1m 2025-05-25 … 2025-06-24 on DOGEUSDC rules)`);
    console.log(
      `200 resting orders:          ${Math.round(n / grid.seconds).toLocaleString('en')} candles/s  (${grid.seconds.toFixed(2)} s, ${grid.fills} fills, ${grid.open} open at the end)`,
    );
    console.log(
      `empty book (baseline):       ${Math.round(n / empty.seconds).toLocaleString('en')} candles/s  (${empty.seconds.toFixed(2)} s)`,
    );
  },
};
