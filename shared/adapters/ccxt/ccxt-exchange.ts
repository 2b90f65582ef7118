/**
 * The Exchange port over ccxt (REST) and ccxt pro (streams), for one account on one venue.
 *
 * Entry points: `CcxtExchange` (the port), `createCcxtExchange` (client + dialect from an account config).
 * Invariants:
 *  1. Writes (submit, cancel, amend) are never retried here: a timeout or 5xx surfaces as
 *     `unknown_outcome` and is settled by client order id on the next reconciliation.
 *  2. Reads are retried on `retryable` / `rate_limited` failures with exponential backoff (honouring
 *     Retry-After) up to `readAttempts`; a timestamp outside the venue's receive window re-measures the
 *     clock offset first.
 *  3. Venue refusals of an order are values (`{ ok: false }`), never exceptions.
 *  4. Money is parsed from the venue's strings by the dialect; nothing here converts through `number`.
 */

import type { LeverageBracket } from '../../domain/analysis/leverage.js';
import { type Decimal, dec, ZERO } from '../../domain/money.js';
import type {
  Balance,
  Candle,
  ExchangeOrder,
  Fill,
  FillCursor,
  OrderRequest,
  Position,
  PositionSide,
} from '../../domain/orders.js';
import { offGridFill, type SymbolRules } from '../../domain/symbol-rules.js';
import type { Clock } from '../../ports/clock.js';
import {
  type AmendRequest,
  type CancelResult,
  ExchangeError,
  type ExchangePort,
  type MarketChannel,
  type MarketStreamEvent,
  type OrderKind,
  type PriceSnapshot,
  type StreamSubscription,
  type SubmitResult,
  type UserStreamEvent,
} from '../../ports/exchange.js';
import type { Logger } from '../../ports/logger.js';
import { binanceDialect } from './binance-dialect.js';
import { CallPolicy, offGridRejection } from './call-policy.js';
import { type CcxtClient, type CcxtClientConfig, createCcxtClient } from './client.js';
import type { VenueDialect } from './dialect.js';
import { lighterDialect } from './lighter-dialect.js';
import { okxDialect } from './okx-dialect.js';
import { DEFAULT_STREAM_TUNING, StreamHub, type StreamTuning } from './streams.js';

export interface CcxtExchangeOptions {
  readonly accountId: string;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  /** Attempts for a read before its error is thrown (1 = no retry). */
  readonly readAttempts?: number | undefined;
  /** First backoff of a failed read; doubles per attempt, capped at `maxBackoffMs`. */
  readonly baseBackoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  /** Jitter source for read retries (default `Math.random`). */
  readonly random?: (() => number) | undefined;
  /** Symbols whose fills are re-read over REST after every user-stream reconnect. */
  readonly resyncSymbols?: readonly string[] | undefined;
  readonly stream?: Partial<StreamTuning> | undefined;
}

const MAX_CLIENT_ID_CACHE = 10_000;

export class CcxtExchange implements ExchangePort {
  readonly accountId: string;
  readonly venue: string;
  readonly supportsAmend: boolean;
  private readonly rules = new Map<string, SymbolRules>();
  private readonly clientIds = new Map<string, string>();
  private readonly leverages = new Map<string, Decimal>();
  private readonly streams: StreamHub;
  private readonly calls: CallPolicy;

  constructor(
    readonly client: CcxtClient,
    private readonly dialect: VenueDialect,
    readonly opts: CcxtExchangeOptions,
  ) {
    this.accountId = opts.accountId;
    this.venue = dialect.venue;
    this.supportsAmend = dialect.supportsAmend;
    this.calls = new CallPolicy(client, { ...opts, venue: dialect.venue });
    this.streams = new StreamHub(client, dialect, {
      clock: opts.clock,
      logger: opts.logger,
      tuning: opts.stream,
      resyncSymbols: opts.resyncSymbols ?? [],
      rulesOf: (s) => this.rules.get(s),
      refreshRules: (s) =>
        void this.reloadRules(s).catch((e: unknown) =>
          this.opts.logger?.warn('symbol rules reload failed', {
            symbol: s,
            error: e instanceof Error ? e.message : String(e),
          }),
        ),
      tradesSince: (symbol, cursor) => this.tradesSince(symbol, cursor),
      positions: (symbol) => this.positionsOf(symbol),
      balanceOf: (asset) => this.balance(asset),
      rememberClientId: (exchangeOrderId, clientOrderId) =>
        this.rememberClientId(exchangeOrderId, clientOrderId),
    });
  }

