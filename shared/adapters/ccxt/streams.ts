/**
 * Stream supervision for the ccxt adapter: ccxt pro keeps the sockets; this keeps them alive and honest.
 * The user stream lives here; market loops are in `market-stream.ts`, fill dedupe and cursors in
 * `fill-ledger.ts`.
 *
 * Entry points: `StreamHub.subscribeUser`, `StreamHub.subscribeMarket`, and the raw tap
 * (`onRawMessage`, `onConnected`) that ccxt calls for every message and every opened socket.
 * Invariants:
 *  1. Every message is parsed from its raw JSON by the venue dialect; a message that fails to parse is
 *     counted, logged and delivered as `malformed`, and never stops the stream.
 *  2. A watch that fails because ccxt's own parser threw on a message (not a ccxt error) is watched again at
 *     once: the socket is fine. Health follows the socket: messages arriving mark the stream up again.
 *     Any other failed watch is retried with exponential backoff (`baseBackoffMs` → `maxBackoffMs`); the user
 *     stream's listen key is dropped so the retry obtains a live one (expired keys are the usual cause).
 *  3. A stream silent for `watchdogMs` (no message and, on the user stream, no pong either) is closed and
 *     reconnected.
 *  4. After every user-stream reconnect, fills are re-read over REST from the last seen trade (ccxt does not
 *     replay), delivered as ordinary `fill` events before `reconnected`, deduplicated by trade id. The
 *     first connection does the same before `connected`, from the cursor `subscribeUser` seeded: a fill
 *     between that read and the stream going live is not lost. Either waits until the stream carries fills
 *     (`VenueDialect.userStreamLive`: OKX's `orders` subscription acknowledged), so no fill falls between
 *     the REST read and the stream; a socket not live within `watchdogMs` is reconnected. Each catch-up
 *     reads from every cursor as it was when it began (the live stream may move one meanwhile), and one
 *     the stream dropped during announces nothing: no `connected` ever follows an unseen `disconnected`.
 *  5. Only data on the socket ccxt holds proves a stream up that a failed watch gave up on: a keep-alive
 *     answer, or a late frame of a dropped socket, does not (their fills are still delivered). A stream
 *     down for `watchdogMs` with its socket still open is started over on a fresh one.
 */
import ccxt from 'ccxt';
import type { Balance, Fill, FillCursor, Position } from '../../domain/orders.js';
import { offGridFill, type SymbolRules } from '../../domain/symbol-rules.js';
import type { Clock } from '../../ports/clock.js';
import type {
  MarketChannel,
  MarketStreamEvent,
  StreamSubscription,
  UserStreamEvent,
} from '../../ports/exchange.js';
import type { Logger } from '../../ports/logger.js';
import type { CcxtClient } from './client.js';
import type { VenueDialect } from './dialect.js';
import { classifyFailure, redact } from './errors.js';
import { FillLedger } from './fill-ledger.js';
import { MarketStreams, terminateSocket } from './market-stream.js';
import { MalformedPayloadError } from './raw.js';

export interface StreamTuning {
  readonly watchdogMs: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How many recent trade ids are remembered to drop duplicate fills. */
  readonly recentTradeIds: number;
}

export const DEFAULT_STREAM_TUNING: StreamTuning = {
  watchdogMs: 30_000,
  baseBackoffMs: 500,
  maxBackoffMs: 30_000,
  recentTradeIds: 5_000,
};

export interface StreamHubDeps {
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  readonly tuning?: Partial<StreamTuning> | undefined;
  readonly resyncSymbols: readonly string[];
  rulesOf(symbol: string): SymbolRules | undefined;
  /**
   * Reads the rules of a symbol again in the background (a fill off its grid may mean the venue changed
   * them); the cached ones stay in force until the new ones are in.
   */
  refreshRules?(symbol: string): void;
  tradesSince(symbol: string, cursor: FillCursor | null, limit?: number): Promise<Fill[]>;
  positions(symbol: string): Promise<Position[]>;
  balanceOf(asset: string): Promise<Balance>;
  rememberClientId(exchangeOrderId: string, clientOrderId: string): void;
}

