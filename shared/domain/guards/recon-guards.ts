/**
 * The account-level checks every recon pass makes after the strategy has decided, for every strategy
 * (SPEC §5, issue 15). Pure: the shell gives the snapshots it read, the state before and after the
 * strategy's decision, and what it remembers of the previous pass.
 *
 *  - **Shadow ledger** (per account + symbol + position side: one leg, since no two legs may share a
 *    position): the strategy's ledger, after its recon applied the trade history, against the exchange's
 *    position. A strategy that resyncs (the Key Level Grid adopts the exchange's position when a difference
 *    its history does not explain holds on two passes with no fill between, its own durable rule) reports
 *    it, and `shadow_ledger_difference` says so once per resync (warning). A difference of more than one
 *    quantity step the strategy leaves standing on two passes in a row (in-process memory: a lost memory
 *    only delays it) is raised once as a condition, cleared when they agree.
 *    Trades not made by the bot that the snapshot's trade history shows (by hand, another bot; a
 *    liquidation has its own alert) prove such a change at once: `external_trade` (warning) says so,
 *    once per burst (it stays among the active alerts until a pass sees no such trade; the event track
 *    raises it too, for a trade the stream delivers).
 *  - **Ghost orders**: when the exchange reports a leg flat and the decided ledger agrees, any order of
 *    this instance still live there that can only close (a stop, a reduce-only or closing-side limit) and
 *    that the strategy no longer tracks (left by a crash, a lost state) is cancelled, unless the decision
 *    already cancels it: left alone, it would act on the next position someone opens. What the strategy
 *    tracks it cancels itself (the grid does for a flat leg), so its state never counts a cancelled stop.
 *  - **Budgets above equity**: the budgets of the instances on a leg's account sum above what the
 *    account's equity now is: `budgets_above_equity` (warning) once, cleared when equity covers them.
 */
import { decodeClientOrderId } from '../client-order-id.js';
import type { Alert, Command, OrderCommand } from '../commands.js';
import { clientIdOf, isOrderCommand } from '../commands.js';
import { type Decimal, ZERO } from '../money.js';
import type { ExchangeOrder, Fill } from '../orders.js';
import type { OrderSlot } from '../stored-instance.js';
import type { Leg, LegResync, LegSnapshot } from '../strategy.js';
import { contractsToCoins } from '../symbol-rules.js';

export const SHADOW_LEDGER_ALERT = 'shadow_ledger_difference';
export const BUDGETS_ALERT = 'budgets_above_equity';
export const EXTERNAL_TRADE_ALERT = 'external_trade';

/** Trades on the leg made by anyone but this instance (and not the venue's liquidation). */
export function externalTrades(instanceId: string, leg: Leg, fills: readonly Fill[]): Fill[] {
  return fills.filter(
    (f) =>
      f.symbol === leg.symbol &&
      (f.positionSide === leg.positionSide || leg.positionSide === 'BOTH') &&
      !f.liquidation &&
      decodeClientOrderId(f.clientOrderId)?.instanceId !== instanceId,
  );
}

/** The alert for trades not made by the bot that moved a leg's position (the ledger took them in). */
export function externalTradeAlert(instanceId: string, leg: Leg, trades: readonly Fill[]): Alert {
  const moved = trades.reduce((a, f) => a.plus(signed(f)), ZERO);
  return alert(
    instanceId,
    'warning',
    EXTERNAL_TRADE_ALERT,
    `a trade not made by the bot (by hand, another bot) moved the ${leg.symbol} ${leg.positionSide} position on account "${leg.account}" by ${moved.toFixed()}; the ledger took it in`,
    {
      leg: leg.role,
      account: leg.account,
      symbol: leg.symbol,
      moved: moved.toFixed(),
      trades: trades.map((f) => f.tradeId).join(','),
    },
  );
}

/** A difference one leg's shadow ledger saw on a pass. */
export interface ShadowSighting {
  readonly exchange: Decimal;
  readonly ledger: Decimal;
}

/** What each leg's shadow ledger saw on the last pass (null: no difference). */
export type ShadowMemory = Readonly<Record<string, ShadowSighting | null>>;

