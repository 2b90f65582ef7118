/**
 * The paper exchange: an in-process, deterministic matching engine with Binance USD-M perpetual
 * semantics, hosting several accounts on shared markets. Driven by a `Clock` (virtual in simulation):
 * no wall time, no randomness. Symbols are Binance ids (`DOGEUSDC`), quantities are contracts (= coins on
 * Binance USD-M), money is `Decimal`. Binance refusals throw `PaperApiError { code, msg, httpStatus }`.
 *
 * API overview (all synchronous; events reach subscribers when the call returns):
 *  - Setup: `new PaperExchange({ clock, exchangeInfo, ... })`, `createAccount({ id, apiKey, apiSecret,
 *    balances, dualSidePosition })`, `accountByApiKey`, `deposit`, `setPositionMode`, `setLeverage`,
 *    `setFundingRates`, `setLeverageBrackets`.
 *  - Market data in: `applyCandle(symbol, candle)`, `applyTrade(symbol, tick)`, `setMarkPrice`,
 *    `quietRange` / `applyQuietCandle` (a candle that can change nothing, applied cheaply; `quiet.ts`),
 *    `settleFunding()` (rates due by the clock).
 *  - Trading: `placeOrder`, `cancelOrder`, `cancelAllOrders`, `amendOrder` (LIMIT/MARKET);
 *    `placeAlgoOrder`, `cancelAlgoOrder`, `cancelAllAlgoOrders` (STOP_MARKET / TAKE_PROFIT_MARKET).
 *  - Queries: `order`, `openOrders`, `allOrders`, `algoOrder`, `openAlgoOrders`, `allAlgoOrders`,
 *    `userTrades` (`fromId`), `positions` (positionRisk v3), `balances` / `balance`, `leverage`,
 *    `leverageBrackets`, `exchangeInfo`, `marketRules`, `klines`, `markPrice`, `bookTop`,
 *    `fundingHistory`, `income`, `positionMode`.
 *  - Events: `subscribeAccount(accountId, listener)` (ORDER_TRADE_UPDATE / ACCOUNT_UPDATE / ALGO_UPDATE /
 *    ACCOUNT_CONFIG_UPDATE as `AccountEvent`s, ordered, `seq` per account), `events(accountId, afterSeq)`
 *    (the log), `subscribeMarket(symbol, listener)` (trades, book ticker, mark price, 1m klines).
 *  - Faults: `faults` (`FaultInjector`): reject / delay calls, drop / duplicate / delay / cut streams.
 *
 * Time: a candle is fed at its close; its fills, stop triggers, liquidations and funding carry their
 * moment inside it (`market-driver.ts`), so they may be earlier than the clock when the call returns.
 *
 * Invariants: trade ids strictly increase per symbol, and their times never decrease; order ids and algo
 * ids strictly increase; per account, wallet = deposits + Σ realized PnL − Σ commissions + Σ funding −
 * liquidation clearance (+ insurance top-up), all 8-decimal amounts; no hedge position ever changes sign; every fill price lies
 * within the range the market traded through (limit orders at their own price).
 */

import { type Decimal, type DecimalInput, dec, ZERO } from '../../domain/money.js';
import type { Clock } from '../../ports/clock.js';
import { cancelAlgoOrder, cancelAllAlgoOrders, findAlgo, placeAlgoOrder } from './algo-orders.js';
import { binanceErrors, PaperApiError } from './errors.js';
import type { FeedListener, FeedSubscription } from './event-hub.js';
import { FaultInjector, type Operation } from './faults.js';
import { accountOf } from './fills.js';
import {
  feeRatesFor,
  liquidationOf,
  marginBalanceOf,
  marketOf,
  markOf,
  positionOf,
  positionSidesOf,
} from './ledger.js';
import { type BracketRow, bracketsFromTable } from './leverage-brackets.js';
import { settleFunding } from './liquidation.js';
import {
  applyCandle,
  applyMark,
  applyTrade,
  type CandleInput,
  markView,
  type TradeInput,
} from './market-driver.js';
import type { ExchangeInfoJson, MarketRules } from './market-rules.js';
import { amendOrder, cancelAllOrders, cancelOrder, findOrder, placeOrder } from './order-entry.js';
import * as q from './queries.js';
import { applyQuietCandle, type QuietRange, quietRange } from './quiet.js';
import {
  buildCore,
  type CoreConfig,
  deposit,
  type NewAccountSpec,
  newAccountState,
  setLeverage,
  setPositionMode,
} from './setup.js';
import { type EngineSnapshot, restoreCore, snapshotCore } from './snapshot.js';
import type { AccountState, EngineCore, FeeRates } from './state.js';
import type * as T from './types.js';
import { algoView, balanceView, orderView } from './views.js';

