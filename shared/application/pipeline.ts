/**
 * The decision pipeline: what every track does once a decision is saved (ARCHITECTURE.md "State and
 * concurrency"). The event track (`handleFill`), recon (its normal pass and its protection pass while
 * backing off), rebuilds and operator commands all end here, so the rules below hold for each of them:
 *
 *   decide → save (conditional on version, the caller's `decideAndSave`) → pre-trade step → carry out on
 *   the exchange → settle outcomes (and their follow-ups) → journal fills, then orders → alerts.
 *
 * Entry points: `carryOutDecision(ctx, config, decided, commands, options)`, and `decideOnSnapshot` for
 * operator decisions made on a fresh read of every leg (rebuild, flatten). The pipeline knows no strategy:
 * it reaches the instance's through the registry (outcomes, ledger, level prices), and sends each command
 * to the exchange of its leg's account.
 * Invariants:
 *  1. Nothing is sent that the store does not already hold (the caller saved `decided` first).
 *  2. Every outcome is folded into the freshest stored state (`settleOutcomes`), follow-ups included.
 *  3. Fill journal lines ride in the saved state and are written here in one journal write with the order
 *     events, then dropped from the state (the event track leaves that to recon), then alerts, each alert
 *     stating the position.
 *  4. The pre-trade step sees every order command before it leaves: its account's pre-trade checks deny
 *     what must not be sent (the strategy sees a `pre_trade` refusal); protective orders always pass.
 */
import {
  accountOf,
  type Command,
  clientIdOf,
  type Decision,
  isOrderCommand,
  isShellCommand,
  type OrderCommand,
} from '../domain/commands.js';
import {
  budgetUse,
  exposureNotional as heldAndBid,
  marginOf,
  opensPosition,
} from '../domain/guards/budget.js';
import type { WorstPosition } from '../domain/guards/margin.js';
import { countsAsOrder, type PreTradeCheck, preTradeCheck } from '../domain/guards/pre-trade.js';
import { type Decimal, maxDec, ZERO } from '../domain/money.js';
import { legFor, legsOf, strategyOf } from '../domain/strategies/index.js';
import type { InstanceConfigBase, InstanceEnvelope, Leg, LegSnapshot } from '../domain/strategy.js';
import type { TradingEvent } from '../ports/events.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';
import { carryOut, type Executed, orderEvents, publishAlerts, settleOutcomes } from './execute.js';
import {
  budgetLegsOf,
  budgetPolicyOf,
  exposureNotional,
  type GuardRails,
  guardRails,
} from './guard-rails.js';
import { endHandOver, handOverLegs } from './hand-over.js';
import { dropJournaled, fillEvent } from './journal-fills.js';
import { gatherSnapshots, settleAssetOf } from './market.js';

export interface PipelineOptions {
  /** Events to journal before the order events (e.g. stops recon found live), made when they are written. */
  readonly leadingEvents?: () => readonly TradingEvent[];
  /** The level price of a level index for order events (default: the strategy's, on the decided state). */
  readonly levelPrice?: (level: number | null) => string | undefined;
  /**
   * Which unjournaled fills to write. By default all the state lists (this decision's and any a crash
   * left), then dropped from the state with a write of its own. The event track passes its fill's trade
   * id: only that line is written and nothing is dropped here (no third write on the fill path); the
   * worker drops it in its next decision's write (`FillContext.journaled`), and recon drops what is left.
   */
  readonly journalOnly?: readonly string[];
}

export interface PipelineResult<S extends InstanceEnvelope> {
  /** The state stored after settling and journaling. */
  readonly state: S;
  /** The decision's commands as carried out, then the follow-ups. */
  readonly executed: readonly Executed[];
  readonly followUps: readonly Executed[];
  readonly rateLimited: boolean;
  /** When the first order left (clock ms), for fill-to-order latency. */
  readonly firstSentAt: number | null;
  /** Trade ids whose journal lines this call wrote (still listed in `state` when `journalOnly` was given). */
  readonly journaled: readonly string[];
}

const DEFAULT_GUARDS = new WeakMap<AppContext, GuardRails>();

/** The context's guard rails (a context without them gets the defaults, one set per context). */
export function guardsFor(ctx: AppContext): GuardRails {
  if (ctx.guards) return ctx.guards;
  let g = DEFAULT_GUARDS.get(ctx);
  if (!g) {
    g = guardRails(new Map());
    DEFAULT_GUARDS.set(ctx, g);
  }
  return g;
}

