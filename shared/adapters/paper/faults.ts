/**
 * Fault injection for tests: make the exchange misbehave on purpose, deterministically.
 *
 * Entry points:
 *  - `rejectNext({ count, error, accountId?, operations? })`: the next `count` matching engine calls throw
 *    `error` (a `PaperApiError`, e.g. a 503 `-1001` or a 429) without doing anything.
 *  - `delayNextCalls({ count, ms, ... })`: async fronts (the ExchangePort adapter, the protocol server)
 *    ask `takeCallDelay` before each call and wait that long on the engine clock.
 *  - `dropNextEvents`, `duplicateNextEvents`, `delayNextEvents`: the next N user-stream deliveries of an
 *    account are lost, sent twice, or sent late (late events may overtake: that is the point).
 *  - `disconnectStream(accountId)` / `reconnectStream(accountId)`: subscribers are told the stream is
 *    down; every event in between is lost to them (the engine's log and REST views keep it, so a resync
 *    after reconnect recovers it, exactly as with Binance).
 *
 * Faults never touch the engine's state or its event log: only what callers and subscribers see.
 */
import type { PaperApiError } from './errors.js';

export type Operation =
  | 'placeOrder'
  | 'cancelOrder'
  | 'amendOrder'
  | 'placeAlgoOrder'
  | 'cancelAlgoOrder'
  | 'query'
  | 'configure';

interface CallFault {
  readonly accountId: string | undefined;
  readonly operations: readonly Operation[] | undefined;
  remaining: number;
}

export type Delivery = 'deliver' | 'drop' | 'duplicate' | { readonly delayMs: number };

interface EventFault {
  readonly kind: 'drop' | 'duplicate' | 'delay';
  readonly ms: number;
  remaining: number;
}

export type StreamChangeHandler = (accountId: string, connected: boolean, reason: string) => void;

export class FaultInjector {
  private readonly rejections: (CallFault & { readonly error: PaperApiError })[] = [];
  private readonly delays: (CallFault & { readonly ms: number })[] = [];
  private readonly eventFaults = new Map<string, EventFault[]>();
  private readonly disconnected = new Set<string>();
  private streamHandler: StreamChangeHandler = () => {};

  /** Wired by the engine so disconnects reach subscribers. */
  onStreamChange(handler: StreamChangeHandler): void {
    this.streamHandler = handler;
  }

  rejectNext(spec: {
    count: number;
    error: PaperApiError;
    accountId?: string;
    operations?: readonly Operation[];
  }): void {
    this.rejections.push({
      accountId: spec.accountId,
      operations: spec.operations,
      remaining: spec.count,
      error: spec.error,
    });
  }

  delayNextCalls(spec: {
    count: number;
    ms: number;
    accountId?: string;
    operations?: readonly Operation[];
  }): void {
    this.delays.push({
      accountId: spec.accountId,
      operations: spec.operations,
      remaining: spec.count,
      ms: spec.ms,
    });
  }

  dropNextEvents(accountId: string, count: number): void {
    this.addEventFault(accountId, { kind: 'drop', ms: 0, remaining: count });
  }

  duplicateNextEvents(accountId: string, count: number): void {
    this.addEventFault(accountId, { kind: 'duplicate', ms: 0, remaining: count });
  }

  delayNextEvents(accountId: string, count: number, ms: number): void {
    this.addEventFault(accountId, { kind: 'delay', ms, remaining: count });
  }

  disconnectStream(accountId: string, reason = 'disconnected by fault injection'): void {
    if (this.disconnected.has(accountId)) return;
    this.disconnected.add(accountId);
    this.streamHandler(accountId, false, reason);
  }

  reconnectStream(accountId: string): void {
    if (!this.disconnected.delete(accountId)) return;
    this.streamHandler(accountId, true, 'reconnected');
  }

  isDisconnected(accountId: string): boolean {
    return this.disconnected.has(accountId);
  }

  /** Forget every pending fault and reconnect every stream. */
  clear(): void {
    this.rejections.length = 0;
    this.delays.length = 0;
    this.eventFaults.clear();
    for (const id of [...this.disconnected]) this.reconnectStream(id);
  }

  /** Consumes and returns the error the next matching call must fail with, if any. */
  takeRejection(accountId: string, op: Operation): PaperApiError | undefined {
    const f = take(this.rejections, accountId, op);
    return f?.error;
  }

  /** Consumes and returns how long (engine clock ms) an async front must wait before this call. */
  takeCallDelay(accountId: string, op: Operation): number {
    return take(this.delays, accountId, op)?.ms ?? 0;
  }

  /** What to do with the next user-stream delivery of this account. */
  deliveryFor(accountId: string): Delivery {
    if (this.disconnected.has(accountId)) return 'drop';
    const list = this.eventFaults.get(accountId);
    const f = list?.[0];
    if (!list || !f) return 'deliver';
    f.remaining -= 1;
    if (f.remaining <= 0) list.shift();
    if (f.kind === 'delay') return { delayMs: f.ms };
    return f.kind;
  }

  private addEventFault(accountId: string, f: EventFault): void {
    if (f.remaining <= 0) return;
    const list = this.eventFaults.get(accountId) ?? [];
    list.push(f);
    this.eventFaults.set(accountId, list);
  }
}

function take<T extends CallFault>(list: T[], accountId: string, op: Operation): T | undefined {
  const i = list.findIndex(
    (f) =>
      f.remaining > 0 &&
      (f.accountId === undefined || f.accountId === accountId) &&
      (f.operations === undefined || f.operations.includes(op)),
  );
  if (i < 0) return undefined;
  const f = list[i]!;
  f.remaining -= 1;
  if (f.remaining <= 0) list.splice(i, 1);
  return f;
}
