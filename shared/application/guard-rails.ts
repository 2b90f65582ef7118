/**
 * The guard rails a process applies to every order it sends (issue 15): each account's pre-trade limits
 * (from its deployment config) and the order-rate window each account shares across every instance this
 * process serves. Composition roots give them to the context; a context without them gets the defaults
 * (no notional cap, a 5 % price band, 300 orders per 10 s) and a window of its own.
 */
import {
  type BudgetLeg,
  type BudgetPolicy,
  type BudgetUse,
  budgetUse,
  exposureNotional as exposureOf,
} from '../domain/guards/budget.js';
import { ORDER_RATE_WINDOW_MS, type PreTradeLimits } from '../domain/guards/pre-trade.js';
import { STOP_MISSING_ALERT } from '../domain/guards/protective-stop.js';
import { BUDGETS_ALERT, SHADOW_LEDGER_ALERT, type ShadowMemory } from '../domain/guards/recon-guards.js';
import { type Decimal, dec, ONE, ZERO } from '../domain/money.js';
import { legsOf, strategyOf } from '../domain/strategies/index.js';
import type { InstanceConfigBase, InstanceEnvelope, LedgerView } from '../domain/strategy.js';

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

/** How long a sibling instance's exposure read from the store is trusted before it is read again. */
export const BOOK_TTL_MS = 60_000;

/**
 * What this process last saw of each account: each instance's exposure (the notional it holds and bids
 * for on its opening side), when, and the account's equity per settlement asset, for the account-wide
 * checks. Fed by every pre-trade step and recon pass here; another instance's entry older than
 * `BOOK_TTL_MS` is read again from the store (another process may have moved it).
 */
export class AccountBook {
  readonly #exposure = new Map<string, Map<string, { notional: Decimal; at: number }>>();
  readonly #equity = new Map<string, Decimal>();
  /** Instances known not to trade on an account (so their config is not read again). */
  readonly #elsewhere = new Set<string>();

  setExposure(account: string, instanceId: string, notional: Decimal, at: number): void {
    const m = this.#exposure.get(account) ?? new Map<string, { notional: Decimal; at: number }>();
    m.set(instanceId, { notional, at });
    this.#exposure.set(account, m);
  }

