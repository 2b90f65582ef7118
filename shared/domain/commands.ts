/**
 * Commands: what an engine decided, as data. Shells (Lambda, stream worker, simulator) carry them out
 * through the Exchange and Notifier ports and report each outcome back to the engine.
 */
import type { Decimal } from './money.js';
import type { LimitOrderRequest, MarketOrderRequest, StopOrderRequest } from './orders.js';

export interface PlaceOrder {
  readonly kind: 'PlaceOrder';
  readonly instanceId: string;
  /** Index of the grid level this order serves. */
  readonly level: number;
  readonly request: LimitOrderRequest;
  readonly reason: string;
  /**
   * A risk order: a reducing slice of a panic tier or an emergency flatten (the closer). Like a stop, it
   * is never held back by a pre-trade check (an explicit, logged bypass).
   */
  readonly risk?: boolean;
  /** What a multi-leg strategy says of the order (its leg, what it is for): journaled with it. */
  readonly tag?: OrderTag;
}

/**
 * A multi-leg strategy's words on an order, journaled with it so the simulator's checks can hold each leg
 * to its promises (the hedge grid: every open gets its take-profit one spacing away; the net stays within
 * the imbalance allowance). Strings and numbers only, except the Decimals (journaled as text).
 */
export interface OrderTag {
  /** The leg's role. */
  readonly leg: string;
  readonly role: 'open' | 'close';
  /** The parameter version the order was decided under. */
  readonly paramsVersion?: number;
  /** A take-profit: the entry it closes and the spacing it keeps from it. */
  readonly entry?: Decimal;
  readonly spacing?: Decimal;
  /** An open: the coins of net exposure the imbalance limit allowed when it was placed. */
  readonly allowance?: Decimal;
}

export interface CancelOrder {
  readonly kind: 'CancelOrder';
  readonly instanceId: string;
  readonly account: string;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly level: number | null;
  readonly reason: string;
}

/** Change price and/or quantity of a live limit order, keeping its client id. */
export interface AmendOrder {
  readonly kind: 'AmendOrder';
  readonly instanceId: string;
  readonly account: string;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly level: number;
  readonly side: LimitOrderRequest['side'];
  readonly positionSide: LimitOrderRequest['positionSide'];
  readonly price: Decimal;
  /** New total order quantity in coins (already-filled part included, as Binance expects). */
  readonly qty: Decimal;
  /** The open (unfilled) quantity this amend aims for. */
  readonly openQty: Decimal;
  readonly reason: string;
}

export interface PlaceStop {
  readonly kind: 'PlaceStop';
  readonly instanceId: string;
  readonly request: StopOrderRequest;
  readonly reason: string;
  /** The leg's role, when the instance has several (journaled with it). */
  readonly leg?: string;
}

export interface CancelStop {
  readonly kind: 'CancelStop';
  readonly instanceId: string;
  readonly account: string;
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly reason: string;
}

/**
 * Close the position at once (market, reduce only): the protective action when a stop can no longer be
 * placed because its trigger is already behind the price. Pre-trade limits never block it.
 */
export interface ClosePosition {
  readonly kind: 'ClosePosition';
  readonly instanceId: string;
  readonly request: MarketOrderRequest;
  readonly reason: string;
  /** The leg's role, when the instance has several (journaled with it). */
  readonly leg?: string;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface Alert {
  readonly kind: 'Alert';
  readonly instanceId: string;
  readonly severity: AlertSeverity;
  /** Stable machine code, e.g. `consistency_guard`, `no_qualified_resistance`, `stop_loss_triggered`. */
  readonly code: string;
  readonly message: string;
  /** Extra facts; values are plain strings so alerts serialize losslessly. */
  readonly data?: Readonly<Record<string, string>>;
}

export type OrderCommand = PlaceOrder | CancelOrder | AmendOrder | PlaceStop | CancelStop | ClosePosition;

/**
 * Hand some of the instance's legs to the closer (a pair stopped by its loss threshold, a rotation): the
 * shell writes a flatten request for each of their accounts for the stream worker to work down with the
 * closer's engine, or — with no worker holding the accounts — closes them at market (`hand-over.ts`). The
 * legs' stops stay until they are flat.
 */
export interface FlattenLegs {
  readonly kind: 'FlattenLegs';
  readonly instanceId: string;
  /** Leg roles. */
  readonly legs: readonly string[];
  readonly urgency: 'normal' | 'emergency';
  readonly reason: string;
}

/** The legs are flat: end the flatten requests handed over for them (the runner stops working them). */
export interface EndFlatten {
  readonly kind: 'EndFlatten';
  readonly instanceId: string;
  readonly legs: readonly string[];
  readonly reason: string;
}

/** What the shell carries out itself (no exchange order of its own). */
export type ShellCommand = FlattenLegs | EndFlatten;

export function isShellCommand(c: Command): c is ShellCommand {
  return c.kind === 'FlattenLegs' || c.kind === 'EndFlatten';
}

/** The client order id an order command acts on. */
export function clientIdOf(c: OrderCommand): string {
  return c.kind === 'PlaceOrder' || c.kind === 'PlaceStop' || c.kind === 'ClosePosition'
    ? c.request.clientOrderId
    : c.clientOrderId;
}

/** The account an order command goes to (an instance's legs may be on several accounts). */
export function accountOf(c: OrderCommand): string {
  return c.kind === 'PlaceOrder' || c.kind === 'PlaceStop' || c.kind === 'ClosePosition'
    ? c.request.account
    : c.account;
}

/** Commands that protect a position (stops and protective closes): they go first and are never held back. */
export function isProtective(c: OrderCommand): boolean {
  return c.kind === 'PlaceStop' || c.kind === 'ClosePosition';
}
export type Command = OrderCommand | Alert | ShellCommand;

/** What every engine decision returns. */
export interface Decision<S> {
  readonly state: S;
  readonly commands: readonly Command[];
}

export function isOrderCommand(c: Command): c is OrderCommand {
  return c.kind !== 'Alert' && c.kind !== 'FlattenLegs' && c.kind !== 'EndFlatten';
}

/** Why the exchange (or the shell, before sending) refused a command. */
export interface Rejection {
  readonly reason: string;
  readonly code?: string | undefined;
  readonly message: string;
}

/** What carrying out an order command came to, as the shell reports it back to the strategy. */
export type CommandOutcome =
  | {
      readonly kind: 'placed';
      readonly exchangeOrderId?: string | undefined;
      /**
       * What the venue said of the order in its answer, when it did: an IOC is over by then (`FILLED`,
       * `EXPIRED`), with what it executed.
       */
      readonly status?: string | undefined;
      readonly filledQty?: Decimal | undefined;
    }
  | ({ readonly kind: 'rejected' } & Rejection)
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'timedOut' };
