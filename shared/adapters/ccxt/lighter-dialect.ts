/**
 * Lighter perpetuals through ccxt `lighter` (4.5): integer market ids, accounts by `account_index`, signed
 * transactions (`lighter-client.ts`, `lighter-signer.ts`), amounts and prices as decimals that ccxt scales
 * to the market's integer units.
 *
 * How Lighter differs, and what this dialect does about it:
 *  - **One net position per market per account.** The rest of the system thinks in position sides; a
 *    Lighter account carries one leg (the config refuses more), so the net position is reported under its
 *    side (long → LONG, short → SHORT) and the other side is flat. An order that closes (a LONG's sell, a
 *    SHORT's buy) is sent reduce-only; an open is not. Orders and fills read back get their side the same
 *    way: a reduce-only order closes, a fill closes when the account's position before it was the other
 *    way (`*_position_size_before`).
 *  - **Integer client order indices**: our ids pack into 48 bits (`lighter-ids.ts`).
 *  - **Placement answers a transaction hash only**: the order is described from the request, with the hash
 *    as its id until a read gives the venue's order index; lookups and cancels go by client order index.
 *  - **Market orders carry a worst price**: the last price ± `MARKET_SLIPPAGE`; a stop's, its trigger ±
 *    `STOP_SLIPPAGE` (a wider bound: a stop must not be cancelled for slippage in a fast market).
 *  - **A whole-position stop** is a reduce-only stop-loss of size 0 (a "position-tied" order), triggered
 *    by the venue on its mark price (a `CONTRACT_PRICE` working type cannot be asked for).
 *  - **Every order expires** after at most 30 days (ccxt asks for 28): a protective stop that expires is
 *    found missing by the next reconciliation pass and placed again.
 *  - **No amend** (the bundled signer cannot sign a modify): amends are cancel + place.
 *  - **No streams here yet**: the user and market streams are not built for Lighter; its accounts are run by
 *    the reconciliation pass (the stream worker refuses them with the reason).
 *
 * Entry points: `lighterDialect(instanceId)`, `lighterOrderCall`.
 */
import { type Decimal, dec, fmt, ZERO } from '../../domain/money.js';
import type {
  Balance,
  Candle,
  ExchangeOrder,
  Fill,
  OrderRequest,
  OrderStatus,
  Position,
  PositionSide,
} from '../../domain/orders.js';
import type { SymbolRules } from '../../domain/symbol-rules.js';
import { symbolRules } from '../../domain/symbol-rules.js';
import { ExchangeError, type PriceSnapshot } from '../../ports/exchange.js';
import type { CcxtClient } from './client.js';
import type { OrderCall, VenueDialect } from './dialect.js';
import { fromLighterIndex, toLighterIndex } from './lighter-ids.js';
import {
  asRaw,
  decField,
  MalformedPayloadError,
  optDecField,
  optStrField,
  type Raw,
  rawList,
  strField,
} from './raw.js';

type Params = Record<string, unknown>;

interface LighterImplicit {
  publicGetAccount(p: Params): Promise<unknown>;
  publicGetOrderBookDetails(p: Params): Promise<unknown>;
  publicGetCandles(p: Params): Promise<unknown>;
  privateGetAccountActiveOrders(p: Params): Promise<unknown>;
  privateGetAccountInactiveOrders(p: Params): Promise<unknown>;
  privateGetTrades(p: Params): Promise<unknown>;
  loadAccount(chainId: unknown, key: unknown, apiKeyIndex: unknown, accountIndex: unknown): Promise<unknown>;
  options: Params;
}

const api = (ex: CcxtClient) => ex as unknown as LighterImplicit;

/** Worst price of a market order: this far through the last price. */
export const MARKET_SLIPPAGE = dec('0.05');
/** Worst price of a triggered stop: this far through its trigger. */
export const STOP_SLIPPAGE = dec('0.10');
const TRADES_PAGE = 100;
/** Orders per page of Lighter's order lists, and pages of closed orders read back at most in one lookup. */
const ORDERS_PAGE = 100;
const MAX_ORDER_PAGES = 10;
const MAX_TRADE_PAGES = 50;

