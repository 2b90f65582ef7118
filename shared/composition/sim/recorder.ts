/**
 * What the report draws besides the events: after every market step, each instance's position and its
 * first leg account's equity as the exchange reports them (read from the simulated exchange directly,
 * `RecorderReads`: what the Exchange port would answer; a position over several legs is their net: long
 * positive, short negative), its exposure (Σ |position| × mark over the legs) and the
 * distance from mark to the nearest liquidation price, and, after every recon, the price lines the strategy
 * draws (the grid's levels). Equity is tracked (the `equityTrack` the performance figures, drawdown among them, use) on
 * every step of runs up to 10 000 steps (every few steps of longer ones); the series kept for the charts are
 * thinned to about `maxPoints` (5 000: a month of minutes keeps a point every ~9 minutes) so the report
 * stays small. Exposure and liquidation are read only on kept samples.
 */

import type { InstanceConfig } from '../../domain/config/deployment.js';
import { type Decimal, ZERO } from '../../domain/money.js';
import { legsOf, strategyOf } from '../../domain/strategies/index.js';
import type { InstanceEnvelope, Leg } from '../../domain/strategy.js';
import { parseLinearSymbol } from './markets.js';

export interface SeriesPoint {
  readonly t: number;
  /** The net position over the instance's legs. */
  readonly holdings: string;
  /** The equity of every account the instance's legs are on, together. */
  readonly equity: string;
  /** Each leg's position (signed), by role, when the instance has more than one leg. */
  readonly legs?: Readonly<Record<string, string>>;
  /** Σ |position| × mark price over the legs (quote currency). */
  readonly notional?: string;
  /** (mark − liquidation) / mark at the nearest liquidation price of any leg, absolute; absent without one. */
  readonly liquidationDistance?: string;
}

export interface EquitySample {
  readonly t: number;
  readonly equity: Decimal;
}

export interface LevelSpan {
  readonly from: number;
  to: number;
  readonly prices: readonly string[];
}

/** Direct reads of the simulated exchange, for samples taken every few steps (what the port would answer). */
export interface RecorderReads {
  /** The account's equity (margin balance) in `asset`. */
  equity(account: string, asset: string): Decimal;
  /** A leg's position: quantity (signed in one-way mode), mark, liquidation price (absent without one). */
  position(leg: Leg): { qty: Decimal; markPrice: Decimal; liquidationPrice?: Decimal | undefined };
}

export class Recorder {
  readonly series = new Map<string, SeriesPoint[]>();
  readonly levels = new Map<string, LevelSpan[]>();
  /** Every equity reading of an instance (the drawdown's cadence): the performance figures' input. */
  readonly equityTrack = new Map<string, EquitySample[]>();
  readonly #every: number;
  /** Equity is read every this many steps for the drawdown (every step up to 10 000 steps). */
  readonly drawdownEvery: number;
  #count = 0;
  /** Each instance's legs with their settlement asset, and the account-and-asset key equity is read by. */
  readonly #legs = new Map<string, { leg: Leg; quote: string; key: string }[]>();

  constructor(
    private readonly instances: readonly InstanceConfig[],
    private readonly reads: RecorderReads,
    expectedSteps: number,
    maxPoints = 5000,
  ) {
    this.#every = Math.max(1, Math.ceil(expectedSteps / maxPoints));
    this.drawdownEvery = Math.max(1, Math.ceil(expectedSteps / 10_000));
    for (const i of instances) {
      this.#legs.set(
        i.id,
        legsOf(i).map((leg) => {
          const { quote } = parseLinearSymbol(leg.symbol);
          return { leg, quote, key: `${leg.account}|${quote}` };
        }),
      );
      this.series.set(i.id, []);
      this.levels.set(i.id, []);
      this.equityTrack.set(i.id, []);
    }
  }

  sample(at: number, force = false): void {
    const keep = force || this.#count % this.#every === 0;
    const measure = keep || this.#count % this.drawdownEvery === 0;
    this.#count += 1;
    if (!measure) return;
    const equityOf = new Map<string, Decimal>();
    for (const inst of this.instances) {
      const legs = this.#legs.get(inst.id)!;
      let total: Decimal | null = null;
      const counted = new Set<string>();
      let net = ZERO;
      const byLeg: Record<string, string> = {};
      let notional = ZERO;
      let liquidation: Decimal | null = null;
      for (const { leg, quote, key } of legs) {
        // Each account's equity once per sample.
        let equity = equityOf.get(key);
        if (!equity) {
          equity = this.reads.equity(leg.account, quote);
          equityOf.set(key, equity);
        }
        if (!counted.has(key)) {
          counted.add(key);
          total = (total ?? ZERO).plus(equity);
        }
        if (!keep) continue;
        const position = this.reads.position(leg);
        const signed = signedQty(leg, position.qty);
        net = net.plus(signed);
        byLeg[leg.role] = signed.toFixed();
        const mark = position.markPrice;
        if (mark?.greaterThan(0) && !position.qty.isZero()) {
          notional = notional.plus(position.qty.abs().times(mark));
          if (position.liquidationPrice?.greaterThan(0)) {
            const d = mark.minus(position.liquidationPrice).abs().dividedBy(mark);
            if (liquidation === null || d.lessThan(liquidation)) liquidation = d;
          }
        }
      }
      if (total === null) continue;
      this.equityTrack.get(inst.id)?.push({ t: at, equity: total });
      if (!keep) continue;
      this.series.get(inst.id)?.push({
        t: at,
        holdings: net.toFixed(),
        equity: total.toFixed(),
        ...(legs.length > 1 ? { legs: byLeg } : {}),
        notional: notional.toDecimalPlaces(8).toFixed(),
        ...(liquidation !== null ? { liquidationDistance: liquidation.toDecimalPlaces(8).toFixed() } : {}),
      });
    }
  }

  /** The strategy's price lines after a recon; a new span starts when they change (a rebuild). */
  grid(instanceId: string, state: InstanceEnvelope, at: number): void {
    const spans = this.levels.get(instanceId);
    if (!spans) return;
    const prices = strategyOf(state)
      .simulation.chartLevels(state)
      .map((p) => p.toFixed());
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

/** A leg's position as a signed quantity: long positive, short negative (a one-way position is signed already). */
export function signedQty(leg: Leg, qty: Decimal): Decimal {
  if (leg.positionSide === 'LONG') return qty.abs();
  if (leg.positionSide === 'SHORT') return qty.abs().negated();
  return qty;
}
