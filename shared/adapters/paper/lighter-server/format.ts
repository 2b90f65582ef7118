/**
 * Lighter REST rows, from plain inputs (no engine access here): an order (`accountActiveOrders`,
 * `accountInactiveOrders`), a trade (`trades`), a position and an account (`account`), a market
 * (`orderBookDetails`). Sizes at the market's size decimals, prices at its price decimals, USDC amounts at
 * 6 decimals, as Lighter prints them; integers and booleans as JSON numbers and booleans.
 *
 * Shapes: the response comments of ccxt 4.5.84 `lighter.js` (fetchOpenOrders/parseOrder, fetchMyTrades,
 * fetchPositions, fetchBalance, fetchMarkets) and the real Lighter mainnet captures in NautilusTrader's
 * Lighter test data (http_orders.json, http_account.json, http_order_book_details.json,
 * http_recent_trades*.json). Order `timestamp` / `created_at` / `updated_at` are in seconds, which is what
 * ccxt 4.5.84 parses (`safeTimestamp`); newer Lighter captures show milliseconds.
 *
 * Trade rows name a made-up counterparty (`COUNTERPARTY_ACCOUNT`, order 0, client 0) on the other side: the
 * engine fills against the market, not against another account. Our side's fee rate is given as Lighter
 * does, in parts per million (`taker_fee` or `maker_fee`, omitted when zero); the fee paid is
 * `usd_amount × rate / 10^6` (the engine rounds it to 8 decimals). Not given: the `*_position_size_before`,
 * `*_entry_quote_before` and PnL fields of real trade rows.
 *
 * Entry points: `orderRow`, `tradeRow`, `positionRow`, `accountRow`, `marketRow`, `blockOf`.
 */
import { type Decimal, ZERO } from '../../../domain/money.js';
import type { LighterAccount } from './accounts.js';
import { RawNumber } from './json.js';
import { type LighterMarket, priceText, sizeText, unitsOf, usdText } from './markets.js';
import { COUNTERPARTY_ACCOUNT } from './venue.js';

type Row = Record<string, unknown>;

const seconds = (ms: number): number => Math.floor(ms / 1000);
/** Synthetic block height: one block per second of engine time. */
export const blockOf = (ms: number): number => seconds(ms);
const int = (text: string): RawNumber => new RawNumber(text);

export interface OrderRowInput {
  readonly account: LighterAccount;
  readonly market: LighterMarket;
  readonly orderIndex: number;
  readonly clientOrderIndex: number;
  readonly isAsk: boolean;
  readonly type: string;
  readonly timeInForce: string;
  readonly reduceOnly: boolean;
  readonly initial: Decimal;
  readonly remaining: Decimal;
  readonly filled: Decimal;
  readonly filledQuote: Decimal;
  readonly price: Decimal;
  readonly triggerPrice: Decimal;
  readonly orderExpiry: number;
  readonly nonce: number;
  readonly status: string;
  readonly triggerStatus: string;
  /** ms, 0 when not triggered. */
  readonly triggerTime: number;
  /** ms. */
  readonly created: number;
  readonly updated: number;
}

export function orderRow(x: OrderRowInput): Row {
  const m = x.market;
  return {
    order_index: x.orderIndex,
    client_order_index: x.clientOrderIndex,
    order_id: String(x.orderIndex),
    client_order_id: String(x.clientOrderIndex),
    market_index: m.marketId,
    owner_account_index: x.account.index,
    initial_base_amount: sizeText(m, x.initial),
    price: priceText(m, x.price),
    nonce: x.nonce,
    remaining_base_amount: sizeText(m, x.remaining),
    is_ask: x.isAsk,
    base_size: int(unitsOf(m.sizeDecimals, x.remaining)),
    base_price: int(unitsOf(m.priceDecimals, x.price)),
    filled_base_amount: sizeText(m, x.filled),
    filled_quote_amount: usdText(x.filledQuote),
    side: x.isAsk ? 'sell' : 'buy',
    type: x.type,
    time_in_force: x.timeInForce,
    reduce_only: x.reduceOnly,
    trigger_price: priceText(m, x.triggerPrice),
    order_expiry: x.orderExpiry,
    status: x.status,
    trigger_status: x.triggerStatus,
    trigger_time: seconds(x.triggerTime),
    parent_order_index: 0,
    parent_order_id: '0',
    to_trigger_order_id_0: '0',
    to_trigger_order_id_1: '0',
    to_cancel_order_id_0: '0',
    integrator_fee_collector_index: '0',
    integrator_taker_fee: '0',
    integrator_maker_fee: '0',
    block_height: blockOf(x.created),
    timestamp: seconds(x.created),
    created_at: seconds(x.created),
    updated_at: seconds(x.updated),
    transaction_time: x.updated * 1000,
  };
}

