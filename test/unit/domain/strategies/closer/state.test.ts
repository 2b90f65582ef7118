import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec } from '../../../../../shared/domain/money.js';
import { closerSettingsSchema, paramsFor } from '../../../../../shared/domain/strategies/closer/config.js';
import {
  initialSide,
  onMarket,
  onPlaced,
  type SideExec,
} from '../../../../../shared/domain/strategies/closer/engine.js';
import { closerSideToJson, parseCloserSide } from '../../../../../shared/domain/strategies/closer/state.js';
import {
  EMPTY_TAPE,
  marketView,
  onTapeEvent,
  type Tape,
} from '../../../../../shared/domain/strategies/closer/tape.js';
import { btcRules } from '../../../../support/rules.js';

const params = paramsFor(closerSettingsSchema.parse({}), 'BTC/USDT:USDT');
const rules = btcRules();

describe('the closer side state as stored', () => {
  it('round-trips through JSON whatever the engine made of a tape (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            dt: fc.integer({ min: 1, max: 900 }),
            p: fc.integer({ min: 999_000, max: 1_001_000 }),
            up: fc.boolean(),
          }),
          {
            maxLength: 40,
          },
        ),
        (ticks) => {
          let now = 1_000;
          let tape: Tape = EMPTY_TAPE;
          let exec: SideExec = initialSide('LONG', now);
          const pos = {
            qty: dec('0.3'),
            entry: dec('90000'),
            leverage: dec('10'),
            liquidation: dec('70000'),
          };
          for (const t of ticks) {
            now += t.dt;
            const price = dec(t.p).div(10);
            tape = onTapeEvent(
              tape,
              { type: 'trade', price: t.up ? price : price.minus('0.1') },
              now,
              params.accelWindowMs,
            );
            tape = onTapeEvent(
              tape,
              { type: 'bookTop', bid: price, ask: price.plus('0.1') },
              now,
              params.accelWindowMs,
            );
            const s = onMarket(
              exec,
              params,
              rules,
              pos,
              marketView(tape, now, params.accelWindowMs),
              now,
              'gbc1Cr1R',
            );
            exec = s.exec.state === 'PLACING' ? onPlaced(s.exec, s.exec.order!.clientOrderId, now) : s.exec;
            const json = closerSideToJson({ exec, tape });
            const back = parseCloserSide(JSON.parse(JSON.stringify(json)));
            expect(closerSideToJson(back)).toEqual(json);
            expect(back.exec.order?.qty.equals(exec.order?.qty ?? 0) ?? exec.order === null).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses a state it did not write, naming the field', () => {
    const good = closerSideToJson({ exec: initialSide('SHORT', 5), tape: EMPTY_TAPE }) as {
      exec: Record<string, unknown>;
      tape: unknown;
    };
    expect(() => parseCloserSide({ ...good, exec: { ...good.exec, mode: 'MARKET' } })).toThrow(/mode/);
    expect(() => parseCloserSide({ ...good, exec: { ...good.exec, state: 'WAITING' } })).toThrow(
      /an order is held exactly while PLACING, WAITING or CANCELING/,
    );
    expect(() => parseCloserSide({ ...good, exec: { ...good.exec, stopTrigger: 'abc' } })).toThrow(
      /stopTrigger/,
    );
    expect(() => parseCloserSide({ exec: good.exec })).toThrow(/tape/);
  });
});
