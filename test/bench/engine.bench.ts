/**
 * Engine budgets of ARCHITECTURE.md, pure compute: the event-track decision (`onFill`) and the recon plan
 * (`planRecon`) on 50 and 200 levels. Prints p50 / p99 / max per decision.
 */
import { performance } from 'node:perf_hooks';
import { dec } from '../../shared/domain/money.js';
import { initialKlgState, onFill, planRecon } from '../../shared/domain/strategies/klg/index.js';
import { dogeRules } from '../support/rules.js';
import { klgConfig } from '../support/strategies/klg/config.js';
import { ToyVenue } from '../support/strategies/klg/venue.js';
import type { Bench } from './run.js';
import { fmtMs, summarize } from './stats.js';

function grid(levels: number) {
  const prices = Array.from({ length: levels }, (_, i) => dec('0.1').plus(dec('0.0005').times(i)).toFixed());
  const config = klgConfig({ levels: { source: 'manual', prices }, base_amount_per_grid: '100' });
  const mid = dec(prices[Math.floor(levels / 2)]!).plus('0.00025');
  const venue = new ToyVenue(config, dogeRules(), mid);
  let state = initialKlgState(
    config.id,
    prices.map((p) => dec(p)),
    venue.time,
  );
  const recon = () => {
    const d = planRecon(state, venue.snapshot(state), config, venue.time);
    state = venue.run(d.state, d.commands).state;
  };
  recon();
  return {
    config,
    venue,
    get state() {
      return state;
    },
    set state(s) {
      state = s;
    },
    recon,
  };
}

const bench: Bench = {
  name: 'KLG engine decisions (pure compute)',
  async run() {
    for (const levels of [50, 200]) {
      const g = grid(levels);
      // Walk the price down through a quarter of the grid and back, timing every decision.
      const fillTimes: number[] = [];
      const reconTimes: number[] = [];
      const start = g.venue.price;
      const path = [
        ...Array.from({ length: levels / 4 }, (_, i) => start.minus(dec('0.0005').times(i + 1))),
        ...Array.from({ length: levels / 4 }, (_, i) => start.minus(dec('0.0005').times(levels / 4 - i))),
      ];
      for (let round = 0; round < 8; round++) {
        if (round === 2) {
          // The first two rounds warm the JIT up; only the rest is measured.
          fillTimes.length = 0;
          reconTimes.length = 0;
        }
        for (const p of path) {
          for (const f of g.venue.moveTo(p)) {
            const t0 = performance.now();
            const d = onFill(g.state, f, g.config, g.venue.market(), g.venue.time);
            fillTimes.push(performance.now() - t0);
            g.state = g.venue.run(d.state, d.commands).state;
          }
          const snapshot = g.venue.snapshot(g.state);
          const t0 = performance.now();
          const d = planRecon(g.state, snapshot, g.config, g.venue.time);
          reconTimes.push(performance.now() - t0);
          g.state = g.venue.run(d.state, d.commands).state;
        }
      }
      const f = summarize(fillTimes);
      const r = summarize(reconTimes);
      console.log(
        `${levels} levels  onFill   n=${f.n}  p50 ${fmtMs(f.p50)}  p99 ${fmtMs(f.p99)}  max ${fmtMs(f.max)}   (budget p99 < 1 ms)`,
      );
      console.log(
        `${levels} levels  planRecon n=${r.n}  p50 ${fmtMs(r.p50)}  p99 ${fmtMs(r.p99)}  max ${fmtMs(r.max)}   (budget < 5 ms)`,
      );
    }
  },
};

export default bench;
