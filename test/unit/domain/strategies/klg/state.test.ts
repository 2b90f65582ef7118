import { describe, expect, it } from 'vitest';
import { gridStateToJson, parseGridState } from '../../../../../shared/domain/grid-state.js';
import { dec } from '../../../../../shared/domain/money.js';
import { paramsToJson, parseParams } from '../../../../../shared/domain/params.js';
import { readStoredInstance, type StoredInstance } from '../../../../../shared/domain/stored-instance.js';
import {
  initialKlgState,
  KLG_STATE_WRITE_SCHEMA,
  klgStateSchema,
  klgStateToJson,
  parseKlgState,
} from '../../../../../shared/domain/strategies/klg/state.js';

describe('grid state serialization', () => {
  it('builds sorted, de-duplicated levels with stable indices', () => {
    const s = initialKlgState('dogeklg', [dec('0.2'), dec('0.1'), dec('0.15'), dec('0.1')], 1000);
    expect(s.levels.map((l) => l.price.toFixed())).toEqual(['0.1', '0.15', '0.2']);
    expect(s.levels.map((l) => l.index)).toEqual([0, 1, 2]);
    expect(s.levels.every((l) => l.state === 'IDLE' && l.order === null && l.fillCounter === 0)).toBe(true);
  });

  it('round-trips through plain JSON losslessly, Decimals as strings', () => {
    const base = initialKlgState('dogeklg', [dec('0.15'), dec('0.16')], 1000, { anchorPrice: dec('0.155') });
    const state = {
      ...base,
      holdings: dec('123.000000000000000001'),
      avgEntry: dec('0.1512345'),
      levels: base.levels.map((l, i) =>
        i === 0
          ? {
              ...l,
              state: 'ACTIVE' as const,
              fillCounter: 1,
              order: {
                clientOrderId: 'gbdogeklgL0B1',
                exchangeOrderId: '42',
                side: 'buy' as const,
                price: dec('0.15'),
                qty: dec('100'),
                filledQty: dec('30'),
                openQty: dec('70'),
                seq: 1,
                pending: null,
                uncertain: false,
              },
            }
          : l,
      ),
      recentTrades: [{ id: '77', time: 5 }],
      fillCursor: { time: 5, tradeId: '77' },
    };
    for (const schema of [1, 2] as const) {
      const json = JSON.parse(JSON.stringify(klgStateToJson(state, schema)));
      expect(schema === 1 ? json.holdings : json.body.holdings).toBe('123.000000000000000001');
      const back = parseKlgState(json);
      expect(klgStateToJson(back, schema)).toEqual(klgStateToJson(state, schema));
      expect(back).toEqual(
        parseKlgState(JSON.parse(JSON.stringify(klgStateToJson(state, (3 - schema) as 1 | 2)))),
      );
    }
    const back = parseKlgState(JSON.parse(JSON.stringify(klgStateToJson(state))));
    expect(back.holdings.equals(state.holdings)).toBe(true);
    expect(parseGridState(gridStateToJson(state))).toEqual(back);
  });

  it('names the corrupt field of a damaged state', () => {
    const json = klgStateToJson(initialKlgState('dogeklg', [dec('1')], 0), 2) as StoredInstance;
    expect(() => parseKlgState({ ...json, body: { ...json.body, holdings: 'abc' } }, 'GRID#dogeklg')).toThrow(
      /GRID#dogeklg is corrupt: holdings/,
    );
    expect(() => parseKlgState({ ...json, legs: {} }, 'GRID#dogeklg')).toThrow(
      /corrupt: legs\.grid: missing/,
    );
    expect(() => parseKlgState({ ...json, nextSeq: -1 }, 'GRID#dogeklg')).toThrow(/corrupt: nextSeq/);
    expect(() => parseKlgState(null)).toThrow(/corrupt: \(root\)/);
  });

  it('stores the strategy-neutral envelope: shared fields, the leg cursor, live orders as slots, the grid in body', () => {
    const base = initialKlgState('dogeklg', [dec('0.15'), dec('0.16')], 1000);
    const state = {
      ...base,
      nextSeq: 9,
      fillCursor: { time: 5, tradeId: '77' },
      recentTrades: [{ id: '77', time: 5 }],
      levels: base.levels.map((l, i) =>
        i === 0
          ? {
              ...l,
              state: 'ACTIVE' as const,
              order: {
                clientOrderId: 'gbdogeklgL0B8',
                exchangeOrderId: 'x1',
                side: 'buy' as const,
                price: dec('0.15'),
                qty: dec('100'),
                filledQty: dec('40'),
                openQty: dec('60'),
                seq: 8,
                pending: null,
                uncertain: false,
              },
            }
          : l,
      ),
      stops: [
        {
          clientOrderId: 'gbdogeklgT7',
          exchangeOrderId: null,
          triggerPrice: dec('0.14'),
          coveredQty: dec('40'),
          closePosition: true,
          state: 'PLACING' as const,
          since: 1000,
          uncertain: true,
        },
      ],
    };
    const stored = readStoredInstance(JSON.parse(JSON.stringify(klgStateToJson(state, 2))));
    expect(stored).toMatchObject({
      schema: 2,
      strategy: 'key_level_grid',
      instanceId: 'dogeklg',
      nextSeq: 9,
      legs: { grid: { fillCursor: { time: 5, tradeId: '77' }, recentTrades: [{ id: '77', time: 5 }] } },
    });
    expect(
      stored.orders.map((o) => [
        o.clientOrderId,
        o.kind,
        o.side,
        o.price?.toFixed(),
        o.qty?.toFixed() ?? null,
        o.filled.toFixed(),
        o.pending,
        o.uncertain,
      ]),
    ).toEqual([
      ['gbdogeklgL0B8', 'limit', 'buy', '0.15', '100', '40', null, false],
      ['gbdogeklgT7', 'stop', 'sell', '0.14', null, '0', 'place', true],
    ]);
    expect(Object.keys(stored.body)).not.toContain('fillCursor');
    expect(Object.keys(stored.body)).toContain('levels');
  });

  it('this release still writes the flat document the previous release reads (rollback-safe), and reads both', () => {
    const state = {
      ...initialKlgState('dogeklg', [dec('0.15')], 1000),
      holdings: dec('5'),
      avgEntry: dec('0.15'),
    };
    const written = JSON.parse(JSON.stringify(klgStateToJson(state)));
    expect(KLG_STATE_WRITE_SCHEMA).toBe(1);
    expect(written.schema).toBe(1);
    // The previous release parsed with exactly this schema.
    expect(klgStateSchema.parse(written)).toEqual(state);
  });

  it('loads an item written before the seam (flat schema 1) unchanged, and stores it as an envelope', () => {
    const base = initialKlgState('dogeklg', [dec('0.15'), dec('0.16')], 1000, { anchorPrice: dec('0.155') });
    const state = {
      ...base,
      holdings: dec('50'),
      avgEntry: dec('0.151'),
      fillCursor: { time: 7, tradeId: '9' },
    };
    // Today's items: the state as it was stored, Decimals as strings, every field at the top.
    const legacy = JSON.parse(JSON.stringify(state));
    expect(legacy.schema).toBe(1);
    const loaded = parseKlgState(legacy);
    expect(loaded).toEqual(state);
    expect(parseGridState(legacy)).toEqual(state);
    const rewritten = JSON.parse(JSON.stringify(klgStateToJson(loaded, 2)));
    expect(rewritten.schema).toBe(2);
    expect(parseKlgState(rewritten)).toEqual(state);
  });
});

describe('params record serialization', () => {
  it('round-trips with the audit trail', () => {
    const p = {
      instanceId: 'dogeklg',
      version: 3,
      computedAt: 1000,
      source: 'atr' as const,
      levelPrices: [dec('0.1'), dec('0.2')],
      anchorPrice: dec('0.15'),
      grid: { spacing: '0.001' },
      audit: { atr: '0.0123' },
    };
    const back = parseParams(JSON.parse(JSON.stringify(paramsToJson(p))));
    expect(back.levelPrices.map((d) => d.toFixed())).toEqual(['0.1', '0.2']);
    expect(back.grid).toEqual({ spacing: '0.001' });
  });
});