  /** Feeds the stream hub's raw tap (wired by `createCcxtExchange`). */
  get tap(): StreamHub {
    return this.streams;
  }

  async loadRules(symbol: string): Promise<SymbolRules> {
    return this.rules.get(symbol) ?? this.reloadRules(symbol);
  }

  /** Reads the rules from the venue and replaces the cached ones. */
  private async reloadRules(symbol: string): Promise<SymbolRules> {
    const rules = await this.calls.read(() => this.dialect.loadRules(this.client, symbol));
    this.rules.set(symbol, rules);
    return rules;
  }

  fetchPrice(symbol: string): Promise<PriceSnapshot> {
    return this.calls.read(async () => {
      await this.client.loadMarkets();
      return this.dialect.fetchPrice(this.client, symbol);
    });
  }

  async openOrders(symbol: string): Promise<ExchangeOrder[]> {
    const rules = await this.loadRules(symbol);
    const own = this.dialect.fetchOpenOrders;
    if (own) {
      const orders = await this.calls.read(() => own(this.client, symbol, rules));
      for (const o of orders) this.rememberClientId(o.exchangeOrderId, o.clientOrderId);
      return orders;
    }
    const [plain, stops] = await Promise.all([
      this.calls.read(() => this.client.fetchOpenOrders(symbol)),
      this.calls.read(() =>
        this.client.fetchOpenOrders(symbol, undefined, undefined, {
          ...(this.dialect.openStopsParams ?? this.dialect.stopParams),
        }),
      ),
    ]);
    const orders = [...plain, ...stops].map((o) => this.dialect.parseOrder(o.info, symbol, rules));
    for (const o of orders) this.rememberClientId(o.exchangeOrderId, o.clientOrderId);
    return orders;
  }

  async order(symbol: string, clientOrderId: string, kind?: OrderKind): Promise<ExchangeOrder | null> {
    const rules = await this.loadRules(symbol);
    const own = this.dialect.fetchOrderByClientId;
    if (own) return this.calls.readOrNull(() => own(this.client, symbol, clientOrderId, rules));
    const kinds: OrderKind[] = kind ? [kind] : ['limit', 'stop'];
    for (const k of kinds) {
      const params = {
        ...this.dialect.clientIdParams(clientOrderId),
        ...(k === 'stop' ? this.dialect.stopParams : {}),
      };
      const found = await this.calls.readOrNull(() =>
        this.client.fetchOrder(undefined as unknown as string, symbol, params),
      );
      if (found) {
        const order = this.dialect.parseOrder(found.info, symbol, rules);
        this.rememberClientId(order.exchangeOrderId, order.clientOrderId);
        return order;
      }
    }
    return null;
  }

  async position(symbol: string, positionSide: PositionSide): Promise<Position> {
    const rows = await this.positionsOf(symbol);
    const found = rows.find((p) => p.positionSide === positionSide) ?? {
      symbol,
      positionSide,
      qty: ZERO,
      entryPrice: ZERO,
    };
    // The margin guard needs the leverage whether or not a position is open.
    if (found.leverage !== undefined) return found;
    const leverage = await this.leverageOf(symbol);
    return leverage ? { ...found, leverage } : found;
  }

  private async positionsOf(symbol: string): Promise<Position[]> {
    const rules = await this.loadRules(symbol);
    return this.calls.read(() => this.dialect.fetchPosition(this.client, symbol, rules));
  }

  /**
   * The leverage in force on a symbol where the position answer lacks it (Binance v3 positionRisk): read
   * once from the venue, kept until this adapter sets another.
   */
  private async leverageOf(symbol: string): Promise<Decimal | null> {
    const known = this.leverages.get(symbol);
    if (known !== undefined) return known;
    const fetch = this.dialect.fetchLeverage;
    if (!fetch) return null;
    const leverage = await this.calls.read(async () => {
      await this.client.loadMarkets();
      return fetch(this.client, symbol);
    });
    if (leverage) this.leverages.set(symbol, leverage);
    return leverage;
  }

  balance(asset: string): Promise<Balance> {
    return this.calls.read(() => this.dialect.fetchBalance(this.client, asset));
  }