const accountIndexOf = (ex: CcxtClient): number => Number(api(ex).options.accountIndex);
const apiKeyIndexOf = (ex: CcxtClient): number => Number(api(ex).options.apiKeyIndex);
const marketId = (ex: CcxtClient, symbol: string): number => Number(ex.market(symbol).id);

/** Private reads need the account's signer (for the auth token) loaded first. */
async function signed(ex: CcxtClient): Promise<void> {
  const a = api(ex);
  await a.loadAccount(a.options.chainId, undefined, String(apiKeyIndexOf(ex)), String(accountIndexOf(ex)));
}

function closes(side: 'buy' | 'sell', positionSide: PositionSide): boolean {
  return (positionSide === 'LONG' && side === 'sell') || (positionSide === 'SHORT' && side === 'buy');
}

function roundToTick(price: Decimal, tick: Decimal, up: boolean): Decimal {
  const steps = price.dividedBy(tick);
  return (up ? steps.ceil() : steps.floor()).times(tick);
}

/** The worst price of a buy (above `ref`) or a sell (below), on the tick grid and never through `ref`. */
function worstPrice(ref: Decimal, side: 'buy' | 'sell', slippage: Decimal, rules: SymbolRules): string {
  const far = side === 'buy' ? ref.times(dec(1).plus(slippage)) : ref.times(dec(1).minus(slippage));
  return fmt(roundToTick(far, rules.tickSize, side === 'sell'));
}

export function lighterOrderCall(
  req: OrderRequest,
  rules: SymbolRules,
  instanceId: string,
  reference?: PriceSnapshot,
): OrderCall {
  const clientOrderId = toLighterIndex(req.clientOrderId, instanceId);
  switch (req.type) {
    case 'limit': {
      const params: Params = { clientOrderId };
      if (req.timeInForce === 'GTX') params.postOnly = true;
      else if (req.timeInForce === 'IOC') params.timeInForce = 'IOC';
      if (req.reduceOnly || closes(req.side, req.positionSide)) params.reduceOnly = true;
      return { type: 'limit', side: req.side, amount: fmt(req.qty), price: fmt(req.price), params };
    }
    case 'market': {
      if (!reference)
        throw new ExchangeError('retryable', `market order ${req.clientOrderId}: no reference price`);
      const params: Params = { clientOrderId };
      if (req.reduceOnly || closes(req.side, req.positionSide)) params.reduceOnly = true;
      return {
        type: 'market',
        side: req.side,
        amount: fmt(req.qty),
        price: worstPrice(reference.last, req.side, MARKET_SLIPPAGE, rules),
        params,
      };
    }
    case 'stop_market':
    case 'take_profit_market': {
      const params: Params = {
        clientOrderId,
        reduceOnly: true,
        orderExpiry: -1,
        [req.type === 'stop_market' ? 'stopLossPrice' : 'takeProfitPrice']: fmt(req.triggerPrice),
      };
      if (!req.closePosition && !req.qty)
        throw new Error(`stop ${req.clientOrderId} needs qty or closePosition`);
      return {
        type: 'market',
        side: req.side,
        amount: req.closePosition ? '0' : fmt(req.qty!),
        price: worstPrice(req.triggerPrice, req.side, STOP_SLIPPAGE, rules),
        params,
      };
    }
  }
}

const STATUS: Readonly<Record<string, OrderStatus>> = {
  open: 'NEW',
  pending: 'NEW',
  'in-progress': 'NEW',
  filled: 'FILLED',
  'canceled-expired': 'EXPIRED',
  'canceled-margin-not-allowed': 'REJECTED',
  'canceled-position-not-allowed': 'REJECTED',
};

function orderStatus(status: string, filled: Decimal): OrderStatus {
  const known = STATUS[status];
  if (known === 'NEW' && filled.greaterThan(0)) return 'PARTIALLY_FILLED';
  if (known) return known;
  if (status.startsWith('canceled')) return 'CANCELED';
  throw new MalformedPayloadError(`order status ${status} is not one Lighter documents`);
}

function flag(o: Raw, key: string): boolean {
  const v = o[key];
  return v === true || v === 1 || v === '1' || v === 'true';
}

/** Seconds (Lighter's order times) → ms; 0 when absent. */
function secondsField(o: Raw, key: string): number {
  const v = Number(o[key] ?? 0);
  return Number.isFinite(v) ? v * 1000 : 0;
}

