/** The readable line `gridbot run` prints per trading event (event-line.ts). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventKey, eventLine } from '../../shared/application/event-line.js';
import type { TradingEvent, TradingEventType } from '../../shared/ports/events.js';

const T = Date.UTC(2026, 11, 6, 12, 4, 31);
const base = { ts: T, instanceId: 'dogeklg' };

describe('eventLine', () => {
  it('says what happened, at what price and size, in UTC', () => {
    const lines = (
      [
        { ...base, type: 'order_placed', side: 'buy', qty: '100', price: '0.18', level: '0.18' },
        { ...base, type: 'order_amended', side: 'sell', qty: '100', price: '0.2' },
        { ...base, type: 'order_cancelled', side: 'buy', qty: '100', price: '0.17', reason: 'rebuild' },
        { ...base, type: 'order_rejected', side: 'buy', qty: '100', price: '0.16', code: 'pre_trade_budget' },
        {
          ...base,
          type: 'fill',
          side: 'buy',
          qty: '100',
          price: '0.18',
          fee: '0.0036',
          holdings: '100',
          avgEntry: '0.18',
          tradeId: '7',
        },
        { ...base, type: 'fill', side: 'sell', qty: '100', price: '0.15', reason: 'stop', leg: 'long' },
        { ...base, type: 'stop_placed', price: '0.1455', qty: '100' },
        { ...base, type: 'stop_cancelled', price: '0.1455' },
        { ...base, type: 'alert', severity: 'critical', code: 'risk_breach', reason: 'no stop covers it' },
        { ...base, type: 'alert', severity: 'warning', code: 'stale' },
      ] as TradingEvent[]
    ).map(eventLine);
    expect(lines).toEqual([
      '12:04:31 dogeklg  BUY   100 @ 0.18  placed (level 0.18)',
      '12:04:31 dogeklg  SELL  100 @ 0.2  amended',
      '12:04:31 dogeklg  BUY   100 @ 0.17  cancelled: rebuild',
      '12:04:31 dogeklg  BUY   100 @ 0.16  REFUSED pre_trade_budget',
      '12:04:31 dogeklg  FILL  BUY 100 @ 0.18  fee 0.0036  → holdings 100 @ 0.18',
      '12:04:31 dogeklg  FILL  SELL 100 @ 0.15 (stop) [long]',
      '12:04:31 dogeklg  STOP  placed @ 0.1455 for 100',
      '12:04:31 dogeklg  STOP  cancelled @ 0.1455',
      '12:04:31 dogeklg  ALERT! risk_breach: no stop covers it',
      '12:04:31 dogeklg  alert  stale',
    ]);
  });

  it('leaves info alerts to the log', () => {
    expect(eventLine({ ...base, type: 'alert', severity: 'info', code: 'fill' })).toBeNull();
  });

  it('gives every event but info alerts one line naming its time and instance, and one key to its repeats', () => {
    const types: TradingEventType[] = [
      'order_placed',
      'order_amended',
      'order_cancelled',
      'order_rejected',
      'fill',
      'stop_placed',
      'stop_cancelled',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.stringMatching(/^[a-z0-9]{1,12}$/),
        fc.option(fc.constantFrom('buy', 'sell') as fc.Arbitrary<'buy' | 'sell'>, { nil: undefined }),
        fc.option(fc.stringMatching(/^[0-9]{1,4}(\.[0-9]{1,4})?$/), { nil: undefined }),
        fc.nat(),
        (type, ts, instanceId, side, price, trade) => {
          const e: TradingEvent = { ts, type, instanceId, side, price, tradeId: String(trade) };
          const line = eventLine(e)!;
          expect(line.startsWith(`${new Date(ts).toISOString().slice(11, 19)} ${instanceId}  `)).toBe(true);
          expect(line).not.toContain('\n');
          if (price) expect(line).toContain(`@ ${price}`);
          // A fill recorded again (same trade) has the same key; another trade, another key.
          expect(eventKey({ ...e })).toBe(eventKey(e));
          if (type === 'fill') expect(eventKey({ ...e, tradeId: `${trade}x` })).not.toBe(eventKey(e));
        },
      ),
    );
  });
});