export class StreamHub {
  private readonly tuning: StreamTuning;
  private readonly userHandlers = new Set<(event: UserStreamEvent) => void>();
  private readonly market: MarketStreams;
  private userLoopRunning = false;
  private userUp = false;
  private userEverUp = false;
  /**
   * From a user socket's opening until the stream carries fills (`userStreamLive`): what to announce, after
   * the REST catch-up, once it does; since when it waits (a socket that never gets there is reconnected).
   */
  private untilLive: { state: 'connected' | 'reconnected'; generation: number; since: number } | null = null;
  /**
   * How many times the loop found the user stream down: a catch-up started before the latest announces
   * nothing (its fills still count), so no `connected` ever follows a `disconnected` it did not see.
   */
  private userDowns = 0;
  /** When the loop last found the user stream down (a socket still open long after is reconnected). */
  private userDownSince = 0;
  private lastUserActivity = 0;
  private readonly ledger: FillLedger;
  private readonly balanceRefresh = new Map<string, Promise<void>>();
  private watchdog: ReturnType<typeof setInterval> | null = null;
  private closed = false;
  /** Messages that failed to parse (also logged and delivered as `malformed`). */
  malformedCount = 0;
  /** Stream reconnects performed (user and market). */
  reconnects = 0;

  constructor(
    private readonly ex: CcxtClient,
    private readonly dialect: VenueDialect,
    private readonly deps: StreamHubDeps,
  ) {
    this.tuning = { ...DEFAULT_STREAM_TUNING, ...(deps.tuning ?? {}) };
    this.ledger = new FillLedger(this.tuning.recentTradeIds);
    this.market = new MarketStreams(ex, dialect, {
      clock: deps.clock,
      logger: deps.logger,
      watchdogMs: this.tuning.watchdogMs,
      isClosed: () => this.closed,
      backoff: (attempt) => this.backoff(attempt),
      safeCall: (fn) => this.safeCall(fn),
      onReconnect: () => {
        this.reconnects += 1;
      },
    });
  }

  // ---- subscriptions -----------------------------------------------------------------------------

  async subscribeUser(handler: (event: UserStreamEvent) => void): Promise<StreamSubscription> {
    await this.prepare();
    this.userHandlers.add(handler);
    for (const symbol of this.deps.resyncSymbols) await this.seedCursor(symbol);
    if (!this.userLoopRunning) void this.runUserLoop();
    this.startWatchdog();
    return {
      close: async () => {
        this.userHandlers.delete(handler);
      },
    };
  }

  async subscribeMarket(
    symbol: string,
    channels: readonly MarketChannel[],
    handler: (event: MarketStreamEvent) => void,
  ): Promise<StreamSubscription> {
    await this.prepare();
    const sub = this.market.subscribe(symbol, channels, handler);
    this.startWatchdog();
    return sub;
  }

