/**
 * Flatten through the closer (SPEC §4, issue 16): the stream worker carries out the flatten requests an
 * operator command or a risk shutdown handed it through the state store (`FlattenRequest`, one per account
 * of the instance), with the closer's engine on each leg — maker first when `normal`, the tightest panic
 * tier (forced aggressive slices) when `emergency` — on the worker's market tape.
 *
 * Entry points (the worker calls them): `poll(account)` every few seconds, `legsOn(account, symbol)` and
 * `step(...)` on market data and wake-ups, `onFill(...)` and `onPosition(...)` from the user stream.
 *
 * Invariants:
 *  1. The request in the store is the durable part; the execution lives in memory. A worker that restarts
 *     reads the request again and starts from the exchange's position (nothing is replayed).
 *  2. Only reducing orders on the leg's position side, never more than the position, never `reduceOnly`
 *     with a position side (Binance hedge mode); each carries this run's id, so a shutdown cancels it.
 *  3. The instance's own decisions are untouched: its fills reach it as usual (a slice id names it), its
 *     stop stays until the position is flat; the runner never places or cancels a stop.
 *  4. Its orders are an explicit pre-trade bypass (an emergency close is never held back), logged and
 *     journaled under the instance like every order.
 *  5. A request is marked `done` only when every leg it names is flat on the exchange.
 */
import { decodeClientOrderId, sliceOrderId } from '../domain/client-order-id.js';
import {
  type CloserParams,
  emergencyTier,
  onFill as engineFill,
  onMarket as engineMarket,
  initialSide,
  onCancelled,
  onPlaced,
  onRejected,
  type SideExec,
  type SidePosition,
  sidePositionOf,
  sliceCommand,
} from '../domain/closer/engine.js';
import { closerSettingsSchema, paramsFor } from '../domain/closer/params.js';
import type { Command } from '../domain/commands.js';
import type { InstanceConfig } from '../domain/config/deployment.js';
import { marketView, type Tape } from '../domain/market-tape.js';
import { type Decimal, dec } from '../domain/money.js';
import type { Fill, Position } from '../domain/orders.js';
import { legsOf } from '../domain/strategies/index.js';
import type { Leg } from '../domain/strategy.js';
import type { FlattenRequest } from '../ports/state-store.js';
import type { AppContext } from './context.js';
import { carryOut, orderEvents, publishAlerts } from './execute.js';

/** The flatten's execution: the closer's defaults, no protective stop (the instance keeps its own). */
const PARAMS: CloserParams = {
  ...paramsFor(closerSettingsSchema.parse({}), ''),
  stopDistance: null,
};

interface LegRun {
  readonly leg: Leg;
  /** The position when the flatten started: an emergency slices fixed fractions of it. */
  readonly start: Decimal;
  exec: SideExec;
  position: SidePosition;
  /** A decision of this leg is being carried out: the next waits (one order at a time). */
  busy: boolean;
}

interface Job {
  readonly request: FlattenRequest;
  readonly config: InstanceConfig;
  readonly legs: LegRun[];
  finishing: boolean;
}

export class FlattenRunner {
  readonly #ctx: AppContext;
  readonly #run: string;
  readonly #instances: ReadonlyMap<string, InstanceConfig>;
  /** Running jobs by `instance|account`. */
  readonly #jobs = new Map<string, Job>();
  readonly #starting = new Set<string>();
  /** The run-wide sequence of flatten slices (their ids never repeat within a run). */
  #seq = 0;
  /** Steps being carried out. */
  readonly #inFlight = new Set<Promise<void>>();
  /** Set at shutdown: no step starts after it. */
  #stopped = false;

  constructor(ctx: AppContext, run: string, instances: readonly InstanceConfig[]) {
    this.#ctx = ctx;
    this.#run = run;
    this.#instances = new Map(instances.map((i) => [i.id, i]));
  }

  get running(): number {
    return this.#jobs.size;
  }