export interface TradeRowInput {
  readonly account: LighterAccount;
  readonly market: LighterMarket;
  readonly tradeId: number;
  readonly txHash: string;
  readonly liquidation: boolean;
  readonly size: Decimal;
  readonly price: Decimal;
  readonly quote: Decimal;
  readonly orderIndex: number;
  readonly clientOrderIndex: number;
  readonly isAsk: boolean;
  readonly maker: boolean;
  /** The fee rate our side paid, in parts per million (Lighter's `taker_fee` / `maker_fee`). */
  readonly feePpm: string;
  /** Our signed position before the trade. */
  readonly positionBefore: Decimal;
  readonly time: number;
}

export function tradeRow(x: TradeRowInput): Row {
  const m = x.market;
  const ours = { id: x.orderIndex, client: x.clientOrderIndex, account: x.account.index };
  const theirs = { id: 0, client: 0, account: COUNTERPARTY_ACCOUNT };
  const ask = x.isAsk ? ours : theirs;
  const bid = x.isAsk ? theirs : ours;
  const row: Row = {
    trade_id: x.tradeId,
    trade_id_str: String(x.tradeId),
    tx_hash: x.txHash,
    type: x.liquidation ? 'liquidation' : 'trade',
    market_id: m.marketId,
    size: sizeText(m, x.size),
    price: priceText(m, x.price),
    usd_amount: usdText(x.quote),
    ask_id: ask.id,
    ask_id_str: String(ask.id),
    bid_id: bid.id,
    bid_id_str: String(bid.id),
    ask_client_id: ask.client,
    ask_client_id_str: String(ask.client),
    bid_client_id: bid.client,
    bid_client_id_str: String(bid.client),
    ask_account_id: ask.account,
    bid_account_id: bid.account,
    is_maker_ask: x.isAsk === x.maker,
    block_height: blockOf(x.time),
    timestamp: x.time,
    transaction_time: x.time * 1000,
  };
  // Our side's position before the trade; the made-up counterparty's is not known.
  row[x.maker ? 'maker_position_size_before' : 'taker_position_size_before'] = sizeText(m, x.positionBefore);
  // Lighter omits a zero fee; only our side's rate is known.
  if (x.feePpm !== '0') row[x.maker ? 'maker_fee' : 'taker_fee'] = int(x.feePpm);
  return row;
}

export interface PositionRowInput {
  readonly market: LighterMarket;
  readonly imfText: string;
  /** Signed size in coins. */
  readonly size: Decimal;
  readonly entryPrice: Decimal;
  readonly value: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly realizedPnl: Decimal;
  readonly liquidationPrice: Decimal;
  readonly openOrders: number;
  readonly pendingOrders: number;
  readonly tiedOrders: number;
}

export function positionRow(x: PositionRowInput): Row {
  const m = x.market;
  return {
    market_id: m.marketId,
    symbol: m.symbol,
    initial_margin_fraction: x.imfText,
    open_order_count: x.openOrders,
    pending_order_count: x.pendingOrders,
    position_tied_order_count: x.tiedOrders,
    sign: x.size.isNegative() ? -1 : 1,
    position: sizeText(m, x.size.abs()),
    avg_entry_price: priceText(m, x.entryPrice),
    position_value: usdText(x.value),
    unrealized_pnl: usdText(x.unrealizedPnl),
    realized_pnl: usdText(x.realizedPnl),
    liquidation_price: x.liquidationPrice.isZero() ? '0' : priceText(m, x.liquidationPrice),
    margin_mode: 0,
    allocated_margin: usdText(ZERO),
  };
}