export function parseLighterOrder(info: unknown, symbol: string, instanceId: string): ExchangeOrder {
  const o = asRaw(info, 'order');
  const type = strField(o, 'type');
  const side = flag(o, 'is_ask') ? 'sell' : 'buy';
  const reduceOnly = flag(o, 'reduce_only');
  const filled = optDecField(o, 'filled_base_amount') ?? ZERO;
  const qty = decField(o, 'initial_base_amount');
  const stop = type.startsWith('stop-loss') || type.startsWith('take-profit');
  const status = strField(o, 'status');
  return {
    symbol,
    clientOrderId: fromLighterIndex(String(o.client_order_index ?? '0'), instanceId),
    exchangeOrderId: String(o.order_index ?? strField(o, 'order_id')),
    kind: stop ? 'stop' : type === 'market' ? 'market' : 'limit',
    side,
    // One leg per account: a reduce-only order closes that leg, any other opens it.
    positionSide: reduceOnly ? (side === 'sell' ? 'LONG' : 'SHORT') : side === 'buy' ? 'LONG' : 'SHORT',
    price: stop ? undefined : decField(o, 'price'),
    triggerPrice: stop ? decField(o, 'trigger_price') : undefined,
    closePosition: stop && qty.isZero() ? true : undefined,
    qty,
    filledQty: filled,
    status: orderStatus(status, filled),
    reduceOnly,
    updatedAt: secondsField(o, 'updated_at') || secondsField(o, 'timestamp'),
    ...(status === 'canceled-post-only' ? { cancelReason: 'post_only_would_take' as const } : {}),
  };
}

function placedOrder(info: unknown, req: OrderRequest): ExchangeOrder {
  const o = asRaw(info, 'placement');
  const base = {
    symbol: req.symbol,
    clientOrderId: req.clientOrderId,
    exchangeOrderId: optStrField(o, 'tx_hash') ?? '',
    side: req.side,
    positionSide: req.positionSide,
    filledQty: ZERO,
    status: 'NEW' as const,
    updatedAt: 0,
  };
  if (req.type === 'limit' || req.type === 'market')
    return {
      ...base,
      kind: req.type,
      price: req.type === 'limit' ? req.price : undefined,
      qty: req.qty,
      reduceOnly: req.reduceOnly || closes(req.side, req.positionSide),
    };
  return {
    ...base,
    kind: 'stop',
    triggerPrice: req.triggerPrice,
    closePosition: req.closePosition,
    qty: req.qty ?? ZERO,
    reduceOnly: true,
  };
}

async function accountRow(ex: CcxtClient): Promise<Raw> {
  const body = asRaw(await api(ex).publicGetAccount({ by: 'index', value: accountIndexOf(ex) }), 'account');
  const accounts = rawList(body.accounts, 'account.accounts');
  if (accounts.length === 0)
    throw new ExchangeError('fatal', `lighter account ${accountIndexOf(ex)} not found`);
  return asRaw(accounts[0], 'account');
}

function positionRow(account: Raw, id: number): Raw | undefined {
  return rawList(account.positions ?? [], 'account.positions')
    .map((p) => asRaw(p, 'position'))
    .find((p) => Number(p.market_id) === id);
}

/** Leverage from an initial margin fraction in percent ("5.00" → 20×); null when unset. */
function leverageOfPercent(text: string | undefined): Decimal | null {
  if (!text) return null;
  const imf = dec(text);
  return imf.greaterThan(0) ? dec(100).dividedBy(imf).toDecimalPlaces(0) : null;
}

export function parseLighterPositions(account: Raw, id: number, symbol: string): Position[] {
  const row = positionRow(account, id);
  const size = row ? decField(row, 'position') : ZERO;
  const sign = row ? Number(row.sign) : 0;
  const leverage = leverageOfPercent(row ? optStrField(row, 'initial_margin_fraction') : undefined);
  const held: PositionSide = sign < 0 ? 'SHORT' : 'LONG';
  const flat = (positionSide: PositionSide): Position => ({
    symbol,
    positionSide,
    qty: ZERO,
    entryPrice: ZERO,
    ...(leverage ? { leverage } : {}),
  });
  if (!row || size.isZero()) return [flat('LONG'), flat('SHORT')];
  const liq = optDecField(row, 'liquidation_price');
  const heldRow: Position = {
    symbol,
    positionSide: held,
    qty: held === 'LONG' ? size : size.negated(),
    entryPrice: decField(row, 'avg_entry_price'),
    unrealizedPnl: optDecField(row, 'unrealized_pnl'),
    liquidationPrice: liq?.greaterThan(0) ? liq : undefined,
    ...(leverage ? { leverage } : {}),
  };
  return held === 'LONG' ? [heldRow, flat('SHORT')] : [flat('LONG'), heldRow];
}

