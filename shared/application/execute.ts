/**
 * Carrying out an engine decision: the "send" step of PLACING → send → ACTIVE. The decision's state (with
 * every new client order id) is already saved; here each order command goes to the exchange in order, its
 * outcome is recorded, and the outcomes are folded into the freshest stored state by `settleOutcomes`.
 *
 * Rules:
 *  - A refusal is an outcome (`rejected`): the engine returns the level to IDLE and recon retries later.
 *  - A write whose outcome is unknown (5xx, timeout) is `timedOut`: never resent; recon settles it by
 *    client order id on its next pass.
 *  - Rate limiting (429/418) stops the batch: the rest is reported refused (nothing was sent) and the
 *    caller backs off. An authentication failure stops the batch too and raises a critical alert.
 *  - The event track never retries a failed follow-up: the level goes IDLE and recon repairs it.
 */
import {
  type Alert,
  accountOf,
  type Command,
  type CommandOutcome,
  clientIdOf,
  isOrderCommand,
  isProtective,
  type OrderCommand,
} from '../domain/commands.js';
import { opensPosition } from '../domain/guards/budget.js';
import { strategyOf } from '../domain/strategies/index.js';
import type { InstanceConfigBase, InstanceEnvelope } from '../domain/strategy.js';
import type { TradingEvent } from '../ports/events.js';
import { ExchangeError, type ExchangePort } from '../ports/exchange.js';
import type { AppContext } from './context.js';
import { decideAndSave } from './decide-and-save.js';
import { GridConflictError } from './errors.js';

export interface Executed {
  readonly command: OrderCommand;
  readonly outcome: CommandOutcome;
  /** When the request left (clock ms), for fill-to-order latency. */
  readonly sentAt: number | null;
}

export interface ExecutionSummary {
  readonly executed: readonly Executed[];
  readonly alerts: readonly Alert[];
  readonly rateLimited: boolean;
  readonly fatal: boolean;
  readonly firstSentAt: number | null;
}

async function send(exchange: ExchangePort, c: OrderCommand): Promise<CommandOutcome> {
  switch (c.kind) {
    case 'PlaceOrder':
    case 'PlaceStop':
    case 'ClosePosition': {
      const r = await exchange.submit(c.request);
      return r.ok
        ? {
            kind: 'placed',
            exchangeOrderId: r.order.exchangeOrderId,
            status: r.order.status,
            filledQty: r.order.filledQty,
          }
        : { kind: 'rejected', ...r };
    }
    case 'AmendOrder': {
      const r = await exchange.amend({
        symbol: c.symbol,
        clientOrderId: c.clientOrderId,
        side: c.side,
        positionSide: c.positionSide,
        price: c.price,
        qty: c.qty,
      });
      return r.ok ? { kind: 'placed', exchangeOrderId: r.order.exchangeOrderId } : { kind: 'rejected', ...r };
    }
    case 'CancelOrder':
    case 'CancelStop': {
      const r = await exchange.cancel(c.symbol, c.clientOrderId, c.kind === 'CancelStop' ? 'stop' : 'limit');
      return r.ok ? { kind: 'cancelled' } : { kind: 'rejected', ...r };
    }
  }
}

/** The exchange of an account (each command goes to the account of its leg). */
export type ExchangeFor = (account: string) => ExchangePort;

