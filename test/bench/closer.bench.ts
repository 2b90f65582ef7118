/**
 * The closer on real tape (`npm run bench -- closer`): each `../shared/data/ticks` file (BTCUSDT raw trades,
 * a few minutes each) drives the engine, through its tape, tick by tick. The book top is rebuilt from the
 * trades (a trade by a selling taker prints at the bid, by a buying taker at the ask). A maker slice fills
 * when a later trade prints through its price against it; a slice at the touch fills at once. The
 * comparison is one market order at the start, at the touch (no depth walked: a flattering benchmark for
 * the market order on size). Fees are Binance's USDT-M base tier: maker 0.02 %, taker 0.05 %.
 * Prints the decision latency per market event and, per file and side, the slippage in basis points.
 */
import { performance } from 'node:perf_hooks';
import { EMPTY_TAPE, marketView, onTapeEvent, type Tape } from '../../shared/domain/market-tape.js';
import { type Decimal, dec, minDec, ZERO } from '../../shared/domain/money.js';
import { closerSettingsSchema, paramsFor } from '../../shared/domain/strategies/closer/config.js';
import {
  type CloseSide,
  initialSide,
  onCancelled,
  onFill,
  onMarket,
  onPlaced,
  type SideExec,
} from '../../shared/domain/strategies/closer/engine.js';
import { btcRules } from '../support/rules.js';
import { readTicks, TICK_FILES, type Tick } from '../support/ticks.js';
import type { Bench } from './run.js';
import { fmtMs, summarize } from './stats.js';

const MAKER_FEE = dec('0.0002');
const TAKER_FEE = dec('0.0005');
const SIZE = dec('0.5');

function run(tape: readonly Tick[], side: CloseSide, latencies: number[]) {
  const rules = btcRules();
  const params = paramsFor(
    closerSettingsSchema.parse({ execution: { base_mult: '20', max_mult: '100' } }),
    'BTC/USDT:USDT',
  );
  const tick = rules.tickSize;
  let t: Tape = EMPTY_TAPE;
  let e: SideExec = initialSide(side, tape[0]!.at);
  let held = SIZE;
  let proceeds = ZERO;
  let fees = ZERO;
  let makerQty = ZERO;
  let slices = 0;
  let flatAt: number | null = null;
  let bid = tape[0]!.price.minus(tick);
  let ask = tape[0]!.price;
  const start = side === 'LONG' ? bid : ask;
  const fill = (qty: Decimal, price: Decimal, maker: boolean, at: number) => {
    const id = e.order!.clientOrderId;
    held = held.minus(qty);
    proceeds = proceeds.plus(qty.times(price));
    fees = fees.plus(qty.times(price).times(maker ? MAKER_FEE : TAKER_FEE));
    if (maker) makerQty = makerQty.plus(qty);
    e = onFill(e, params, id, qty, at);
  };
  for (const x of tape) {
    if (x.sellerTook) {
      bid = x.price;
      if (!ask.greaterThan(bid)) ask = bid.plus(tick);
    } else {
      ask = x.price;
      if (!bid.lessThan(ask)) bid = ask.minus(tick);
    }
    // A resting maker slice fills against a trade through its price from the other side.
    const o = e.order;
    if (o && e.state !== 'PLACING' && o.mode === 'MAKER_ONLY') {
      const through =
        side === 'LONG'
          ? !x.sellerTook && x.price.greaterThanOrEqualTo(o.price)
          : x.sellerTook && x.price.lessThanOrEqualTo(o.price);
      if (through) {
        const q = minDec(o.qty.minus(o.filled), x.qty);
        if (q.greaterThan(0)) fill(q, o.price, true, x.at);
      }
    }
    t = onTapeEvent(t, { type: 'trade', price: x.price }, x.at, params.accelWindowMs);
    t = onTapeEvent(t, { type: 'bookTop', bid, ask }, x.at, params.accelWindowMs);
    t = onTapeEvent(t, { type: 'markPrice', mark: x.price }, x.at, params.accelWindowMs);
    const pos = { qty: held, entry: start, leverage: dec('10'), liquidation: null };
    const t0 = performance.now();
    const s = onMarket(
      e,
      params,
      rules,
      pos,
      marketView(t, x.at, params.accelWindowMs),
      x.at,
      `gbbenchCr1R${(slices + 1).toString(36)}`,
    );
    latencies.push(performance.now() - t0);
    e = s.exec;
    for (const i of s.intents) {
      if (i.kind === 'place') {
        slices += 1;
        e = onPlaced(e, i.clientOrderId, x.at);
        // At the touch: it takes at once.
        if (i.timeInForce === 'GTC') fill(i.qty, i.price, false, x.at);
      } else if (i.kind === 'cancel') e = onCancelled(e, params, i.clientOrderId, x.at);
    }
    if (!held.greaterThan(0)) {
      flatAt = x.at;
      break;
    }
  }
  const closed = SIZE.minus(held);
  // What the tape did not get to close goes by market at its end (the comparison is for the whole size).
  if (held.greaterThan(0)) {
    const touch = side === 'LONG' ? bid : ask;
    proceeds = proceeds.plus(held.times(touch));
    fees = fees.plus(held.times(touch).times(TAKER_FEE));
  }
  const avg = proceeds.dividedBy(SIZE);
  // Basis points better than the market order at the start, net of fees (positive: the closer wins).
  const edge = side === 'LONG' ? avg.minus(start) : start.minus(avg);
  const net = edge
    .dividedBy(start)
    .times(10_000)
    .minus(fees.dividedBy(proceeds).times(10_000))
    .plus(TAKER_FEE.times(10_000));
  return {
    closed,
    avg,
    start,
    bps: net,
    makerShare: closed.greaterThan(0) ? makerQty.dividedBy(closed) : ZERO,
    slices,
    seconds: flatAt === null ? null : (flatAt - tape[0]!.at) / 1000,
  };
}

const bench: Bench = {
  name: 'closer on real BTCUSDT tape (pure engine, modelled fills)',
  async run() {
    const latencies: number[] = [];
    for (const f of TICK_FILES) {
      const tape = readTicks(f);
      for (const side of ['LONG', 'SHORT'] as const) {
        const r = run(tape, side, latencies);
        console.log(
          `${f.slice(28, 45)} ${side.padEnd(5)} ${r.seconds === null ? `${r.closed.toFixed()} of ${SIZE} closed by the tape's end (the rest by market there)` : `flat in ${r.seconds} s`}, ${r.slices} slices, maker ${r.makerShare.times(100).toDecimalPlaces(0)} %, avg ${r.avg.toDecimalPlaces(2)} vs ${r.start} at start: ${r.bps.toDecimalPlaces(2)} bp net of fees vs one market order`,
        );
      }
    }
    const s = summarize(latencies.slice(1000));
    console.log(`decision per market event: n=${s.n} p50 ${fmtMs(s.p50)} p99 ${fmtMs(s.p99)}`);
  },
};

export default bench;