/** See `CoreConfig` (setup.ts) for the options and their defaults. */
export type PaperExchangeConfig = CoreConfig;
export type NewAccount = NewAccountSpec;

export class PaperExchange {
  readonly faults = new FaultInjector();
  private readonly core: EngineCore;
  private readonly info: ExchangeInfoJson;
  private readonly byApiKey = new Map<string, string>();
  #changes = 0;

  constructor(config: PaperExchangeConfig) {
    const { core, info } = buildCore(config, this.faults);
    this.core = core;
    this.info = info;
  }

  /** Runs one engine call: injected rejection first, then the work, then event delivery. */
  private run<R>(accountId: string | undefined, op: Operation | undefined, fn: () => R): R {
    if (accountId !== undefined && op !== undefined) {
      accountOf(this.core, accountId);
      const err = this.faults.takeRejection(accountId, op);
      if (err) throw err;
    }
    const events = this.core.hub.accountEventCount;
    try {
      return fn();
    } finally {
      // Market data changes an account only through what it reports (a fill, a trigger, funding).
      if (op !== 'query' && (accountId !== undefined || this.core.hub.accountEventCount !== events))
        this.#changes += 1;
      this.core.hub.flush();
    }
  }

  private acct(id: string): AccountState {
    return accountOf(this.core, id);
  }

  // ---- setup -----------------------------------------------------------------------------------------

  createAccount(spec: NewAccount): void {
    if (!spec.id) throw new Error('createAccount: id must be a non-empty string');
    if (this.core.accounts.has(spec.id)) throw new Error(`createAccount: account ${spec.id} exists already`);
    const apiKey = spec.apiKey ?? `paper-key-${spec.id}`;
    if (this.byApiKey.has(apiKey))
      throw new Error(`createAccount: apiKey of ${spec.id} is used by another account`);
    this.core.accounts.set(spec.id, newAccountState(this.core, spec, apiKey));
    this.byApiKey.set(apiKey, spec.id);
  }

  /** Every account as plain JSON (snapshot.ts): restore it into a fresh engine to go on where this one is. */
  snapshot(): EngineSnapshot {
    return snapshotCore(this.core);
  }

  /**
   * Puts the accounts of a `snapshot()` into this engine (none of them may exist here yet). `idGap` moves
   * every id counter that far past the snapshot's, for a snapshot that may be older than the ids its
   * engine handed out (a crash between saves).
   */
  restore(snapshot: unknown, options: { idGap?: number } = {}): void {
    for (const a of restoreCore(this.core, snapshot, options.idGap ?? 0)) this.byApiKey.set(a.apiKey, a.id);
  }

  /**
   * The account's API key stops working (its owner deleted it at the venue, or it expired): every signed
   * call with it is refused as an invalid key from now on.
   */
  revokeApiKey(accountId: string): void {
    for (const [key, id] of this.byApiKey) if (id === accountId) this.byApiKey.delete(key);
  }

  accountIds(): string[] {
    return [...this.core.accounts.keys()];
  }

  /** For request authentication: the account owning an API key, with its secret. */
  accountByApiKey(apiKey: string): { id: string; apiSecret: string } | undefined {
    const id = this.byApiKey.get(apiKey);
    if (id === undefined) return undefined;
    return { id, apiSecret: this.acct(id).apiSecret };
  }

  deposit(accountId: string, asset: string, amount: DecimalInput): void {
    this.run(accountId, undefined, () => deposit(this.core, accountId, asset, amount));
  }

  /**
   * Moves wallet balance between two accounts of this engine (what a sub-account transfer does): refused
   * when the sender's available balance does not cover it.
   */
  transfer(fromAccount: string, toAccount: string, asset: string, amount: DecimalInput): void {
    const amt = dec(amount, 'transfer amount');
    if (!amt.greaterThan(0)) throw new Error(`transfer: the amount must be above 0, got ${amt}`);
    this.acct(toAccount);
    const available = this.balance(fromAccount, asset).availableBalance;
    if (amt.greaterThan(available))
      throw new PaperApiError(
        -2010,
        `transfer of ${amt} ${asset} exceeds the ${available} ${asset} available on ${fromAccount}`,
      );
    this.run(fromAccount, undefined, () => deposit(this.core, fromAccount, asset, amt.negated()));
    this.run(toAccount, undefined, () => deposit(this.core, toAccount, asset, amt));
  }