export interface ReconGuardInput {
  readonly instanceId: string;
  readonly snapshots: readonly LegSnapshot[];
  /** Signed coins the decided ledger holds per leg role. */
  readonly ledgerAfter: Readonly<Record<string, Decimal>>;
  /** The decided state's live order slots (a cancel in flight is not sent again). */
  readonly slots: readonly OrderSlot[];
  /** Legs the strategy resynced to the exchange's position on this pass. */
  readonly resynced: readonly LegResync[];
  /** The commands the strategy decided this pass. */
  readonly decided: readonly Command[];
  readonly activeAlerts: readonly string[];
  /** The previous pass's differences, per leg role (in-process memory: a lost memory only delays the alert). */
  readonly previous: ShadowMemory;
  /** The sum of the budgets on an account, null when none is declared. */
  readonly budgetsOn: (account: string) => Decimal | null;
}

export interface ReconGuardOutput {
  readonly commands: readonly Command[];
  readonly activeAlerts: readonly string[];
  readonly memory: ShadowMemory;
}

/** Signed coins a fill moves a position by: a buy adds, a sell takes away. */
function signed(f: Fill): Decimal {
  return f.side === 'buy' ? f.qty : f.qty.negated();
}

/** Whether an order can only close the leg's position (it would act on the next one if left behind). */
export function onlyCloses(o: ExchangeOrder): boolean {
  if (o.kind === 'stop' || o.closePosition || o.reduceOnly) return true;
  if (o.positionSide === 'LONG') return o.side === 'sell';
  if (o.positionSide === 'SHORT') return o.side === 'buy';
  return false;
}

