/**
 * Decide-and-save: the one way a shell changes grid state (ARCHITECTURE.md "State and concurrency").
 * Loads the grid, asks `decide` what the new state is, and saves it conditionally on the version it
 * loaded. If another writer (the recon Lambda, the stream worker) saved in between, it waits a jittered
 * moment, re-reads and decides again on what is now stored: a stale decision is never written.
 *
 * Entry point: `decideAndSave(deps, instanceId, decide, options)`.
 * Invariants:
 *  1. Only a decision made on the state it replaces is ever saved (the save is conditional on its version).
 *  2. The returned `result` belongs to the decision that was saved (or to the final no-change decision):
 *     carry out its commands only after this returns `ok`. Results of superseded attempts are dropped.
 *  3. At most `maxAttempts` decisions; then `{ ok: false, reason: 'conflicts' }` and nothing was saved by
 *     this call. Backoff is full jitter: `random() × min(maxDelayMs, baseDelayMs × 2^(retry − 1))`. When
 *     the first attempt decided on the caller's copy (`current`), its conflict only means the copy was
 *     stale: the re-read follows at once, and backoff starts with the next conflict.
 *  4. `decide` must be free of side effects; it may run several times for one call.
 *
 * A save whose response was lost but which landed is reported as saved by the store (it recognises its own
 * write). A store failure (`StoreUnavailableError`) propagates: the save may or may not have landed, so
 * carry out nothing; the next run decides again on what is stored, where a fill already applied is a no-op.
 */
import type { GridState } from '../domain/grid-state.js';
import type { InstanceEnvelope } from '../domain/strategy.js';
import type { Clock } from '../ports/clock.js';
import type { StateStore } from '../ports/state-store.js';

/** What `decide` returns: the next state (null: nothing to save) and a value for the caller. */
export interface Decision<T, S extends InstanceEnvelope = GridState> {
  readonly next: S | null;
  readonly result: T;
}

/**
 * `S` is the state of the instance's strategy (the Key Level Grid's by default); the shell's generic code
 * decides on the envelope through the strategy module.
 */
export type DecideFn<T, S extends InstanceEnvelope = GridState> = (
  current: S | null,
  attempt: number,
) => Decision<T, S> | Promise<Decision<T, S>>;

export interface DecideAndSaveDeps {
  readonly store: Pick<StateStore, 'loadGrid' | 'saveGrid'>;
  readonly clock: Pick<Clock, 'sleep'>;
  /** Uniform in [0, 1); injected so that tests and replays are deterministic. */
  readonly random: () => number;
}

export interface DecideAndSaveOptions<S extends InstanceEnvelope = GridState> {
  /**
   * The state the caller has just read, used for the first attempt instead of reading it again (saves a
   * store round trip; a stale copy only costs a conflict and a re-read).
   */
  readonly current?: S | null;
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
}

export type DecideAndSaveOutcome<T, S extends InstanceEnvelope = GridState> =
  | {
      readonly ok: true;
      /** False when the decision changed nothing. */
      readonly saved: boolean;
      /** The state now stored (with its new version when saved). */
      readonly state: S | null;
      readonly result: T;
      readonly attempts: number;
    }
  | {
      readonly ok: false;
      readonly reason: 'conflicts';
      readonly attempts: number;
      readonly lastSeenVersion: number | null;
    };

export const DECIDE_AND_SAVE_DEFAULTS = { maxAttempts: 8, baseDelayMs: 10, maxDelayMs: 500 } as const;

export async function decideAndSave<T, S extends InstanceEnvelope = GridState>(
  deps: DecideAndSaveDeps,
  instanceId: string,
  decide: DecideFn<T, S>,
  options: DecideAndSaveOptions<S> = {},
): Promise<DecideAndSaveOutcome<T, S>> {
  const { maxAttempts, baseDelayMs, maxDelayMs } = { ...DECIDE_AND_SAVE_DEFAULTS, ...options };
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a whole number ≥ 1, got ${maxAttempts}`);
  }
  let lastSeenVersion: number | null = null;
  // A conflict on the caller's own copy only says that copy was stale, not that writers contend: the
  // first re-read follows at once; backoff starts from the next conflict.
  const fromCopy = options.current !== undefined ? 1 : 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const retry = attempt - 1 - fromCopy;
    if (retry >= 1) await deps.clock.sleep(backoffMs(deps.random, retry, baseDelayMs, maxDelayMs));
    const current =
      attempt === 1 && options.current !== undefined
        ? options.current
        : // The store holds the state of the instance's own strategy.
          ((await deps.store.loadGrid(instanceId)) as S | null);
    const { next, result } = await decide(current, attempt);
    if (next === null) return { ok: true, saved: false, state: current, result, attempts: attempt };
    if (next.instanceId !== instanceId) {
      throw new Error(
        `decide returned a state of instance ${next.instanceId} while deciding for ${instanceId}`,
      );
    }
    const expectedVersion = current?.version ?? 0;
    if (next.version !== expectedVersion) {
      throw new Error(
        `decide returned a state of version ${next.version} after being given version ${expectedVersion}; derive the next state from the one given`,
      );
    }
    const saved = await deps.store.saveGrid(next as unknown as GridState, expectedVersion);
    if (saved.ok) {
      return { ok: true, saved: true, state: { ...next, version: saved.version }, result, attempts: attempt };
    }
    lastSeenVersion = saved.currentVersion;
  }
  return { ok: false, reason: 'conflicts', attempts: maxAttempts, lastSeenVersion };
}

/** Full-jitter exponential backoff for the `retry`-th retry (1-based). */
export function backoffMs(
  random: () => number,
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
): number {
  const r = random();
  if (!(r >= 0 && r < 1)) throw new RangeError(`random() must return a number in [0, 1), got ${r}`);
  return Math.floor(r * Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1)));
}