/** Sends each order command in order, each to its leg's account; alerts are collected, not sent. */
export async function carryOut(
  ctx: AppContext,
  exchangeFor: ExchangeFor,
  commands: readonly Command[],
): Promise<ExecutionSummary> {
  const executed: Executed[] = [];
  const alerts: Alert[] = [];
  let rateLimited = false;
  let fatal = false;
  const refusedAccounts = new Set<string>();
  let firstSentAt: number | null = null;
  for (const c of commands) {
    if (!isOrderCommand(c)) {
      // Shell commands (a hand-over to the closer) are the pipeline's, after the orders.
      if (c.kind === 'Alert') alerts.push(c);
      continue;
    }
    // Protection is never held back by an earlier failure in the batch: stops and protective closes go.
    // Credentials refused on one account hold back only that account's orders (pairs of accounts go on).
    const refused = refusedAccounts.has(accountOf(c));
    if ((rateLimited || refused) && !isProtective(c)) {
      executed.push({
        command: c,
        outcome: { kind: 'rejected', reason: rateLimited ? 'rate_limited' : 'not_sent', message: 'not sent' },
        sentAt: null,
      });
      continue;
    }
    let exchange: ExchangePort;
    try {
      exchange = exchangeFor(accountOf(c));
    } catch (e) {
      // No exchange for the command's account (a config that changed under us): nothing was sent.
      executed.push({
        command: c,
        outcome: { kind: 'rejected', reason: 'not_sent', message: `no exchange: ${(e as Error).message}` },
        sentAt: null,
      });
      continue;
    }
    const sentAt = ctx.clock.now();
    firstSentAt ??= sentAt;
    try {
      executed.push({ command: c, outcome: await send(exchange, c), sentAt });
    } catch (e) {
      if (!(e instanceof ExchangeError)) throw e;
      if (e.kind === 'rate_limited') {
        rateLimited = true;
        executed.push({
          command: c,
          outcome: { kind: 'rejected', reason: 'rate_limited', code: e.code, message: e.message },
          sentAt,
        });
      } else if (e.kind === 'fatal') {
        fatal = true;
        refusedAccounts.add(accountOf(c));
        executed.push({
          command: c,
          outcome: { kind: 'rejected', reason: 'fatal', code: e.code, message: e.message },
          sentAt,
        });
        alerts.push({
          kind: 'Alert',
          instanceId: c.instanceId,
          severity: 'critical',
          code: 'exchange_auth_failed',
          message: `the exchange refused the credentials of account "${accountOf(c)}"; trading on it has stopped`,
          data: { code: e.code ?? '', account: accountOf(c) },
        });
      } else if (e.kind === 'retryable') {
        // Nothing reached the exchange: report it refused; the next pass decides again.
        executed.push({
          command: c,
          outcome: { kind: 'rejected', reason: 'network', code: e.code, message: e.message },
          sentAt,
        });
      } else {
        executed.push({ command: c, outcome: { kind: 'timedOut' }, sentAt });
      }
    }
  }
  return { executed, alerts, rateLimited, fatal, firstSentAt };
}

/**
 * One alert per pre-trade condition, for every strategy: the first order a check denies raises
 * `pre_trade_<check>` (kept in the envelope's active alerts, so later denials stay quiet); the next new
 * order that passes every check clears them all, each with a resolution. Folded into the same write as the
 * outcomes.
 */
function preTradeConditions<S extends InstanceEnvelope>(
  state: S,
  executed: readonly Executed[],
  commands: Command[],
): S {
  const active = new Set(state.activeAlerts);
  const raised: string[] = [];
  /** Conditions some order of this decision was still denied for: never cleared by another's pass. */
  const denying = new Set<string>();
  let passed = false;
  let passedOpening = false;
  const held = strategyOf(state).ledger(state).holdings;
  for (const { command: c, outcome: o } of executed) {
    if (c.kind !== 'PlaceOrder' && c.kind !== 'AmendOrder') continue;
    if (o.kind === 'rejected' && o.reason === 'pre_trade') {
      const code = `pre_trade_${o.code ?? 'denied'}`;
      denying.add(code);
      if (active.has(code) || raised.includes(code)) continue;
      raised.push(code);
      commands.push({
        kind: 'Alert',
        instanceId: c.instanceId,
        severity: 'warning',
        code,
        message: `orders are held back by a pre-trade check: ${o.message}`,
      });
    } else {
      passed = true;
      if (c.kind === 'PlaceOrder' && opensPosition(c.request.side, c.request.positionSide, held))
        passedOpening = true;
    }
  }
  // The checks that judge only orders adding to the position clear only when such an order passes (a
  // closing sell passing says nothing about the budget).
  const clears = (a: string) =>
    a.startsWith('pre_trade_') &&
    !denying.has(a) &&
    (OPENING_CHECKS.has(a.slice('pre_trade_'.length)) ? passedOpening : passed);
  const cleared = [...active].filter(clears);
  for (const code of cleared)
    commands.push({
      kind: 'Alert',
      instanceId: state.instanceId,
      severity: 'info',
      code: `${code}_resolved`,
      message: 'orders pass the pre-trade checks again',
    });
  if (raised.length === 0 && cleared.length === 0) return state;
  return {
    ...state,
    activeAlerts: [...state.activeAlerts.filter((a) => !cleared.includes(a)), ...raised],
  };
}

