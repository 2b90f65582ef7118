/** Store contract, part 1: versioned grid state and idempotent fills. */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { decideAndSave } from '../../../shared/application/decide-and-save.js';
import { gridStateToJson } from '../../../shared/domain/grid-state.js';
import { dec } from '../../../shared/domain/money.js';
import type { Fill } from '../../../shared/domain/orders.js';
import { asKlgState, type KlgState as GridState } from '../../../shared/domain/strategies/klg/state.js';
import { loadKlg } from '../../support/strategies/klg/state.js';
import type { StoreBackend, StoreHarness } from './backends.js';
import { busyGridState, T0 } from './builders.js';
import { gridStateArb } from './grid-arbitrary.js';
import { modelDecisions } from './grid-decisions.js';

const asSaved = (state: GridState, version: number) => gridStateToJson({ ...state, version });

export function buyFill(tradeId: string, price: string, qty: string, time: number): Fill {
  return {
    tradeId,
    symbol: 'DOGE/USDC:USDC',
    clientOrderId: `manual${tradeId}`,
    exchangeOrderId: `9${tradeId}`,
    side: 'buy',
    positionSide: 'LONG',
    price: dec(price),
    qty: dec(qty),
    fee: dec('0.0012'),
    isMaker: true,
    time,
  };
}

export function gridContract(backend: () => StoreBackend): void {
  describe('grid state', () => {
    let h: StoreHarness;
    beforeEach(async () => {
      h = await backend().fresh(() => T0);
    });

    it('loads nothing for an instance that has no grid yet', async () => {
      expect(await loadKlg(h.store, 'nogrid')).toBeNull();
    });

    it('saves a new grid as version 1 and reads back every field losslessly', async () => {
      const state = busyGridState('busy');
      expect(await h.store.saveGrid(state, 0)).toEqual({ ok: true, version: 1 });
      const loaded = await loadKlg(h.store, 'busy');
      expect(loaded && gridStateToJson(loaded)).toEqual(asSaved(state, 1));
      expect(loaded?.avgEntry.equals(state.avgEntry)).toBe(true);
      expect(loaded?.levels[0]?.order?.qty.toFixed()).toBe('158.000000000000000000000000000000000001');
      expect(loaded?.realizedPnl.toFixed()).toBe('-12.345678901234567890123456789');
    });

    it('increments the version by exactly one on each save', async () => {
      let state = busyGridState('steps');
      for (let v = 0; v < 4; v++) {
        const saved = await h.store.saveGrid({ ...state, nextSeq: 20 + v }, v);
        expect(saved).toEqual({ ok: true, version: v + 1 });
        state = (await loadKlg(h.store, 'steps')) as GridState;
        expect(state.version).toBe(v + 1);
        expect(state.nextSeq).toBe(20 + v);
      }
    });

    it('refuses a save based on a stale version, keeps the winner, and reports the current version', async () => {
      const state = busyGridState('stale');
      await h.store.saveGrid(state, 0);
      const v1 = (await loadKlg(h.store, 'stale')) as GridState;
      expect(await h.store.saveGrid({ ...v1, nextSeq: 100 }, 1)).toEqual({ ok: true, version: 2 });
      const lost = await h.store.saveGrid({ ...v1, nextSeq: 999 }, 1);
      expect(lost).toEqual({ ok: false, conflict: true, currentVersion: 2 });
      expect((await loadKlg(h.store, 'stale'))?.nextSeq).toBe(100);
    });

    it('refuses to create a grid that already exists', async () => {
      const state = busyGridState('twice');
      await h.store.saveGrid(state, 0);
      expect(await h.store.saveGrid({ ...state, nextSeq: 1 }, 0)).toEqual({
        ok: false,
        conflict: true,
        currentVersion: 1,
      });
      expect((await loadKlg(h.store, 'twice'))?.nextSeq).toBe(state.nextSeq);
    });

    it('reports a conflict without a current version when the grid was never created', async () => {
      const state = { ...busyGridState('ghost'), version: 3 };
      expect(await h.store.saveGrid(state, 3)).toEqual({ ok: false, conflict: true, currentVersion: null });
      expect(await loadKlg(h.store, 'ghost')).toBeNull();
    });

    it('throws when the state was not derived from the expected version', async () => {
      await expect(h.store.saveGrid({ ...busyGridState('mixed'), version: 4 }, 5)).rejects.toThrow(
        /state.version 4 differs from expectedVersion 5/,
      );
      await expect(h.store.saveGrid(busyGridState('neg'), -1)).rejects.toThrow(/expectedVersion/);
    });

    it('keeps the grids of different instances apart', async () => {
      await h.store.saveGrid({ ...busyGridState('one'), nextSeq: 1 }, 0);
      await h.store.saveGrid({ ...busyGridState('two'), nextSeq: 2 }, 0);
      expect((await loadKlg(h.store, 'one'))?.nextSeq).toBe(1);
      expect((await loadKlg(h.store, 'two'))?.nextSeq).toBe(2);
    });

    it('round-trips arbitrary grid states losslessly', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(gridStateArb(fc.constant('x')), async (generated) => {
          const state = { ...generated, instanceId: `prop${++n}` };
          expect(await h.store.saveGrid(state, 0)).toEqual({ ok: true, version: 1 });
          const loaded = await loadKlg(h.store, state.instanceId);
          expect(loaded && gridStateToJson(loaded)).toEqual(asSaved(state, 1));
        }),
        { numRuns: backend().remote ? 25 : 150 },
      );
    });
  });

  describe('fill idempotency', () => {
    let h: StoreHarness;
    const deps = () => ({ store: h.store, clock: { sleep: async () => {} }, random: () => 0.5 });
    const applyFill = (fill: Fill) =>
      decideAndSave(deps(), 'fills', (current) => {
        const next = current && modelDecisions.onFill(asKlgState(current)!, fill);
        return { next, result: next !== null };
      });

    beforeEach(async () => {
      h = await backend().fresh(() => T0);
      await h.store.saveGrid({ ...busyGridState('fills'), recentTrades: [] }, 0);
    });

    it('applies a fill once when it is delivered twice', async () => {
      const fill = buyFill('700001', '0.30125', '158', T0 + 10);
      const first = await applyFill(fill);
      const second = await applyFill(fill);
      expect(first).toMatchObject({ ok: true, saved: true, result: true });
      expect(second).toMatchObject({ ok: true, saved: false, result: false });
      const state = (await loadKlg(h.store, 'fills')) as GridState;
      expect(state.holdings.toFixed()).toBe('474.5');
      expect(state.recentTrades.map((t) => t.id)).toEqual(['700001']);
      expect(state.version).toBe(2);
    });

    it('applies a fill once when two writers deliver it at the same moment', async () => {
      const fill = buyFill('700002', '0.3155', '10.5', T0 + 20);
      const outcomes = await Promise.all([applyFill(fill), applyFill(fill)]);
      expect(outcomes.filter((o) => o.ok && o.saved)).toHaveLength(1);
      const state = (await loadKlg(h.store, 'fills')) as GridState;
      expect(state.holdings.toFixed()).toBe('327');
      expect(state.recentTrades.map((t) => t.id)).toEqual(['700002']);
    });
  });
}
