/**
 * Public vocabulary of the paper exchange, in Binance USD-M terms (ids like `DOGEUSDC`, `BUY`/`SELL`,
 * quantities in contracts — one contract is one coin on Binance USD-M). Every value handed out is an
 * immutable snapshot: later engine activity never changes an object a caller already holds.
 */
import type { Decimal } from '../../domain/money.js';

export type BinanceSide = 'BUY' | 'SELL';
export type BinancePositionSide = 'BOTH' | 'LONG' | 'SHORT';
export type BinanceOrderType = 'LIMIT' | 'MARKET';
export type BinanceAlgoOrderType = 'STOP_MARKET' | 'TAKE_PROFIT_MARKET';
export type BinanceTimeInForce = 'GTC' | 'GTX' | 'IOC';
export type BinanceWorkingType = 'MARK_PRICE' | 'CONTRACT_PRICE';
export type BinanceOrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'EXPIRED';
/** `x` of ORDER_TRADE_UPDATE. `CALCULATED` is a liquidation fill. */
export type ExecutionType = 'NEW' | 'CANCELED' | 'CALCULATED' | 'EXPIRED' | 'TRADE' | 'AMENDMENT';
export type AlgoStatus =
  | 'NEW'
  | 'CANCELED'
  | 'TRIGGERING'
  | 'TRIGGERED'
  | 'FINISHED'
  | 'REJECTED'
  | 'EXPIRED';
/** `m` of ACCOUNT_UPDATE. */
export type AccountUpdateReason = 'DEPOSIT' | 'WITHDRAW' | 'ORDER' | 'FUNDING_FEE' | 'MARGIN_TYPE_CHANGE';

// ---- requests --------------------------------------------------------------------------------------

/** POST /fapi/v1/order, as the engine takes it. Decimal quantities are contracts. */
export interface NewOrder {
  readonly symbol: string;
  readonly side: BinanceSide;
  readonly type: BinanceOrderType;
  readonly quantity: Decimal;
  /** Required for LIMIT, forbidden for MARKET. */
  readonly price?: Decimal | undefined;
  /** LIMIT only; default GTC. */
  readonly timeInForce?: BinanceTimeInForce | undefined;
  /** Default BOTH (one-way mode). Hedge mode requires LONG or SHORT. */
  readonly positionSide?: BinancePositionSide | undefined;
  /**
   * Whether the `reduceOnly` parameter was sent, and its value. In hedge mode its mere presence is
   * rejected (-1106), as Binance does; leave it undefined when the caller did not send it.
   */
  readonly reduceOnly?: boolean | undefined;
  /** Default: a generated id. */
  readonly newClientOrderId?: string | undefined;
}

/** POST /fapi/v1/algoOrder (algoType CONDITIONAL). */
export interface NewAlgoOrder {
  readonly symbol: string;
  readonly side: BinanceSide;
  readonly type: BinanceAlgoOrderType;
  readonly triggerPrice: Decimal;
  /** Default CONTRACT_PRICE, as on Binance. */
  readonly workingType?: BinanceWorkingType | undefined;
  readonly positionSide?: BinancePositionSide | undefined;
  /** Close the whole position on trigger; `quantity` and `reduceOnly` must then be absent. */
  readonly closePosition?: boolean | undefined;
  readonly quantity?: Decimal | undefined;
  readonly reduceOnly?: boolean | undefined;
  readonly priceProtect?: boolean | undefined;
  readonly clientAlgoId?: string | undefined;
}

/** Identify an order by exchange id or client id (exchange id wins when both are given, like Binance). */
export interface OrderRef {
  readonly orderId?: number | undefined;
  readonly clientOrderId?: string | undefined;
}

export interface AlgoOrderRef {
  readonly algoId?: number | undefined;
  readonly clientAlgoId?: string | undefined;
}

/** PUT /fapi/v1/order: new price and new total quantity of a LIMIT order. */
export interface AmendOrder extends OrderRef {
  readonly symbol: string;
  readonly side: BinanceSide;
  readonly quantity: Decimal;
  readonly price: Decimal;
}

// ---- views -----------------------------------------------------------------------------------------

