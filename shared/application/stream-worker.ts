/**
 * The stream worker (SPEC §2 event track; ARCHITECTURE "Runtime shapes"): holds each account's user-data
 * stream and answers fills within milliseconds through `handleFill`, for every instance at once. The
 * Fargate process and the simulator both run this class; only their composition differs.
 *
 * Entry points: `new StreamWorker(ctx, options)`, `start()`, `drain()`, `stop()`, `health()`.
 *
 * Invariants:
 *  1. One fill reaches exactly one instance: ours by the client order id, a foreign one (a trade made by
 *     hand) by account + symbol + position side. Fills of one instance are processed strictly in arrival
 *     order, one at a time; instances do not wait for each other.
 *  2. After a reconnect, placement pauses for that account until a forced recon pass per instance has
 *     resynced from REST (streams do not replay what was missed); fills that arrive meanwhile are queued
 *     and then processed (duplicates of what recon applied are no-ops).
 *  3. A failing fill does not stop the worker: it is logged and counted, and recon repairs the level.
 *  4. Malformed stream messages are counted and logged, never fatal.
 *  5. An account that cannot be connected (unknown symbol, revoked key, placeholder secret) is isolated:
 *     a critical alert once, retries with backoff (1 s → 60 s), shown as `failed` in `health()` details
 *     without failing it; the other accounts trade on. When it connects, a forced recon resyncs it.
 *  6. `stop()` stops accepting events, finishes what is queued, cancels the orders of this run (client ids
 *     that carry its run id: the closer's slices; never another run's, a hand order's or a stop), writes a
 *     `draining` heartbeat and closes the streams. Every other order stays on the exchange; nothing half
 *     written remains.
 *  7. Market data is kept per account and symbol in a tape (`market-tape.ts`) and handed to the strategies
 *     that decide on it; after a reconnect of either stream the account's tapes read as stale until its
 *     resync is done, so nothing that needs fresh data is ordered on what was missed.
 *  8. Flattens handed over through the store (`FlattenRequest`) are carried out with the closer's engine
 *     (`flatten-runner.ts`): polled every 2 s per account, stepped on market data and every 250 ms.
 */
import { decodeClientOrderId, RUN_ID_PATTERN } from '../domain/client-order-id.js';
import type { InstanceConfig } from '../domain/config/deployment.js';
import { opensPosition } from '../domain/guards/budget.js';
import { EMPTY_TAPE, onTapeEvent, type Tape } from '../domain/market-tape.js';
import { type Decimal, ZERO } from '../domain/money.js';
import type { ExchangeOrder, Fill, Position } from '../domain/orders.js';
import { legFor, legsOf, strategyOf } from '../domain/strategies/index.js';
import type { InstanceEnvelope, Leg } from '../domain/strategy.js';
import type {
  MarketChannel,
  MarketStreamEvent,
  StreamSubscription,
  UserStreamEvent,
} from '../ports/exchange.js';
import type { Heartbeat } from '../ports/state-store.js';
import type { AppContext } from './context.js';
import { publishAlerts } from './execute.js';
import { FlattenRunner } from './flatten-runner.js';
import { handleLateRefusal, isLateRefusal } from './late-refusal.js';
import { handleFill } from './on-fill.js';
import { channelOf, handleMarketData } from './on-market.js';
import { guardsFor } from './pipeline.js';
import { reconcileInstance } from './reconcile-instance.js';

/** Retries of an account that could not be connected: 1 s, doubling, at most a minute apart. */
const ACCOUNT_RETRY_BASE_MS = 1_000;
const ACCOUNT_RETRY_MAX_MS = 60_000;
/**
 * After the position stream reports a leg flat, how long its fills get to arrive (a venue sends the
 * position update before the fill that caused it) before the ledger is compared with it; then how long
 * between the two forced recon passes that resync a ledger the exchange contradicts (one difference is
 * not enough: a fill racing a snapshot looks the same).
 */
const POSITION_GRACE_MS = 2_000;
const POSITION_CONFIRM_MS = 3_000;
/** How often flatten requests are read from the store, and how often legs being flattened are woken. */
const FLATTEN_POLL_MS = 2_000;
const FLATTEN_CHANNELS: readonly MarketChannel[] = ['bookTop', 'trades', 'markPrice'];
const FLATTEN_WAKE_MS = 250;
/** Prices older than this are not used to decide (the fill's own price is, then). */
const PRICE_MAX_AGE_MS = 10_000;
/** How often the worker writes its heartbeats when `heartbeatIntervalMs` does not say (live). */
const HEARTBEAT_EVERY_MS = 15_000;

