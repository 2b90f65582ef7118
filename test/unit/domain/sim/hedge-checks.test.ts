/**
 * The hedge grid's event checks, and the generic protection check per leg: each catches the violation it
 * names on a hand-written log, and passes the same log once the violation is mended.
 */
import { describe, expect, it } from 'vitest';
import { dec } from '../../../../shared/domain/money.js';
import { checkEventLog, type LoggedEvent } from '../../../../shared/domain/sim/event-checks.js';
import { checkHedgeLog, type HedgeLoggedEvent } from '../../../../shared/domain/sim/hedge-checks.js';

const spec = { legs: { long: 'LONG', short: 'SHORT' } as const, tickSize: dec('0.00001') };
const at = (s: number) => s * 1000;
const open = (
  ts: number,
  id: string,
  leg: 'long' | 'short',
  price: string,
  extra: Partial<HedgeLoggedEvent> = {},
): HedgeLoggedEvent => ({
  ts: at(ts),
  type: 'order_placed',
  instanceId: 'hg',
  clientOrderId: id,
  leg,
  orderRole: 'open',
  side: leg === 'long' ? 'buy' : 'sell',
  price,
  qty: '100',
  paramsVersion: 1,
  allowance: '200',
  ...extra,
});
const close = (
  ts: number,
  id: string,
  leg: 'long' | 'short',
  price: string,
  entry: string,
): HedgeLoggedEvent => ({
  ts: at(ts),
  type: 'order_placed',
  instanceId: 'hg',
  clientOrderId: id,
  leg,
  orderRole: 'close',
  side: leg === 'long' ? 'sell' : 'buy',
  price,
  qty: '100',
  paramsVersion: 1,
  entry,
  spacing: '0.001',
});
const fill = (
  ts: number,
  id: string,
  leg: 'long' | 'short',
  side: 'buy' | 'sell',
  price: string,
): HedgeLoggedEvent => ({
  ts: at(ts),
  type: 'fill',
  instanceId: 'hg',
  clientOrderId: id,
  leg,
  side,
  price,
  qty: '100',
});
const cancelled = (ts: number, id: string): HedgeLoggedEvent => ({
  ts: at(ts),
  type: 'order_cancelled',
  instanceId: 'hg',
  clientOrderId: id,
});

