import { describe, expect, it } from 'vitest';
import { dec } from '../../../../shared/domain/money.js';
import {
  type CheckedInstance,
  checkEventLog,
  type LoggedEvent,
  netFilled,
} from '../../../../shared/domain/sim/event-checks.js';

const T = Date.UTC(2025, 0, 6);
const spec: CheckedInstance = {
  sellGuard: {
    minProfitPct: dec('0.005'),
    sellQuotaRatio: dec('0.7'),
    baseAmountPerGrid: dec('100'),
  },
  tickSize: dec('0.00001'),
  stepSize: dec('1'),
  candles: [
    { openTime: T, high: dec('0.21'), low: dec('0.19') },
    { openTime: T + 60_000, high: dec('0.2'), low: dec('0.18') },
  ],
};
const ev = (over: Partial<LoggedEvent>): LoggedEvent => ({
  ts: T + 60_000,
  type: 'order_placed',
  instanceId: 'i',
  ...over,
});
const buyAt = (level: string, id: string, ts = T + 60_000): LoggedEvent =>
  ev({ ts, side: 'buy', price: level, qty: '100', level, clientOrderId: id, holdings: '0', avgEntry: '0' });
const fill = (
  side: 'buy' | 'sell',
  price: string,
  qty: string,
  id: string,
  holdings: string,
  ts = T + 60_000,
) => ev({ ts, type: 'fill', side, price, qty, clientOrderId: id, holdings, avgEntry: '0.2' });

const stopAt = (id: string, ts: number, qty?: string): LoggedEvent =>
  ev({ ts, type: 'stop_placed', side: 'sell', price: '0.17', clientOrderId: id, ...(qty ? { qty } : {}) });
const alert = (ts: number, severity: 'info' | 'warning' | 'critical'): LoggedEvent =>
  ev({ ts, type: 'alert', severity, code: 'x' });

/** A healthy cycle: buy placed, filled, delta sell placed above the guard, sold, buy re-placed. */
const healthy: LoggedEvent[] = [
  buyAt('0.2', 'b1'),
  fill('buy', '0.2', '100', 'b1', '100', T + 90_000),
  stopAt('st1', T + 90_500),
  ev({
    ts: T + 90_500,
    side: 'sell',
    price: '0.21',
    qty: '70',
    level: '0.21',
    clientOrderId: 's1',
    holdings: '100',
    avgEntry: '0.2',
  }),
  fill('sell', '0.2', '70', 's1', '30', T + 100_000),
  buyAt('0.2', 'b2', T + 100_000),
];