/** An order as GET /fapi/v1/order shows it. */
export interface OrderView {
  readonly symbol: string;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: BinanceSide;
  readonly positionSide: BinancePositionSide;
  readonly type: BinanceOrderType;
  /** LIMIT / MARKET, or STOP_MARKET / TAKE_PROFIT_MARKET for the order a triggered algo order placed. */
  readonly origType: BinanceOrderType | BinanceAlgoOrderType;
  readonly timeInForce: BinanceTimeInForce;
  /** Limit price; 0 for MARKET. */
  readonly price: Decimal;
  /** Average fill price; 0 before the first fill. */
  readonly avgPrice: Decimal;
  readonly origQty: Decimal;
  readonly executedQty: Decimal;
  /** Quote value executed (Σ price × qty). */
  readonly cumQuote: Decimal;
  readonly status: BinanceOrderStatus;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  /** Trigger price of the algo order that placed it, else 0. */
  readonly stopPrice: Decimal;
  readonly workingType: BinanceWorkingType;
  readonly priceProtect: boolean;
  /** Creation time. */
  readonly time: number;
  readonly updateTime: number;
}

/** One execution of one order (GET /fapi/v1/userTrades row). */
export interface TradeView {
  readonly symbol: string;
  /** Monotonically increasing per symbol. */
  readonly id: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly side: BinanceSide;
  readonly positionSide: BinancePositionSide;
  readonly price: Decimal;
  readonly qty: Decimal;
  readonly quoteQty: Decimal;
  /** Fee paid, in `commissionAsset` (the margin asset); rounded to 8 decimals. */
  readonly commission: Decimal;
  readonly commissionAsset: string;
  /** Realized PnL of this trade before fees (Binance `rp` / `realizedPnl`). */
  readonly realizedPnl: Decimal;
  readonly maker: boolean;
  readonly buyer: boolean;
  readonly time: number;
}

export interface AlgoOrderView {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly algoType: 'CONDITIONAL';
  readonly orderType: BinanceAlgoOrderType;
  readonly symbol: string;
  readonly side: BinanceSide;
  readonly positionSide: BinancePositionSide;
  /** `GTE_GTC` for closePosition orders, `GTC` otherwise (as Binance reports). */
  readonly timeInForce: 'GTC' | 'GTE_GTC';
  /** 0 for closePosition orders. */
  readonly quantity: Decimal;
  readonly algoStatus: AlgoStatus;
  readonly triggerPrice: Decimal;
  readonly workingType: BinanceWorkingType;
  readonly closePosition: boolean;
  readonly priceProtect: boolean;
  readonly reduceOnly: boolean;
  readonly createTime: number;
  readonly updateTime: number;
  /** 0 until triggered. */
  readonly triggerTime: number;
  /** The MARKET order placed on trigger, if any. */
  readonly actualOrderId: number | null;
  readonly actualAvgPrice: Decimal;
  readonly executedQty: Decimal;
  /** Why a triggered order placed nothing (e.g. no position to close). */
  readonly failReason: string;
}

/** A position as GET /fapi/v3/positionRisk shows it (cross margin). */
export interface PositionView {
  readonly symbol: string;
  readonly positionSide: BinancePositionSide;
  /** Signed: positive long, negative short. */
  readonly positionAmt: Decimal;
  /** 0 when flat. */
  readonly entryPrice: Decimal;
  readonly breakEvenPrice: Decimal;
  readonly markPrice: Decimal;
  readonly unRealizedProfit: Decimal;
  /** 0 when there is no liquidation price. */
  readonly liquidationPrice: Decimal;
  /** Signed notional at mark. */
  readonly notional: Decimal;
  readonly marginAsset: string;
  readonly leverage: number;
  readonly initialMargin: Decimal;
  readonly maintMargin: Decimal;
  readonly positionInitialMargin: Decimal;
  readonly openOrderInitialMargin: Decimal;
  /** Accumulated realized PnL of this position side, before fees (`cr` of ACCOUNT_UPDATE). */
  readonly cumRealized: Decimal;
  readonly updateTime: number;
}

/** A margin asset's balance (GET /fapi/v2/balance plus the /account totals). */
export interface BalanceView {
  readonly asset: string;
  readonly walletBalance: Decimal;
  readonly unrealizedProfit: Decimal;
  readonly marginBalance: Decimal;
  readonly maintMargin: Decimal;
  readonly initialMargin: Decimal;
  readonly positionInitialMargin: Decimal;
  readonly openOrderInitialMargin: Decimal;
  readonly crossWalletBalance: Decimal;
  readonly crossUnPnl: Decimal;
  readonly availableBalance: Decimal;
  readonly maxWithdrawAmount: Decimal;
  readonly updateTime: number;
}

