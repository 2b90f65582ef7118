/**
 * Market streams of the ccxt adapter: one ccxt pro watch loop per (symbol, channel), shared by every
 * subscriber of it; raw messages parsed by the dialect and routed to the subscribers of their symbol and
 * channel. A loop that fails reports `disconnected`, backs off and retries; the first message after that
 * reports `reconnected`. A loop silent for `watchdogMs` has its sockets closed so it reconnects.
 */
import type { Clock } from '../../ports/clock.js';
import type { MarketChannel, MarketStreamEvent, StreamSubscription } from '../../ports/exchange.js';
import type { Logger } from '../../ports/logger.js';
import type { CcxtClient } from './client.js';
import type { MarketItem, VenueDialect } from './dialect.js';
import { redact } from './errors.js';

const CHANNEL_OF: Readonly<Record<MarketItem['type'], MarketChannel>> = {
  bookTop: 'bookTop',
  trade: 'trades',
  markPrice: 'markPrice',
  candle: 'candles1m',
};

interface MarketSub {
  readonly symbol: string;
  readonly channels: ReadonlySet<MarketChannel>;
  readonly handler: (event: MarketStreamEvent) => void;
}

interface MarketLoop {
  readonly symbol: string;
  readonly channel: MarketChannel;
  lastMessageAt: number;
  up: boolean;
  everUp: boolean;
}

export interface MarketStreamContext {
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
  readonly watchdogMs: number;
  isClosed(): boolean;
  backoff(attempt: number): number;
  safeCall(fn: () => unknown): void;
  onReconnect(): void;
}

export class MarketStreams {
  private readonly subs = new Set<MarketSub>();
  private readonly loops = new Map<string, MarketLoop>();

  constructor(
    private readonly ex: CcxtClient,
    private readonly dialect: VenueDialect,
    private readonly ctx: MarketStreamContext,
  ) {}

  subscribe(
    symbol: string,
    channels: readonly MarketChannel[],
    handler: (event: MarketStreamEvent) => void,
  ): StreamSubscription {
    const sub: MarketSub = { symbol, channels: new Set(channels), handler };
    this.subs.add(sub);
    for (const channel of channels) {
      const key = `${symbol}|${channel}`;
      if (this.loops.has(key)) continue;
      const loop: MarketLoop = {
        symbol,
        channel,
        lastMessageAt: this.ctx.clock.now(),
        up: false,
        everUp: false,
      };
      this.loops.set(key, loop);
      void this.run(loop);
    }
    return {
      close: async () => {
        this.subs.delete(sub);
      },
    };
  }

  /** Parses and routes one raw message; throws when it is malformed (the caller reports it). */
  handleMessage(message: unknown, now: number): void {
    const item = this.dialect.parseMarketMessage(message, this.ex);
    if (item === 'ignored') return;
    const channel = CHANNEL_OF[item.type];
    const loop = this.loops.get(`${item.symbol}|${channel}`);
    if (loop) loop.lastMessageAt = now;
    for (const sub of this.subs) {
      if (sub.symbol === item.symbol && sub.channels.has(channel)) this.ctx.safeCall(() => sub.handler(item));
    }
  }

  /** Delivers an event (e.g. `malformed`) to every market subscriber. */
  broadcast(event: MarketStreamEvent): void {
    for (const sub of this.subs) this.ctx.safeCall(() => sub.handler(event));
  }

  checkLiveness(now: number): void {
    for (const loop of this.loops.values()) {
      if (loop.up && now - loop.lastMessageAt > this.ctx.watchdogMs) {
        this.ctx.logger?.warn('market stream silent; reconnecting', {
          symbol: loop.symbol,
          channel: loop.channel,
        });
        loop.lastMessageAt = now;
        this.closeSockets();
      }
    }
  }

  clear(): void {
    this.subs.clear();
  }

  private async run(loop: MarketLoop): Promise<void> {
    let attempt = 0;
    while (!this.ctx.isClosed() && this.hasSubscriber(loop)) {
      try {
        await this.dialect.watchMarket(this.ex, loop.symbol, loop.channel);
        attempt = 0;
        if (!loop.up) {
          const state = loop.everUp ? 'reconnected' : 'connected';
          if (loop.everUp) this.ctx.onReconnect();
          loop.up = true;
          loop.everUp = true;
          this.emitConnection(loop, state);
        }
      } catch (err) {
        if (this.ctx.isClosed()) break;
        if (loop.up) this.emitConnection(loop, 'disconnected', err);
        loop.up = false;
        await this.ctx.clock.sleep(this.ctx.backoff(attempt++));
      }
    }
    this.loops.delete(`${loop.symbol}|${loop.channel}`);
  }

  private hasSubscriber(loop: MarketLoop): boolean {
    for (const sub of this.subs)
      if (sub.symbol === loop.symbol && sub.channels.has(loop.channel)) return true;
    return false;
  }

  private emitConnection(
    loop: MarketLoop,
    state: 'connected' | 'disconnected' | 'reconnected',
    err?: unknown,
  ): void {
    const event: MarketStreamEvent = {
      type: 'connection',
      state,
      ...(err === undefined ? {} : { reason: redact(err instanceof Error ? err.message : String(err)) }),
      at: this.ctx.clock.now(),
    };
    for (const sub of this.subs) {
      if (sub.symbol === loop.symbol && sub.channels.has(loop.channel))
        this.ctx.safeCall(() => sub.handler(event));
    }
  }

  private closeSockets(): void {
    const clients = Object.values(
      (this.ex.clients ?? {}) as Record<string, { url: string; close(): unknown }>,
    );
    for (const c of clients) if (!this.dialect.isUserUrl(c.url)) this.ctx.safeCall(() => terminateSocket(c));
  }
}

/**
 * Drops a socket at once: `terminate()` where the socket has it (node `ws`), since a close handshake with a
 * dead peer (a black-holed connection) waits ~30 s for an answer that never comes; `close()` otherwise.
 */
export function terminateSocket(client: { close(): unknown; connection?: unknown }): unknown {
  const conn = client.connection as { terminate?: () => void } | undefined;
  if (typeof conn?.terminate === 'function') {
    conn.terminate();
    return undefined;
  }
  return client.close();
}
