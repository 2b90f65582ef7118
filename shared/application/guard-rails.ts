/**
 * The guard rails a process applies to every order it sends (issue 15): each account's pre-trade limits
 * (from its deployment config) and the order-rate window each account shares across every instance this
 * process serves. Composition roots give them to the context; a context without them gets the defaults
 * (no notional cap, a 5 % price band, 300 orders per 10 s) and a window of its own.
 */
import { ORDER_RATE_WINDOW_MS, type PreTradeLimits } from '../domain/guards/pre-trade.js';
import { dec } from '../domain/money.js';

export const DEFAULT_PRE_TRADE_LIMITS: PreTradeLimits = {
  maxOrderNotional: null,
  priceBandPct: dec('5'),
  maxOrdersPer10s: 300,
};

/** When each account sent its recent orders (a sliding window; old entries are dropped as it slides). */
export class OrderRateWindow {
  readonly #sent = new Map<string, number[]>();

  record(account: string, at: number): void {
    const list = this.#sent.get(account) ?? [];
    list.push(at);
    this.#sent.set(account, list);
  }

  /** Orders sent on the account in the window ending at `now`. */
  count(account: string, now: number): number {
    const list = this.#sent.get(account);
    if (!list) return 0;
    const from = now - ORDER_RATE_WINDOW_MS;
    let drop = 0;
    while (drop < list.length && list[drop]! <= from) drop++;
    if (drop > 0) list.splice(0, drop);
    return list.length;
  }
}

export interface GuardRails {
  limits(account: string): PreTradeLimits;
  readonly rate: OrderRateWindow;
}

/** Guard rails from each account's limits (unknown accounts get the defaults). */
export function guardRails(limits: ReadonlyMap<string, PreTradeLimits>): GuardRails {
  return { limits: (a) => limits.get(a) ?? DEFAULT_PRE_TRADE_LIMITS, rate: new OrderRateWindow() };
}
