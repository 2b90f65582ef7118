import { describe, expect, it } from 'vitest';
import { gridStateToJson, parseGridState } from '../../../../../shared/domain/grid-state.js';
import { dec } from '../../../../../shared/domain/money.js';
import { paramsToJson, parseParams } from '../../../../../shared/domain/params.js';
import {
  initialKlgState,
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
    const json = JSON.parse(JSON.stringify(klgStateToJson(state)));
    expect(json.holdings).toBe('123.000000000000000001');
    const back = parseKlgState(json);
    expect(klgStateToJson(back)).toEqual(klgStateToJson(state));
    expect(back.holdings.equals(state.holdings)).toBe(true);
    expect(parseGridState(gridStateToJson(state))).toEqual(back);
  });

  it('names the corrupt field of a damaged state', () => {
    const json = klgStateToJson(initialKlgState('dogeklg', [dec('1')], 0)) as Record<string, unknown>;
    expect(() => parseKlgState({ ...json, holdings: 'abc' }, 'GRID#dogeklg')).toThrow(
      /GRID#dogeklg is corrupt: holdings/,
    );
    expect(() => parseKlgState(null)).toThrow(/corrupt: \(root\)/);
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