export interface StreamWorkerOptions {
  readonly instances: readonly InstanceConfig[];
  /** Who writes the heartbeat (task id, host name). */
  readonly writer: string;
  readonly heartbeatIntervalMs?: number;
  /**
   * Refuse to start when no account could be connected (one machine, `gridbot run`: better a clear exit
   * than a process doing nothing). Fargate leaves it off and keeps retrying.
   */
  readonly requireAnAccount?: boolean;
  /** Subscribe to mark-price / book streams for the price the event track decides with (default true). */
  readonly marketStreams?: boolean;
  /**
   * Keep each instance's last saved state in memory and decide fills on it (default true): the follow-up
   * order leaves after one conditional write instead of a read and a write. Correctness still rests on the
   * conditional write: a state moved by recon makes the save lose, and the fill is decided again on what
   * is stored. Off only to measure the difference (`npm run bench -- runtime`).
   */
  readonly stateful?: boolean;
  /** This process's run id (`RUN_ID_PATTERN`); default: a fresh random one. */
  readonly run?: string;
  /**
   * The simulator only (`application/sim/quiet-skip.ts`): heartbeats are kept, not written, while this
   * says so; `flushHeartbeats()` writes the last one kept (its time and statuses) before anything reads it.
   * While one is kept the loop waits off the clock (the ticks after it would be kept as well, a timer per
   * heartbeat interval for nothing): the caller promises to call `flushHeartbeats()` before anything that
   * may sleep on the clock, change an account's status or read a heartbeat; the flush writes the last tick's
   * heartbeat and puts the loop back on the clock at the tick after it.
   */
  readonly deferHeartbeats?: () => boolean;
  /**
   * How often each account's flatten requests are read from the store (ms; default 2 s); null: never (the
   * simulator, which has no operator to hand one over).
   */
  readonly flattenPollMs?: number | null;
  /**
   * Accounts on a venue whose streams are not built (Lighter): the worker does not hold them; the
   * reconciliation pass runs their instances (and closes their handed-over legs at market).
   */
  readonly withoutStreams?: readonly string[];
}

/** A fresh run id: six lowercase alphanumerics. */
export function newRunId(): string {
  let id = '';
  for (let i = 0; i < 6; i++) id += Math.floor(Math.random() * 36).toString(36);
  return id;
}

export interface WorkerStats {
  fills: number;
  duplicates: number;
  failures: number;
  malformed: number;
  resyncs: number;
  routedNowhere: number;
}

interface AccountState {
  status: Heartbeat['status'];
  lastEventAt: number | null;
  /** Resolves when the account's resync finishes; fills wait on it. */
  resync: Promise<void> | null;
}

/** How old a cached state a market decision may use (ms): after it, it reads the store (recon may have moved). */
const MARKET_STATE_MAX_AGE_MS = 5_000;

export class StreamWorker {
  readonly stats: WorkerStats = {
    fills: 0,
    duplicates: 0,
    failures: 0,
    malformed: 0,
    resyncs: 0,
    routedNowhere: 0,
  };
  readonly #ctx: AppContext;
  readonly #opts: StreamWorkerOptions;
  readonly #byAccount = new Map<string, InstanceConfig[]>();
  readonly #accounts = new Map<string, AccountState>();
  readonly #queues = new Map<string, Promise<void>>();
  /** The last state this worker saved (or saw stored) per instance: what the next fill is decided on. */
  readonly #states = new Map<string, InstanceEnvelope>();
  /** When each cached state was last saved or read: market decisions re-read one older than `MARKET_STATE_MAX_AGE_MS`. */
  readonly #stateAt = new Map<string, number>();
  /** Trade ids journaled by the last fill, dropped from the state by the next fill's write. */
  readonly #journaled = new Map<string, readonly string[]>();
  /** Latest book mid or mark per symbol, and the latest mark alone (the stop's working price), with when. */
  readonly #prices = new Map<string, { price: Decimal; at: number }>();
  readonly #marks = new Map<string, { price: Decimal; at: number }>();
  /** The latest market event waiting for each (instance, leg, channel) a strategy decides on. */
  readonly #marketWaiting = new Map<string, MarketStreamEvent | null>();
  readonly #subs: StreamSubscription[] = [];
  /** Accounts that could not be connected: their error, how often it was tried, since when. */
  readonly #failed = new Map<string, { error: string; attempts: number; since: number }>();
  /** Instances that were routed a fill not of theirs (by hand, a liquidation) since their last flat-leg check. */
  readonly #foreignFills = new Set<string>();
  /** Instances whose leg the position stream reported flat, being checked (`#onPosition`). */
  readonly #positionChecks = new Map<string, Promise<void>>();
  /** The last quantity the position stream reported per leg (`account|symbol|side`). */
  readonly #legPositions = new Map<string, Decimal>();
  /** What was received of each account's symbols' markets (`account|symbol`). */
  readonly #tapes = new Map<string, Tape>();
  /** The run id this process stamps on the orders it places on market data. */
  readonly run: string;
  #timers: Promise<void>[] = [];
  /** Flattens handed over through the store, carried out with the closer's engine. */
  readonly #flatten: FlattenRunner;
  #accepting = false;
  #heartbeatLoop: Promise<void> | null = null;
  /** Aborted by `stop()`: ends the heartbeat loop's sleep at once. */
  readonly #stopping = new AbortController();

  constructor(ctx: AppContext, opts: StreamWorkerOptions) {
    this.#ctx = ctx;
    this.#opts = opts;
    this.run = opts.run ?? newRunId();
    if (!RUN_ID_PATTERN.test(this.run)) throw new Error(`run id ${this.run} must match ${RUN_ID_PATTERN}`);
    this.#flatten = new FlattenRunner(ctx, this.run, opts.instances);
    for (const inst of opts.instances) {
      if (!inst.enabled) continue;
      // An instance listens on every account one of its legs trades on (that has streams).
      for (const account of new Set(legsOf(inst).map((l) => l.account))) {
        if (opts.withoutStreams?.includes(account)) continue;
        const list = this.#byAccount.get(account) ?? [];
        list.push(inst);
        this.#byAccount.set(account, list);
      }
    }
  }

