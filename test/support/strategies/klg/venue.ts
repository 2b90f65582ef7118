/**
 * A small, deterministic venue for driving the pure KLG engine in unit and property tests: it carries out
 * the engine's commands (with post-only rejection and Binance's amend/cancel semantics), fills resting
 * orders when a price path crosses them, triggers the stop, and answers recon snapshots. It models only
 * what the engine's rules depend on; the full Binance semantics live in the paper exchange adapter and its
 * own tests.
 */
import {
  type Command,
  clientIdOf,
  isOrderCommand,
  type OrderCommand,
} from '../../../../shared/domain/commands.js';
import { type Decimal, ZERO } from '../../../../shared/domain/money.js';
import type { ExchangeOrder, Fill, OrderStatus, Side } from '../../../../shared/domain/orders.js';
import type { KlgConfig } from '../../../../shared/domain/strategies/klg/config.js';
import type {
  CommandOutcome,
  KlgState,
  ReconSnapshot,
} from '../../../../shared/domain/strategies/klg/index.js';
import { applyOutcome, ordersToLookUp } from '../../../../shared/domain/strategies/klg/index.js';
import type { SymbolRules } from '../../../../shared/domain/symbol-rules.js';

interface VenueOrder {
  clientOrderId: string;
  exchangeOrderId: string;
  kind: 'limit' | 'stop';
  side: Side;
  price: Decimal;
  qty: Decimal;
  filledQty: Decimal;
  status: OrderStatus;
  closePosition?: boolean;
}

export class ToyVenue {
  price: Decimal;
  time: number;
  position = ZERO;
  entry = ZERO;
  readonly trades: Fill[] = [];
  readonly orders = new Map<string, VenueOrder>();
  private seq = 0;
  private tradeSeq = 1000;
  /** Client ids whose next command is refused (fault injection). */
  readonly rejectNext = new Set<string>();
  /** The next command's outcome is unknown to the caller: carried out anyway, or lost on the way. */
  unknownNext: 'executed' | 'lost' | null = null;
  /** Fills made by market orders (protective closes) that the stream has yet to deliver. */
  readonly immediateFills: Fill[] = [];

  constructor(
    readonly config: KlgConfig,
    readonly rules: SymbolRules,
    price: Decimal,
    time = 1_700_000_000_000,
    readonly supportsAmend = true,
  ) {
    this.price = price;
    this.time = time;
  }

  openOrders(): ExchangeOrder[] {
    return [...this.orders.values()]
      .filter((o) => o.status === 'NEW' || o.status === 'PARTIALLY_FILLED')
      .map((o) => this.view(o));
  }

  view(o: VenueOrder): ExchangeOrder {
    return {
      symbol: this.config.symbol,
      clientOrderId: o.clientOrderId,
      exchangeOrderId: o.exchangeOrderId,
      kind: o.kind,
      side: o.side,
      positionSide: this.config.position_side,
      ...(o.kind === 'limit'
        ? { price: o.price }
        : { triggerPrice: o.price, closePosition: o.closePosition === true }),
      qty: o.qty,
      filledQty: o.filledQty,
      status: o.status,
      updatedAt: this.time,
    };
  }

