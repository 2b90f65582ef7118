import { describe, expect, it } from 'vitest';
import { InFlight } from '../../shared/composition/sim/in-flight.js';
import type { StateStore } from '../../shared/ports/state-store.js';

/** A store whose answers take the given real latencies (ms), in call order. */
function slowStore(latencies: number[]): StateStore {
  const pending = [...latencies];
  return {
    loadGrid: async () => {
      await new Promise((r) => setTimeout(r, pending.shift() ?? 0));
      return null;
    },
  } as unknown as StateStore;
}

/** A store that answers at once (like the in-memory store), or after the given real latency. */
function storeAnswering(latencyMs: number | null): StateStore {
  return {
    loadGrid: async () => {
      if (latencyMs !== null) await new Promise((r) => setTimeout(r, latencyMs));
      return null;
    },
  } as unknown as StateStore;
}

/** Worker `a` starts at once; worker `b` reaches its first store call a few promise hops later. */
async function lateStarter(latencyMs: number | null, hops = 8): Promise<string[]> {
  const flight = new InFlight();
  const store = flight.store(storeAnswering(latencyMs));
  const log: string[] = [];
  const work = async (name: string, hops: number) => {
    for (let h = 0; h < hops; h++) await Promise.resolve();
    for (let i = 0; i < 3; i++) {
      await store.loadGrid(name);
      log.push(`${name}${i}`);
    }
  };
  await Promise.all([work('a', 0), work('b', hops)]);
  await flight.settle();
  return log;
}

/** Two workers each making three store calls, logging after each answer. */
async function interleaving(latencies: number[], serialStore: boolean): Promise<string[]> {
  const flight = new InFlight({ serialStore });
  const store = flight.store(slowStore(latencies));
  const log: string[] = [];
  const work = async (name: string) => {
    for (let i = 0; i < 3; i++) {
      await store.loadGrid(name);
      log.push(`${name}${i}`);
    }
  };
  await Promise.all([work('a'), work('b')]);
  const before = flight.turns;
  await flight.settle();
  expect(flight.storeCalls).toBe(6);
  // Nothing in flight any more: one turn, to let the last continuations run.
  expect(flight.turns - before).toBe(1);
  // Serially, each answer came on a turn of its own.
  if (serialStore) expect(before).toBeGreaterThanOrEqual(6);
  return log;
}

describe('in-flight store calls', () => {
  it('interleave the same way whatever the store latency, when serialised', async () => {
    const fastFirst = await interleaving([1, 15, 1, 15, 1, 15], true);
    const slowFirst = await interleaving([15, 1, 15, 1, 15, 1], true);
    expect(slowFirst).toEqual(fastFirst);
  });

  it('interleave the same way when the store answers at once as when it answers over I/O', async () => {
    for (const hops of [0, 5, 10, 20, 40]) {
      const atOnce = await lateStarter(null, hops);
      expect(await lateStarter(5, hops), `b starting ${hops} hops late`).toEqual(atOnce);
      expect(atOnce).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    }
  });

  it('follow the latency when not serialised (why the simulator serialises them)', async () => {
    const fastFirst = await interleaving([1, 15, 1, 15, 1, 15], false);
    const slowFirst = await interleaving([15, 1, 15, 1, 15, 1], false);
    expect(slowFirst).not.toEqual(fastFirst);
  });

  it('settle only once nothing is in flight', async () => {
    const flight = new InFlight();
    const store = flight.store(slowStore([20]));
    let answered = false;
    void store.loadGrid('a').then(() => {
      answered = true;
    });
    await flight.settle();
    expect(answered).toBe(true);
  });
});
