import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { createMemoryStateStore } from '../../shared/adapters/memory/index.js';
import {
  backoffMs,
  type DecideAndSaveDeps,
  decideAndSave,
} from '../../shared/application/decide-and-save.js';
import type { GridState } from '../../shared/domain/grid-state.js';
import { dec } from '../../shared/domain/money.js';
import { initialKlgState } from '../../shared/domain/strategies/klg/state.js';
import type { StateStore } from '../../shared/ports/state-store.js';

const T0 = Date.UTC(2025, 0, 1);
const fresh = (id = 'dns') => initialKlgState(id, [dec('1'), dec('2')], T0);
const bump = (s: GridState, by = 1): GridState => ({ ...s, nextSeq: s.nextSeq + by });

/** A store where another writer saves right after each of our first `interferences` loads. */
function contendedStore(store: StateStore, interferences: number): StateStore {
  let left = interferences;
  return Object.assign(Object.create(store) as StateStore, {
    async loadGrid(id: string) {
      const loaded = await store.loadGrid(id);
      if (loaded && left > 0) {
        left--;
        await store.saveGrid({ ...bump(loaded, 100), updatedAt: loaded.updatedAt + 1 }, loaded.version);
      }
      return loaded;
    },
  });
}

describe('decideAndSave', () => {
  let store: StateStore;
  let sleeps: number[];
  const deps = (s: StateStore = store, random = () => 0.5): DecideAndSaveDeps => ({
    store: s,
    random,
    clock: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
  });

  beforeEach(async () => {
    store = createMemoryStateStore();
    sleeps = [];
  });

  it('creates the grid when none exists and returns the decision with the saved state', async () => {
    const outcome = await decideAndSave(deps(), 'dns', (current) => ({
      next: current ?? fresh(),
      result: 'created',
    }));
    expect(outcome).toMatchObject({ ok: true, saved: true, result: 'created', attempts: 1 });
    expect(outcome.ok && outcome.state?.version).toBe(1);
    expect((await store.loadGrid('dns'))?.version).toBe(1);
  });

  it('writes nothing when the decision changes nothing', async () => {
    await store.saveGrid(fresh(), 0);
    const outcome = await decideAndSave(deps(), 'dns', () => ({ next: null, result: 0 }));
    expect(outcome).toMatchObject({ ok: true, saved: false, result: 0, attempts: 1 });
    expect(outcome.ok && outcome.state?.version).toBe(1);
    expect((await store.loadGrid('dns'))?.version).toBe(1);
  });

  it('re-decides on the winner’s state after losing a race, keeping only the last decision’s result', async () => {
    await store.saveGrid(fresh(), 0);
    const seen: number[] = [];
    const outcome = await decideAndSave(deps(contendedStore(store, 2)), 'dns', (current, attempt) => {
      seen.push(current?.nextSeq ?? -1);
      return { next: bump(current as GridState), result: `attempt ${attempt}` };
    });
    expect(seen).toEqual([0, 100, 200]);
    expect(outcome).toMatchObject({ ok: true, saved: true, result: 'attempt 3', attempts: 3 });
    const stored = await store.loadGrid('dns');
    expect(stored?.nextSeq).toBe(201);
    expect(stored?.version).toBe(4);
  });

  it('decides on the caller’s copy first, and on a conflict re-reads the store like any other attempt', async () => {
    await store.saveGrid(fresh(), 0);
    const callersCopy = await store.loadGrid('dns');
    let loads = 0;
    const counting = Object.assign(Object.create(store) as StateStore, {
      async loadGrid(id: string) {
        loads++;
        return store.loadGrid(id);
      },
    });
    const first = await decideAndSave(
      deps(counting),
      'dns',
      (current) => ({ next: bump(current as GridState), result: null }),
      { current: callersCopy },
    );
    expect(first).toMatchObject({ ok: true, saved: true, attempts: 1 });
    expect(loads).toBe(0);

    // The caller's copy is now stale (version 1, the store holds version 2): the save loses, the retry reads.
    const seen: number[] = [];
    const second = await decideAndSave(
      deps(counting),
      'dns',
      (current) => {
        seen.push(current?.version ?? -1);
        return { next: bump(current as GridState), result: null };
      },
      { current: callersCopy },
    );
    expect(seen).toEqual([1, 2]);
    expect(second).toMatchObject({ ok: true, saved: true, attempts: 2 });
    expect(loads).toBe(1);
    // A stale copy is not contention: the re-read follows at once, no backoff.
    expect(sleeps).toEqual([]);
    expect((await store.loadGrid('dns'))?.nextSeq).toBe(2);
  });

  it('gives up after maxAttempts, reporting the version it last saw, and saves nothing', async () => {
    await store.saveGrid(fresh(), 0);
    const outcome = await decideAndSave(
      deps(contendedStore(store, 10)),
      'dns',
      (current) => ({ next: bump(current as GridState, 1000), result: null }),
      { maxAttempts: 3 },
    );
    expect(outcome).toEqual({ ok: false, reason: 'conflicts', attempts: 3, lastSeenVersion: 4 });
    expect((await store.loadGrid('dns'))?.nextSeq).toBe(300);
  });

  it('waits a full-jitter backoff drawn from the injected randomness between attempts', async () => {
    await store.saveGrid(fresh(), 0);
    await decideAndSave(
      deps(contendedStore(store, 4), () => 0.75),
      'dns',
      (current) => ({ next: bump(current as GridState), result: null }),
      { baseDelayMs: 10, maxDelayMs: 50 },
    );
    expect(sleeps).toEqual([7, 15, 30, 37]);
  });

  it('refuses a decision that is not derived from the state it was given', async () => {
    await store.saveGrid(fresh(), 0);
    await expect(decideAndSave(deps(), 'dns', () => ({ next: fresh(), result: null }))).rejects.toThrow(
      /version 0 after being given version 1/,
    );
    await expect(
      decideAndSave(deps(), 'dns', (current) => ({
        next: { ...(current as GridState), instanceId: 'other' },
        result: null,
      })),
    ).rejects.toThrow(/instance other while deciding for dns/);
    await expect(
      decideAndSave(deps(), 'dns', () => ({ next: null, result: null }), { maxAttempts: 0 }),
    ).rejects.toThrow(/maxAttempts/);
  });
});

describe('backoffMs', () => {
  it('stays within [0, min(max, base × 2^(retry − 1))) for any randomness', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 60_000 }),
        (r, retry, base, max) => {
          const ms = backoffMs(() => r, retry, base, max);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThan(Math.min(max, base * 2 ** (retry - 1)));
          expect(Number.isInteger(ms)).toBe(true);
        },
      ),
    );
  });

  it('rejects randomness outside [0, 1)', () => {
    expect(() => backoffMs(() => 1, 1, 10, 100)).toThrow(/\[0, 1\)/);
    expect(() => backoffMs(() => Number.NaN, 1, 10, 100)).toThrow(/\[0, 1\)/);
  });
});