  /** Carries out one command and reports its outcome the way the shell would. */
  execute(cmd: OrderCommand): CommandOutcome {
    const unknown = this.unknownNext;
    if (unknown) {
      this.unknownNext = null;
      if (unknown === 'executed') this.execute(cmd);
      return { kind: 'timedOut' };
    }
    const id = clientIdOf(cmd);
    if (this.rejectNext.delete(id))
      return { kind: 'rejected', reason: 'other', code: '-1000', message: 'injected' };
    switch (cmd.kind) {
      case 'PlaceOrder': {
        const r = cmd.request;
        if (this.orders.has(r.clientOrderId)) {
          return { kind: 'rejected', reason: 'duplicate_client_id', code: '-4116', message: 'duplicate' };
        }
        const takes =
          r.side === 'buy' ? r.price.greaterThanOrEqualTo(this.price) : r.price.lessThanOrEqualTo(this.price);
        if (r.timeInForce === 'GTX' && takes) {
          return { kind: 'rejected', reason: 'post_only_would_take', code: '-5022', message: 'would take' };
        }
        this.orders.set(r.clientOrderId, {
          clientOrderId: r.clientOrderId,
          exchangeOrderId: String(++this.seq),
          kind: 'limit',
          side: r.side,
          price: r.price,
          qty: r.qty,
          filledQty: ZERO,
          status: 'NEW',
        });
        return { kind: 'placed', exchangeOrderId: String(this.seq) };
      }
      case 'AmendOrder': {
        const o = this.orders.get(cmd.clientOrderId);
        if (
          !o ||
          (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') ||
          cmd.qty.lessThanOrEqualTo(o.filledQty)
        ) {
          return { kind: 'rejected', reason: 'unknown_order', code: '-2013', message: 'no such order' };
        }
        o.qty = cmd.qty;
        o.price = cmd.price;
        return { kind: 'placed', exchangeOrderId: o.exchangeOrderId };
      }
      case 'CancelOrder':
      case 'CancelStop': {
        const o = this.orders.get(cmd.clientOrderId);
        if (!o || (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED')) {
          return { kind: 'rejected', reason: 'unknown_order', code: '-2011', message: 'unknown order' };
        }
        o.status = 'CANCELED';
        return { kind: 'cancelled' };
      }
      case 'PlaceStop': {
        const r = cmd.request;
        if (this.orders.has(r.clientOrderId))
          return { kind: 'rejected', reason: 'duplicate_client_id', code: '-4116', message: 'duplicate' };
        const existing = [...this.orders.values()].some(
          (o) => o.kind === 'stop' && o.status === 'NEW' && o.closePosition,
        );
        if (existing && r.closePosition)
          return {
            kind: 'rejected',
            reason: 'stop_exists',
            code: '-4130',
            message: 'closePosition stop exists',
          };
        if (r.triggerPrice.greaterThanOrEqualTo(this.price))
          return { kind: 'rejected', reason: 'would_trigger', code: '-2021', message: 'would trigger' };
        this.orders.set(r.clientOrderId, {
          clientOrderId: r.clientOrderId,
          exchangeOrderId: String(++this.seq),
          kind: 'stop',
          side: 'sell',
          price: r.triggerPrice,
          qty: r.closePosition ? ZERO : (r.qty ?? ZERO),
          filledQty: ZERO,
          status: 'NEW',
          closePosition: r.closePosition,
        });
        return { kind: 'placed', exchangeOrderId: String(this.seq) };
      }
      case 'ClosePosition': {
        const r = cmd.request;
        // Binance hedge mode refuses a close larger than the position (it does not shrink it).
        if (!this.position.greaterThan(0) || r.qty.greaterThan(this.position)) {
          return {
            kind: 'rejected',
            reason: 'reduce_only_rejected',
            code: '-2022',
            message: 'ReduceOnly Order is rejected.',
          };
        }
        const qty = r.qty;
        const o: VenueOrder = {
          clientOrderId: r.clientOrderId,
          exchangeOrderId: String(++this.seq),
          kind: 'limit',
          side: 'sell',
          price: this.price,
          qty,
          filledQty: qty,
          status: 'FILLED',
        };
        this.orders.set(r.clientOrderId, o);
        this.immediateFills.push(this.trade(o, 'sell', this.price, qty, r.clientOrderId));
        return { kind: 'placed', exchangeOrderId: o.exchangeOrderId };
      }
    }
  }

  /** Runs a decision's commands in order, feeding each outcome back into the state. */
  run(
    state: KlgState,
    commands: readonly Command[],
    now = this.time,
  ): { state: KlgState; alerts: Command[]; followUps: Command[] } {
    let s = state;
    const alerts: Command[] = [];
    const followUps: Command[] = [];
    // Outcomes may ask for follow-ups (a confirmed stop cancels the one it replaces): run those too.
    const queue = [...commands];
    for (let c = queue.shift(); c; c = queue.shift()) {
      if (!isOrderCommand(c)) {
        if (c.kind === 'Alert') alerts.push(c);
        continue;
      }
      const d = applyOutcome(s, c, this.execute(c), this.config, now);
      s = d.state;
      queue.push(...d.commands);
      followUps.push(...d.commands.filter((x) => x.kind !== 'Alert'));
    }
    return { state: s, alerts, followUps };
  }

  private trade(o: VenueOrder | null, side: Side, price: Decimal, qty: Decimal, clientOrderId: string): Fill {
    const fill: Fill = {
      tradeId: String(++this.tradeSeq),
      symbol: this.config.symbol,
      clientOrderId,
      exchangeOrderId: o?.exchangeOrderId ?? '0',
      side,
      positionSide: this.config.position_side,
      price,
      qty,
      fee: ZERO,
      isMaker: o?.kind === 'limit',
      time: this.time,
    };
    if (side === 'buy') {
      const next = this.position.plus(qty);
      this.entry = this.entry.times(this.position).plus(price.times(qty)).dividedBy(next);
      this.position = next;
    } else {
      this.position = this.position.minus(qty);
      if (this.position.isZero()) this.entry = ZERO;
    }
    this.trades.push(fill);
    return fill;
  }

  /** Moves the price to `to` (one tick of time), filling what the path crosses; returns the new fills. */
  moveTo(to: Decimal, partial?: Decimal): Fill[] {
    const lo = Decimal_min(this.price, to);
    const hi = Decimal_max(this.price, to);
    this.time += 1000;
    this.price = to;
    const fills: Fill[] = [];
    for (const o of this.orders.values()) {
      if (o.status !== 'NEW' && o.status !== 'PARTIALLY_FILLED') continue;
      if (o.kind === 'limit') {
        const crossed = o.side === 'buy' ? o.price.greaterThanOrEqualTo(lo) : o.price.lessThanOrEqualTo(hi);
        if (!crossed) continue;
        let qty = o.qty.minus(o.filledQty);
        if (o.side === 'sell' && qty.greaterThan(this.position)) qty = this.position;
        if (partial?.lessThan(qty)) qty = partial;
        if (!qty.greaterThan(0)) continue;
        o.filledQty = o.filledQty.plus(qty);
        o.status = o.filledQty.equals(o.qty) ? 'FILLED' : 'PARTIALLY_FILLED';
        fills.push(this.trade(o, o.side, o.price, qty, o.clientOrderId));
      } else if (lo.lessThanOrEqualTo(o.price)) {
        o.status = 'FILLED';
        const qty = o.closePosition || o.qty.greaterThan(this.position) ? this.position : o.qty;
        if (qty.greaterThan(0)) fills.push(this.trade(o, 'sell', o.price, qty, o.clientOrderId));
      }
    }
    return fills;
  }

  /** A trade made by hand on the exchange (not by the bot). */
  handTrade(side: Side, qty: Decimal): Fill {
    this.time += 1000;
    return this.trade(null, side, this.price, qty, 'web_manual_1');
  }

  cancelByHand(clientOrderId: string): void {
    const o = this.orders.get(clientOrderId);
    if (o) o.status = 'CANCELED';
  }

  snapshot(state: KlgState): ReconSnapshot {
    const open = this.openOrders();
    const lookups: Record<string, ExchangeOrder | null> = {};
    for (const id of ordersToLookUp(state, open, this.config, this.time)) {
      const o = this.orders.get(id);
      lookups[id] = o ? this.view(o) : null;
    }
    const cursor = state.fillCursor;
    const fills = cursor
      ? this.trades.filter((t) => Number(t.tradeId) > Number(cursor.tradeId))
      : [...this.trades];
    return {
      price: this.price,
      rules: this.rules,
      supportsAmend: this.supportsAmend,
      openOrders: open,
      position: {
        symbol: this.config.symbol,
        positionSide: this.config.position_side,
        qty: this.position,
        entryPrice: this.entry,
      },
      fills,
      orderLookups: lookups,
    };
  }

  market() {
    return { price: this.price, rules: this.rules, supportsAmend: this.supportsAmend };
  }
}

function Decimal_min(a: Decimal, b: Decimal): Decimal {
  return a.lessThan(b) ? a : b;
}
function Decimal_max(a: Decimal, b: Decimal): Decimal {
  return a.greaterThan(b) ? a : b;
}