  async tradesSince(symbol: string, cursor: FillCursor | null, limit = 500): Promise<Fill[]> {
    for (let fresh = false; ; fresh = true) {
      const rules = fresh ? await this.reloadRules(symbol) : await this.loadRules(symbol);
      const fills = await this.calls.read(() =>
        this.dialect.fetchTrades(this.client, symbol, cursor, limit, rules, (id) =>
          this.clientIdOf(symbol, id),
        ),
      );
      const off = fills.map((f) => offGridFill(f, rules)).find((p) => p !== null);
      if (!off) return fills;
      // The venue may have changed the tick or step since the rules were read: read them again once.
      if (fresh) {
        // Never applied, never skipped past: the pass fails (counted, alarmed) until the history is sane.
        throw new ExchangeError('retryable', `trade history of ${symbol} rejected: ${off}`);
      }
    }
  }

  candles(symbol: string, timeframe: string, since?: number, limit?: number): Promise<Candle[]> {
    return this.calls.read(async () => {
      await this.client.loadMarkets();
      return this.dialect.fetchCandles(this.client, symbol, timeframe, since, limit);
    });
  }

  async submit(request: OrderRequest): Promise<SubmitResult> {
    const rules = await this.loadRules(request.symbol);
    const offGrid = offGridRejection(request, rules);
    if (offGrid) return offGrid;
    const reference = this.dialect.needsReferencePrice?.(request)
      ? await this.fetchPrice(request.symbol)
      : undefined;
    const call = this.dialect.orderCall(request, rules, reference);
    const outcome = await this.calls.write(() =>
      this.client.createOrder(
        request.symbol,
        call.type,
        call.side,
        call.amount as unknown as number,
        call.price as unknown as number,
        call.params,
      ),
    );
    if (!outcome.ok) return outcome;
    // Some ccxt venues answer a single placement as a one-element list.
    const placed = (Array.isArray(outcome.value) ? outcome.value[0] : outcome.value) as { info: unknown };
    const order = this.dialect.parseSubmit
      ? this.dialect.parseSubmit(placed.info, request, rules)
      : this.dialect.parseOrder(placed.info, request.symbol, rules);
    this.rememberClientId(order.exchangeOrderId, order.clientOrderId);
    return { ok: true, order };
  }

  async cancel(symbol: string, clientOrderId: string, kind: OrderKind): Promise<CancelResult> {
    const rules = await this.loadRules(symbol);
    const params = {
      ...this.dialect.clientIdParams(clientOrderId),
      ...(kind === 'stop' ? this.dialect.stopParams : {}),
    };
    const outcome = await this.calls.write(() =>
      this.client.cancelOrder(undefined as unknown as string, symbol, params),
    );
    if (!outcome.ok) return outcome;
    return { ok: true, order: this.dialect.parseCancel(outcome.value.info, symbol, rules) };
  }

  async amend(request: AmendRequest): Promise<SubmitResult> {
    const rules = await this.loadRules(request.symbol);
    const offGrid = offGridRejection({ ...request, type: 'limit' }, rules);
    if (offGrid) return offGrid;
    const call = this.dialect.amendCall(request, rules);
    const outcome = await this.calls.write(() =>
      this.client.editOrder(
        (call.params.id as string | undefined) ?? (undefined as unknown as string),
        request.symbol,
        call.type,
        call.side,
        call.amount as unknown as number,
        call.price as unknown as number,
        call.params,
      ),
    );
    if (!outcome.ok) return outcome;
    if (this.dialect.refetchAfterAmend) {
      const order = await this.order(request.symbol, request.clientOrderId, 'limit');
      if (order) return { ok: true, order };
      throw new ExchangeError(
        'unknown_outcome',
        `amended order ${request.clientOrderId} could not be read back`,
      );
    }
    return { ok: true, order: this.dialect.parseOrder(outcome.value.info, request.symbol, rules) };
  }

  async setLeverage(symbol: string, leverage: number): Promise<void> {
    if (!Number.isInteger(leverage) || leverage < 1)
      throw new Error(`leverage must be a whole number ≥ 1, got ${leverage}`);
    const outcome = await this.calls.write(async () => {
      await this.client.loadMarkets();
      return this.client.setLeverage(leverage, symbol);
    });
    if (!outcome.ok)
      throw new ExchangeError('fatal', `leverage ${leverage} refused: ${outcome.message}`, {
        code: outcome.code,
      });
    this.leverages.set(symbol, dec(leverage));
  }