  /** ccxt refuses plain `ws://` URLs (local servers) until its HTTP agent is loaded. */
  private async prepare(): Promise<void> {
    try {
      await this.ex.loadMarkets();
      await this.ex.loadHttpProxyAgent();
      // ccxt loads the proxy agents only on its legacy REST path: streams through a proxy need them too.
      await this.ex.loadProxyModules();
    } catch (e) {
      // The port's typed error, its message redacted (it ends up in /healthz details and alerts).
      const c = classifyFailure(e, 'read');
      throw c.kind === 'error' ? c.error : new Error(redact(e instanceof Error ? e.message : String(e)));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.userHandlers.clear();
    this.market.clear();
  }

  // ---- the raw tap -------------------------------------------------------------------------------

  onConnected(url: string): void {
    this.userSocketUp(url, false);
  }

  /**
   * A user socket opened, or (`flowing`) data arrives on the socket ccxt holds although a failed watch
   * gave up on it: that socket carries what it was subscribed to, so no acknowledgement is coming or needed.
   */
  private userSocketUp(url: string, flowing: boolean): void {
    if (this.closed || !this.dialect.isUserUrl(url)) return;
    this.lastUserActivity = this.deps.clock.now();
    const wasDown = this.userEverUp && !this.userUp;
    this.userUp = true;
    if (!this.userEverUp) {
      this.userEverUp = true;
      this.whenLive('connected', flowing);
    } else if (wasDown) {
      this.reconnects += 1;
      this.whenLive('reconnected', flowing);
    }
  }

  /** Catches up over REST and announces `state` now, or once the dialect says the stream carries fills. */
  private whenLive(state: 'connected' | 'reconnected', flowing: boolean): void {
    const generation = this.userDowns;
    if (this.dialect.userStreamLive && !flowing)
      this.untilLive = { state, generation, since: this.deps.clock.now() };
    else void this.catchUpThenAnnounce(state, generation);
  }

  /** `current`: from the socket ccxt holds for `url`; false for a late frame of a socket it dropped. */
  onRawMessage(url: string, message: unknown, current = true): void {
    if (this.closed) return;
    const now = this.deps.clock.now();
    if (this.dialect.isUserUrl(url)) {
      // A dropped socket's late frame proves nothing about the stream (its fills are still taken).
      if (current) this.lastUserActivity = now;
      const live = this.untilLive;
      if (current && live && this.dialect.userStreamLive?.(message)) {
        this.untilLive = null;
        void this.catchUpThenAnnounce(live.state, live.generation);
      }
      const carried = this.handleUserMessage(message, now);
      // Data flowing on the socket ccxt holds proves the stream up, whatever a failed watch concluded. A
      // keep-alive answer does not (a socket whose login failed answers pings too).
      if (carried && current && this.userEverUp && !this.userUp) this.userSocketUp(url, true);
    } else {
      this.handleMarketMessage(message, now);
    }
  }

  /** Delivers what a user-stream message carries; true when it carried data (not ignored, not malformed). */
  private handleUserMessage(message: unknown, now: number): boolean {
    let items: ReturnType<VenueDialect['parseUserMessage']>;
    try {
      items = this.dialect.parseUserMessage(message, this.ex, (s) => this.deps.rulesOf(s));
    } catch (err) {
      this.malformed('user', err, (e) => this.emitUser(e));
      return false;
    }
    if (items === 'ignored') return false;
    for (const item of items) {
      switch (item.type) {
        case 'fill': {
          // A venue number off the instrument's grid never reaches state: rejected and counted like any
          // malformed message (recon reads the trade from history, with fresh rules, if it was real).
          const rules = this.deps.rulesOf(item.fill.symbol);
          const off = rules ? offGridFill(item.fill, rules) : null;
          if (off) {
            this.deps.refreshRules?.(item.fill.symbol);
            this.malformed('user', new MalformedPayloadError(off), (e) => this.emitUser(e));
            break;
          }
          this.emitFill(item.fill, now);
          break;
        }
        case 'order':
          this.deps.rememberClientId(item.order.exchangeOrderId, item.order.clientOrderId);
          this.emitUser({ type: 'order', order: item.order, receivedAt: now });
          break;
        case 'position':
          this.emitUser({ type: 'position', position: item.position, receivedAt: now });
          break;
        case 'balanceChanged':
          this.refreshBalance(item.asset);
          break;
        case 'listenKeyExpired':
          this.deps.logger?.warn('user stream listen key expired; reconnecting with a new one', {
            venue: this.dialect.venue,
          });
          this.dialect.resetUserAuth(this.ex);
          this.closeUserSockets();
          break;
      }
    }
    // A closing notice is not the stream flowing.
    return items.some((item) => item.type !== 'listenKeyExpired');
  }

  private handleMarketMessage(message: unknown, now: number): void {
    try {
      this.market.handleMessage(message, now);
    } catch (err) {
      this.malformed('market', err, (e) => this.market.broadcast(e));
    }
  }

  private malformed(
    stream: string,
    err: unknown,
    deliver: (e: { type: 'malformed'; detail: string; at: number }) => void,
  ): void {
    this.malformedCount += 1;
    const detail = redact(err instanceof Error ? err.message : String(err));
    this.deps.logger?.warn('malformed stream message rejected', {
      venue: this.dialect.venue,
      stream,
      detail,
    });
    deliver({ type: 'malformed', detail, at: this.deps.clock.now() });
  }

  // ---- user stream -------------------------------------------------------------------------------

  private async runUserLoop(): Promise<void> {
    this.userLoopRunning = true;
    let attempt = 0;
    while (!this.closed && this.userHandlers.size > 0) {
      try {
        await this.dialect.watchUser(this.ex);
        attempt = 0;
      } catch (err) {
        if (this.closed) break;
        if (!(err instanceof ccxt.BaseError)) {
          // ccxt's own parser choked on a message (a TypeError, a NaN it cannot make a BigInt of): the
          // socket is fine and our tap has already counted the message. Watch again; health stays true.
          this.deps.logger?.warn('ccxt could not parse a user-stream message; watching on', {
            venue: this.dialect.venue,
            error: redact(err instanceof Error ? `${err.name}: ${err.message}` : String(err)),
          });
          await this.deps.clock.sleep(0);
          continue;
        }
        if (this.userUp || !this.userEverUp) {
          this.emitUser({
            type: 'connection',
            state: 'disconnected',
            reason: redact(err instanceof Error ? err.message : String(err)),
            at: this.deps.clock.now(),
          });
        }
        this.userUp = false;
        this.userEverUp = true;
        this.userDowns += 1;
        this.userDownSince = this.deps.clock.now();
        // A socket that failed before it carried fills announces nothing: the next one does.
        this.untilLive = null;
        this.dialect.resetUserAuth(this.ex);
        await this.deps.clock.sleep(this.backoff(attempt++));
      }
    }
    this.userLoopRunning = false;
  }

  private async seedCursor(symbol: string): Promise<void> {
    if (this.ledger.isSeeded(symbol)) return;
    const recent = await this.deps.tradesSince(symbol, null, 1);
    this.ledger.seed(symbol, recent[recent.length - 1]);
  }

  /**
   * The fills since the cursor over REST (and, after a reconnect, the positions), then `state`. The first
   * connection's catch-up finds what filled between `subscribeUser` seeding the cursor and the stream
   * going live.
   */
  private async catchUpThenAnnounce(state: 'connected' | 'reconnected', generation: number): Promise<void> {
    // Every cursor as it is now, before the first read: the stream is live, and a fill it brings on one
    // symbol while another is read must not move that symbol's cursor past a fill it missed.
    const cursors = [...new Set([...this.deps.resyncSymbols, ...this.ledger.symbols()])].map(
      (symbol) => [symbol, this.ledger.cursor(symbol)] as const,
    );
    for (const [symbol, cursor] of cursors) {
      try {
        for (const fill of await this.deps.tradesSince(symbol, cursor))
          this.emitFill(fill, this.deps.clock.now());
        if (state === 'reconnected')
          for (const position of await this.deps.positions(symbol))
            this.emitUser({ type: 'position', position, receivedAt: this.deps.clock.now() });
      } catch (err) {
        this.deps.logger?.warn(
          state === 'reconnected'
            ? 'resync after reconnect failed; the consumer must reconcile'
            : 'catch-up on connecting failed; recon reads what filled meanwhile',
          {
            venue: this.dialect.venue,
            symbol,
            error: redact(err instanceof Error ? err.message : String(err)),
          },
        );
      }
    }
    // The stream went down while this read: the loop said so, and the next socket announces itself.
    if (generation !== this.userDowns) return;
    this.emitUser({ type: 'connection', state, at: this.deps.clock.now() });
  }

  private emitFill(fill: Fill, receivedAt: number): void {
    if (!this.ledger.accept(fill)) return;
    this.deps.rememberClientId(fill.exchangeOrderId, fill.clientOrderId);
    this.emitUser({ type: 'fill', fill, receivedAt });
  }

  private refreshBalance(asset: string): void {
    if (this.balanceRefresh.has(asset)) return;
    const job = this.deps
      .balanceOf(asset)
      .then((balance) => this.emitUser({ type: 'balance', balance, receivedAt: this.deps.clock.now() }))
      .catch((err: unknown) =>
        this.deps.logger?.warn('balance refresh failed', {
          asset,
          error: redact(err instanceof Error ? err.message : String(err)),
        }),
      )
      .finally(() => this.balanceRefresh.delete(asset));
    this.balanceRefresh.set(asset, job);
  }

  private emitUser(event: UserStreamEvent): void {
    for (const handler of this.userHandlers) this.safeCall(() => handler(event));
  }

  // ---- liveness ----------------------------------------------------------------------------------

  private startWatchdog(): void {
    if (this.watchdog || this.closed) return;
    const every = Math.max(50, Math.floor(this.tuning.watchdogMs / 4));
    this.watchdog = setInterval(() => this.checkLiveness(), every);
    this.watchdog.unref?.();
  }

  private checkLiveness(): void {
    const now = this.deps.clock.now();
    if (this.untilLive && now - this.untilLive.since > this.tuning.watchdogMs) {
      // Open, answering pings, but its subscription never acknowledged: reconnect (login and subscribe again).
      this.deps.logger?.warn('user stream opened but never went live; reconnecting', {
        venue: this.dialect.venue,
      });
      this.untilLive = null;
      this.closeUserSockets();
    } else if (
      !this.userUp &&
      this.userEverUp &&
      now - this.userDownSince > this.tuning.watchdogMs &&
      this.userClients().length > 0
    ) {
      // A failed watch that left its socket open (OKX rejects every waiter on an error without an id, and
      // ccxt's next watch then waits on a login that never comes): start over on a fresh socket.
      this.deps.logger?.warn('user stream down with its socket still open; reconnecting', {
        venue: this.dialect.venue,
      });
      this.userDownSince = now;
      this.closeUserSockets();
    } else if (this.userUp) {
      // ccxt stamps pongs with its own clock (`milliseconds()`), which may differ from ours (simulation).
      const lastPong = this.userClients().reduce((t, c) => Math.max(t, Number(c.lastPong ?? 0)), 0);
      const sincePong = this.ex.milliseconds() - lastPong;
      const sinceMessage = now - this.lastUserActivity;
      if (Math.min(sincePong, sinceMessage) > this.tuning.watchdogMs) {
        this.deps.logger?.warn('user stream silent; reconnecting', { venue: this.dialect.venue });
        this.lastUserActivity = now;
        this.closeUserSockets();
      }
    }
    this.market.checkLiveness(now);
  }

  private userClients(): { url: string; lastPong?: unknown; close(): unknown }[] {
    const clients = Object.values(
      (this.ex.clients ?? {}) as Record<string, { url: string; lastPong?: unknown; close(): unknown }>,
    );
    return clients.filter((c) => this.dialect.isUserUrl(c.url));
  }

  private closeUserSockets(): void {
    for (const c of this.userClients()) this.safeCall(() => terminateSocket(c));
  }

  private backoff(attempt: number): number {
    return Math.min(this.tuning.baseBackoffMs * 2 ** attempt, this.tuning.maxBackoffMs);
  }

  private safeCall(fn: () => unknown): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((err: unknown) => this.handlerFailed(err));
    } catch (err) {
      this.handlerFailed(err);
    }
  }

  private handlerFailed(err: unknown): void {
    this.deps.logger?.error('stream handler threw', {
      error: err instanceof Error ? err.message : String(err),
    });
  }
}
