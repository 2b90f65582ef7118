/**
 * The ATR hedge grid's event track, decision only (pure): how long `onFill` takes to apply an open's fill
 * and decide its take-profit and the leg's stop, and `onMarket` to judge a book update that changes
 * nothing, on a pair with 30 levels a leg. What the stream worker adds around it (the conditional write,
 * the order call) is the shared pipeline's, measured by the runtime benchmark. Through stats.ts: warm-up,
 * then 5,000 samples of each decision, p50 / p99 / max.
 */
import { performance } from 'node:perf_hooks';

import { isOrderCommand, type PlaceOrder } from '../../shared/domain/commands.js';
import type { Tape } from '../../shared/domain/market-tape.js';
import { dec } from '../../shared/domain/money.js';
import { hedgeGridConfigSchema } from '../../shared/domain/strategies/hedge-grid/config.js';
import {
  adoptParams,
  hedgeLegs,
  hedgeGridStrategy as hg,
  initialHedgeGridState,
} from '../../shared/domain/strategies/hedge-grid/module.js';
import { dogeRules } from '../support/rules.js';
import { legSnapshot } from '../support/strategies/hedge-grid.js';
import type { Bench } from './run.js';
import { type Budget, sampleLatency } from './stats.js';

// ARCHITECTURE.md's event-track budget (a fill-to-order decision, pure compute: p99 under 1 ms) holds for
// every strategy's event track, a book update that changes nothing included.
const EVENT_TRACK: Budget = { p99Ms: 1, source: 'ARCHITECTURE.md budgets' };

const bench: Bench = {
  name: 'hedge grid: event-track decision latency',
  async run() {
    const rules = dogeRules({ symbol: 'DOGE/USDT:USDT' });
    const config = hedgeGridConfigSchema.parse({
      id: 'hg',
      strategy: 'atr_hedge_grid',
      symbol: 'DOGE/USDT:USDT',
      accounts: { long: 'a', short: 'b' },
      risk: { max_position_imbalance_pct: 0.5 },
    });
    const levelPrices = Array.from({ length: 30 }, (_, i) => dec('0.16').plus(dec('0.001').times(i)));
    const params = {
      version: 1,
      computedAt: 0,
      levelPrices,
      spacing: dec('0.0004'),
      amountPerLevel: dec('100'),
      leverage: 5,
      upper: levelPrices[29]!,
      lower: levelPrices[0]!,
      maintMarginRatio: dec('0.01'),
    };
    const legs = hedgeLegs(config);
    const snap = (leg: (typeof legs)[number]) => legSnapshot(leg, rules, '0.1745');
    let state = adoptParams(initialHedgeGridState(config, 0), params, 0);
    const d = hg.planRecon(state, legs.map(snap), config, 1_000);
    state = d.state;
    for (const c of d.commands)
      if (isOrderCommand(c)) state = hg.applyOutcome(state, c, { kind: 'placed' }, config, 1_000).state;
    const open = d.commands.find((c): c is PlaceOrder => c.kind === 'PlaceOrder' && c.tag?.leg === 'long')!;
    const market = { price: dec('0.1745'), rules, supportsAmend: true };
    let i = 0;
    await sampleLatency(
      {
        fill: { label: 'onFill: an open fill → take-profit + stop', budget: EVENT_TRACK },
        book: { label: 'onMarket: a book update that changes nothing', budget: EVENT_TRACK },
      },
      (record) => {
        i++;
        const fill = {
          tradeId: `t${i}`,
          symbol: open.request.symbol,
          clientOrderId: open.request.clientOrderId,
          exchangeOrderId: '1',
          side: open.request.side,
          positionSide: open.request.positionSide,
          price: open.request.price,
          qty: open.request.qty,
          fee: dec('0'),
          isMaker: true,
          time: 2_000 + i,
        };
        let t = performance.now();
        hg.onFill(state, fill, legs[0]!, config, market, 2_000 + i, 'own');
        record('fill', performance.now() - t);
        const event = {
          ...market,
          channel: 'bookTop' as const,
          bid: dec('0.1745'),
          ask: dec('0.17451'),
          tape: {} as Tape,
          run: 'r1',
          time: 2_000 + i,
        };
        t = performance.now();
        hg.onMarket!(state, legs[0]!, event, config, 1_500);
        record('book', performance.now() - t);
      },
      { samples: 5_000 },
    );
  },
};
export default bench;
