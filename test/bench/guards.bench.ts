/**
 * The pre-trade step's cost on a decision (`npm run bench -- guards`): the Key Level Grid lays out 200
 * levels (99 buys) and the step judges them with every check, the grid's margin facts included; then again
 * with account-wide caps set (the account book path). Prints p50 / p99 per decision and per order.
 */
import { performance } from 'node:perf_hooks';
import { guardRails } from '../../shared/application/guard-rails.js';
import { preTrade } from '../../shared/application/pipeline.js';
import { dec } from '../../shared/domain/money.js';
import { parseKlgConfig } from '../../shared/domain/strategies/klg/config.js';
import { initialKlgState, planRecon } from '../../shared/domain/strategies/klg/index.js';
import { paperApp } from '../support/app.js';
import { dogeRules } from '../support/rules.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';
import { ToyVenue } from '../support/strategies/klg/venue.js';
import type { Bench } from './run.js';
import { fmtMs, summarize } from './stats.js';

const bench: Bench = {
  name: 'pre-trade step (every check, 99 new orders)',
  async run() {
    const prices = Array.from({ length: 200 }, (_, i) => dec('0.1').plus(dec('0.0005').times(i)).toFixed());
    const config = parseKlgConfig(
      klgConfigInput({ levels: { source: 'manual', prices }, base_amount_per_grid: '100' }),
    );
    const app = await paperApp({ instances: [config], price: prices[100]! });
    const venue = new ToyVenue(config, dogeRules(), dec(prices[100]!).plus('0.00025'));
    const initial = initialKlgState(
      config.id,
      prices.map((p) => dec(p)),
      venue.time,
    );
    const d = planRecon(initial, venue.snapshot(initial), config, venue.time);
    const orders = d.commands.filter((c) => c.kind === 'PlaceOrder').length;
    const base = { maxOrderNotional: dec('1000'), priceBandPct: dec('5'), maxOrdersPer10s: 100_000 };
    const setups = [
      ['instance checks only', new Map([['main', base]])],
      [
        'with account caps',
        new Map([['main', { ...base, maxAccountNotional: dec('1000000'), maxLeverage: dec('100') }]]),
      ],
    ] as const;
    for (const [label, limits] of setups) {
      const ctx = { ...app.ctx, guards: guardRails(limits) };
      const times: number[] = [];
      for (let i = 0; i < 220; i++) {
        const t0 = performance.now();
        const r = await preTrade(ctx, config, d.state, d.commands);
        times.push(performance.now() - t0);
        if (i === 0 && r.denied.size > 0)
          throw new Error(`the bench's orders should pass (${r.denied.size} denied)`);
      }
      const s = summarize(times.slice(20)); // the first 20 warm the JIT up
      console.log(
        `${label.padEnd(22)} ${orders} orders  n=${s.n}  p50 ${fmtMs(s.p50)}  p99 ${fmtMs(s.p99)}  per order p50 ${fmtMs(s.p50 / orders)}`,
      );
    }
    await app.stop();
  },
};

export default bench;