/** Pre-trade checks that judge only orders adding to a position. */
const OPENING_CHECKS = new Set([
  'margin',
  'budget',
  'position_notional',
  'account_position_notional',
  'leverage',
  'unjudged',
]);

/** How many rounds of follow-ups (a confirmed stop cancelling the one it replaces...) one call carries out. */
const MAX_FOLLOW_UP_ROUNDS = 4;

export interface Settlement<S extends InstanceEnvelope> {
  /** The freshest state stored, as written or read here (null when nothing was: the decided state stands). */
  readonly state: S | null;
  readonly alerts: Alert[];
  /** Follow-up commands carried out while settling (already folded in), with their outcomes. */
  readonly followUps: readonly Executed[];
  readonly rateLimited: boolean;
}

/**
 * Folds the outcomes into the stored state (re-reading on conflicts). An outcome may call for follow-up
 * orders (a confirmed stop cancels the stop it supersedes; a stop refused because the price is already
 * through its trigger leads to a protective close): they are saved with the folded state, carried out,
 * and their outcomes folded in turn, a bounded number of rounds.
 */
export async function settleOutcomes<S extends InstanceEnvelope>(
  ctx: AppContext,
  config: InstanceConfigBase,
  executed: readonly Executed[],
  exchangeFor?: ExchangeFor,
  /** The state the caller just saved: folded into without reading it back (a lost race re-reads). */
  lastSaved?: S,
  /**
   * Whether these outcomes are of commands that just passed the pre-trade step (default). A late outcome
   * (a refusal the venue sent after acknowledging) is not: it must not settle a pre-trade condition.
   */
  fresh = true,
): Promise<Settlement<S>> {
  const strategy = strategyOf(config);
  let pending = executed;
  let state: S | null = null;
  let known: S | undefined = lastSaved;
  const alerts: Alert[] = [];
  const followUps: Executed[] = [];
  let rateLimited = false;
  for (let round = 0; pending.length > 0 && round < MAX_FOLLOW_UP_ROUNDS; round++) {
    const now = ctx.clock.now();
    const batch = pending;
    const saved = await decideAndSave<Command[], S>(
      ctx,
      config.id,
      (current) => {
        if (!current) return { next: null, result: [] as Command[] };
        let s: S = current;
        const commands: Command[] = [];
        for (const x of batch) {
          const d = strategy.applyOutcome(s, x.command, x.outcome, config, now);
          s = d.state as S;
          commands.push(...d.commands);
        }
        // Only the decision's own commands passed the pre-trade step (follow-ups are protective or cancels).
        if (round === 0 && fresh) s = preTradeConditions(s, batch, commands);
        return { next: s === current ? null : s, result: commands };
      },
      known ? { current: known } : {},
    );
    if (!saved.ok) throw new GridConflictError(config.id, saved.attempts);
    // The freshest state seen, whether this round wrote it or re-read it.
    state = saved.state;
    known = saved.state ?? undefined;
    for (const c of saved.result) if (c.kind === 'Alert') alerts.push(c);
    const orders = saved.result.filter(isOrderCommand);
    if (exchangeFor && orders.length === 0) {
      // A protective close refused as larger than the position: close what the exchange reports.
      const refused = batch.find(
        (x) =>
          x.command.kind === 'ClosePosition' &&
          x.outcome.kind === 'rejected' &&
          x.outcome.reason === 'reduce_only_rejected',
      );
      if (refused?.command.kind === 'ClosePosition') {
        const r = refused.command.request;
        const position = await exchangeFor(r.account).position(r.symbol, r.positionSide);
        const held = position.qty.abs();
        const again = await decideAndSave<readonly Command[], S>(ctx, config.id, (current) => {
          if (!current || !held.greaterThan(0)) return { next: null, result: [] as Command[] };
          const d = strategy.closeWhatIsHeld(current, held, config, ctx.clock.now());
          return { next: d.commands.length > 0 ? (d.state as S) : null, result: d.commands };
        });
        if (again.ok && again.saved) {
          state = again.state;
          known = again.state ?? undefined;
          for (const c of again.result) if (c.kind === 'Alert') alerts.push(c);
          orders.push(...again.result.filter(isOrderCommand));
        }
      }
    }
    if (orders.length === 0 || !exchangeFor) break;
    const summary = await carryOut(ctx, exchangeFor, orders);
    alerts.push(...summary.alerts);
    rateLimited ||= summary.rateLimited;
    followUps.push(...summary.executed);
    pending = summary.executed;
  }
  return { state, alerts, followUps, rateLimited };
}

