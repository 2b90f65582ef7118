import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientOrderId,
  isOwnOrder,
  levelOrderId,
  protectiveStopOrderId,
  sliceOrderId,
  stopOrderId,
} from '../../../shared/domain/client-order-id.js';

const instanceArb = fc.stringMatching(/^[a-z0-9]{1,12}$/);

describe('client order ids', () => {
  it('round-trips (instance, level, side, seq) and stays alphanumeric within 32 characters (property)', () => {
    fc.assert(
      fc.property(
        instanceArb,
        fc.integer({ min: 0, max: 1295 }),
        fc.constantFrom('buy' as const, 'sell' as const),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (instanceId, level, side, seq) => {
          const id = levelOrderId(instanceId, level, side, seq);
          expect(id).toMatch(/^[A-Za-z0-9]{1,32}$/);
          expect(decodeClientOrderId(id)).toEqual({ kind: 'level', instanceId, level, side, seq });
        },
      ),
    );
  });

  it('round-trips stop order ids', () => {
    fc.assert(
      fc.property(instanceArb, fc.integer({ min: 0, max: 2 ** 40 }), (instanceId, seq) => {
        const id = stopOrderId(instanceId, seq);
        expect(id.length).toBeLessThanOrEqual(32);
        expect(decodeClientOrderId(id)).toEqual({ kind: 'stop', instanceId, seq });
      }),
    );
  });

  it('is a pure function of its inputs', () => {
    expect(levelOrderId('dogeklg', 7, 'buy', 100)).toBe(levelOrderId('dogeklg', 7, 'buy', 100));
    expect(levelOrderId('dogeklg', 7, 'buy', 100)).toBe('gbdogeklgL7B2s');
  });

  it('never mistakes another instance whose id starts with ours for ours', () => {
    const other = levelOrderId('doge2', 1, 'sell', 5);
    expect(isOwnOrder(other, 'doge')).toBe(false);
    expect(isOwnOrder(other, 'doge2')).toBe(true);
  });

  it('returns null for foreign ids', () => {
    expect(decodeClientOrderId('web_abc123')).toBeNull();
    expect(decodeClientOrderId('gbDOGEL1B1')).toBeNull();
    expect(decodeClientOrderId('')).toBeNull();
  });

  it('rejects instance ids that would break decoding', () => {
    expect(() => levelOrderId('Doge', 1, 'buy', 1)).toThrow(/instance id/);
    expect(() => levelOrderId('doge-klg', 1, 'buy', 1)).toThrow(/instance id/);
    expect(() => levelOrderId('doge', -1, 'buy', 1)).toThrow(/level/);
    expect(() => stopOrderId('doge', 1.5)).toThrow(/seq/);
  });

  it('round-trips the slices of the closer (with their run) and protective stops, never as another kind (property)', () => {
    fc.assert(
      fc.property(
        instanceArb,
        fc.stringMatching(/^[a-z0-9]{1,6}$/),
        fc.integer({ min: 0, max: 2 ** 30 }),
        fc.constantFrom<'LONG' | 'SHORT'>('LONG', 'SHORT'),
        (instanceId, run, seq, side) => {
          const slice = sliceOrderId(instanceId, run, seq);
          expect(slice).toMatch(/^[A-Za-z0-9]{1,32}$/);
          expect(decodeClientOrderId(slice)).toEqual({ kind: 'slice', instanceId, run, seq });
          const stop = protectiveStopOrderId(instanceId, side, seq);
          expect(decodeClientOrderId(stop)).toEqual({
            kind: 'protective_stop',
            instanceId,
            positionSide: side,
            seq,
          });
        },
      ),
    );
    expect(() => sliceOrderId('btc', 'Run1', 1)).toThrow(/run id/);
  });
});
