/**
 * The engine's event feeds: one ordered log per account (what a Binance user-data stream carries) and
 * one live feed per symbol (market streams), with push subscriptions.
 *
 * Delivery is deferred: engine calls append events and deliver them when the call is done (`flush`),
 * never in the middle of matching. A subscriber that reacts by calling the engine again is therefore
 * safe; its events queue behind the ones being delivered, so every subscriber sees one global order.
 * Fault injection (drop / duplicate / delay / disconnect) applies to delivery only, never to the log.
 *
 * Invariants: per account, `seq` starts at 1 and grows by 1 per logged event; events are delivered in
 * `seq` order unless a delay fault was injected.
 */
import type { Clock } from '../../ports/clock.js';
import type { FaultInjector } from './faults.js';
import type { AccountEvent, MarketEvent } from './types.js';

export interface FeedListener<E> {
  onEvent(event: E): void;
  /** The stream went down (fault injection); nothing is delivered until `onReconnect`. */
  onDisconnect?(reason: string): void;
  onReconnect?(): void;
}

export interface FeedSubscription {
  close(): void;
}

type AccountEventBody = AccountEvent extends infer E
  ? E extends AccountEvent
    ? Omit<E, 'seq' | 'accountId'>
    : never
  : never;

type Pending =
  | { readonly kind: 'user'; readonly accountId: string; readonly event: AccountEvent }
  | { readonly kind: 'market'; readonly symbol: string; readonly event: MarketEvent };

export class EventHub {
  private readonly logs = new Map<string, AccountEvent[]>();
  private readonly seqs = new Map<string, number>();
  private readonly userListeners = new Map<string, Set<FeedListener<AccountEvent>>>();
  private readonly marketListeners = new Map<string, Set<FeedListener<MarketEvent>>>();
  private readonly pending: Pending[] = [];
  private delivering = false;
  /** Errors thrown by subscribers: counted, kept (last 20), never propagated into the engine. */
  readonly listenerErrors: unknown[] = [];
  listenerErrorCount = 0;
  /** Account events emitted so far, on every account. */
  accountEventCount = 0;

  constructor(
    private readonly clock: Clock,
    private readonly faults: FaultInjector,
    private readonly maxLogged: number,
  ) {
    faults.onStreamChange((accountId, connected, reason) => {
      for (const l of [...(this.userListeners.get(accountId) ?? [])]) {
        this.guard(() => (connected ? l.onReconnect?.() : l.onDisconnect?.(reason)));
      }
    });
  }

  /** Appends an account event to the log and queues it for delivery. Returns the logged event. */
  emitAccount(accountId: string, body: AccountEventBody): AccountEvent {
    this.accountEventCount += 1;
    const seq = (this.seqs.get(accountId) ?? 0) + 1;
    this.seqs.set(accountId, seq);
    const event = { ...body, seq, accountId } as AccountEvent;
    let log = this.logs.get(accountId);
    if (!log) {
      log = [];
      this.logs.set(accountId, log);
    }
    log.push(event);
    if (log.length > this.maxLogged) log.splice(0, log.length - this.maxLogged);
    if (this.userListeners.get(accountId)?.size) this.pending.push({ kind: 'user', accountId, event });
    return event;
  }

  emitMarket(symbol: string, event: MarketEvent): void {
    if (this.marketListeners.get(symbol)?.size) this.pending.push({ kind: 'market', symbol, event });
  }

  /** Logged events of an account with `seq > afterSeq` (oldest first). */
  accountEvents(accountId: string, afterSeq = 0): AccountEvent[] {
    const log = this.logs.get(accountId) ?? [];
    if (afterSeq <= 0) return [...log];
    return log.filter((e) => e.seq > afterSeq);
  }

  lastSeq(accountId: string): number {
    return this.seqs.get(accountId) ?? 0;
  }

  subscribeAccount(accountId: string, listener: FeedListener<AccountEvent>): FeedSubscription {
    return subscribe(this.userListeners, accountId, listener);
  }

  subscribeMarket(symbol: string, listener: FeedListener<MarketEvent>): FeedSubscription {
    return subscribe(this.marketListeners, symbol, listener);
  }

  /** Delivers everything queued, in order. Re-entrant calls return at once (the outer loop continues). */
  flush(): void {
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let i = 0; i < this.pending.length; i++) this.deliver(this.pending[i]!);
    } finally {
      this.pending.length = 0;
      this.delivering = false;
    }
  }

  private deliver(p: Pending): void {
    if (p.kind === 'market') {
      for (const l of [...(this.marketListeners.get(p.symbol) ?? [])]) this.guard(() => l.onEvent(p.event));
      return;
    }
    const listeners = this.userListeners.get(p.accountId);
    if (!listeners?.size) return;
    const how = this.faults.deliveryFor(p.accountId);
    if (how === 'drop') return;
    const send = (): void => {
      for (const l of [...(this.userListeners.get(p.accountId) ?? [])]) this.guard(() => l.onEvent(p.event));
    };
    if (typeof how === 'object') {
      void this.clock.sleep(how.delayMs).then(() => {
        if (!this.faults.isDisconnected(p.accountId)) send();
      });
      return;
    }
    send();
    if (how === 'duplicate') send();
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.listenerErrorCount += 1;
      this.listenerErrors.push(err);
      if (this.listenerErrors.length > 20) this.listenerErrors.shift();
    }
  }
}

function subscribe<E>(
  map: Map<string, Set<FeedListener<E>>>,
  key: string,
  listener: FeedListener<E>,
): FeedSubscription {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  set.add(listener);
  return {
    close: () => {
      map.get(key)?.delete(listener);
    },
  };
}