/** Trading events for what was carried out (orders, stops) with the ledger after it. */
export function orderEvents(
  executed: readonly Executed[],
  state: InstanceEnvelope,
  levelPriceOf: (level: number | null) => string | undefined,
): TradingEvent[] {
  const held = strategyOf(state).ledger(state);
  const ledger = { holdings: held.holdings.toFixed(), avgEntry: held.avgEntry.toFixed() };
  const events: TradingEvent[] = [];
  for (const { command: c, outcome: o, sentAt } of executed) {
    const ts = sentAt ?? state.updatedAt;
    const id = clientIdOf(c);
    const base = { ts, instanceId: c.instanceId, clientOrderId: id, ...ledger };
    if (o.kind === 'timedOut') {
      events.push({
        ...base,
        type: 'alert',
        severity: 'warning',
        code: 'unknown_outcome',
        reason: `${c.kind}: outcome unknown, recon settles it`,
      });
      continue;
    }
    switch (c.kind) {
      case 'PlaceOrder': {
        const r = c.request;
        const t = c.tag;
        const shared = {
          ...base,
          side: r.side,
          price: r.price.toFixed(),
          qty: r.qty.toFixed(),
          level: levelPriceOf(c.level),
          ...(t
            ? {
                leg: t.leg,
                orderRole: t.role,
                ...(t.paramsVersion === undefined ? {} : { paramsVersion: t.paramsVersion }),
                ...(t.entry ? { entry: t.entry.toFixed() } : {}),
                ...(t.spacing ? { spacing: t.spacing.toFixed() } : {}),
                ...(t.allowance ? { allowance: t.allowance.toFixed() } : {}),
              }
            : {}),
        };
        events.push(
          o.kind === 'placed'
            ? { ...shared, type: 'order_placed', reason: c.reason }
            : {
                ...shared,
                type: 'order_rejected',
                reason: o.kind === 'rejected' ? `${o.reason}: ${o.message}` : o.kind,
                // A pre-trade denial names its check (the report counts them per check).
                ...(o.kind === 'rejected' && o.reason === 'pre_trade'
                  ? { code: `pre_trade_${o.code ?? 'denied'}` }
                  : {}),
              },
        );
        break;
      }
      case 'AmendOrder':
        events.push({
          ...base,
          type: o.kind === 'placed' ? 'order_amended' : 'order_rejected',
          side: c.side,
          price: c.price.toFixed(),
          qty: c.openQty.toFixed(),
          level: levelPriceOf(c.level),
          reason: o.kind === 'rejected' ? `amend refused: ${o.reason}: ${o.message}` : c.reason,
        });
        break;
      case 'CancelOrder':
        events.push({
          ...base,
          type: o.kind === 'cancelled' ? 'order_cancelled' : 'order_rejected',
          level: levelPriceOf(c.level),
          reason: o.kind === 'rejected' ? `cancel refused: ${o.reason}: ${o.message}` : c.reason,
        });
        break;
      case 'PlaceStop':
        events.push({
          ...base,
          ...(c.leg ? { leg: c.leg } : {}),
          type: o.kind === 'placed' ? 'stop_placed' : 'order_rejected',
          side: c.request.side,
          price: c.request.triggerPrice.toFixed(),
          // A quantity stop covers its quantity; a closePosition stop (no qty) covers any size.
          ...(c.request.closePosition || !c.request.qty ? {} : { qty: c.request.qty.toFixed() }),
          reason: o.kind === 'rejected' ? `stop refused: ${o.reason}: ${o.message}` : c.reason,
        });
        break;
      case 'CancelStop':
        events.push({
          ...base,
          type: o.kind === 'cancelled' ? 'stop_cancelled' : 'order_rejected',
          reason: o.kind === 'rejected' ? `stop cancel refused: ${o.reason}: ${o.message}` : c.reason,
        });
        break;
      case 'ClosePosition':
        events.push({
          ...base,
          ...(c.leg ? { leg: c.leg } : {}),
          type: o.kind === 'placed' ? 'order_placed' : 'order_rejected',
          side: c.request.side,
          qty: c.request.qty.toFixed(),
          reason:
            o.kind === 'rejected'
              ? `protective close refused: ${o.reason}: ${o.message}`
              : `protective close: ${c.reason}`,
        });
        break;
    }
  }
  return events;
}