export interface AccountRowInput {
  readonly account: LighterAccount;
  readonly collateral: Decimal;
  readonly available: Decimal;
  readonly totalAssetValue: Decimal;
  readonly initialMargin: Decimal;
  readonly maintenanceMargin: Decimal;
  readonly openOrders: number;
  readonly pendingOrders: number;
  readonly positions: readonly Row[];
  readonly now: number;
}

export function accountRow(x: AccountRowInput): Row {
  return {
    code: 0,
    account_type: 0,
    index: x.account.index,
    l1_address: x.account.l1Address,
    cancel_all_time: 0,
    total_order_count: x.openOrders,
    total_isolated_order_count: 0,
    pending_order_count: x.pendingOrders,
    available_balance: usdText(x.available),
    status: 1,
    collateral: usdText(x.collateral),
    transaction_time: x.now * 1000,
    account_trading_mode: 0,
    account_index: x.account.index,
    name: '',
    description: '',
    can_invite: false,
    referral_points_percentage: '',
    positions: x.positions,
    assets: [
      {
        symbol: 'USDC',
        asset_id: 3,
        balance: usdText(x.collateral),
        locked_balance: usdText(ZERO),
        margin_mode: 'enabled',
        margin_balance: usdText(x.collateral),
      },
    ],
    total_asset_value: usdText(x.totalAssetValue),
    cross_asset_value: usdText(x.totalAssetValue),
    cross_initial_margin_requirement: usdText(x.initialMargin),
    cross_maintenance_margin_requirement: usdText(x.maintenanceMargin),
    shares: [],
    pending_unlocks: [],
    approved_integrators: [],
  };
}

export interface MarketRowInput {
  readonly market: LighterMarket;
  readonly takerFee: Decimal;
  readonly makerFee: Decimal;
  /** Percent of notional (Lighter prints `1.0000` for 1 %). */
  readonly liquidationFeePct: Decimal;
  readonly defaultImf: number;
  readonly minImf: number;
  readonly maintenanceMf: number;
  readonly last: Decimal;
  readonly daily: {
    readonly trades: number;
    readonly baseVolume: Decimal;
    readonly quoteVolume: Decimal;
    readonly low: Decimal;
    readonly high: Decimal;
    readonly changePct: Decimal;
  };
}

const rate = (r: Decimal): string => r.toFixed(Math.max(4, r.decimalPlaces()));

export function marketRow(x: MarketRowInput): Row {
  const m = x.market;
  const r = m.rules;
  const n = (d: Decimal): RawNumber => int(d.toFixed());
  return {
    symbol: m.symbol,
    market_id: m.marketId,
    market_type: 'perp',
    base_asset_id: 0,
    quote_asset_id: 0,
    status: 'active',
    taker_fee: rate(x.takerFee),
    is_taker_fee_enabled: true,
    maker_fee: rate(x.makerFee),
    is_maker_fee_enabled: true,
    liquidation_fee: x.liquidationFeePct.toFixed(4),
    min_base_amount: sizeText(m, r.minQty),
    min_quote_amount: usdText(r.minNotional),
    order_quote_limit: '281474976.710655',
    supported_size_decimals: m.sizeDecimals,
    supported_price_decimals: m.priceDecimals,
    supported_quote_decimals: 6,
    size_decimals: m.sizeDecimals,
    price_decimals: m.priceDecimals,
    quote_multiplier: 1,
    default_initial_margin_fraction: x.defaultImf,
    min_initial_margin_fraction: x.minImf,
    maintenance_margin_fraction: x.maintenanceMf,
    closeout_margin_fraction: Math.floor((x.maintenanceMf * 2) / 3),
    last_trade_price: n(x.last),
    daily_trades_count: x.daily.trades,
    daily_base_token_volume: n(x.daily.baseVolume),
    daily_quote_token_volume: n(x.daily.quoteVolume),
    daily_price_low: n(x.daily.low),
    daily_price_high: n(x.daily.high),
    daily_price_change: n(x.daily.changePct),
    open_interest: int('0'),
    daily_chart: {},
    market_config: {
      market_margin_mode: 0,
      insurance_fund_account_index: 281474976710655,
      liquidation_mode: 0,
      force_reduce_only: false,
      trading_hours: '',
      funding_fee_discounts_enabled: false,
      hidden: false,
    },
    strategy_index: 0,
  };
}
