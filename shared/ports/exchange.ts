/**
 * The Exchange port: shaped for the domain, not for ccxt. One port instance is bound to one account.
 * Quantities are coins; adapters convert to contracts. Money is Decimal, parsed from exchange strings.
 *
 * Outcomes: an order the exchange refuses is an expected result (`{ ok: false, reason }`); failures of the
 * call itself throw `ExchangeError` with a `kind` saying what the caller may do:
 *  - `retryable`: nothing happened (network error before sending, 5xx on a read); retry with backoff.
 *  - `rate_limited`: 429/418; wait `retryAfterMs`, and slow down.
 *  - `unknown_outcome`: a write may or may not have happened (timeout, 5xx on submit/cancel): never resend
 *    blindly; settle by client order id on the next reconciliation.
 *  - `fatal`: credentials or permissions are wrong; stop and alert a human.
 */
import type { LeverageBracket } from '../domain/analysis/leverage.js';
import type { Decimal } from '../domain/money.js';
import type {
  Balance,
  Candle,
  ExchangeOrder,
  Fill,
  FillCursor,
  OrderRequest,
  Position,
  PositionSide,
  Side,
} from '../domain/orders.js';
import type { SymbolRules } from '../domain/symbol-rules.js';

export type ExchangeErrorKind = 'retryable' | 'rate_limited' | 'unknown_outcome' | 'fatal';

export class ExchangeError extends Error {
  override readonly name: string = 'ExchangeError';
  readonly kind: ExchangeErrorKind;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(
    kind: ExchangeErrorKind,
    message: string,
    opts: { code?: string | undefined; retryAfterMs?: number | undefined; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.kind = kind;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
  }
  get retryable(): boolean {
    return this.kind === 'retryable' || this.kind === 'rate_limited';
  }
}

export type OrderRejectReason =
  | 'post_only_would_take'
  | 'filter'
  | 'insufficient_margin'
  | 'duplicate_client_id'
  | 'unknown_order'
  | 'reduce_only_rejected'
  | 'position_mismatch'
  | 'too_many_orders'
  /** A conditional order whose trigger the price has already passed (Binance -2021). */
  | 'would_trigger'
  /** A second closePosition stop on the same side (Binance -4130): the one already there covers. */
  | 'stop_exists'
  | 'other';

export interface OrderRejection {
  readonly ok: false;
  readonly reason: OrderRejectReason;
  /** Venue error code, e.g. Binance `-5022`. */
  readonly code: string;
  readonly message: string;
}

export type SubmitResult = { readonly ok: true; readonly order: ExchangeOrder } | OrderRejection;
export type CancelResult = { readonly ok: true; readonly order: ExchangeOrder | null } | OrderRejection;

export interface AmendRequest {
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly positionSide: PositionSide;
  readonly price: Decimal;
  /** New total quantity in coins (filled part included). */
  readonly qty: Decimal;
}

export interface PriceSnapshot {
  readonly last: Decimal;
  readonly mark: Decimal;
  readonly time: number;
}

export type OrderKind = 'limit' | 'stop';

// ---- streams -------------------------------------------------------------------------------------

export type ConnectionState = 'connected' | 'disconnected' | 'reconnected';

export type UserStreamEvent =
  | { readonly type: 'fill'; readonly fill: Fill; readonly receivedAt: number }
  | { readonly type: 'order'; readonly order: ExchangeOrder; readonly receivedAt: number }
  | { readonly type: 'position'; readonly position: Position; readonly receivedAt: number }
  | { readonly type: 'balance'; readonly balance: Balance; readonly receivedAt: number }
  /** After `reconnected` the consumer must resync over REST: streams do not replay missed events. */
  | {
      readonly type: 'connection';
      readonly state: ConnectionState;
      readonly reason?: string;
      readonly at: number;
    }
  /** A message that failed to parse: counted and logged by the consumer, never fatal. */
  | { readonly type: 'malformed'; readonly detail: string; readonly at: number };

export type MarketChannel = 'bookTop' | 'trades' | 'markPrice' | 'candles1m';

export type MarketStreamEvent =
  | {
      readonly type: 'bookTop';
      readonly symbol: string;
      readonly bid: Decimal;
      readonly bidQty: Decimal;
      readonly ask: Decimal;
      readonly askQty: Decimal;
      readonly time: number;
    }
  | {
      readonly type: 'trade';
      readonly symbol: string;
      readonly id: string;
      readonly price: Decimal;
      readonly qty: Decimal;
      readonly takerSide: Side;
      readonly time: number;
    }
  | {
      readonly type: 'markPrice';
      readonly symbol: string;
      readonly mark: Decimal;
      readonly fundingRate?: Decimal | undefined;
      readonly time: number;
    }
  | { readonly type: 'candle'; readonly symbol: string; readonly candle: Candle; readonly closed: boolean }
  | {
      readonly type: 'connection';
      readonly state: ConnectionState;
      readonly reason?: string;
      readonly at: number;
    }
  | { readonly type: 'malformed'; readonly detail: string; readonly at: number };

export interface StreamSubscription {
  close(): Promise<void>;
}

// ---- the port ------------------------------------------------------------------------------------

export interface ExchangePort {
  readonly accountId: string;
  /** `binanceusdm`, `okx`, `paper`. */
  readonly venue: string;
  /** Amend of a live limit order is supported (else the engine's amend becomes cancel + replace). */
  readonly supportsAmend: boolean;