/**
 * The pre-trade step: every order command passes the checks of its account (`guards/pre-trade.ts`) before
 * it is sent. A denied command is not sent: it comes back as a refusal (`reason: 'pre_trade'`) the strategy
 * folds like any other, is journaled, logged and counted (`PreTradeDenials`). Protective commands pass as
 * an explicit bypass, logged as such.
 * Exported for its benchmark (`npm run bench -- guards`); callers go through `carryOutDecision`.
 */
export async function preTrade(
  ctx: AppContext,
  config: InstanceConfigBase,
  decided: InstanceEnvelope,
  commands: readonly Command[],
): Promise<{ readonly send: readonly Command[]; readonly denied: ReadonlyMap<Command, Executed> }> {
  const guards = guardsFor(ctx);
  const now = ctx.clock.now();
  const exposure = exposureOf(config, decided, commands);
  const maxPositionNotional = config.guards?.max_position_notional ?? null;
  const budget = budgetPolicyOf(config);
  const accounts = new Map<string, AccountFacts>();
  const send: Command[] = [];
  const denied = new Map<Command, Executed>();
  // What this instance is exposed to, for the account-wide checks of every instance on its accounts: kept
  // current as each of its orders passes, before anything else awaits (a sibling deciding meanwhile in
  // this process sees it).
  const publish = () => {
    for (const account of new Set(legsOf(config).map((l) => l.account)))
      guards.book.setExposure(account, config.id, exposure.notional(), now);
  };
  publish();
  const deny = (c: OrderCommand, account: string, check: PreTradeCheck, message: string) => {
    denied.set(c, {
      command: c,
      outcome: { kind: 'rejected', reason: 'pre_trade', code: check, message },
      sentAt: null,
    });
    // One series per instance for the dashboard, and one per check to tell them apart.
    ctx.metrics.put('PreTradeDenials', 1, 'Count', { instance: c.instanceId });
    ctx.metrics.put('PreTradeDenialsByCheck', 1, 'Count', { instance: c.instanceId, check });
    ctx.logger.warn('pre-trade check denied an order', {
      instance: c.instanceId,
      account,
      check,
      clientOrderId: clientIdOf(c),
      message,
    });
  };
  for (const c of commands) {
    if (!isOrderCommand(c)) {
      send.push(c);
      continue;
    }
    const account = accountOf(c);
    const limits = guards.limits(account);
    const before = exposure.before(c);
    // The facts an opening order is judged on. What cannot be read cannot be judged: that order waits
    // (denied, recon decides again); protective orders and cancels never need them.
    let facts: AccountFacts | undefined;
    let margin: Awaited<ReturnType<typeof marginFacts>> = null;
    if (c.kind === 'PlaceOrder' && before.exposureNotional) {
      const key = `${account}|${settleAssetOf(c.request.symbol)}`;
      try {
        facts = accounts.get(key) ?? (await accountFacts(ctx, guards, config, account, c.request.symbol));
        accounts.set(key, facts);
        margin = before.worst ? await marginFacts(ctx, config, decided, before.worst) : null;
      } catch (e) {
        deny(
          c,
          account,
          'unjudged',
          `the pre-trade facts could not be read: ${e instanceof Error ? e.message : String(e)}`,
        );
        continue;
      }
    }
    const verdict = preTradeCheck(
      c,
      { ...limits, maxPositionNotional, budget },
      {
        reference: decided.lastPrice,
        recentOrders: guards.rate.count(account, now),
        exposure: before.exposure,
        exposureNotional: before.exposureNotional,
        budgetAvailable: before.budgetAvailable,
        margin,
        ...(facts ? { accountOthers: facts.others, equity: facts.equity } : {}),
      },
    );
    if (!verdict.pass) {
      deny(c, account, verdict.denial.check, verdict.denial.message);
      continue;
    }
    exposure.passed(c);
    publish();
    if (verdict.bypass)
      ctx.logger.info('pre-trade bypass: a protective order is never held back', {
        instance: c.instanceId,
        kind: c.kind,
        clientOrderId: clientIdOf(c),
      });
    if (countsAsOrder(c)) guards.rate.record(account, now);
    send.push(c);
  }
  return { send, denied };
}