/** Sends alerts to the notifier and records them as events. */
export async function publishAlerts(
  ctx: AppContext,
  given: readonly Alert[],
  state: InstanceEnvelope | null,
): Promise<void> {
  if (given.length === 0) return;
  let alerts = given;
  const ts = ctx.clock.now();
  const ledger = state ? strategyOf(state).ledger(state) : null;
  // Every alert states the position and its quote-currency value (SPEC §1).
  const position =
    state && ledger
      ? {
          holdings: ledger.holdings.toFixed(),
          ...(state.lastPrice ? { positionValue: ledger.holdings.times(state.lastPrice).toFixed(2) } : {}),
        }
      : {};
  alerts = alerts.map((a) => ({ ...a, data: { ...position, ...a.data } }));
  await Promise.all(alerts.map((a) => ctx.notifier.notify(a)));
  await ctx.events.record(
    alerts.map((a) => ({
      ts,
      type: 'alert' as const,
      instanceId: a.instanceId,
      severity: a.severity,
      code: a.code,
      reason: a.message,
      ...(ledger ? { holdings: ledger.holdings.toFixed(), avgEntry: ledger.avgEntry.toFixed() } : {}),
    })),
  );
  for (const a of alerts) {
    ctx.metrics.put('Alerts', 1, 'Count', { instance: a.instanceId, severity: a.severity });
    ctx.logger[a.severity === 'critical' ? 'error' : a.severity === 'warning' ? 'warn' : 'info']('alert', {
      instance: a.instanceId,
      code: a.code,
      message: a.message,
    });
  }
}

/** A recompute whose analysis failed: what is in force stays, and a human is told why (one warning). */
export function alertRecomputeFailed(ctx: AppContext, instanceId: string, message: string): Promise<void> {
  return publishAlerts(
    ctx,
    [{ kind: 'Alert', instanceId, severity: 'warning', code: 'recompute_failed', message }],
    null,
  );
}