  async setHedgeMode(on: boolean): Promise<void> {
    const outcome = await this.calls.write(async () => {
      await this.client.loadMarkets();
      return this.dialect.setHedgeMode(this.client, on);
    });
    if (!outcome.ok)
      throw new ExchangeError('fatal', `position mode change refused: ${outcome.message}`, {
        code: outcome.code,
      });
  }

  leverageBrackets(symbol: string): Promise<LeverageBracket[]> {
    return this.calls.read(async () => {
      await this.client.loadMarkets();
      return this.dialect.fetchLeverageBrackets(this.client, symbol);
    });
  }

  hedgeMode(): Promise<boolean> {
    return this.calls.read(async () => {
      await this.client.loadMarkets();
      return this.dialect.fetchHedgeMode(this.client);
    });
  }

  subscribeUser(handler: (event: UserStreamEvent) => void): Promise<StreamSubscription> {
    return this.streams.subscribeUser(handler);
  }

  subscribeMarket(
    symbol: string,
    channels: readonly MarketChannel[],
    handler: (event: MarketStreamEvent) => void,
  ): Promise<StreamSubscription> {
    return this.streams.subscribeMarket(symbol, channels, handler);
  }

  async close(): Promise<void> {
    await this.streams.close();
    await this.client.close();
  }

  // ---- internals ---------------------------------------------------------------------------------

  private rememberClientId(exchangeOrderId: string, clientOrderId: string): void {
    if (this.clientIds.size >= MAX_CLIENT_ID_CACHE) {
      const oldest = this.clientIds.keys().next().value;
      if (oldest !== undefined) this.clientIds.delete(oldest);
    }
    this.clientIds.set(exchangeOrderId, clientOrderId);
  }

  /** Trade rows carry only the exchange order id on some venues; look the client id up once and keep it. */
  private async clientIdOf(symbol: string, exchangeOrderId: string): Promise<string> {
    const known = this.clientIds.get(exchangeOrderId);
    if (known !== undefined) return known;
    const lookup = this.dialect.lookupClientId;
    const clientOrderId = lookup
      ? await lookup(this.client, symbol, exchangeOrderId)
      : ((await this.client.fetchOrder(exchangeOrderId, symbol)).clientOrderId ?? '');
    this.rememberClientId(exchangeOrderId, clientOrderId);
    return clientOrderId;
  }
}

export interface CcxtAccountSettings extends CcxtClientConfig, CcxtExchangeOptions {}

export function dialectFor(settings: Pick<CcxtClientConfig, 'venue' | 'lighter'>): VenueDialect {
  if (settings.venue === 'lighter') {
    const instanceId = settings.lighter?.instanceId;
    if (!instanceId) throw new Error('a Lighter account needs the instance it carries (lighter.instanceId)');
    return lighterDialect(instanceId);
  }
  return settings.venue === 'okx' ? okxDialect : binanceDialect;
}

/** The port for one account: builds the ccxt client with the raw stream tap wired to the adapter. */
/**
 * ccxt pings every `keepAlive` ms (180 s by default for Binance) and our watchdog reconnects a stream silent
 * for `watchdogMs` (30 s): left alone, a quiet account would reconnect every ~37 s. Ping three times per
 * watchdog period instead, so a live socket always has a fresh pong.
 */
export function keepAliveFor(watchdogMs: number): number {
  return Math.max(100, Math.floor(watchdogMs / 3));
}

export function createCcxtExchange(given: CcxtAccountSettings): CcxtExchange {
  const settings: CcxtAccountSettings = {
    ...given,
    keepAliveMs:
      given.keepAliveMs ?? keepAliveFor(given.stream?.watchdogMs ?? DEFAULT_STREAM_TUNING.watchdogMs),
  };
  let target: StreamHub | null = null;
  const client = createCcxtClient(settings, {
    onMessage: (url, message, current) => target?.onRawMessage(url, message, current),
    onConnected: (url) => target?.onConnected(url),
  });
  const exchange = new CcxtExchange(client, dialectFor(settings), settings);
  target = exchange.tap;
  return exchange;
}