export function reconGuards(i: ReconGuardInput): ReconGuardOutput {
  const commands: Command[] = [];
  const active = new Set(i.activeAlerts);
  const raise = (code: string, message: string, data: Record<string, string>) => {
    if (active.has(code)) return;
    active.add(code);
    commands.push(alert(i.instanceId, 'warning', code, message, data));
  };
  const clear = (code: string, message: string) => {
    if (!active.delete(code)) return;
    commands.push(alert(i.instanceId, 'info', `${code}_resolved`, message));
  };

  // Trades not made by the bot, proven by the trade history.
  const external = i.snapshots.map((s) => ({
    leg: s.leg,
    trades: externalTrades(i.instanceId, s.leg, s.fills),
  }));
  const seen = external.find((x) => x.trades.length > 0);
  if (seen && !active.has(EXTERNAL_TRADE_ALERT)) {
    active.add(EXTERNAL_TRADE_ALERT);
    commands.push(externalTradeAlert(i.instanceId, seen.leg, seen.trades));
  } else if (!seen) active.delete(EXTERNAL_TRADE_ALERT); // the burst is over: the next one alerts again

  // Shadow ledger: the strategy's own resyncs, said once each; a difference it leaves standing, raised once.
  for (const r of i.resynced) {
    const s = i.snapshots.find((x) => x.leg.role === r.role);
    if (!s) continue;
    commands.push(
      alert(
        i.instanceId,
        'warning',
        SHADOW_LEDGER_ALERT,
        `the exchange's ${s.leg.symbol} ${s.leg.positionSide} position on account "${s.leg.account}" is ${r.to.toFixed()}, the ledger held ${r.from.toFixed()} and its trade history does not explain it (a trade by hand it cannot see, a lost fill): the ledger resynced to the exchange`,
        {
          leg: r.role,
          account: s.leg.account,
          symbol: s.leg.symbol,
          positionSide: s.leg.positionSide,
          ledger: r.from.toFixed(),
          exchange: r.to.toFixed(),
        },
      ),
    );
  }
  const memory: Record<string, ShadowSighting | null> = {};
  const differing: string[] = [];
  for (const s of i.snapshots) {
    const role = s.leg.role;
    const exchange = s.position?.qty ?? ZERO;
    const ledger = i.ledgerAfter[role] ?? ZERO;
    // Within one step (in coins: the rules count contracts) the two agree.
    if (!ledger.minus(exchange).abs().greaterThan(contractsToCoins(s.rules.stepSize, s.rules))) {
      memory[role] = null;
      continue;
    }
    differing.push(role);
    memory[role] = { exchange, ledger };
    // Seen on two passes in a row, the same on both sides (a fill racing the snapshot shows on one only).
    const before = i.previous[role];
    if (before?.exchange.equals(exchange) && before.ledger.equals(ledger))
      raise(
        SHADOW_LEDGER_ALERT,
        `the exchange's ${s.leg.symbol} ${s.leg.positionSide} position on account "${s.leg.account}" is ${exchange.toFixed()}, the ledger holds ${ledger.toFixed()}, and the strategy has not resynced`,
        {
          leg: role,
          account: s.leg.account,
          symbol: s.leg.symbol,
          positionSide: s.leg.positionSide,
          ledger: ledger.toFixed(),
          exchange: exchange.toFixed(),
        },
      );
  }
  if (differing.length === 0)
    clear(SHADOW_LEDGER_ALERT, 'the ledger agrees with the exchange position on every leg again');

  // Ghost orders.
  const cancelling = new Set(
    i.decided
      .filter(isOrderCommand)
      .filter((c) => c.kind === 'CancelOrder' || c.kind === 'CancelStop')
      .map(clientIdOf),
  );
  const tracked = new Set(i.slots.map((slot) => slot.clientOrderId));
  const ghosts: OrderCommand[] = [];
  for (const s of i.snapshots) {
    const flat = !s.position || s.position.qty.isZero();
    if (!flat || !(i.ledgerAfter[s.leg.role] ?? ZERO).isZero()) continue;
    for (const o of s.openOrders) {
      if (o.symbol !== s.leg.symbol || decodeClientOrderId(o.clientOrderId)?.instanceId !== i.instanceId)
        continue;
      if (s.leg.positionSide !== 'BOTH' && o.positionSide !== s.leg.positionSide) continue;
      // An order the strategy tracks is the strategy's to cancel (it does, for a flat leg): cancelled behind
      // its back, its state would still count it as live cover for the next position.
      if (!onlyCloses(o) || cancelling.has(o.clientOrderId) || tracked.has(o.clientOrderId)) continue;
      cancelling.add(o.clientOrderId);
      const base = {
        instanceId: i.instanceId,
        account: s.leg.account,
        symbol: s.leg.symbol,
        clientOrderId: o.clientOrderId,
        reason: 'ghost order: the position it closes is flat',
      };
      ghosts.push(
        o.kind === 'stop' ? { kind: 'CancelStop', ...base } : { kind: 'CancelOrder', ...base, level: null },
      );
    }
  }
  if (ghosts.length > 0) {
    commands.push(...ghosts);
    commands.push(
      alert(
        i.instanceId,
        'info',
        'ghost_orders_cancelled',
        `cancelling ${ghosts.length} order(s) left on a flat position`,
        { orders: ghosts.map(clientIdOf).join(',') },
      ),
    );
  }

  // Budgets above equity.
  let over: { account: string; budgets: Decimal; equity: Decimal } | null = null;
  let checked = false;
  for (const s of i.snapshots) {
    const budgets = i.budgetsOn(s.leg.account);
    if (!budgets) continue;
    checked = true;
    if (!over && s.equity.lessThan(budgets)) over = { account: s.leg.account, budgets, equity: s.equity };
  }
  if (over)
    raise(
      BUDGETS_ALERT,
      `the budgets of the instances on account "${over.account}" sum to ${over.budgets.toFixed()}, above its equity ${over.equity.toDecimalPlaces(2).toFixed()}: lower guards.budget or add funds`,
      { account: over.account, budgets: over.budgets.toFixed(), equity: over.equity.toFixed() },
    );
  else if (checked) clear(BUDGETS_ALERT, 'the account equity covers the budgets again');

  return { commands, activeAlerts: [...active], memory };
}

function alert(
  instanceId: string,
  severity: Alert['severity'],
  code: string,
  message: string,
  data?: Record<string, string>,
): Alert {
  return { kind: 'Alert', instanceId, severity, code, message, ...(data ? { data } : {}) };
}