/** The strategy's margin facts for the order's leg, with the position the order adds to (null: not judged). */
async function marginFacts(
  ctx: AppContext,
  config: InstanceConfigBase,
  decided: InstanceEnvelope,
  worst: { readonly leg: Leg; readonly position: WorstPosition },
) {
  const strategy = strategyOf(config);
  if (!strategy.marginPolicy) return null;
  const rules = await ctx.rules.get(ctx.exchanges(worst.leg.account), worst.leg.symbol, ctx.clock.now());
  const policy = strategy.marginPolicy(config, decided, worst.leg, rules);
  return policy ? { policy, before: worst.position } : null;
}

interface AccountFacts {
  readonly others: Decimal | null;
  readonly equity: Decimal | null;
}

/**
 * What the account-wide checks need, only when the account sets one: the other instances' exposure (read
 * from the store when this process has not seen it for a minute) and the account's equity in the order's
 * settlement asset (read once, then kept fresh by recon passes and the balance stream). A failed read
 * throws: the order waits.
 */
async function accountFacts(
  ctx: AppContext,
  guards: GuardRails,
  config: InstanceConfigBase,
  account: string,
  symbol: string,
): Promise<AccountFacts> {
  const limits = guards.limits(account);
  if (!limits.maxAccountNotional && !limits.maxLeverage) return { others: null, equity: null };
  const now = ctx.clock.now();
  for (const id of ctx.instanceIds) {
    if (id === config.id || guards.book.fresh(account, id, now)) continue;
    const other = await ctx.store.getConfig(id);
    if (!other || !legsOf(other).some((l) => l.account === account)) {
      guards.book.notOn(account, id);
      continue;
    }
    const state = await ctx.store.loadGrid(id);
    guards.book.setExposure(account, id, state ? exposureNotional(other, state) : ZERO, now);
  }
  const asset = settleAssetOf(symbol);
  let equity = guards.book.equity(account, asset);
  if (equity === null && limits.maxLeverage) {
    equity = (await ctx.exchanges(account).balance(asset)).marginBalance;
    guards.book.setEquity(account, asset, equity);
  }
  return { others: guards.book.others(account, config.id), equity };
}

/**
 * What the instance is exposed to on the side that opens its position, as each new order of the decision
 * is checked: its ledger's holdings, plus what its live orders on that side (but this decision's new ones)
 * may still fill, plus this decision's orders on that side that passed before. With a budget, the margin
 * it has left likewise (`guards/budget.ts`), less what this decision's earlier orders reserved.
 */