export function parseLighterBalance(account: Raw, asset: string): Balance {
  const collateral = decField(account, 'collateral');
  const total = optDecField(account, 'total_asset_value') ?? collateral;
  return {
    asset,
    wallet: collateral,
    available: decField(account, 'available_balance'),
    unrealizedPnl: total.minus(collateral),
    marginBalance: total,
  };
}

/** One of our trades: the side is ours (ask or bid), the position side from our position before it. */
export function parseLighterFill(
  row: Raw,
  symbol: string,
  accountIndex: number,
  instanceId: string,
  rules: SymbolRules,
): Fill {
  const ask = Number(row.ask_account_id) === accountIndex;
  if (!ask && Number(row.bid_account_id) !== accountIndex)
    throw new MalformedPayloadError(`trade ${String(row.trade_id)} is not account ${accountIndex}'s`);
  const side = ask ? 'sell' : 'buy';
  const isMaker = ask === flag(row, 'is_maker_ask');
  const before =
    optDecField(row, isMaker ? 'maker_position_size_before' : 'taker_position_size_before') ?? ZERO;
  // Flat before: the trade opens its side; otherwise it adds to (or closes) the side held.
  const positionSide: PositionSide = before.isZero()
    ? side === 'buy'
      ? 'LONG'
      : 'SHORT'
    : before.greaterThan(0)
      ? 'LONG'
      : 'SHORT';
  const price = decField(row, 'price');
  const qty = decField(row, 'size');
  // Lighter states our side's fee rate in parts per million (absent when zero); else the market's rate.
  const ppm = optDecField(row, isMaker ? 'maker_fee' : 'taker_fee');
  return {
    tradeId: String(row.trade_id),
    symbol,
    clientOrderId: fromLighterIndex(String((ask ? row.ask_client_id : row.bid_client_id) ?? '0'), instanceId),
    exchangeOrderId: String(ask ? row.ask_id : row.bid_id),
    side,
    positionSide,
    price,
    qty,
    fee: price.times(qty).times(ppm ? ppm.dividedBy(1_000_000) : isMaker ? rules.makerFee : rules.takerFee),
    isMaker,
    time: Number(row.timestamp),
    ...(row.type === 'liquidation' || row.type === 'deleverage' ? { liquidation: true } : {}),
  };
}

function num(o: Raw, key: string): Decimal {
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) return dec(String(v));
  if (typeof v === 'string') return decField(o, key);
  throw new MalformedPayloadError(`candle.${key} must be a number`);
}

function parseLighterCandle(r: unknown): Candle {
  const o = asRaw(r, 'candle');
  return {
    openTime: Number(o.t),
    open: num(o, 'o'),
    high: num(o, 'h'),
    low: num(o, 'l'),
    close: num(o, 'c'),
    volume: num(o, 'v'),
  };
}

async function marketDetails(ex: CcxtClient, symbol: string): Promise<Raw> {
  const body = asRaw(
    await api(ex).publicGetOrderBookDetails({ market_id: marketId(ex, symbol) }),
    'orderBookDetails',
  );
  const rows = rawList(body.order_book_details, 'order_book_details');
  const row = rows.map((r) => asRaw(r, 'market')).find((r) => Number(r.market_id) === marketId(ex, symbol));
  if (!row) throw new ExchangeError('fatal', `lighter does not list ${symbol}`);
  return row;
}

const unbuilt = (what: string) => (): never => {
  throw new ExchangeError(
    'fatal',
    `Lighter ${what} are not built: Lighter accounts are run by the reconciliation pass, not the stream worker`,
  );
};

export interface LighterDialect extends VenueDialect {
  readonly instanceId: string;
}

