/**
 * What the report draws besides the events: after every market step, each instance's position and its
 * account's equity as the exchange reports them (through the Exchange port), and, after every recon, the
 * grid's level prices. Drawdown is tracked on every step of runs up to 10 000 steps (every few steps of
 * longer ones); the series kept for the charts are thinned to about `maxPoints` so a month of minutes
 * still makes a small report.
 */

import { type Decimal, ZERO } from '../../domain/money.js';
import type { KlgConfig } from '../../domain/strategies/klg/config.js';
import type { KlgState } from '../../domain/strategies/klg/index.js';
import type { ExchangePort } from '../../ports/exchange.js';
import { parseLinearSymbol } from './markets.js';

export interface SeriesPoint {
  readonly t: number;
  readonly holdings: string;
  readonly equity: string;
}

export interface LevelSpan {
  readonly from: number;
  to: number;
  readonly prices: readonly string[];
}

interface Drawdown {
  peak: Decimal;
  max: Decimal;
}

export class Recorder {
  readonly series = new Map<string, SeriesPoint[]>();
  readonly levels = new Map<string, LevelSpan[]>();
  readonly #drawdown = new Map<string, Drawdown>();
  readonly #every: number;
  /** Equity is read every this many steps for the drawdown (every step up to 10 000 steps). */
  readonly drawdownEvery: number;
  #count = 0;

  constructor(
    private readonly instances: readonly KlgConfig[],
    private readonly ports: ReadonlyMap<string, ExchangePort>,
    expectedSteps: number,
    maxPoints = 1500,
  ) {
    this.#every = Math.max(1, Math.ceil(expectedSteps / maxPoints));
    this.drawdownEvery = Math.max(1, Math.ceil(expectedSteps / 10_000));
    for (const i of instances) {
      this.series.set(i.id, []);
      this.levels.set(i.id, []);
    }
  }

  /** Maximum drawdown of an account's equity (margin balance) from its running peak, as a fraction. */
  maxDrawdown(accountId: string): Decimal {
    return this.#drawdown.get(accountId)?.max ?? ZERO;
  }

  async sample(at: number, force = false): Promise<void> {
    const keep = force || this.#count % this.#every === 0;
    const measure = keep || this.#count % this.drawdownEvery === 0;
    this.#count += 1;
    if (!measure) return;
    const equityOf = new Map<string, Decimal>();
    for (const inst of this.instances) {
      const port = this.ports.get(inst.account);
      if (!port) continue;
      const key = `${inst.account}|${parseLinearSymbol(inst.symbol).quote}`;
      let equity = equityOf.get(key);
      if (!equity) {
        equity = (await port.balance(parseLinearSymbol(inst.symbol).quote)).marginBalance;
        equityOf.set(key, equity);
        const dd = this.#drawdown.get(inst.account) ?? { peak: equity, max: ZERO };
        if (equity.greaterThan(dd.peak)) dd.peak = equity;
        else if (dd.peak.greaterThan(0)) {
          const down = dd.peak.minus(equity).dividedBy(dd.peak);
          if (down.greaterThan(dd.max)) dd.max = down;
        }
        this.#drawdown.set(inst.account, dd);
      }
      if (!keep) continue;
      const position = await port.position(inst.symbol, inst.position_side);
      this.series.get(inst.id)?.push({ t: at, holdings: position.qty.toFixed(), equity: equity.toFixed() });
    }
  }

  /** The grid's levels after a recon; a new span starts when they change (a rebuild). */
  grid(instanceId: string, state: KlgState, at: number): void {
    const spans = this.levels.get(instanceId);
    if (!spans) return;
    const prices = state.levels.map((l) => l.price.toFixed());
    const last = spans[spans.length - 1];
    if (last && last.prices.length === prices.length && last.prices.every((p, i) => p === prices[i])) {
      last.to = at;
      return;
    }
    if (last) last.to = at;
    spans.push({ from: at, to: at, prices });
  }

  /** Closes the level spans at the end of the run. */
  finish(at: number): void {
    for (const spans of this.levels.values()) {
      const last = spans[spans.length - 1];
      if (last) last.to = at;
    }
  }
}