describe('the hedge checks', () => {
  it('passes a long cycle done right: open, fill, take-profit one spacing up, fill', () => {
    const log = [
      open(0, 'o1', 'long', '0.17'),
      fill(10, 'o1', 'long', 'buy', '0.17'),
      close(11, 'c1', 'long', '0.171', '0.17'),
      fill(50, 'c1', 'long', 'sell', '0.171'),
    ];
    expect(checkHedgeLog(log, spec)).toEqual([]);
  });

  it('flags a take-profit closer than one spacing to its entry (each side)', () => {
    expect(checkHedgeLog([close(0, 'c1', 'long', '0.1709', '0.17')], spec)).toEqual([
      '@1970-01-01T00:00:00.000Z order_placed c1: take-profit 0.1709 is closer than one spacing (0.001) above the entry 0.17',
    ]);
    expect(checkHedgeLog([close(0, 'c2', 'short', '0.1691', '0.17')], spec)[0]).toMatch(
      /below the entry 0\.17/,
    );
    // One tick of rounding is allowed.
    expect(checkHedgeLog([close(0, 'c3', 'long', '0.17099', '0.17')], spec)).toEqual([]);
  });

  it('flags coins held without a take-profit for more than a minute, unless a flatten is under way', () => {
    const bare = [
      open(0, 'o1', 'short', '0.17'),
      fill(10, 'o1', 'short', 'sell', '0.17'),
      close(80, 'c1', 'short', '0.169', '0.17'),
    ];
    expect(checkHedgeLog(bare, spec)).toEqual([
      '@1970-01-01T00:00:10.000Z: the short leg held coins without a take-profit for 70 s',
    ]);
    const quick = [
      open(0, 'o1', 'short', '0.17'),
      fill(10, 'o1', 'short', 'sell', '0.17'),
      close(20, 'c1', 'short', '0.169', '0.17'),
    ];
    expect(checkHedgeLog(quick, spec)).toEqual([]);
    const flattening: HedgeLoggedEvent[] = [
      open(0, 'o1', 'short', '0.17'),
      fill(10, 'o1', 'short', 'sell', '0.17'),
      { ts: at(11), type: 'alert', instanceId: 'hg', code: 'hedge_shutdown' },
    ];
    expect(checkHedgeLog(flattening, { ...spec, end: at(500) })).toEqual([]);
    expect(checkHedgeLog(flattening.slice(0, 2), { ...spec, end: at(500) })[0]).toMatch(
      /to the end of the run/,
    );
    // A flatten reports done per account: the long leg's account is done while the short leg is still
    // being worked down on the other; the flatten lasts until both are flat.
    const perAccount: HedgeLoggedEvent[] = [
      ...flattening,
      { ts: at(12), type: 'alert', instanceId: 'hg', code: 'flatten_done' },
      fill(200, 'x1', 'short', 'buy', '0.171'),
    ];
    expect(checkHedgeLog(perAccount, { ...spec, end: at(500) })).toEqual([]);
    // Once every leg is flat, a later bare holding is judged again.
    const after = [...perAccount, open(300, 'o2', 'short', '0.17'), fill(310, 'o2', 'short', 'sell', '0.17')];
    expect(checkHedgeLog(after, { ...spec, end: at(500) })).toEqual([
      expect.stringMatching(
        /the short leg held coins without a take-profit for 190 s \(to the end of the run\)/,
      ),
    ]);
  });

  it('flags opens of two parameter versions resting together beyond the grace', () => {
    const two = [
      open(0, 'o1', 'long', '0.17'),
      open(1, 'o2', 'long', '0.169', { paramsVersion: 2 }),
      cancelled(30, 'o1'),
    ];
    expect(checkHedgeLog(two, spec)).toEqual([
      '@1970-01-01T00:00:01.000Z: opening orders of two parameter versions rested together for 29 s',
    ]);
    const swapped = [
      open(0, 'o1', 'long', '0.17'),
      cancelled(1, 'o1'),
      open(1, 'o2', 'long', '0.169', { paramsVersion: 2 }),
    ];
    expect(checkHedgeLog(swapped, spec)).toEqual([]);
  });

  it('flags an open that could take the net past the allowance it states', () => {
    // Long holds 100, rests one open (100): a second open could make 300 > 200.
    const log = [
      open(0, 'o1', 'long', '0.17'),
      fill(1, 'o1', 'long', 'buy', '0.17'),
      close(2, 'c1', 'long', '0.171', '0.17'),
      open(3, 'o2', 'long', '0.169'),
      open(4, 'o3', 'long', '0.168'),
    ];
    expect(checkHedgeLog(log, spec)).toEqual([
      '@1970-01-01T00:00:04.000Z order_placed o3: an open on the long leg could take the net to 300, beyond the imbalance allowance 200',
    ]);
    // The short leg holding 100 with no take-profit resting offsets it.
    const hedged = [open(0, 's1', 'short', '0.18'), fill(0, 's1', 'short', 'sell', '0.18'), ...log];
    expect(checkHedgeLog(hedged, spec).filter((v) => v.includes('allowance'))).toEqual([]);
  });
});

describe('the generic protection check, per leg', () => {
  const stop = (ts: number, id: string, leg: string): LoggedEvent => ({
    ts: at(ts),
    type: 'stop_placed',
    instanceId: 'hg',
    clientOrderId: id,
    leg,
    side: 'sell',
    price: '0.16',
  });
  const base = { tickSize: dec('0.00001'), stepSize: dec('1') };

  it('holds each leg to a stop of its own: a stop on the long leg does not cover the short', () => {
    const log: LoggedEvent[] = [
      stop(0, 'sl', 'long'),
      fill(1, 'o1', 'long', 'buy', '0.17'),
      fill(2, 's1', 'short', 'sell', '0.17'),
      stop(100, 'ss', 'short'),
    ].map((e) => ({ ...e, holdings: undefined }));
    expect(checkEventLog(log, base)).toEqual([
      "hg @1970-01-01T00:00:02.000Z: the short leg's holdings had no covering stop for 98 s",
    ]);
    const covered = [...log.slice(0, 2), stop(3, 'ss', 'short'), log[2]!];
    expect(checkEventLog(covered, base)).toEqual([]);
  });

  it('keeps two legs at one level price apart: a long open and a short take-profit may both buy there', () => {
    const log: LoggedEvent[] = [
      {
        ts: 0,
        type: 'order_placed',
        instanceId: 'hg',
        clientOrderId: 'a',
        leg: 'long',
        side: 'buy',
        price: '0.17',
        qty: '1',
        level: '0.17',
      },
      {
        ts: 1,
        type: 'order_placed',
        instanceId: 'hg',
        clientOrderId: 'b',
        leg: 'short',
        side: 'buy',
        price: '0.17',
        qty: '1',
        level: '0.17',
      },
    ];
    expect(checkEventLog(log, { ...base, maxUnprotectedMs: null })).toEqual([]);
    const same = [log[0]!, { ...log[1]!, leg: 'long' }];
    expect(checkEventLog(same, { ...base, maxUnprotectedMs: null })[0]).toMatch(
      /a second live buy at level 0\.17/,
    );
  });
});