  loadRules(symbol: string): Promise<SymbolRules>;
  fetchPrice(symbol: string): Promise<PriceSnapshot>;
  /** All open orders on the symbol, limit and conditional (stops) alike. */
  openOrders(symbol: string): Promise<ExchangeOrder[]>;
  /** Look an order up by client id (open or not); `null` when the exchange does not know it. */
  order(symbol: string, clientOrderId: string, kind?: OrderKind): Promise<ExchangeOrder | null>;
  position(symbol: string, positionSide: PositionSide): Promise<Position>;
  balance(asset: string): Promise<Balance>;
  /** Our trades after `cursor` (exclusive), oldest first; `null` cursor = the venue's recent window. */
  tradesSince(symbol: string, cursor: FillCursor | null, limit?: number): Promise<Fill[]>;
  candles(symbol: string, timeframe: string, since?: number, limit?: number): Promise<Candle[]>;

  submit(request: OrderRequest): Promise<SubmitResult>;
  cancel(symbol: string, clientOrderId: string, kind: OrderKind): Promise<CancelResult>;
  amend(request: AmendRequest): Promise<SubmitResult>;
  setLeverage(symbol: string, leverage: number): Promise<void>;
  /** Is the account in hedge (dual-side) mode? */
  hedgeMode(): Promise<boolean>;
  /** Turns the dual-side (hedge) position mode on or off (the venue refuses while positions or orders exist). */
  setHedgeMode(on: boolean): Promise<void>;
  /** The symbol's leverage brackets (Binance `GET /fapi/v1/leverageBracket`), lowest notional first. */
  leverageBrackets(symbol: string): Promise<LeverageBracket[]>;
  /**
   * Moves `amount` of `asset` from this account to another account of the deployment at the same venue.
   * Absent where the venue or the keys cannot (a transfer between Binance sub-accounts needs the master
   * account's key): callers say so and what to move by hand.
   */
  transferTo?(toAccount: string, asset: string, amount: Decimal): Promise<void>;

  subscribeUser(handler: (event: UserStreamEvent) => void): Promise<StreamSubscription>;
  subscribeMarket(
    symbol: string,
    channels: readonly MarketChannel[],
    handler: (event: MarketStreamEvent) => void,
  ): Promise<StreamSubscription>;

  close(): Promise<void>;
}

/** The exchange for an account id (an instance may span two accounts). */
export type ExchangeResolver = (accountId: string) => ExchangePort;