  positionMode(accountId: string): { dualSidePosition: boolean } {
    return this.run(accountId, 'query', () => ({ dualSidePosition: this.acct(accountId).dualSidePosition }));
  }

  /** POST /fapi/v1/positionSide/dual. */
  setPositionMode(accountId: string, dualSidePosition: boolean): void {
    this.run(accountId, 'configure', () => setPositionMode(this.core, accountId, dualSidePosition));
  }

  /** POST /fapi/v1/leverage: 1 … the first bracket's max leverage (-4028 otherwise). */
  setLeverage(
    accountId: string,
    symbol: string,
    leverage: number,
  ): { leverage: number; maxNotionalValue: Decimal; symbol: string } {
    return this.run(accountId, 'configure', () => setLeverage(this.core, accountId, symbol, leverage));
  }

  /** The maker / taker rates this account pays on a symbol. */
  feeRates(accountId: string, symbol: string): FeeRates {
    return feeRatesFor(this.core, this.acct(accountId), marketOf(this.core, symbol));
  }

  leverage(accountId: string, symbol: string): number {
    marketOf(this.core, symbol);
    return this.acct(accountId).leverage.get(symbol) ?? this.core.options.defaultLeverage;
  }

  setLeverageBrackets(symbol: string, rows: readonly BracketRow[]): void {
    marketOf(this.core, symbol).brackets = bracketsFromTable(rows);
  }

  /** Known 8h funding rates (e.g. the real files in `../shared/data/funding`); settled as time passes. */
  setFundingRates(symbol: string, rates: readonly { fundingTime: number; fundingRate: Decimal }[]): void {
    const m = marketOf(this.core, symbol);
    const settled = m.funding.slice(0, m.fundingCursor);
    const last = settled[settled.length - 1]?.fundingTime ?? -Infinity;
    const future = [...rates]
      .filter((r) => r.fundingTime > last)
      .sort((a, b) => a.fundingTime - b.fundingTime);
    m.funding = [
      ...settled,
      ...future.map((r) => ({
        symbol,
        fundingTime: r.fundingTime,
        fundingRate: r.fundingRate,
        markPrice: undefined,
      })),
    ];
  }

  // ---- market data in --------------------------------------------------------------------------------

  /** Replays one candle (default 1 minute) through the matching engine. */
  applyCandle(symbol: string, candle: CandleInput, opts: { intervalMs?: number } = {}): void {
    this.run(undefined, undefined, () => applyCandle(this.core, symbol, candle, opts.intervalMs ?? 60_000));
  }

  /**
   * Counts the calls that may have changed an account: every call on an account but queries, and market
   * data that reported something to one (a fill, a trigger, funding, a liquidation). A `quietRange` taken
   * at one count holds while the count stays (up to the liquidation margin it keeps).
   */
  get changes(): number {
    return this.#changes;
  }

  /** See `quiet.ts`: where a candle of `symbol` can fill, trigger or liquidate nothing (null: no promise). */
  quietRange(symbol: string): QuietRange | null {
    return quietRange(this.core, symbol);
  }

  /**
   * Applies a candle inside `range` (taken from `quietRange` with nothing changed since) without matching
   * or publishing anything; false, changing nothing, when it is not inside.
   */
  applyQuietCandle(
    symbol: string,
    candle: CandleInput,
    range: QuietRange,
    opts: { intervalMs?: number } = {},
  ): boolean {
    return applyQuietCandle(this.core, symbol, candle, opts.intervalMs ?? 60_000, range);
  }

  applyTrade(symbol: string, trade: TradeInput): void {
    this.run(undefined, undefined, () => applyTrade(this.core, symbol, trade));
  }

  setMarkPrice(symbol: string, mark: Decimal): void {
    this.run(undefined, undefined, () => applyMark(this.core, symbol, mark));
  }

  /** Settles every funding rate due by the clock on every symbol (candles and ticks do this too). */
  settleFunding(): void {
    this.run(undefined, undefined, () => {
      for (const m of this.core.markets.values()) settleFunding(this.core, m, this.core.clock.now());
    });
  }