  /** Whether the instance's entry on the account is fresh at `now` (or it does not trade there). */
  fresh(account: string, instanceId: string, now: number): boolean {
    if (this.#elsewhere.has(`${account}|${instanceId}`)) return true;
    const e = this.#exposure.get(account)?.get(instanceId);
    return e !== undefined && now - e.at < BOOK_TTL_MS;
  }

  notOn(account: string, instanceId: string): void {
    this.#elsewhere.add(`${account}|${instanceId}`);
  }

  /** The exposure of every instance on the account but `instanceId`. */
  others(account: string, instanceId: string): Decimal {
    let sum = ZERO;
    for (const [id, v] of this.#exposure.get(account) ?? [])
      if (id !== instanceId) sum = sum.plus(v.notional);
    return sum;
  }

  setEquity(account: string, asset: string, equity: Decimal): void {
    this.#equity.set(`${account}|${asset}`, equity);
  }

  equity(account: string, asset: string): Decimal | null {
    return this.#equity.get(`${account}|${asset}`) ?? null;
  }
}

export interface GuardRails {
  limits(account: string): PreTradeLimits;
  readonly rate: OrderRateWindow;
  /** The budgets declared by the instances trading on the account, summed (null: none declares one). */
  budgetsOn(account: string): Decimal | null;
  /** What each instance's shadow ledger saw on its last recon pass in this process (`recon-guards.ts`). */
  readonly shadow: Map<string, ShadowMemory>;
  /** Exposure per instance and equity per account, as this process last saw them. */
  readonly book: AccountBook;
}

/** Guard rails from each account's limits (unknown accounts get the defaults) and budgets. */
export function guardRails(
  limits: ReadonlyMap<string, PreTradeLimits>,
  budgets: ReadonlyMap<string, Decimal> = new Map(),
): GuardRails {
  return {
    limits: (a) => limits.get(a) ?? DEFAULT_PRE_TRADE_LIMITS,
    rate: new OrderRateWindow(),
    budgetsOn: (a) => budgets.get(a) ?? null,
    shadow: new Map(),
    book: new AccountBook(),
  };
}

/** The instance's budget as the allocator counts it (null: it declares none). */
export function budgetPolicyOf(config: InstanceConfigBase): BudgetPolicy | null {
  const g = config.guards;
  if (!g?.budget) return null;
  return { budget: g.budget, leverage: g.budget_leverage ?? ONE };
}

/** Each leg of the instance with what its ledger holds there. */
export function budgetLegsOf(config: InstanceConfigBase, ledger: LedgerView): BudgetLeg[] {
  return legsOf(config).map((leg) => ({
    role: leg.role,
    positionSide: leg.positionSide,
    qty: ledger.legs[leg.role]?.qty ?? ZERO,
    avgEntry: ledger.legs[leg.role]?.avgEntry ?? ZERO,
  }));
}

/** What the instance's budget is using now (null: it declares none): status, metrics and reports show it. */
export function budgetUseOf(config: InstanceConfigBase, state: InstanceEnvelope): BudgetUse | null {
  const policy = budgetPolicyOf(config);
  if (!policy) return null;
  const strategy = strategyOf(config);
  const ledger = strategy.ledger(state);
  return budgetUse(
    policy,
    budgetLegsOf(config, ledger),
    strategy.orderSlots(state),
    ledger.realizedPnl,
    state.lastPrice,
  );
}

/** The sum of the budgets each account's instances declare (an instance on several accounts counts on each). */
export function budgetsByAccount(instances: readonly InstanceConfigBase[]): Map<string, Decimal> {
  const out = new Map<string, Decimal>();
  for (const inst of instances) {
    const policy = budgetPolicyOf(inst);
    if (!policy) continue;
    for (const account of new Set(legsOf(inst).map((l) => l.account)))
      out.set(account, (out.get(account) ?? ZERO).plus(policy.budget));
  }
  return out;
}

/**
 * The notional an instance holds (at the last price, or its entry when none) and bids for on its opening
 * side (at the orders' prices).
 */
export function exposureNotional(config: InstanceConfigBase, state: InstanceEnvelope): Decimal {
  const strategy = strategyOf(config);
  return exposureOf(
    budgetLegsOf(config, strategy.ledger(state)),
    strategy.orderSlots(state),
    state.lastPrice,
  );
}

/** The alerts of the guard rails (pre-trade conditions, shadow ledger, budgets) an instance has raised now. */
function guardConditions(state: InstanceEnvelope): string[] {
  return state.activeAlerts.filter(
    (a) =>
      a.startsWith('pre_trade_') ||
      a === SHADOW_LEDGER_ALERT ||
      a === BUDGETS_ALERT ||
      a === STOP_MISSING_ALERT,
  );
}

/**
 * What the guard rails see of an instance, for `gridbot status`, the admin function, metrics and the
 * simulator's report: the notional it holds and bids for on the opening side (at the last price, or its
 * entry when none), its budget's use, and the guard rails' conditions raised now. With `equity`, the
 * leverage that exposure is of it.
 */
export function guardView(config: InstanceConfigBase, state: InstanceEnvelope, equity?: Decimal | null) {
  const exposure = exposureNotional(config, state);
  const use = budgetUseOf(config, state);
  return {
    exposureNotional: exposure.toDecimalPlaces(2).toFixed(),
    ...(equity?.greaterThan(0) ? { leverage: exposure.dividedBy(equity).toDecimalPlaces(4).toFixed() } : {}),
    budget: use
      ? {
          budget: use.budget.toFixed(),
          leverage: use.leverage.toFixed(),
          positionMargin: use.positionMargin.toDecimalPlaces(2).toFixed(),
          reservedMargin: use.reservedMargin.toDecimalPlaces(2).toFixed(),
          realizedPnl: use.realizedPnl.toDecimalPlaces(2).toFixed(),
          unrealizedLoss: use.unrealizedLoss.toDecimalPlaces(2).toFixed(),
          available: use.available.toDecimalPlaces(2).toFixed(),
        }
      : null,
    limits: {
      maxPositionNotional: config.guards?.max_position_notional?.toFixed() ?? null,
    },
    /** The guard rails' conditions raised now (pre-trade denials, shadow ledger, budgets, missing stop). */
    alerts: guardConditions(state),
  };
}