function exposureOf(config: InstanceConfigBase, decided: InstanceEnvelope, commands: readonly Command[]) {
  const strategy = strategyOf(config);
  const ledger = strategy.ledger(decided);
  const held = ledger.holdings;
  const fresh = new Set(commands.filter((c) => c.kind === 'PlaceOrder').map((c) => c.request.clientOrderId));
  const standing = strategy.orderSlots(decided).filter((s) => !fresh.has(s.clientOrderId));
  const live = { buy: ZERO, sell: ZERO };
  for (const slot of standing) {
    if (slot.kind !== 'limit' || slot.qty === null) continue;
    live[slot.side] = live[slot.side].plus(maxDec(slot.qty.minus(slot.filled), ZERO));
  }
  const policy = budgetPolicyOf(config);
  let available = policy
    ? budgetUse(policy, budgetLegsOf(config, ledger), standing, ledger.realizedPnl, decided.lastPrice)
        .available
    : null;
  const passed = { buy: ZERO, sell: ZERO };
  const legs = budgetLegsOf(config, ledger);
  let notional = heldAndBid(legs, standing, decided.lastPrice);
  const opens = (c: OrderCommand): c is Extract<OrderCommand, { kind: 'PlaceOrder' }> =>
    c.kind === 'PlaceOrder' && opensPosition(c.request.side, c.request.positionSide, held);
  // Per leg, the position an opening order adds to: held coins at their entry, then every live opening
  // order on the leg (and this decision's that passed) at its price, as if filled.
  const worst = new Map<string, { qty: Decimal; cost: Decimal }>();
  for (const leg of legs) {
    // Live opening orders being cancelled are not counted (as the grid's own guard never did).
    const opening = standing.filter(
      (o) =>
        o.leg === leg.role &&
        o.kind === 'limit' &&
        o.qty !== null &&
        o.price !== null &&
        o.pending !== 'cancel' &&
        opensPosition(o.side, leg.positionSide, leg.qty),
    );
    let qty = leg.qty.abs();
    let cost = qty.times(leg.avgEntry.greaterThan(0) ? leg.avgEntry : (decided.lastPrice ?? ZERO));
    for (const o of opening) {
      const open = maxDec(o.qty!.minus(o.filled), ZERO);
      qty = qty.plus(open);
      cost = cost.plus(open.times(o.price!));
    }
    worst.set(leg.role, { qty, cost });
  }
  const legOf = (c: Extract<OrderCommand, { kind: 'PlaceOrder' }>): Leg | undefined =>
    legFor(config, c.request.account, c.request.symbol, c.request.positionSide);
  return {
    /** What the instance holds and bids for on its opening side, with this decision's orders that passed. */
    notional: (): Decimal => notional,
    before: (
      c: OrderCommand,
    ): {
      exposure: Decimal | null;
      exposureNotional: Decimal | null;
      budgetAvailable: Decimal | null;
      worst: { leg: Leg; position: WorstPosition } | null;
    } => {
      if (!opens(c)) return { exposure: null, exposureNotional: null, budgetAvailable: null, worst: null };
      const side = c.request.side;
      const leg = legOf(c);
      const w = leg ? worst.get(leg.role) : undefined;
      return {
        exposure: held.abs().plus(live[side]).plus(passed[side]),
        exposureNotional: notional,
        budgetAvailable: available,
        worst: leg && w ? { leg, position: { ...w, long: side === 'buy' } } : null,
      };
    },
    passed: (c: OrderCommand): void => {
      if (!opens(c)) return;
      passed[c.request.side] = passed[c.request.side].plus(c.request.qty);
      notional = notional.plus(c.request.price.times(c.request.qty));
      if (policy && available) available = available.minus(marginOf(policy, c.request.price, c.request.qty));
      const leg = legOf(c);
      const w = leg ? worst.get(leg.role) : undefined;
      if (leg && w)
        worst.set(leg.role, {
          qty: w.qty.plus(c.request.qty),
          cost: w.cost.plus(c.request.price.times(c.request.qty)),
        });
    },
  };
}

/** The carried-out commands in decision order, the denied ones in their places. */
function inOrder(
  commands: readonly Command[],
  denied: ReadonlyMap<Command, Executed>,
  executed: readonly Executed[],
): Executed[] {
  const sent = [...executed];
  const out: Executed[] = [];
  for (const c of commands) {
    if (!isOrderCommand(c)) continue;
    const d = denied.get(c);
    if (d) out.push(d);
    else {
      const x = sent.shift();
      if (x) out.push(x);
    }
  }
  return out;
}

/**
 * A pre-trade denial of a condition already raised before this decision: counted in the metrics but not
 * journaled again (a held-back grid would write a line per level per pass; the first of each episode, its
 * alert and the metrics say it).
 */
function repeatedDenial(x: Executed, before: InstanceEnvelope): boolean {
  const o = x.outcome;
  return (
    o.kind === 'rejected' && o.reason === 'pre_trade' && before.activeAlerts.includes(`pre_trade_${o.code}`)
  );
}

export async function carryOutDecision<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  decided: S,
  commands: readonly Command[],
  options: PipelineOptions = {},
): Promise<PipelineResult<S>> {
  const exchangeFor = (account: string) => ctx.exchanges(account);
  const checked = await preTrade(ctx, config, decided, commands);
  const carried = await carryOut(ctx, exchangeFor, checked.send);
  const summary =
    checked.denied.size === 0
      ? carried
      : { ...carried, executed: inOrder(commands, checked.denied, carried.executed) };
  // Outcomes are folded into the state just saved, without reading it back (a lost race re-reads).
  const settled = await settleOutcomes(ctx, config, summary.executed, exchangeFor, decided);
  const folded = settled.state ?? decided;
  const strategy = strategyOf(config);
  const levelPrice = options.levelPrice ?? ((i: number | null) => strategy.levelPrice(decided, i));
  // One journal write: the fills the state lists as unjournaled (this decision's and any a crash left),
  // then what was found, then the orders.
  const only = options.journalOnly ? new Set(options.journalOnly) : null;
  const fills = only ? folded.unjournaled.filter((f) => only.has(f.tradeId)) : folded.unjournaled;
  let state = folded;
  let journaled: string[] = [];
  try {
    await ctx.events.record([
      ...fills.map((f) => fillEvent(folded.instanceId, f)),
      ...(options.leadingEvents?.() ?? []),
      ...orderEvents(
        [...summary.executed.filter((x) => !repeatedDenial(x, decided)), ...settled.followUps],
        folded,
        levelPrice,
      ),
    ]);
    journaled = fills.map((f) => f.tradeId);
    if (!only && journaled.length > 0) state = await dropJournaled(ctx, folded, journaled);
  } finally {
    // Alerts go out even when the journal write failed: their conditions are already saved as raised.
    await publishAlerts(ctx, [...summary.alerts, ...settled.alerts], state);
  }
  state = await carryOutShellCommands(ctx, config, state, commands);
  return {
    state,
    journaled,
    executed: summary.executed,
    followUps: settled.followUps,
    rateLimited: summary.rateLimited || settled.rateLimited,
    firstSentAt: summary.firstSentAt,
  };
}

