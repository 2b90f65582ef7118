/**
 * The closer on real tape (`npm run bench -- closer`).
 *
 * Slippage: each `../shared/data/ticks` file (BTCUSDT aggregate trades, a few minutes each) is replayed by
 * `gridbot sim` (the paper exchange's matching, its market streams, the stream worker, the closer, recon:
 * the production path) with a 0.5 BTC LONG and a 0.5 BTC SHORT opened when the bot starts. Per file and
 * side it prints what the closer closed, its slices and maker share, its average exit against one market
 * order at the start (the touch then; the paper book has no depth, so that order's own size costs it
 * nothing: a flattering benchmark for the market order), gross and net of fees (Binance base tier: maker
 * 0.02 %, taker 0.05 %), and blended: what the tape did not get to close goes by market at its end.
 *
 * Latency: the engine's decision per market event (tape update plus `onMarket`), one tick at a time over
 * the three tapes in turn; through stats.ts: warm-up, then one sample per tick of the tapes, p50 / p99 /
 * max.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runSimulation } from '../../shared/composition/sim.js';
import {
  initialSide,
  onCancelled,
  onMarket,
  onPlaced,
  type SideExec,
} from '../../shared/domain/closer/engine.js';
import { closerSettingsSchema, paramsFor } from '../../shared/domain/closer/params.js';
import { EMPTY_TAPE, marketView, onTapeEvent, type Tape } from '../../shared/domain/market-tape.js';
import { dec } from '../../shared/domain/money.js';
import { sharedData } from '../support/paper.js';
import { btcRules } from '../support/rules.js';
import { BTC, closerSimConfig } from '../support/strategies/closer.js';
import { readTicks, TICK_FILES } from '../support/ticks.js';
import type { Bench } from './run.js';
import { type Budget, MIN_SAMPLES, sampleLatency } from './stats.js';

const SIZE = '0.5';
const TAKER = dec('0.0005');

interface LegReport {
  closed: string;
  left: string;
  averageExit: string | null;
  marketAtStart: string;
  vsMarketBp: string | null;
  netVsMarketBp: string | null;
  slices: number;
  makerShare: string | null;
  fees: string;
  timeToFlatSec: number | null;
}

async function slippage(file: string): Promise<void> {
  const config = closerSimConfig(
    [
      { side: 'LONG', qty: SIZE },
      { side: 'SHORT', qty: SIZE },
    ],
    { balance: '1000000' },
  );
  const ticks = readTicks(file);
  const last = ticks[ticks.length - 1]!;
  const tick = dec('0.1');
  const endBid = last.sellerTook ? last.price : last.price.minus(tick);
  const endAsk = last.sellerTook ? last.price.plus(tick) : last.price;
  const started = performance.now();
  const r = await runSimulation({
    config,
    ticks: { [BTC]: join(sharedData, 'ticks', file) },
    store: 'memory',
  });
  const wall = (performance.now() - started) / 1000;
  const legs = (r.summary.instances[0]!.strategyReport as { legs: Record<string, LegReport> }).legs;
  for (const side of ['LONG', 'SHORT'] as const) {
    const l = legs[`${BTC}#${side}`]!;
    const closed = dec(l.closed);
    const left = dec(l.left);
    const start = dec(l.marketAtStart);
    const proceeds = l.averageExit ? dec(l.averageExit).times(closed) : dec(0);
    // The rest by market at the tape's end, with its taker fee; against the whole size by market at the start.
    const endTouch = side === 'LONG' ? endBid : endAsk;
    const total = proceeds.plus(left.times(endTouch));
    const avgAll = total.dividedBy(SIZE);
    const fees = dec(l.fees).plus(left.times(endTouch).times(TAKER));
    const gross = (side === 'LONG' ? avgAll.minus(start) : start.minus(avgAll)).dividedBy(start);
    const blended = gross.minus(fees.dividedBy(total)).plus(TAKER).times(10_000);
    console.log(
      `${file.slice(28, 45)} ${side.padEnd(5)} closed ${l.closed} of ${SIZE} in ${l.slices} slices` +
        `${l.timeToFlatSec === null ? '' : ` (flat in ${l.timeToFlatSec} s)`}, maker ${l.makerShare === null ? '—' : dec(l.makerShare).times(100).toDecimalPlaces(0).toFixed()} %,` +
        ` exits ${l.vsMarketBp ?? '—'} bp gross / ${l.netVsMarketBp ?? '—'} bp net vs one market order;` +
        ` blended with the rest by market at the end: ${blended.toDecimalPlaces(2).toFixed()} bp`,
    );
  }
  console.log(`  (replay of ${ticks.length} ticks through the production path: ${wall.toFixed(1)} s)`);
}

// ARCHITECTURE.md's event-track budget (a decision, pure compute: p99 under 1 ms) holds for the closer's
// decision per market event too.
const DECISION: Budget = { p99Ms: 1, source: 'ARCHITECTURE.md budgets' };

/** One step is one tick of the tapes, in turn (each tape from a fresh engine state, untimed). */
async function latency(): Promise<void> {
  const rules = btcRules();
  const params = paramsFor(closerSettingsSchema.parse({}), BTC);
  const pos = { qty: dec('1'), entry: dec('60000'), leverage: dec('10'), liquidation: null };
  const tapes = TICK_FILES.map((f) => readTicks(f));
  let file = 0;
  let at = 0;
  let tape: Tape = EMPTY_TAPE;
  let e: SideExec = initialSide('LONG', 0);
  let seq = 0;
  await sampleLatency(
    { decision: { label: 'decision per market event (tape + engine)', budget: DECISION } },
    (record) => {
      if (at === tapes[file]!.length) {
        file = (file + 1) % tapes.length;
        at = 0;
        tape = EMPTY_TAPE;
        e = initialSide('LONG', 0);
      }
      const x = tapes[file]![at++]!;
      const t0 = performance.now();
      tape = onTapeEvent(tape, { type: 'trade', price: x.price }, x.at);
      const bid = x.sellerTook ? x.price : x.price.minus('0.1');
      tape = onTapeEvent(tape, { type: 'bookTop', bid, ask: bid.plus('0.1') }, x.at);
      const s = onMarket(
        e,
        params,
        rules,
        pos,
        marketView(tape, x.at, params.accelWindowMs),
        x.at,
        `b${seq}`,
      );
      record('decision', performance.now() - t0);
      e = s.exec;
      for (const i of s.intents) {
        if (i.kind === 'place') {
          seq += 1;
          e = onPlaced(e, i.clientOrderId, x.at);
        } else if (i.kind === 'cancel') e = onCancelled(e, params, i.clientOrderId, x.at);
      }
    },
    // As many samples as the tapes have ticks (after the warm-up, which runs through them too).
    {
      samples: Math.max(
        MIN_SAMPLES,
        tapes.reduce((n, t) => n + t.length, 0),
      ),
    },
  );
}

const bench: Bench = {
  name: 'closer on real BTCUSDT tape (the simulator: paper matching, stream worker, closer)',
  async run() {
    console.log('slippage (outcome figures: one replay per tape, not timings):');
    for (const f of TICK_FILES) await slippage(f);
    await latency();
  },
};

export default bench;