  // ---- trading ---------------------------------------------------------------------------------------

  placeOrder(accountId: string, order: T.NewOrder): T.OrderView {
    return this.run(accountId, 'placeOrder', () => placeOrder(this.core, accountId, order));
  }

  cancelOrder(accountId: string, symbol: string, ref: T.OrderRef): T.OrderView {
    return this.run(accountId, 'cancelOrder', () => cancelOrder(this.core, accountId, symbol, ref));
  }

  cancelAllOrders(accountId: string, symbol: string): T.OrderView[] {
    return this.run(accountId, 'cancelOrder', () => cancelAllOrders(this.core, accountId, symbol));
  }

  amendOrder(accountId: string, amend: T.AmendOrder): T.OrderView {
    return this.run(accountId, 'amendOrder', () => amendOrder(this.core, accountId, amend));
  }

  placeAlgoOrder(accountId: string, order: T.NewAlgoOrder): T.AlgoOrderView {
    return this.run(accountId, 'placeAlgoOrder', () => placeAlgoOrder(this.core, accountId, order));
  }

  /** `symbol` narrows a `clientAlgoId` lookup (Binance's DELETE /fapi/v1/algoOrder takes no symbol). */
  cancelAlgoOrder(accountId: string, ref: T.AlgoOrderRef, symbol?: string): T.AlgoOrderView {
    return this.run(accountId, 'cancelAlgoOrder', () => cancelAlgoOrder(this.core, accountId, symbol, ref));
  }

  cancelAllAlgoOrders(accountId: string, symbol: string): T.AlgoOrderView[] {
    return this.run(accountId, 'cancelAlgoOrder', () => cancelAllAlgoOrders(this.core, accountId, symbol));
  }

  // ---- queries ---------------------------------------------------------------------------------------

  /** GET /fapi/v1/order (open or closed; -2013 when unknown). */
  order(accountId: string, symbol: string, ref: T.OrderRef): T.OrderView {
    return this.run(accountId, 'query', () => {
      marketOf(this.core, symbol);
      const o = findOrder(this.acct(accountId), symbol, ref);
      if (!o) throw binanceErrors.orderDoesNotExist();
      return orderView(o);
    });
  }

  openOrders(accountId: string, symbol?: string): T.OrderView[] {
    return this.run(accountId, 'query', () => q.openOrders(this.acct(accountId), symbol));
  }

  allOrders(
    accountId: string,
    symbol: string,
    query: q.TimeWindow & { orderId?: number } = {},
  ): T.OrderView[] {
    return this.run(accountId, 'query', () => q.allOrders(this.acct(accountId), symbol, query));
  }

  algoOrder(accountId: string, ref: T.AlgoOrderRef, symbol?: string): T.AlgoOrderView {
    return this.run(accountId, 'query', () => {
      const a = findAlgo(this.acct(accountId), symbol, ref);
      if (!a) throw binanceErrors.orderDoesNotExist();
      return algoView(this.core, a);
    });
  }

  openAlgoOrders(accountId: string, symbol?: string): T.AlgoOrderView[] {
    return this.run(accountId, 'query', () => q.openAlgoOrders(this.core, this.acct(accountId), symbol));
  }

  allAlgoOrders(accountId: string, symbol: string, query: q.TimeWindow = {}): T.AlgoOrderView[] {
    return this.run(accountId, 'query', () =>
      q.allAlgoOrders(this.core, this.acct(accountId), symbol, query),
    );
  }

  userTrades(
    accountId: string,
    symbol: string,
    query: q.TimeWindow & { fromId?: number } = {},
  ): T.TradeView[] {
    return this.run(accountId, 'query', () => {
      marketOf(this.core, symbol);
      return q.userTrades(this.acct(accountId), symbol, query);
    });
  }

  positions(accountId: string, symbol?: string): T.PositionView[] {
    return this.run(accountId, 'query', () => {
      if (symbol !== undefined) marketOf(this.core, symbol);
      return q.positions(this.core, this.acct(accountId), symbol);
    });
  }

  /** Every asset the account holds or has held. */
  balances(accountId: string): T.BalanceView[] {
    return this.run(accountId, 'query', () => {
      const a = this.acct(accountId);
      return [...a.wallets.keys()].sort().map((asset) => balanceView(this.core, a, asset));
    });
  }

  balance(accountId: string, asset: string): T.BalanceView {
    return this.run(accountId, 'query', () => balanceView(this.core, this.acct(accountId), asset));
  }