/**
 * The decision's hand-overs to the closer, after its orders (`hand-over.ts`): legs handed to the stream
 * worker, or closed at market from here when no worker holds their accounts; then the ends of hand-overs
 * of legs now flat. A failure is logged and alerted: the strategy's state says what it asked for, and
 * recon's watchdog closes an overdue hand-over at market.
 */
async function carryOutShellCommands<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  state: S,
  commands: readonly Command[],
): Promise<S> {
  let current = state;
  for (const c of commands) {
    if (!isShellCommand(c)) continue;
    try {
      if (c.kind === 'EndFlatten') {
        await endHandOver(ctx, config, c);
        continue;
      }
      const down = await handOverLegs(ctx, config, c);
      if (down === null) {
        ctx.logger.info('legs handed to the closer', {
          instance: config.id,
          legs: c.legs.join(','),
          urgency: c.urgency,
        });
        continue;
      }
      const roles = new Set(c.legs);
      const strategy = strategyOf(config);
      const closed = await decideOnSnapshot(
        ctx,
        config,
        current,
        (s, snaps, at) =>
          strategy.planFlattenPositions(
            s,
            snaps.filter((x) => roles.has(x.leg.role)),
            config,
            at,
          ) as Decision<S>,
      );
      if (closed) current = closed.state;
      await publishAlerts(
        ctx,
        [
          {
            kind: 'Alert',
            instanceId: config.id,
            severity: 'warning',
            code: 'flatten_fallback',
            message: `${c.reason}: closed at market from here (${down})`,
          },
        ],
        current,
      );
    } catch (e) {
      ctx.logger.error('a hand-over to the closer failed; recon decides again', {
        instance: config.id,
        command: c.kind,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return current;
}

/** How often a decision on a fresh snapshot is tried again after losing its write to the other track. */
const SNAPSHOT_ATTEMPTS = 4;

/**
 * Decides on a fresh read of the exchange and carries the decision out. The snapshot belongs to the state
 * it was read for, so a write lost to the other track is not retried on the same snapshot (an old
 * position applied to a newer ledger invents a fill; an order placed since is missed): the state is read
 * again, then the exchange, a bounded number of times. Null when the instance has no state.
 */
export async function decideOnSnapshot<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  base: S,
  plan: (state: S, snapshots: readonly LegSnapshot[], now: number) => Decision<S>,
  options: PipelineOptions = {},
): Promise<PipelineResult<S> | null> {
  let current = base;
  for (let attempt = 1; ; attempt++) {
    const now = ctx.clock.now();
    const snapshot = await gatherSnapshots(ctx, config, current, now);
    const saved = await decideAndSave<Decision<S> | null, S>(
      ctx,
      config.id,
      (cur) => {
        if (!cur) return { next: null, result: null };
        const d = plan(cur, snapshot, now);
        return { next: d.state, result: d };
      },
      { current, maxAttempts: 1 },
    );
    if (saved.ok && saved.state && saved.result)
      return carryOutDecision(ctx, config, saved.state, saved.result.commands, options);
    if (attempt >= SNAPSHOT_ATTEMPTS) throw new GridConflictError(config.id, attempt);
    const reread = (await ctx.store.loadGrid(config.id)) as S | null;
    if (!reread) return null;
    current = reread;
  }
}