export interface LeverageBracket {
  readonly bracket: number;
  readonly initialLeverage: number;
  readonly notionalCap: Decimal;
  readonly notionalFloor: Decimal;
  readonly maintMarginRatio: Decimal;
  /** Maintenance amount (`cum`), derived from the table so the formula is continuous. */
  readonly cum: Decimal;
}

export interface FundingRecord {
  readonly symbol: string;
  readonly fundingTime: number;
  readonly fundingRate: Decimal;
  /** Mark price the engine settled at; undefined for a rate not yet settled. */
  readonly markPrice: Decimal | undefined;
}

export interface IncomeRecord {
  readonly symbol: string;
  readonly incomeType: 'REALIZED_PNL' | 'COMMISSION' | 'FUNDING_FEE' | 'TRANSFER' | 'INSURANCE_CLEAR';
  readonly income: Decimal;
  readonly asset: string;
  readonly time: number;
  readonly tranId: number;
  readonly tradeId: number | null;
}

export interface KlineView {
  readonly openTime: number;
  readonly closeTime: number;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: Decimal;
  readonly quoteVolume: Decimal;
  readonly trades: number;
}

export interface BookTop {
  readonly symbol: string;
  readonly bid: Decimal;
  readonly bidQty: Decimal;
  readonly ask: Decimal;
  readonly askQty: Decimal;
  readonly time: number;
}

export interface MarkPriceView {
  readonly symbol: string;
  readonly markPrice: Decimal;
  /** The paper exchange has no separate index: it equals the mark. */
  readonly indexPrice: Decimal;
  readonly lastFundingRate: Decimal;
  readonly nextFundingTime: number;
  readonly time: number;
}

// ---- events ----------------------------------------------------------------------------------------

interface EventBase {
  /** Per-account sequence number, starting at 1, without gaps in the engine's log. */
  readonly seq: number;
  readonly accountId: string;
  /** `E`: event time (clock). */
  readonly eventTime: number;
  /** `T`: transaction time (clock). */
  readonly transactionTime: number;
}

/** ORDER_TRADE_UPDATE. `trade` is set for `TRADE` and `CALCULATED` executions. */
export interface OrderUpdateEvent extends EventBase {
  readonly type: 'orderUpdate';
  readonly executionType: ExecutionType;
  readonly order: OrderView;
  readonly trade: TradeView | undefined;
  /** `b` / `a`: notional of the account's open BUY / SELL orders on the symbol after this event. */
  readonly bidNotional: Decimal;
  readonly askNotional: Decimal;
}

export interface BalanceChange {
  readonly asset: string;
  readonly walletBalance: Decimal;
  readonly crossWalletBalance: Decimal;
  /** `bc`: balance change except PnL and commission (funding, deposits). */
  readonly balanceChange: Decimal;
}

export interface PositionChange {
  readonly symbol: string;
  readonly positionSide: BinancePositionSide;
  readonly positionAmt: Decimal;
  readonly entryPrice: Decimal;
  readonly breakEvenPrice: Decimal;
  readonly cumRealized: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly marginAsset: string;
}

/** ACCOUNT_UPDATE. */
export interface AccountUpdateEvent extends EventBase {
  readonly type: 'accountUpdate';
  readonly reason: AccountUpdateReason;
  readonly balances: readonly BalanceChange[];
  readonly positions: readonly PositionChange[];
}

/** ALGO_UPDATE. */
export interface AlgoUpdateEvent extends EventBase {
  readonly type: 'algoUpdate';
  readonly algo: AlgoOrderView;
}

/** ACCOUNT_CONFIG_UPDATE (leverage change). */
export interface AccountConfigEvent extends EventBase {
  readonly type: 'accountConfigUpdate';
  readonly symbol: string;
  readonly leverage: number;
}

export type AccountEvent = OrderUpdateEvent | AccountUpdateEvent | AlgoUpdateEvent | AccountConfigEvent;

/** Market data the engine publishes per symbol (for market streams). */
export type MarketEvent =
  | {
      readonly type: 'trade';
      readonly symbol: string;
      readonly tradeId: number;
      readonly price: Decimal;
      readonly qty: Decimal;
      readonly buyerIsMaker: boolean;
      readonly time: number;
    }
  | { readonly type: 'bookTicker'; readonly book: BookTop }
  | { readonly type: 'markPrice'; readonly mark: MarkPriceView }
  | {
      readonly type: 'kline';
      readonly symbol: string;
      readonly interval: '1m';
      readonly kline: KlineView;
      readonly closed: boolean;
    };
