/**
 * A strategy's application runtime: what it needs from the shell beyond the pure module's decisions, with
 * I/O (ports only). The generic shell (recon, jobs, operator commands) reaches it through the registry in
 * `index.ts`, by the config's `strategy` name.
 *
 *  - `coldStart`: the first state of an instance that has none (the Key Level Grid lays its levels out from
 *    PARAMS or the config and adopts what the account holds); its alerts go out with it.
 *  - `jobs`: scheduled jobs besides recon (the module's `jobs` list names which run), each given the shell.
 *  - `commands`: operator commands of its own (`rebuild`, `reset-counters`), each given the shell.
 *  - `preflight`: what would make a config unworkable on this venue and balance, before anything trades.
 *
 * The shell is passed in, not imported: a runtime calls recon back (a rebuild ends with a forced pass)
 * without the shell and the runtimes importing each other.
 */
import type { Decision } from '../../domain/commands.js';
import type { InstanceConfig } from '../../domain/config/deployment.js';
import type { Decimal } from '../../domain/money.js';
import type { InstanceEnvelope } from '../../domain/strategy.js';
import type { AppContext } from '../context.js';

export interface ReconReport {
  readonly instanceId: string;
  readonly skipped: 'disabled' | 'backoff' | null;
  readonly coldStart: boolean;
  readonly commands: number;
  readonly fillsApplied: number;
  readonly rejected: number;
  readonly rateLimited: boolean;
  /** Nothing changed but the pass's time and price: decided, not written, nothing sent (`quiet-pass.ts`). */
  readonly quiet: boolean;
  /**
   * The pass decided nothing and changed the state only in its volatile fields, written or not (the
   * simulator may skip the passes after it while nothing moves: `application/sim/quiet-skip.ts`).
   */
  readonly settled: boolean;
  /**
   * The pass changed the grid but sent nothing, and the same pass again on what it wrote (same snapshot,
   * same time) would decide nothing: the grid is settled from here (the simulator may take its quiet band
   * at once instead of running the next pass to prove it). False for a settled pass.
   */
  readonly fixedPoint?: boolean;
  /** Seconds until the next pass that will act (twice the interval after rate limiting). */
  readonly nextIntervalSec: number;
  readonly holdings: string;
  readonly openOrders: number;
  readonly timings: {
    readonly totalMs: number;
    readonly exchangeMs: number;
    readonly storeMs: number;
    readonly engineMs: number;
  };
}

/**
 * A scheduled check's promise (the simulator's quiet stretches, `application/sim/quiet-skip.ts`): run again
 * with its orders and position unchanged and the worker's heartbeat no older than `heartbeatMaxAgeMs`, it
 * finds the same and changes nothing that decides, as long as `holds` says so of the account's equity in
 * `asset` then, and `holdsFor` of the stored grid should it have changed (the check's own rules, in process:
 * not part of a serialized report).
 */
export interface SteadyCheck {
  readonly account: string;
  readonly asset: string;
  holds(equity: Decimal): boolean;
  /** The check would find the same in this grid (one a recon pass or recompute has written since). */
  holdsFor(grid: InstanceEnvelope): boolean;
  readonly heartbeatMaxAgeMs: number;
}

export interface ReconOptions {
  /** Run even while backing off (operator commands, stream resync). */
  readonly force?: boolean;
  /** The instance's config when the caller has just read it (saves a store read). */
  readonly config?: InstanceConfig;
}

/** The shell's services a runtime may call back. */
export interface Shell {
  reconcile(ctx: AppContext, instanceId: string, opts?: ReconOptions): Promise<ReconReport>;
  /** Flatten through the closer (a risk shutdown): pause, cancel, hand over or close at market. */
  flatten(
    ctx: AppContext,
    instanceId: string,
    urgency: 'normal' | 'emergency',
    reason: string | undefined,
  ): Promise<unknown>;
}

export type RuntimeJob = (
  ctx: AppContext,
  instanceId: string,
  config: InstanceConfig | undefined,
  shell: Shell,
) => Promise<unknown>;

/** An operator command of the strategy's own: its answer is the command's `detail`. */
export type RuntimeCommand = (
  ctx: AppContext,
  instanceId: string,
  args: { readonly reason?: string | undefined },
  shell: Shell,
) => Promise<unknown>;

export interface PreflightOptions {
  /**
   * Check only what is known without market history (manual levels): the simulator checks before it has
   * fed the history that computed levels need; recon's cold start checks those.
   */
  readonly manualLevelsOnly?: boolean;
}

export interface StrategyRuntime {
  /** The module's `name`. */
  readonly name: string;
  coldStart(ctx: AppContext, config: InstanceConfig): Promise<Decision<InstanceEnvelope>>;
  readonly jobs: Readonly<Partial<Record<'recompute' | 'risk', RuntimeJob>>>;
  readonly commands: Readonly<Partial<Record<'rebuild' | 'reset-counters' | 'preflight', RuntimeCommand>>>;
  /** Problems that make the config unworkable (each names the field and the fix); empty: fine. */
  preflight(ctx: AppContext, config: InstanceConfig, opts: PreflightOptions): Promise<string[]>;
}