export function lighterDialect(instanceId: string): LighterDialect {
  const readOrders = async (
    ex: CcxtClient,
    symbol: string,
    inactive: boolean,
    cursor?: string,
  ): Promise<{ rows: unknown[]; next: string | undefined }> => {
    await signed(ex);
    const a = api(ex);
    const params = {
      account_index: accountIndexOf(ex),
      market_id: marketId(ex, symbol),
      limit: ORDERS_PAGE,
      ...(cursor ? { cursor } : {}),
    };
    const body = asRaw(
      inactive
        ? await a.privateGetAccountInactiveOrders(params)
        : await a.privateGetAccountActiveOrders(params),
      'orders',
    );
    return { rows: [...rawList(body.orders, 'orders')], next: optStrField(body, 'next_cursor') };
  };
  return {
    venue: 'lighter',
    instanceId,
    supportsAmend: false,
    stopParams: {},
    stopsListedWithOrders: true,
    needsReferencePrice: (req) => req.type === 'market',
    parseSubmit: (info, req) => placedOrder(info, req),

    async loadRules(ex, symbol) {
      await ex.loadMarkets();
      const market = ex.market(symbol);
      const info = asRaw(market.info, 'market');
      // Lighter sends the decimals as strings on perps and numbers on spot markets: either is read.
      const decimals = (key: string) => {
        const n = Number(info[key]);
        if (!Number.isInteger(n) || n < 0 || n > 18)
          throw new MalformedPayloadError(
            `${key} must be a whole number of decimals, got ${String(info[key])}`,
          );
        return dec(10).pow(-n);
      };
      return symbolRules({
        symbol: market.symbol,
        tickSize: decimals('price_decimals').toFixed(),
        stepSize: decimals('size_decimals').toFixed(),
        minQty: decField(info, 'min_base_amount').toFixed(),
        minNotional: (optDecField(info, 'min_quote_amount') ?? ZERO).toFixed(),
        contractSize: '1',
        makerFee: (optDecField(info, 'maker_fee') ?? ZERO).toFixed(),
        takerFee: (optDecField(info, 'taker_fee') ?? ZERO).toFixed(),
      });
    },

    orderCall: (req, rules, reference) => lighterOrderCall(req, rules, instanceId, reference),
    amendCall() {
      throw new ExchangeError('fatal', 'Lighter orders are not amended here: cancel and place instead');
    },
    clientIdParams: (clientOrderId) => ({ clientOrderId: toLighterIndex(clientOrderId, instanceId) }),
    parseOrder: (info, symbol) => parseLighterOrder(info, symbol, instanceId),
    parseCancel: () => null,

    /**
     * Open orders first, then closed ones newest first, page by page. Null only when the whole history was
     * read: past `MAX_ORDER_PAGES` pages the answer is unknown (retryable), never "no such order", which
     * could make a caller send the order again.
     */
    async fetchOrderByClientId(ex, symbol, clientOrderId) {
      const index = toLighterIndex(clientOrderId, instanceId);
      const match = (rows: unknown[]) =>
        rows.find((r) => Number(asRaw(r, 'order').client_order_index) === index);
      const open = match((await readOrders(ex, symbol, false)).rows);
      if (open) return parseLighterOrder(open, symbol, instanceId);
      let cursor: string | undefined;
      for (let page = 0; page < MAX_ORDER_PAGES; page++) {
        const { rows, next } = await readOrders(ex, symbol, true, cursor);
        const row = match(rows);
        if (row) return parseLighterOrder(row, symbol, instanceId);
        if (!next || rows.length < ORDERS_PAGE) return null;
        cursor = next;
      }
      throw new ExchangeError(
        'retryable',
        `order ${clientOrderId} is not among the latest ${MAX_ORDER_PAGES * ORDERS_PAGE} closed orders of ${symbol}: its fate is unknown`,
      );
    },

    async fetchOpenOrders(ex, symbol) {
      return (await readOrders(ex, symbol, false)).rows.map((r) => parseLighterOrder(r, symbol, instanceId));
    },

    async fetchPosition(ex, symbol) {
      return parseLighterPositions(await accountRow(ex), marketId(ex, symbol), symbol);
    },

    async fetchLeverage(ex, symbol) {
      const row = positionRow(await accountRow(ex), marketId(ex, symbol));
      return leverageOfPercent(row ? optStrField(row, 'initial_margin_fraction') : undefined);
    },

    async fetchBalance(ex, asset) {
      return parseLighterBalance(await accountRow(ex), asset);
    },

    /**
     * Fills after the cursor, oldest first, at most `limit`. Lighter pages newest first (`next_cursor`);
     * pages are read until one reaches the cursor.
     */
    async fetchTrades(ex, symbol, cursor, limit, rules) {
      await signed(ex);
      const account = accountIndexOf(ex);
      const base: Params = {
        account_index: account,
        market_id: marketId(ex, symbol),
        sort_by: 'timestamp',
        limit: TRADES_PAGE,
      };
      const isAfter = (f: Fill) =>
        !cursor ||
        f.time > cursor.time ||
        (f.time === cursor.time && BigInt(f.tradeId) > BigInt(cursor.tradeId));
      const fills: Fill[] = [];
      let next: string | undefined;
      for (let page = 0; ; page++) {
        if (page === MAX_TRADE_PAGES)
          throw new ExchangeError(
            'retryable',
            `more than ${MAX_TRADE_PAGES * TRADES_PAGE} fills of ${symbol} since the cursor: not read in one pass`,
          );
        const body = asRaw(await api(ex).privateGetTrades(next ? { ...base, cursor: next } : base), 'trades');
        const rows = rawList(body.trades, 'trades').map((r) => asRaw(r, 'trade'));
        let reached = false;
        for (const r of rows) {
          const fill = parseLighterFill(r, symbol, account, instanceId, rules);
          if (isAfter(fill)) fills.push(fill);
          else reached = true;
        }
        next = optStrField(body, 'next_cursor');
        if (!cursor || reached || !next || rows.length < TRADES_PAGE) break;
      }
      fills.sort((a, b) => a.time - b.time || (BigInt(a.tradeId) < BigInt(b.tradeId) ? -1 : 1));
      return cursor ? fills.slice(0, limit) : fills.slice(-limit);
    },

    async fetchCandles(ex, symbol, timeframe, since, limit) {
      const want = limit ?? 300;
      const tf = ex.parseTimeframe(timeframe) * 1000;
      const end = since === undefined ? ex.milliseconds() : since + want * tf;
      const start = since ?? end - want * tf;
      const body = asRaw(
        await api(ex).publicGetCandles({
          market_id: marketId(ex, symbol),
          resolution: timeframe,
          start_timestamp: start,
          end_timestamp: end,
          count_back: 0,
        }),
        'candles',
      );
      const candles = rawList(body.c ?? [], 'candles.c')
        .map(parseLighterCandle)
        .filter((c) => c.openTime >= start)
        .sort((a, b) => a.openTime - b.openTime);
      return since === undefined ? candles.slice(-want) : candles.slice(0, want);
    },

    async fetchPrice(ex, symbol) {
      const row = await marketDetails(ex, symbol);
      const last = decField(row, 'last_trade_price');
      return { last, mark: optDecField(row, 'mark_price') ?? last, time: ex.milliseconds() };
    },

    /** Position sides are emulated (one leg per account): always "on"; one-way cannot be asked for. */
    async fetchHedgeMode() {
      return true;
    },
    async setHedgeMode(_ex, on) {
      if (!on)
        throw new ExchangeError(
          'fatal',
          'Lighter accounts are run one leg per account: one-way mode is not offered',
        );
    },

    /** One margin tier per market: the minimum initial margin fraction and the maintenance one (in 1/10 000). */
    async fetchLeverageBrackets(ex, symbol) {
      const info = asRaw(ex.market(symbol).info, 'market');
      const imf = decField(info, 'min_initial_margin_fraction');
      const mmf = decField(info, 'maintenance_margin_fraction');
      return [
        {
          notionalFloor: ZERO,
          notionalCap: dec('1e15'),
          maxLeverage: Number(dec(10000).dividedBy(imf).floor().toFixed()),
          maintMarginRatio: mmf.dividedBy(10000),
        },
      ];
    },

    parseUserMessage: () => 'ignored',
    parseMarketMessage: () => 'ignored',
    watchUser: unbuilt('user streams'),
    watchMarket: unbuilt('market streams'),
    isUserUrl: () => false,
    resetUserAuth: () => undefined,
  };
}