  /**
   * A position's quantity, mark and liquidation price (zero without one), as `positions(...)` reports them,
   * without the rest of the view: the simulator's samples.
   */
  positionRisk(
    accountId: string,
    symbol: string,
    positionSide: T.BinancePositionSide,
  ): { qty: Decimal; mark: Decimal; liquidationPrice: Decimal } {
    return this.run(accountId, 'query', () => {
      const market = marketOf(this.core, symbol);
      const account = this.acct(accountId);
      if (!positionSidesOf(account).includes(positionSide))
        throw new Error(
          `positionRisk: no ${positionSide} position in ${account.dualSidePosition ? 'hedge' : 'one-way'} mode`,
        );
      const p = positionOf(account, symbol, positionSide);
      return {
        qty: p.qty,
        mark: markOf(market),
        liquidationPrice: liquidationOf(this.core, account, p),
      };
    });
  }

  /** The account's margin balance in `asset` (`balance(...).marginBalance`, read cheaply: the simulator's equity samples). */
  marginBalance(accountId: string, asset: string): Decimal {
    return this.run(accountId, 'query', () => marginBalanceOf(this.core, this.acct(accountId), asset));
  }

  income(accountId: string, query: Parameters<typeof q.incomeHistory>[1] = {}): T.IncomeRecord[] {
    return this.run(accountId, 'query', () => q.incomeHistory(this.acct(accountId), query));
  }

  leverageBrackets(symbol?: string): { symbol: string; brackets: readonly T.LeverageBracket[] }[] {
    const markets = symbol === undefined ? [...this.core.markets.values()] : [marketOf(this.core, symbol)];
    return markets.map((m) => ({ symbol: m.rules.symbol, brackets: m.brackets }));
  }

  /** The exchangeInfo body this engine was built from, restricted to hosted symbols, `serverTime` = clock. */
  exchangeInfo(): ExchangeInfoJson {
    return {
      ...this.info,
      serverTime: this.core.clock.now(),
      symbols: this.info.symbols.filter((s) => this.core.markets.has(s.symbol)),
    };
  }

  symbols(): string[] {
    return [...this.core.markets.keys()];
  }

  marketRules(symbol: string): MarketRules {
    return marketOf(this.core, symbol).rules;
  }

  klines(symbol: string, interval: string, query: q.TimeWindow = {}): T.KlineView[] {
    return q.klines(marketOf(this.core, symbol).klines, interval, query);
  }

  markPrice(symbol: string): T.MarkPriceView {
    return markView(this.core, marketOf(this.core, symbol));
  }

  /** Synthetic top of book; undefined before any market data. */
  bookTop(symbol: string): T.BookTop | undefined {
    const m = marketOf(this.core, symbol);
    if (m.bid === undefined || m.ask === undefined) return undefined;
    return { symbol, bid: m.bid, bidQty: ZERO, ask: m.ask, askQty: ZERO, time: m.priceTime };
  }

  lastPrice(symbol: string): Decimal | undefined {
    return marketOf(this.core, symbol).last;
  }

  /** GET /fapi/v1/fundingRate: settled rates (or every known rate with `includeFuture`). */
  fundingHistory(symbol: string, query: q.TimeWindow & { includeFuture?: boolean } = {}): T.FundingRecord[] {
    return q.fundingHistory(marketOf(this.core, symbol).funding, query.includeFuture !== true, query);
  }

  // ---- events ----------------------------------------------------------------------------------------

  subscribeAccount(accountId: string, listener: FeedListener<T.AccountEvent>): FeedSubscription {
    this.acct(accountId);
    return this.core.hub.subscribeAccount(accountId, listener);
  }

  subscribeMarket(symbol: string, listener: FeedListener<T.MarketEvent>): FeedSubscription {
    marketOf(this.core, symbol);
    return this.core.hub.subscribeMarket(symbol, listener);
  }

  /** The account's event log after `afterSeq` (what a stream would have delivered, faults aside). */
  events(accountId: string, afterSeq = 0): T.AccountEvent[] {
    this.acct(accountId);
    return this.core.hub.accountEvents(accountId, afterSeq);
  }

  /** Subscriber errors are swallowed to protect the engine; tests can read them here. */
  listenerErrors(): readonly unknown[] {
    return this.core.hub.listenerErrors;
  }

  get clock(): Clock {
    return this.core.clock;
  }
}