  /**
   * Reads the account's requests: starts the pending ones not yet running, drops a running one that is no
   * longer pending or was replaced (a resume ended it, an emergency superseded a normal one: it starts
   * again as asked), and re-reads the positions of those still running over REST (a lost position update
   * must not keep one going, nor end one early).
   */
  async poll(accountId: string): Promise<void> {
    if (this.#stopped) return;
    const requests = await this.#ctx.store.listFlattens(accountId);
    // Each job and request on its own: one that fails (a REST error, a delisted symbol) holds no other up.
    const guarded = async (what: string, instanceId: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        this.#ctx.logger.error(`flatten ${what} failed; the next poll tries again`, {
          instance: instanceId,
          error: e instanceof Error ? e.message : String(e),
        });
      }
    };
    for (const [key, job] of [...this.#jobs]) {
      if (job.request.account !== accountId) continue;
      const now = requests.find((r) => r.instanceId === job.request.instanceId);
      if (now?.status === 'pending' && now.requestedAt === job.request.requestedAt)
        await guarded('refresh', job.request.instanceId, () => this.#refresh(key, job));
      else
        await guarded('stop', job.request.instanceId, () =>
          this.#drop(key, job, now?.status === 'pending' ? 'a newer request replaces it' : 'it was ended'),
        );
    }
    for (const r of requests) {
      const key = `${r.instanceId}|${r.account}`;
      if (r.status !== 'pending' || this.#jobs.has(key) || this.#starting.has(key)) continue;
      const config = this.#instances.get(r.instanceId);
      if (!config) continue;
      this.#starting.add(key);
      await guarded('start', r.instanceId, () => this.#start(key, r, config)).finally(() =>
        this.#starting.delete(key),
      );
    }
  }

  async #refresh(key: string, job: Job): Promise<void> {
    const exchange = this.#ctx.exchanges(job.request.account);
    for (const l of job.legs) {
      if (l.busy) continue;
      const p = await exchange.position(l.leg.symbol, l.leg.positionSide);
      l.position = { ...l.position, qty: p.qty.abs() };
    }
    await this.#finishIfFlat(key, job);
  }

  /** Stops a job: its resting slice is cancelled (the instance's own orders are never touched). */
  async #drop(key: string, job: Job, why: string): Promise<void> {
    // No step of it may place a slice after this: they finish first, then nothing starts (it is gone).
    for (const l of job.legs) l.busy = true;
    await this.idle();
    const exchange = this.#ctx.exchanges(job.request.account);
    for (const l of job.legs)
      if (l.exec.order) await exchange.cancel(l.leg.symbol, l.exec.order.clientOrderId, 'limit');
    // Only once its slices are cancelled (a failed cancel keeps it, to be dropped again next poll).
    this.#jobs.delete(key);
    this.#ctx.logger.warn('flatten stopped', { instance: job.request.instanceId, why });
  }

  /** Resolves when no step is being carried out (shutdown cancels this run's slices after it). */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  /** Shutdown: no step starts any more; resolves when the running ones are done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.idle();
  }

  async #start(key: string, request: FlattenRequest, config: InstanceConfig): Promise<void> {
    const exchange = this.#ctx.exchanges(request.account);
    const legs: LegRun[] = [];
    for (const leg of legsOf(config)) {
      if (leg.account !== request.account || !request.legs.some((l) => l.role === leg.role)) continue;
      if (leg.positionSide === 'BOTH') continue;
      // Slices an earlier run left resting for this instance (it crashed mid-flatten) go first.
      for (const o of await exchange.openOrders(leg.symbol)) {
        const d = decodeClientOrderId(o.clientOrderId);
        if (
          d?.kind === 'slice' &&
          d.instanceId === request.instanceId &&
          d.run !== this.#run &&
          o.positionSide === leg.positionSide
        )
          await exchange.cancel(leg.symbol, o.clientOrderId, 'limit');
      }
      const position = sidePositionOf(await exchange.position(leg.symbol, leg.positionSide), dec(1));
      legs.push({
        leg,
        start: position.qty,
        exec: initialSide(leg.positionSide, this.#ctx.clock.now()),
        position,
        busy: false,
      });
    }
    const job: Job = { request, config, legs, finishing: false };
    this.#jobs.set(key, job);
    this.#ctx.logger.warn('flattening through the closer', {
      instance: request.instanceId,
      account: request.account,
      urgency: request.urgency,
      legs: legs.map((l) => `${l.leg.role}: ${l.position.qty.toFixed()}`),
    });
    await this.#finishIfFlat(key, job);
  }

  /** The legs being flattened on an account's symbol (the worker routes market data to them). */
  legsOn(accountId: string, symbol: string): { key: string; role: string }[] {
    const out: { key: string; role: string }[] = [];
    for (const [key, job] of this.#jobs)
      for (const l of job.legs)
        if (l.leg.account === accountId && l.leg.symbol === symbol && l.position.qty.greaterThan(0))
          out.push({ key, role: l.leg.role });
    return out;
  }

  /** Every running leg (the worker's wake-ups step them all). */
  allLegs(): { key: string; role: string; account: string; symbol: string }[] {
    return [...this.#jobs].flatMap(([key, job]) =>
      job.legs.map((l) => ({ key, role: l.leg.role, account: l.leg.account, symbol: l.leg.symbol })),
    );
  }

  /**
   * One decision of a leg on the tape now; its orders are carried out before the next. Never throws: a
   * failure is logged and the next market event or wake-up tries again.
   */
  async step(key: string, role: string, tape: Tape): Promise<void> {
    const job = this.#jobs.get(key);
    const l = job?.legs.find((x) => x.leg.role === role);
    if (!job || !l || l.busy || this.#stopped) return;
    l.busy = true;
    const run = this.#decide(job, l, tape)
      .catch((e: unknown) =>
        this.#ctx.logger.error('flatten step failed; the next market event tries again', {
          instance: job.request.instanceId,
          leg: role,
          error: e instanceof Error ? e.message : String(e),
        }),
      )
      .finally(() => {
        l.busy = false;
        this.#inFlight.delete(run);
      });
    this.#inFlight.add(run);
    await run;
  }

  async #decide(job: Job, l: LegRun, tape: Tape): Promise<void> {
    const role = l.leg.role;
    const now = this.#ctx.clock.now();
    const rules = await this.#ctx.rules.get(this.#ctx.exchanges(l.leg.account), l.leg.symbol, now);
    const urgent =
      job.request.urgency === 'emergency' ? emergencyTier(PARAMS, l.start, l.position.qty) : null;
    const id = sliceOrderId(job.request.instanceId, this.#run, this.#seq + 1);
    const view = marketView(tape, now, PARAMS.accelWindowMs);
    const s = engineMarket(l.exec, PARAMS, rules, l.position, view, now, id, urgent);
    l.exec = s.exec;
    const commands: Command[] = [];
    for (const i of s.intents) {
      if (i.kind === 'place') this.#seq += 1;
      const c = sliceCommand(job.request.instanceId, l.leg, i, `flatten (${job.request.urgency}): `);
      // On an instance of several legs, the slice names its leg (the journal and the replay's checks
      // keep each leg's orders apart).
      if (c?.kind === 'PlaceOrder' && legsOf(job.config).length > 1)
        commands.push({ ...c, tag: { leg: l.leg.role, role: 'close' } });
      else if (c) commands.push(c);
    }
    if (commands.length === 0) return;
    {
      this.#ctx.logger.info('pre-trade bypass: a flatten slice is never held back', {
        instance: job.request.instanceId,
        leg: role,
        commands: commands.length,
      });
      const done = await carryOut(this.#ctx, (a) => this.#ctx.exchanges(a), commands);
      for (const x of done.executed) {
        const cid = x.command.kind === 'PlaceOrder' ? x.command.request.clientOrderId : '';
        if (x.command.kind === 'PlaceOrder') {
          if (x.outcome.kind === 'placed' || x.outcome.kind === 'timedOut')
            l.exec = onPlaced(l.exec, cid, now);
          else if (x.outcome.kind === 'rejected') {
            l.exec = onRejected(l.exec, cid, x.outcome.reason === 'post_only_would_take', now);
            // Larger than what the venue holds: read the position again before the next slice.
            if (x.outcome.reason === 'reduce_only_rejected' || x.outcome.reason === 'position_mismatch')
              l.position = {
                ...l.position,
                qty: (
                  await this.#ctx.exchanges(l.leg.account).position(l.leg.symbol, l.leg.positionSide)
                ).qty.abs(),
              };
          }
        } else if (x.command.kind === 'CancelOrder') {
          const gone =
            x.outcome.kind === 'cancelled' ||
            (x.outcome.kind === 'rejected' && x.outcome.reason === 'unknown_order');
          if (gone) l.exec = onCancelled(l.exec, PARAMS, x.command.clientOrderId, now);
        }
      }
      const state = await this.#ctx.store.loadGrid(job.request.instanceId);
      if (state) await this.#ctx.events.record(orderEvents(done.executed, state, () => undefined));
    }
  }

  /**
   * A fill on the account: one of this run's flatten slices moves its leg's execution state. The position
   * itself comes from the exchange (`onPosition`, and a REST read before a flatten is called done): a fill
   * and the position update it causes would otherwise count twice.
   */
  async onFill(accountId: string, fill: Fill): Promise<void> {
    for (const [key, job] of this.#jobs) {
      if (job.request.account !== accountId) continue;
      const l = job.legs.find((x) => x.exec.order?.clientOrderId === fill.clientOrderId);
      if (!l) continue;
      l.exec = engineFill(l.exec, PARAMS, fill.clientOrderId, fill.qty, this.#ctx.clock.now());
      await this.#finishIfFlat(key, job);
    }
  }

  /** The exchange's word on a position (the user stream): the truth for the leg. */
  async onPosition(accountId: string, p: Position): Promise<void> {
    for (const [key, job] of this.#jobs) {
      if (job.request.account !== accountId) continue;
      const l = job.legs.find((x) => x.leg.symbol === p.symbol && x.leg.positionSide === p.positionSide);
      if (!l) continue;
      l.position = { ...l.position, qty: p.qty.abs() };
      await this.#finishIfFlat(key, job);
    }
  }

  async #finishIfFlat(key: string, job: Job): Promise<void> {
    if (job.finishing || job.legs.some((l) => l.position.qty.greaterThan(0) || l.exec.order)) return;
    job.finishing = true;
    try {
      // Done only on the exchange's word, read now.
      const exchange = this.#ctx.exchanges(job.request.account);
      let flat = true;
      for (const l of job.legs) {
        const qty = (await exchange.position(l.leg.symbol, l.leg.positionSide)).qty.abs();
        l.position = { ...l.position, qty };
        if (qty.greaterThan(0)) flat = false;
      }
      if (!flat || this.#jobs.get(key) !== job) return;
      // Only the request this job carries out is marked done (never a newer one written meanwhile).
      await this.#ctx.store.putFlatten(
        { ...job.request, status: 'done', doneAt: this.#ctx.clock.now() },
        { ifRequestedAt: job.request.requestedAt },
      );
      this.#jobs.delete(key);
    } finally {
      job.finishing = false;
    }
    if (this.#jobs.has(key)) return;
    this.#ctx.logger.info('flatten done', { instance: job.request.instanceId, account: job.request.account });
    const state = await this.#ctx.store.loadGrid(job.request.instanceId);
    await publishAlerts(
      this.#ctx,
      [
        {
          kind: 'Alert',
          instanceId: job.request.instanceId,
          severity: 'info',
          code: 'flatten_done',
          message: `flatten (${job.request.urgency}) done on account ${job.request.account}: every leg is flat`,
        },
      ],
      state,
    );
  }
}