  async start(): Promise<void> {
    this.#accepting = true;
    // One account that cannot connect (unknown symbol, revoked key, placeholder secret) must not keep the
    // others from trading: it is isolated, alerted, and retried with backoff.
    const connected = await Promise.all(
      [...this.#byAccount].map(([accountId, instances]) => this.#connect(accountId, instances)),
    );
    if (this.#opts.requireAnAccount && connected.length > 0 && !connected.some(Boolean)) {
      const errors = [...this.#failed].map(([id, f]) => `${id}: ${f.error}`).join('; ');
      await this.stop();
      throw new Error(`no account could be connected (${errors})`);
    }
    await this.#writeHeartbeats();
    this.#heartbeatLoop = this.#heartbeats();
    this.#timers = this.#opts.instances.flatMap((inst) => {
      const every = strategyOf(inst).wakeEveryMs;
      return inst.enabled && every ? [this.#wakeLoop(inst, every)] : [];
    });
    const poll = this.#opts.flattenPollMs === undefined ? FLATTEN_POLL_MS : this.#opts.flattenPollMs;
    if (poll !== null) this.#timers.push(this.#flattenLoop(poll));
    this.#ctx.logger.info('stream worker started', {
      run: this.run,
      accounts: [...this.#accounts.keys()],
      failedAccounts: [...this.#failed.keys()],
      ...(this.#opts.withoutStreams?.length ? { withoutStreams: this.#opts.withoutStreams } : {}),
      instances: this.#opts.instances.length,
    });
  }

  /** Subscribes one account's streams; on failure isolates it and schedules a retry. */
  async #connect(accountId: string, instances: readonly InstanceConfig[]): Promise<boolean> {
    const opened: StreamSubscription[] = [];
    try {
      const exchange = this.#ctx.exchanges(accountId);
      opened.push(await exchange.subscribeUser((e) => this.#onUser(accountId, e)));
      if (this.#opts.marketStreams ?? true) {
        // Each symbol a leg trades on this account, with the channels its strategies asked for.
        const wanted = new Map<string, Set<MarketChannel>>();
        for (const inst of instances) {
          for (const leg of legsOf(inst)) {
            if (leg.account !== accountId) continue;
            // Book top, trades and the mark for every symbol (any instance may be flattened through the
            // closer, which reads them), plus whatever its strategy asked for.
            const set = wanted.get(leg.symbol) ?? new Set<MarketChannel>(FLATTEN_CHANNELS);
            for (const c of strategyOf(inst).marketChannels) set.add(c);
            wanted.set(leg.symbol, set);
          }
        }
        for (const [symbol, channels] of wanted) {
          opened.push(
            await exchange.subscribeMarket(symbol, [...channels], (e) => this.#onMarket(accountId, e)),
          );
        }
      }
    } catch (e) {
      await Promise.allSettled(opened.map((sub) => sub.close()));
      await this.#isolate(accountId, instances, e);
      return false;
    }
    this.#subs.push(...opened);
    const wasFailed = this.#failed.get(accountId);
    this.#failed.delete(accountId);
    this.#accounts.set(accountId, { status: 'connected', lastEventAt: null, resync: null });
    if (wasFailed) {
      await this.#alertAccount(
        accountId,
        instances,
        'info',
        'account_unavailable_resolved',
        'the account is connected again',
      );
      // Anything that happened while it was out comes back through a forced recon pass.
      this.#resync(accountId, this.#accounts.get(accountId)!);
    }
    return true;
  }

  async #isolate(accountId: string, instances: readonly InstanceConfig[], e: unknown): Promise<void> {
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const previous = this.#failed.get(accountId);
    const attempts = (previous?.attempts ?? 0) + 1;
    this.#failed.set(accountId, { error, attempts, since: previous?.since ?? this.#ctx.clock.now() });
    this.#ctx.logger.error('account could not be connected; the others go on', {
      account: accountId,
      attempts,
      error,
    });
    this.#ctx.metrics.put('AccountConnectFailures', 1, 'Count', { account: accountId });
    if (!previous)
      await this.#alertAccount(
        accountId,
        instances,
        'critical',
        'account_unavailable',
        `account ${accountId} could not be connected (${error}); its instances get no fills until it is fixed`,
      );
    const wait = Math.min(ACCOUNT_RETRY_MAX_MS, ACCOUNT_RETRY_BASE_MS * 2 ** (attempts - 1));
    void this.#ctx.clock.sleep(wait, this.#stopping.signal).then(() => {
      if (this.#accepting) return this.#connect(accountId, instances);
      return false;
    });
  }

  async #alertAccount(
    accountId: string,
    instances: readonly InstanceConfig[],
    severity: 'info' | 'critical',
    code: string,
    message: string,
  ): Promise<void> {
    try {
      await publishAlerts(
        this.#ctx,
        instances.map((i) => ({
          kind: 'Alert' as const,
          instanceId: i.id,
          severity,
          code,
          message,
          data: { account: accountId },
        })),
        null,
      );
    } catch (e) {
      this.#ctx.logger.warn('alert failed', {
        account: accountId,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  /** Resolves when every queued fill and running resync has been processed. */
  async drain(): Promise<void> {
    const pending = () => [
      ...this.#queues.values(),
      ...[...this.#accounts.values()].flatMap((a) => (a.resync ? [a.resync] : [])),
    ];
    for (let work = pending(); work.length > 0; work = pending()) {
      await Promise.all(work);
      // Let finished queues remove themselves before looking again.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async stop(): Promise<void> {
    if (!this.#accepting) return;
    this.#accepting = false;
    this.#stopping.abort();
    this.#offClock?.(null);
    this.#offClock = null;
    await Promise.all(this.#positionChecks.values());
    await Promise.all(this.#timers);
    await this.drain();
    await this.#flatten.stop();
    await this.#cancelRunOrders();
    for (const a of this.#accounts.values()) a.status = 'draining';
    await this.#writeHeartbeats();
    await Promise.all(this.#subs.splice(0).map((s) => s.close()));
    await this.#heartbeatLoop;
    this.#ctx.logger.info('stream worker stopped', { ...this.stats });
  }

  /**
   * Healthy while accepting and no connected account has been disconnected without a resync under way.
   * Accounts that could not connect are reported in the details (with their error) but do not fail it:
   * replacing the task would not fix them and would stop the accounts that work.
   */
  health(): {
    ok: boolean;
    accounts: Record<string, { status: string; lastEventAt: number | null; error?: string }>;
  } {
    const accounts: Record<string, { status: string; lastEventAt: number | null; error?: string }> =
      Object.fromEntries(
        [...this.#accounts].map(([id, a]) => [id, { status: a.status, lastEventAt: a.lastEventAt }]),
      );
    for (const [id, f] of this.#failed)
      accounts[id] = { status: 'failed', lastEventAt: null, error: f.error };
    const ok = this.#accepting && [...this.#accounts.values()].every((a) => a.status !== 'disconnected');
    return { ok, accounts };
  }

  /** A price no older than `PRICE_MAX_AGE_MS`: a stalled stream must not decide a close. */
  #fresh(map: Map<string, { price: Decimal; at: number }>, symbol: string): Decimal | undefined {
    const p = map.get(symbol);
    return p && this.#ctx.clock.now() - p.at <= PRICE_MAX_AGE_MS ? p.price : undefined;
  }

  #onMarket(accountId: string, e: MarketStreamEvent): void {
    const at = this.#ctx.clock.now();
    if (e.type === 'connection') {
      // Market data was missed: the account's tapes are not trusted until positions and rules are re-read.
      if (e.state === 'reconnected' && this.#accepting) {
        const account = this.#accounts.get(accountId);
        if (account && account.status !== 'resyncing') this.#resync(accountId, account);
      }
      return;
    }
    if ('symbol' in e && (e.type === 'bookTop' || e.type === 'trade' || e.type === 'markPrice')) {
      const key = `${accountId}|${e.symbol}`;
      const tape = this.#tapes.get(key) ?? EMPTY_TAPE;
      this.#tapes.set(
        key,
        onTapeEvent(
          tape,
          e.type === 'bookTop'
            ? { type: 'bookTop', bid: e.bid, ask: e.ask }
            : e.type === 'trade'
              ? { type: 'trade', price: e.price }
              : { type: 'markPrice', mark: e.mark },
          at,
        ),
      );
    }
    if ('symbol' in e && this.#accepting)
      for (const l of this.#flatten.legsOn(accountId, e.symbol))
        void this.#flatten.step(l.key, l.role, this.#tapeOfSymbol(accountId, e.symbol));
    if (e.type === 'markPrice') {
      this.#prices.set(e.symbol, { price: e.mark, at });
      this.#marks.set(e.symbol, { price: e.mark, at });
    } else if (e.type === 'bookTop')
      this.#prices.set(e.symbol, { price: e.bid.plus(e.ask).dividedBy(2), at });
    this.#routeMarket(accountId, e);
  }

  /**
   * Market data goes to each instance on this account whose strategy decides on it (`onMarket`) and asked
   * for its channel, for each of its legs on that symbol: queued behind the instance's fills, and coalesced (while
   * one waits, a newer event replaces it: a strategy decides on the latest book, not on every tick).
   */
  #routeMarket(accountId: string, e: MarketStreamEvent): void {
    if (!this.#accepting || !('symbol' in e)) return;
    const channel = channelOf(e);
    if (channel === null) return;
    for (const config of this.#byAccount.get(accountId) ?? []) {
      const strategy = strategyOf(config);
      if (!strategy.onMarket || !strategy.marketChannels.includes(channel)) continue;
      // Every leg on the symbol (a closer works the LONG and the SHORT of one market).
      for (const leg of legsOf(config))
        if (leg.account === accountId && leg.symbol === e.symbol)
          this.#enqueueMarket(config, leg, channel, e);
    }
  }

  /** Queues a market decision behind the instance's fills; while one waits, a newer event replaces it. */
  #enqueueMarket(config: InstanceConfig, leg: Leg, channel: string, e: MarketStreamEvent | null): void {
    const key = `${config.id}|${leg.role}|${channel}`;
    const waiting = this.#marketWaiting.has(key);
    this.#marketWaiting.set(key, e);
    if (waiting) return;
    const previous = this.#queues.get(config.id) ?? Promise.resolve();
    const next = previous.then(() => {
      if (!this.#marketWaiting.has(key)) return undefined;
      const latest = this.#marketWaiting.get(key) ?? null;
      this.#marketWaiting.delete(key);
      return this.#processMarket(config, leg, latest);
    });
    this.#queues.set(config.id, next);
    void next.finally(() => {
      if (this.#queues.get(config.id) === next) this.#queues.delete(config.id);
    });
  }

  /** Wakes an instance's legs on the `timer` channel every `every` ms (its orders' TTLs run on a silent market). */
  async #wakeLoop(config: InstanceConfig, every: number): Promise<void> {
    const legs = legsOf(config);
    while (this.#accepting) {
      await this.#ctx.clock.sleep(every, this.#stopping.signal);
      if (!this.#accepting) return;
      for (const leg of legs)
        if (this.#accounts.has(leg.account)) this.#enqueueMarket(config, leg, 'timer', null);
    }
  }

  /**
   * Reads each connected account's flatten requests every `every` ms and wakes the legs being flattened
   * (their TTLs run on a silent market too).
   */
  /** Flattens being worked down by the closer now. */
  get flattening(): number {
    return this.#flatten.running;
  }

  /**
   * Reads every account's flatten requests now and steps what runs (the simulator calls it when a
   * strategy handed legs over, instead of polling the store on a timer).
   */
  async pollFlattens(): Promise<void> {
    if (!this.#accepting) return;
    await this.#pollFlattenRequests();
    this.#stepFlattens();
  }

  async #pollFlattenRequests(): Promise<void> {
    for (const accountId of this.#accounts.keys())
      await this.#flatten.poll(accountId).catch((e: unknown) =>
        this.#ctx.logger.warn('flatten requests could not be read; next time', {
          account: accountId,
          error: e instanceof Error ? e.message : String(e),
        }),
      );
  }

  #stepFlattens(): void {
    for (const l of this.#flatten.allLegs())
      void this.#flatten.step(l.key, l.role, this.#tapeOfSymbol(l.account, l.symbol));
  }

  async #flattenLoop(every: number): Promise<void> {
    let sincePoll = every;
    while (this.#accepting) {
      await this.#ctx.clock.sleep(FLATTEN_WAKE_MS, this.#stopping.signal);
      if (!this.#accepting) return;
      sincePoll += FLATTEN_WAKE_MS;
      if (sincePoll >= every) {
        sincePoll = 0;
        await this.#pollFlattenRequests();
      }
      this.#stepFlattens();
    }
  }

  #tapeOfSymbol(account: string, symbol: string): Tape {
    const tape = this.#tapes.get(`${account}|${symbol}`) ?? EMPTY_TAPE;
    return this.#accounts.get(account)?.status === 'resyncing' ? { ...tape, resyncing: true } : tape;
  }

  /** The tape of a leg's market (stale while its account resyncs). */
  #tapeOf(leg: Leg): Tape {
    return this.#tapeOfSymbol(leg.account, leg.symbol);
  }

  async #processMarket(config: InstanceConfig, leg: Leg, e: MarketStreamEvent | null): Promise<void> {
    try {
      // A market decision that finds nothing to do writes nothing, so it would never learn what recon
      // changed: its cached state is read again once it is a few seconds old.
      const at = this.#stateAt.get(config.id) ?? 0;
      const fresh = this.#ctx.clock.now() - at <= MARKET_STATE_MAX_AGE_MS;
      const current = this.#opts.stateful === false || !fresh ? undefined : this.#states.get(config.id);
      const r = await handleMarketData(
        this.#ctx,
        config,
        leg,
        { event: e, tape: this.#tapeOf(leg), run: this.run },
        current,
      );
      if (r.state) {
        this.#states.set(config.id, r.state);
        if (r.state !== current) this.#stateAt.set(config.id, this.#ctx.clock.now());
      }
      if (r.commands > 0) {
        // The pipeline journaled and dropped every pending fill line: nothing is left to drop.
        this.#journaled.delete(config.id);
        this.#ctx.metrics.put('MarketDecisions', 1, 'Count', { instance: config.id });
      }
    } catch (e) {
      // What is stored is unknown now: the next decision reads it.
      this.#states.delete(config.id);
      this.#ctx.logger.error('market data decision failed; recon will repair', {
        instance: config.id,
        error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      });
      this.#ctx.metrics.put('Errors', 1, 'Count', { instance: config.id });
    }
  }

  #onUser(accountId: string, e: UserStreamEvent): void {
    if (!this.#accepting) return;
    const account = this.#accounts.get(accountId);
    if (!account) return;
    account.lastEventAt = this.#ctx.clock.now();
    switch (e.type) {
      case 'fill':
        this.#route(accountId, e.fill, e.receivedAt);
        void this.#flatten.onFill(accountId, e.fill).catch((err: unknown) => this.#flattenFailed(err));
        return;
      case 'connection':
        if (e.state === 'disconnected') {
          account.status = 'disconnected';
          this.#ctx.logger.warn('user stream disconnected', { account: accountId, reason: e.reason ?? null });
          this.#ctx.metrics.put('StreamDisconnects', 1, 'Count', { account: accountId });
        } else if (e.state === 'reconnected') {
          if (account.status !== 'resyncing') this.#resync(accountId, account);
        } else account.status = 'connected';
        return;
      case 'position':
        this.#onPosition(accountId, e.position);
        void this.#flatten
          .onPosition(accountId, e.position)
          .catch((err: unknown) => this.#flattenFailed(err));
        return;
      case 'order':
        // A placement the venue acknowledged and then refused (OKX post-only): its outcome, late.
        if (isLateRefusal(e.order)) this.#lateRefusal(accountId, e.order);
        return;
      case 'balance':
        // The account-wide leverage check judges against the freshest equity.
        guardsFor(this.#ctx).book.setEquity(accountId, e.balance.asset, e.balance.marginBalance);
        return;
      case 'malformed':
        this.stats.malformed += 1;
        this.#ctx.logger.warn('malformed stream message', { account: accountId, detail: e.detail });
        this.#ctx.metrics.put('MalformedMessages', 1, 'Count', { account: accountId });
        return;
      default:
        return;
    }
  }

  /**
   * Ghost-order protection on the position stream: a leg reported flat, once its fills had time to arrive,
   * is checked. A ledger that still holds coins was closed by someone else without our hearing of it (by
   * hand, a liquidation): two forced recon passes a few seconds apart resync it (the strategy adopts the
   * exchange's flat position on the second) and cancel what was left to close it. A ledger that heard of
   * a fill not of ours (a hand close) but still has closing orders on the leg (its stop, its sells) gets
   * one pass, which cancels them (`recon-guards.ts`). The scheduled recon would get there too, a minute or
   * two later. A leg our own orders flattened is left to it: the strategy knows what it holds.
   */
  #onPosition(accountId: string, position: Position): void {
    const key = `${accountId}|${position.symbol}|${position.positionSide}`;
    this.#legPositions.set(key, position.qty);
    if (!position.qty.isZero()) return;
    const instances = this.#byAccount.get(accountId) ?? [];
    for (const config of instances) {
      const leg = legFor(config, accountId, position.symbol, position.positionSide);
      if (!leg || this.#positionChecks.has(config.id)) continue;
      const check = this.#checkFlatLeg(config, leg, key).finally(() =>
        this.#positionChecks.delete(config.id),
      );
      this.#positionChecks.set(config.id, check);
    }
  }

  async #checkFlatLeg(config: InstanceConfig, leg: Leg, key: string): Promise<void> {
    const clock = this.#ctx.clock;
    const strategy = strategyOf(config);
    await clock.sleep(POSITION_GRACE_MS, this.#stopping.signal);
    for (let pass = 0; pass < 2 && this.#accepting; pass++) {
      // The leg reopened since (our own buy after our own sell, within the grace): the exchange no longer
      // says flat, so there is nothing to compare the ledger with; the scheduled recon checks it as usual.
      // Not after a fill that was not ours (a hand close): that ledger is wrong whatever the leg holds now.
      if (this.#legPositions.get(key)?.isZero() === false && !this.#foreignFills.has(config.id)) return;
      // After the fills already queued for the instance, never beside them.
      await this.#queues.get(config.id);
      try {
        const state = this.#states.get(config.id) ?? (await this.#ctx.store.loadGrid(config.id));
        if (!state) return;
        const held = strategy.ledger(state).legs[leg.role]?.qty ?? ZERO;
        const closers = strategy
          .orderSlots(state)
          .filter(
            (o) =>
              o.leg === leg.role && (o.kind !== 'limit' || !opensPosition(o.side, leg.positionSide, held)),
          );
        const foreign = this.#foreignFills.has(config.id);
        if (held.isZero() && !(foreign && closers.length > 0)) return;
        this.#foreignFills.delete(config.id);
        if (pass === 0)
          this.#ctx.logger.warn(
            'the exchange reports a leg flat; resyncing what the ledger still holds or closes',
            {
              instance: config.id,
              leg: leg.role,
              ledger: held.toFixed(),
              closingOrders: closers.length,
            },
          );
        this.#states.delete(config.id);
        await reconcileInstance(this.#ctx, config.id, { force: true });
        this.#states.delete(config.id);
      } catch (e) {
        this.#ctx.logger.error('flat-leg resync failed; recon will repair', {
          instance: config.id,
          error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        });
        return;
      }
      if (pass === 0) await clock.sleep(POSITION_CONFIRM_MS, this.#stopping.signal);
    }
  }

  #instanceFor(accountId: string, fill: Fill): InstanceConfig | undefined {
    const instances = this.#byAccount.get(accountId) ?? [];
    const decoded = decodeClientOrderId(fill.clientOrderId);
    if (decoded) {
      const own = instances.find((i) => i.id === decoded.instanceId);
      if (own) return own;
    }
    // Not ours by client id (a hand trade, a liquidation): the instance with a leg on that position.
    return instances.find((i) => legFor(i, accountId, fill.symbol, fill.positionSide) !== undefined);
  }

  /** Queued behind the instance's fills and decisions, like them, so it sees the placement settled first. */
  #lateRefusal(accountId: string, order: ExchangeOrder): void {
    const id = decodeClientOrderId(order.clientOrderId)?.instanceId;
    const config = (this.#byAccount.get(accountId) ?? []).find((i) => i.id === id);
    if (!config) return;
    const previous = this.#queues.get(config.id) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const current = this.#opts.stateful === false ? undefined : this.#states.get(config.id);
        const state = await handleLateRefusal(this.#ctx, config, accountId, order, current);
        if (state) this.#states.set(config.id, state);
      } catch (e) {
        this.#states.delete(config.id);
        this.#ctx.logger.error('late refusal not folded in; recon will repair', {
          instance: config.id,
          clientOrderId: order.clientOrderId,
          error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        });
      }
    });
    this.#queues.set(config.id, next);
    void next.finally(() => {
      if (this.#queues.get(config.id) === next) this.#queues.delete(config.id);
    });
  }

  #route(accountId: string, fill: Fill, receivedAt: number): void {
    const config = this.#instanceFor(accountId, fill);
    if (!config) {
      this.stats.routedNowhere += 1;
      this.#ctx.logger.info('fill for no instance of ours', {
        account: accountId,
        symbol: fill.symbol,
        tradeId: fill.tradeId,
      });
      return;
    }
    if (decodeClientOrderId(fill.clientOrderId)?.instanceId !== config.id) this.#foreignFills.add(config.id);
    const account = this.#accounts.get(accountId)!;
    const previous = this.#queues.get(config.id) ?? Promise.resolve();
    // The resync in progress when the fill arrived, taken now: a fill queued before a resync started must
    // not wait for it (the resync waits for that fill: both would wait forever).
    const gate = account.resync;
    const next = previous
      .then(() => gate ?? undefined)
      .then(() => this.#process(config, accountId, fill, receivedAt));
    this.#queues.set(config.id, next);
    void next.finally(() => {
      if (this.#queues.get(config.id) === next) this.#queues.delete(config.id);
    });
  }

  async #process(config: InstanceConfig, accountId: string, fill: Fill, receivedAt: number): Promise<void> {
    try {
      const r = await handleFill(this.#ctx, config, fill, {
        receivedAt,
        account: accountId,
        price: this.#fresh(this.#prices, fill.symbol),
        mark: this.#fresh(this.#marks, fill.symbol),
        current: this.#opts.stateful === false ? undefined : this.#states.get(config.id),
        journaled: this.#journaled.get(config.id),
      });
      if (r.state) {
        this.#states.set(config.id, r.state);
        this.#stateAt.set(config.id, this.#ctx.clock.now());
      } else this.#states.delete(config.id);
      if (!r.duplicate) this.#journaled.set(config.id, r.journaled);
      if (r.duplicate) this.stats.duplicates += 1;
      else this.stats.fills += 1;
    } catch (e) {
      // What is stored is unknown now: the next fill reads it.
      this.#states.delete(config.id);
      this.stats.failures += 1;
      this.#ctx.logger.error('fill processing failed; recon will repair', {
        instance: config.id,
        tradeId: fill.tradeId,
        error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
      });
      this.#ctx.metrics.put('Errors', 1, 'Count', { instance: config.id });
    }
  }

  #resync(accountId: string, account: AccountState): void {
    account.status = 'resyncing';
    this.stats.resyncs += 1;
    this.#ctx.rules.forget(accountId);
    const instances = this.#byAccount.get(accountId) ?? [];
    // Fills queued before the reconnect finish first; later ones wait for the resync (not the reverse).
    const queuedBefore = new Map(instances.map((i) => [i.id, this.#queues.get(i.id)]));
    const run = (async () => {
      for (const inst of instances) {
        await queuedBefore.get(inst.id);
        try {
          // Recon writes the state: the next fill reads it rather than lose a race to it.
          this.#states.delete(inst.id);
          await reconcileInstance(this.#ctx, inst.id, { force: true });
        } catch (e) {
          this.#ctx.logger.error('resync failed', {
            instance: inst.id,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      }
      account.status = 'connected';
      account.resync = null;
      this.#ctx.logger.info('account resynced after a reconnect', { account: accountId });
    })();
    account.resync = run;
  }

  #flattenFailed(e: unknown): void {
    this.#ctx.logger.error('flatten bookkeeping failed; the next poll starts over from the exchange', {
      error: e instanceof Error ? e.message : String(e),
    });
  }

  /**
   * On shutdown: the orders this run placed (their client id carries its run id) are cancelled, on every
   * account and symbol its instances trade; a previous run's, a hand order and every stop stay. A failure
   * is logged (recon settles what is left: a slice outlives its TTL only until the next pass).
   */
  async #cancelRunOrders(): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const [accountId, instances] of this.#byAccount) {
      if (!this.#accounts.has(accountId)) continue;
      const symbols = wanted.get(accountId) ?? new Set<string>();
      for (const inst of instances)
        for (const leg of legsOf(inst)) if (leg.account === accountId) symbols.add(leg.symbol);
      wanted.set(accountId, symbols);
    }
    const ids = new Set(this.#opts.instances.map((i) => i.id));
    await Promise.all(
      [...wanted].flatMap(([accountId, symbols]) =>
        [...symbols].map(async (symbol) => {
          try {
            const exchange = this.#ctx.exchanges(accountId);
            const open = await exchange.openOrders(symbol);
            for (const o of open) {
              const d = decodeClientOrderId(o.clientOrderId);
              if (d?.kind !== 'slice' || d.run !== this.run || !ids.has(d.instanceId)) continue;
              const r = await exchange.cancel(symbol, o.clientOrderId, 'limit');
              this.#ctx.logger.info('cancelled an order of this run on shutdown', {
                account: accountId,
                symbol,
                clientOrderId: o.clientOrderId,
                ok: r.ok,
              });
            }
          } catch (e) {
            this.#ctx.logger.warn("could not cancel this run's orders on shutdown; recon will", {
              account: accountId,
              symbol,
              error: e instanceof Error ? e.message : String(e),
            });
          }
        }),
      ),
    );
  }

  /** A heartbeat kept and not written yet (`deferHeartbeats`): its time and each account's status then. */
  #keptHeartbeat: { at: number; statuses: [string, Heartbeat['status']][] } | null = null;
  /**
   * Set while the heartbeat loop waits off the clock (`deferHeartbeats`): hands it the sleep until its next
   * tick, or null when the worker stops.
   */
  #offClock: ((next: { readonly sleep: Promise<void> } | null) => void) | null = null;

  /** The heartbeat loop waits off the clock (`deferHeartbeats`) until `flushHeartbeats()`. */
  get heartbeatsOffClock(): boolean {
    return this.#offClock !== null;
  }

  /**
   * Writes the heartbeat kept by `deferHeartbeats`, if any, as it would have been written at its time: the
   * last tick before now when the loop waited off the clock (nothing ran meanwhile to change a status).
   */
  async flushHeartbeats(): Promise<void> {
    const kept = this.#keptHeartbeat;
    if (!kept) return;
    this.#keptHeartbeat = null;
    let at = kept.at;
    const resume = this.#offClock;
    if (resume) {
      this.#offClock = null;
      const every = this.#heartbeatEveryMs;
      const now = this.#ctx.clock.now();
      at += Math.floor((now - at) / every) * every;
      // Back on the clock before anything else can sleep on it: its tick keeps its place among the timers.
      resume({ sleep: this.#ctx.clock.sleep(at + every - now, this.#stopping.signal) });
    }
    await this.#putHeartbeats(at, kept.statuses);
  }

  /** Writes the heartbeats now, or keeps them while `deferHeartbeats` says so. */
  async #writeHeartbeats(): Promise<void> {
    if (this.#keep()) return;
    await this.#writeNow();
  }

  /** Writes this moment's heartbeats (anything kept is superseded). */
  async #writeNow(): Promise<void> {
    this.#keptHeartbeat = null;
    await this.#putHeartbeats(this.#ctx.clock.now(), this.#statuses());
  }

  /** Keeps this moment's heartbeats when `deferHeartbeats` says so (true), else nothing (false). */
  #keep(): boolean {
    if (!this.#opts.deferHeartbeats?.()) return false;
    this.#keptHeartbeat = { at: this.#ctx.clock.now(), statuses: this.#statuses() };
    return true;
  }

  #statuses(): [string, Heartbeat['status']][] {
    return [...this.#accounts].map(([id, a]) => [id, a.status]);
  }

  async #putHeartbeats(at: number, statuses: readonly [string, Heartbeat['status']][]): Promise<void> {
    await Promise.all(
      statuses.map(async ([accountId, status]) => {
        try {
          await this.#ctx.store.putHeartbeat({
            accountId,
            at,
            writer: this.#opts.writer,
            status,
            everyMs: this.#heartbeatEveryMs,
          });
          // The heartbeat just written is 0 s old: the per-account heartbeat alarm hears from a live worker
          // whatever its accounts' strategies (the Key Level Grid's risk check also reports the age it reads;
          // a dead or draining worker reports nothing, and missing data breaches).
          if (status !== 'draining')
            this.#ctx.metrics.put('HeartbeatAgeSec', 0, 'Seconds', { account: accountId });
        } catch (e) {
          this.#ctx.logger.warn('heartbeat write failed', {
            account: accountId,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      }),
    );
  }

  get #heartbeatEveryMs(): number {
    return this.#opts.heartbeatIntervalMs ?? HEARTBEAT_EVERY_MS;
  }

  async #heartbeats(): Promise<void> {
    const every = this.#heartbeatEveryMs;
    let sleep = this.#ctx.clock.sleep(every, this.#stopping.signal);
    while (this.#accepting) {
      await sleep;
      if (!this.#accepting) return;
      if (!this.#keep()) {
        await this.#writeNow();
        sleep = this.#ctx.clock.sleep(every, this.#stopping.signal);
        continue;
      }
      // Kept (the simulator): off the clock, from this very turn, until a flush puts the loop back on it
      // or the worker stops. (The sleep comes wrapped: a promise resolved with a promise would wait for it.)
      const next = await new Promise<{ readonly sleep: Promise<void> } | null>((resolve) => {
        this.#offClock = resolve;
      });
      if (!next) return;
      sleep = next.sleep;
    }
  }
}