describe('checks on an event log', () => {
  it('finds nothing wrong in a healthy grid cycle', () => {
    expect(checkEventLog(healthy, spec)).toEqual([]);
    expect(netFilled(healthy).toFixed()).toBe('30');
  });

  it('flags a sell placed at or below avg entry × (1 + min_profit_pct)', () => {
    const out = checkEventLog(
      [
        ev({
          side: 'sell',
          price: '0.201',
          qty: '10',
          level: '0.201',
          clientOrderId: 's',
          holdings: '100',
          avgEntry: '0.2',
        }),
      ],
      spec,
    );
    expect(out).toEqual([expect.stringMatching(/sell at 0.201 is not above avg entry/)]);
  });

  it('flags grid sells beyond the quota of what was bought since flat, plus one unit', () => {
    const out = checkEventLog(
      [fill('buy', '0.2', '1000', 'b', '1000'), fill('sell', '0.2', '801', 's', '199')],
      { ...spec, candles: undefined },
    );
    expect(out).toEqual([expect.stringMatching(/sold 801 since flat exceeds/)]);
  });

  it('allows a stop that flattens the whole position', () => {
    expect(
      checkEventLog([fill('buy', '0.2', '1000', 'b', '1000'), fill('sell', '0.19', '1000', 'stop', '0')], {
        ...spec,
        candles: undefined,
      }),
    ).toEqual([]);
  });

  it('flags a second live buy at a level', () => {
    const out = checkEventLog([buyAt('0.2', 'b1'), buyAt('0.2', 'b2')], spec);
    expect(out).toEqual([expect.stringMatching(/second live buy at level 0.2 \(b1/)]);
  });

  it('does not take buys of no level (a closer working a short down) for grid buys of one level', () => {
    const noLevel = (id: string) =>
      ev({ side: 'buy', price: '0.2', qty: '100', clientOrderId: id, holdings: '0', avgEntry: '0' });
    expect(checkEventLog([noLevel('c1'), noLevel('c2')], spec)).toEqual([]);
  });

  it('forgets a buy once it is cancelled or filled', () => {
    const cancelled = [
      buyAt('0.2', 'b1'),
      ev({ type: 'order_cancelled', clientOrderId: 'b1' }),
      buyAt('0.2', 'b2'),
    ];
    expect(checkEventLog(cancelled, spec)).toEqual([]);
    const partly = [
      buyAt('0.2', 'b1'),
      fill('buy', '0.2', '40', 'b1', '40', T + 90_000),
      stopAt('st', T + 90_000),
      buyAt('0.2', 'b2', T + 90_000),
    ];
    expect(checkEventLog(partly, spec)).toEqual([expect.stringMatching(/second live buy/)]);
  });

  it('flags prices off the tick and quantities off the step', () => {
    const out = checkEventLog(
      [ev({ side: 'buy', price: '0.200001', qty: '1.5', level: '0.2', clientOrderId: 'x' })],
      spec,
    );
    expect(out).toEqual([expect.stringMatching(/off the tick/), expect.stringMatching(/off the step/)]);
  });

  it('flags a fill outside the candle it is stamped in, and one outside the data', () => {
    const covered = { ...spec, maxUnprotectedMs: null };
    expect(checkEventLog([fill('buy', '0.22', '100', 'b', '100', T + 59_999)], covered)).toEqual([
      expect.stringMatching(/outside its candle \[0.19, 0.21\]/),
    ]);
    // Stamped at the next candle's open it belongs to that candle; until that candle closes the market is
    // where the previous one closed, so a price within the previous range passes, one outside both not.
    expect(checkEventLog([fill('buy', '0.205', '100', 'b', '100', T + 60_000)], covered)).toEqual([]);
    expect(checkEventLog([fill('buy', '0.215', '100', 'b', '100', T + 60_000)], covered)).toEqual([
      expect.stringMatching(/outside its candle \[0.18, 0.2\]/),
    ]);
    expect(checkEventLog([fill('buy', '0.185', '100', 'b', '100', T + 90_000)], covered)).toEqual([]);
    // The paper book's one-tick spread: a taker one tick beyond the range passes, two ticks do not.
    expect(checkEventLog([fill('sell', '0.17999', '100', 'b', '100', T + 90_000)], covered)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/outside its candle/)]),
    );
    expect(checkEventLog([fill('sell', '0.17998', '100', 'b', '100', T + 90_000)], covered)).toEqual(
      expect.arrayContaining([expect.stringMatching(/outside its candle \[0.18, 0.2\]/)]),
    );
    expect(checkEventLog([fill('buy', '0.2', '100', 'b', '100', T - 1)], covered)).toEqual([
      expect.stringMatching(/outside the candle data/),
    ]);
    expect(checkEventLog([fill('buy', '0.2', '100', 'b', '100', T + 120_000)], covered)).toEqual([
      expect.stringMatching(/outside the candle data/),
    ]);
  });

  it('flags a holding left without a covering stop for more than a minute of market time', () => {
    const noCandles = { ...spec, candles: undefined };
    const bare = [fill('buy', '0.2', '100', 'b', '100', T), alert(T + 61_001, 'info')];
    expect(checkEventLog(bare, noCandles)).toEqual([expect.stringMatching(/no covering stop for 61 s/)]);
    const quick = [
      fill('buy', '0.2', '100', 'b', '100', T),
      stopAt('st', T + 200),
      alert(T + 600_000, 'info'),
    ];
    expect(checkEventLog(quick, noCandles)).toEqual([]);
    // A quantity stop smaller than the holdings does not cover them.
    const short = [
      fill('buy', '0.2', '100', 'b', '100', T),
      stopAt('st', T + 200, '100'),
      fill('buy', '0.2', '100', 'b2', '200', T + 1_000),
      stopAt('st2', T + 90_000),
    ];
    expect(checkEventLog(short, noCandles)).toEqual([expect.stringMatching(/no covering stop for 89 s/)]);
    // Cancelling the only stop while holding uncovers the position.
    const cancelled = [
      fill('buy', '0.2', '100', 'b', '100', T),
      stopAt('st', T + 200),
      ev({ ts: T + 1_000, type: 'stop_cancelled', clientOrderId: 'st' }),
    ];
    expect(checkEventLog(cancelled, { ...noCandles, end: T + 100_000 })).toEqual([
      expect.stringMatching(/no covering stop for 99 s/),
    ]);
  });

  it('flags a liquidation', () => {
    const liquidated = [
      fill('buy', '0.2', '100', 'b', '100', T),
      stopAt('st', T),
      ev({
        ts: T + 5_000,
        type: 'fill',
        side: 'sell',
        price: '0.15',
        qty: '100',
        clientOrderId: 'autoclose-1',
        holdings: '0',
        reason: 'liquidation',
      }),
    ];
    expect(checkEventLog(liquidated, { ...spec, candles: undefined })).toEqual([
      expect.stringMatching(/liquidated at 0.15/),
    ]);
  });

  it('flags more than 24 warning or critical alerts in one day, once, and ignores info alerts', () => {
    const noCandles = { ...spec, candles: undefined };
    const storm = Array.from({ length: 30 }, (_, i) => alert(T + i * 1000, i % 2 ? 'warning' : 'critical'));
    expect(checkEventLog(storm, noCandles)).toEqual([
      expect.stringMatching(/more than 24 warning\/critical alerts/),
    ]);
    const chatty = Array.from({ length: 100 }, (_, i) => alert(T + i * 1000, 'info'));
    const spread = Array.from({ length: 48 }, (_, i) => alert(T + i * 3_600_000, 'warning'));
    expect(checkEventLog([...chatty, ...spread], noCandles)).toEqual([]);
  });

  it('flags holdings that disagree with what was bought and sold', () => {
    expect(checkEventLog([fill('buy', '0.2', '100', 'b', '90')], { ...spec, candles: undefined })).toEqual([
      expect.stringMatching(/holdings 90 ≠ bought − sold = 100/),
    ]);
  });
});
