/**
 * Leverage and maintenance-margin brackets (GET /fapi/v1/leverageBracket). The exchangeInfo fixture does
 * not carry them (they are per account and need a signed call), so the engine ships representative
 * tables in Binance's shape — BTC and ETH style tiers for the majors, a smaller-cap table for everything
 * else — and accepts real ones through its options. `cum` (maintenance amount) is derived from the
 * table, as Binance defines it, so that maintenance margin is continuous across bracket boundaries.
 *
 * Entry points: `bracketsFromTable`, `defaultBrackets(symbol)`, `bracketFor(brackets, notional)`,
 * `maxLeverage`, `maxNotionalFor(brackets, leverage)`.
 */
import { type Decimal, dec, ZERO } from '../../domain/money.js';
import type { LeverageBracket } from './types.js';

/** One row: [notional cap, max leverage, maintenance margin ratio]. Floors follow from the previous cap. */
export type BracketRow = readonly [cap: string, maxLeverage: number, mmr: string];

const MAJOR_TABLE: readonly BracketRow[] = [
  ['50000', 125, '0.004'],
  ['600000', 100, '0.005'],
  ['3000000', 75, '0.0065'],
  ['12000000', 50, '0.01'],
  ['70000000', 25, '0.02'],
  ['100000000', 20, '0.025'],
  ['230000000', 10, '0.05'],
  ['480000000', 5, '0.1'],
  ['600000000', 4, '0.125'],
  ['800000000', 3, '0.15'],
  ['1200000000', 2, '0.25'],
  ['1800000000', 1, '0.5'],
];

const ALT_TABLE: readonly BracketRow[] = [
  ['10000', 75, '0.005'],
  ['50000', 50, '0.01'],
  ['750000', 25, '0.02'],
  ['2000000', 20, '0.025'],
  ['5000000', 10, '0.05'],
  ['10000000', 5, '0.1'],
  ['15000000', 4, '0.125'],
  ['25000000', 3, '0.15'],
  ['50000000', 2, '0.25'],
  ['100000000', 1, '0.5'],
];

export function bracketsFromTable(rows: readonly BracketRow[]): LeverageBracket[] {
  const out: LeverageBracket[] = [];
  let floor = ZERO;
  let cum = ZERO;
  let prevMmr = ZERO;
  rows.forEach(([capText, lev, mmrText], i) => {
    const cap = dec(capText, 'notionalCap');
    const mmr = dec(mmrText, 'maintMarginRatio');
    if (!cap.greaterThan(floor)) throw new Error(`bracket ${i + 1}: notionalCap must grow`);
    cum = cum.plus(floor.times(mmr.minus(prevMmr)));
    out.push({
      bracket: i + 1,
      initialLeverage: lev,
      notionalCap: cap,
      notionalFloor: floor,
      maintMarginRatio: mmr,
      cum,
    });
    floor = cap;
    prevMmr = mmr;
  });
  return out;
}

const MAJOR = bracketsFromTable(MAJOR_TABLE);
const ALT = bracketsFromTable(ALT_TABLE);

export function defaultBrackets(symbol: string): LeverageBracket[] {
  return /^(BTC|ETH)/.test(symbol) ? MAJOR : ALT;
}

/** The bracket a position of `notional` (absolute) falls in; the last one beyond the table. */
export function bracketFor(brackets: readonly LeverageBracket[], notional: Decimal): LeverageBracket {
  for (const b of brackets) if (notional.lessThan(b.notionalCap)) return b;
  return brackets[brackets.length - 1]!;
}

export function maxLeverage(brackets: readonly LeverageBracket[]): number {
  return brackets[0]!.initialLeverage;
}

/** Largest position notional allowed at `leverage` (the highest cap whose bracket allows it). */
export function maxNotionalFor(brackets: readonly LeverageBracket[], leverage: number): Decimal {
  let cap = ZERO;
  for (const b of brackets) if (b.initialLeverage >= leverage) cap = b.notionalCap;
  return cap;
}

/** Maintenance margin of a position of `notional` (absolute): notional × mmr − cum. */
export function maintenanceMargin(brackets: readonly LeverageBracket[], notional: Decimal): Decimal {
  if (notional.isZero()) return ZERO;
  const b = bracketFor(brackets, notional);
  return notional.times(b.maintMarginRatio).minus(b.cum);
}
