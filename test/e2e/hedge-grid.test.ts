/**
 * The ATR hedge grid end to end (issues 17 and 18) on the real parts: two accounts on each venue's protocol
 * server (Binance USD-M and OKX v5, the same scenario on both)
 * (the paper engine behind it, real BTCUSDT history), the stream worker as a child process holding both
 * accounts' user streams and the market streams through ccxt pro, the recon, risk and admin Lambda
 * handlers in process, state in dynalite. A start on both legs, fills on both answered by take-profits
 * from the worker, a restart that resumes both legs exactly, and leg B failing (its orders refused) so
 * the sync rule flattens both through the closer.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { decodeClientOrderId } from '../../shared/domain/client-order-id.js';
import { type Decimal, dec, ZERO } from '../../shared/domain/money.js';
import type { HedgeGridState } from '../../shared/domain/strategies/hedge-grid/state.js';
import { ACCOUNTS, VENUES } from '../support/binance/paper-venue.js';
import { type E2e, startE2e, until } from '../support/e2e/harness.js';

const [A, B] = [ACCOUNTS[0].id, ACCOUNTS[1].id];
const ID = 'hedge1';

describe.each(VENUES)('the ATR hedge grid on two accounts, %s protocol', (venueId) => {
  const deployment = {
    accounts: [
      { id: A, exchange: venueId },
      { id: B, exchange: venueId },
    ],
    instances: [
      {
        id: ID,
        strategy: 'atr_hedge_grid',
        symbol: 'BTC/USDT:USDT',
        accounts: { long: A, short: B },
        grid: { timeframe: '1m', atr_period: 14, candles: 30, max_levels: 10, balance_usage: 0.05 },
        executor: { order_frequency_sec: 0, max_consecutive_rejections: 3 },
        risk: { max_position_imbalance_pct: 0.5 },
      },
    ],
  };

  let rig: E2e;
  let worker: ChildProcess | null = null;
  let risk: (e: unknown) => Promise<unknown>;

  const state = async () => (await rig.store.loadGrid(ID)) as HedgeGridState;
  const recon = () => rig.handlers.recon({ instanceId: ID, scheduledTime: rig.tick() });
  const ours = (account: string) =>
    rig.venue.engine
      .openOrders(account, 'BTCUSDT')
      .filter((o) => decodeClientOrderId(o.clientOrderId)?.instanceId === ID);
  const position = (account: string, side: 'LONG' | 'SHORT'): Decimal =>
    rig.venue.engine
      .positions(account, 'BTCUSDT')
      .find((p) => p.positionSide === side)
      ?.positionAmt.abs() ?? ZERO;
  const last = () => rig.venue.engine.lastPrice('BTCUSDT')!;
  const stops = (account: string) =>
    rig.venue.engine
      .openAlgoOrders(account, 'BTCUSDT')
      .filter((o) => decodeClientOrderId(o.clientAlgoId)?.kind === 'protective_stop');

  /** Moves the market by trades (stamped now) towards `to`, giving the worker time to answer each. */
  async function walk(to: Decimal, steps = 6): Promise<void> {
    const from = last();
    for (let i = 1; i <= steps; i++) {
      const price = from.plus(to.minus(from).times(i).dividedBy(steps)).toDecimalPlaces(1);
      for (const buyerIsMaker of [true, false])
        rig.venue.engine.applyTrade('BTCUSDT', { price, qty: dec('5'), buyerIsMaker });
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  /**
   * Forty minutes of 1-minute candles ending a minute ago, swinging ±0.4% around the last price: the
   * history the recompute reads its ATR channel from (the venue's own history is from 2025).
   */
  function recentHistory(): void {
    const mid = last();
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 41 * 60_000;
    let prev = mid;
    for (let i = 0; i < 40; i++) {
      const close = mid.times(dec(1).plus(dec(i % 4 < 2 ? '0.002' : '-0.002')));
      rig.venue.engine.applyCandle('BTCUSDT', {
        openTime: start + i * 60_000,
        open: prev,
        high: (prev.greaterThan(close) ? prev : close).times('1.002').toDecimalPlaces(1),
        low: (prev.lessThan(close) ? prev : close).times('0.998').toDecimalPlaces(1),
        close: close.toDecimalPlaces(1),
        volume: dec('10'),
      });
      prev = close.toDecimalPlaces(1);
    }
  }

  beforeAll(async () => {
    rig = await startE2e({ table: `gridbot-e2e-hedge-${venueId}`, deployment, venue: venueId });
    risk = (await import('../../functions/risk/handler.js')).handler as typeof risk;
  }, 60_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    worker = null;
    await rig?.stop();
  });

  it('starts both legs: parameters computed, leverage set on both accounts, opens on each', async () => {
    recentHistory();
    await recon();
    const s = await state();
    expect(s.paused).toBe(false);
    expect(s.params?.version).toBe(1);
    const p = s.params!;
    // Both accounts trade at the computed leverage.
    expect(rig.venue.engine.leverage(A, 'BTCUSDT')).toBe(p.leverage);
    expect(rig.venue.engine.leverage(B, 'BTCUSDT')).toBe(p.leverage);
    const longs = ours(A);
    const shorts = ours(B);
    expect(longs.length).toBeGreaterThan(0);
    expect(shorts.length).toBeGreaterThan(0);
    expect(longs.every((o) => o.positionSide === 'LONG' && o.side === 'BUY')).toBe(true);
    expect(shorts.every((o) => o.positionSide === 'SHORT' && o.side === 'SELL')).toBe(true);
    expect(longs.every((o) => o.origQty.equals(p.amountPerLevel))).toBe(true);
  }, 60_000);

  it('answers fills on both legs with take-profits from the stream worker', async () => {
    worker = rig.startWorker();
    await until('a healthy stream worker', () => rig.healthy(), 30_000);
    const s0 = await state();
    const spacing = s0.params!.spacing;
    // Down through the long leg's nearest opens, then up through the short leg's.
    await walk(last().minus(spacing.times(3)));
    await until('a long position with its take-profit and stop', async () => {
      const tps = ours(A).filter((o) => o.side === 'SELL' && o.type === 'LIMIT');
      return position(A, 'LONG').greaterThan(0) && tps.length > 0 && stops(A).length === 1;
    });
    await walk(last().plus(spacing.times(6)));
    await until('a short position with its take-profit', async () => {
      const tps = ours(B).filter((o) => o.side === 'BUY' && o.type === 'LIMIT');
      return position(B, 'SHORT').greaterThan(0) && tps.length > 0 && stops(B).length === 1;
    });
    expect(stops(A)[0]!.positionSide).toBe('LONG');
    expect(stops(B)[0]!.positionSide).toBe('SHORT');
    await until('the store holds both legs as the exchange does', async () => {
      const s = await state();
      return (
        s.legs.long!.ledgerQty.equals(position(A, 'LONG')) &&
        s.legs.short!.ledgerQty.equals(position(B, 'SHORT'))
      );
    });
    const s = await state();
    // Every coin held has its take-profit resting, one spacing from its entry.
    for (const role of ['long', 'short'] as const)
      for (const l of s.legs[role]!.grid.levels.filter((x) => x.held.greaterThan(0))) {
        expect(l.close?.qty.equals(l.held)).toBe(true);
        const gap = role === 'long' ? l.close!.price.minus(l.entry) : l.entry.minus(l.close!.price);
        expect(
          gap.greaterThanOrEqualTo(spacing.minus(rig.venue.engine.marketRules('BTCUSDT').tickSize)),
        ).toBe(true);
      }
  }, 90_000);

  it('resumes both legs exactly after a restart: the same orders, no second copy of any', async () => {
    // The worker's last answers may still be on their way (a busy machine): the baseline is the grid once
    // its orders and its stored state have stood still for a second.
    let seen = '';
    let still = 0;
    await until(
      'the grid at rest',
      async () => {
        const ids = [...ours(A), ...ours(B)].map((o) => o.clientOrderId).sort();
        const now = JSON.stringify([ids, (await state()).version]);
        still = now === seen ? still + 1 : 0;
        seen = now;
        return still >= 10;
      },
      30_000,
    );
    const before = await state();
    const ordersBefore = [...ours(A), ...ours(B)].map((o) => o.clientOrderId).sort();
    worker!.kill('SIGTERM');
    await until('the worker gone', async () => worker!.exitCode !== null || worker!.signalCode !== null);
    await recon();
    worker = rig.startWorker();
    await until('a healthy stream worker again', () => rig.healthy(), 30_000);
    await recon();
    const after = await state();
    const ordersAfter = [...ours(A), ...ours(B)].map((o) => o.clientOrderId).sort();
    expect(ordersAfter).toEqual(ordersBefore);
    for (const role of ['long', 'short'] as const) {
      const key = (s: HedgeGridState) =>
        s.legs[role]!.grid.levels.map((l) => `${l.key}:${l.held}:${l.open?.id ?? '-'}:${l.close?.id ?? '-'}`);
      expect(key(after)).toEqual(key(before));
    }
    expect(after.params?.version).toBe(before.params?.version);
  }, 90_000);

  it('flattens both legs through the closer when leg B fails', async () => {
    // Every order on account B refused three times: the short leg fails.
    rig.venue.engine.faults.rejectNext({
      count: 3,
      accountId: B,
      operations: ['placeOrder'],
      error: new PaperApiError(-2019, 'Margin is insufficient.'),
    });
    const spacing = (await state()).params!.spacing;
    await walk(last().plus(spacing.times(3)));
    await until('the short leg failed', async () => (await state()).legs.short?.failure ?? null, 30_000);
    const s = await state();
    expect(s.legs.short!.failure!.reason).toBe('3 of its orders were refused in a row');
    // The risk job's sync rule: both legs shut down and handed to the closer.
    await risk({ instanceId: ID, scheduledTime: rig.tick() });
    const down = await state();
    expect(down.shutdown?.reason).toMatch(/^the short leg failed/);
    expect(down.paused).toBe(true);
    // There was something to flatten, and no new opening order goes out from here.
    expect(position(A, 'LONG').plus(position(B, 'SHORT')).greaterThan(0)).toBe(true);
    // The worker works both positions down; the market keeps trading meanwhile.
    for (
      let i = 0;
      i < 80 && (position(A, 'LONG').greaterThan(0) || position(B, 'SHORT').greaterThan(0));
      i++
    )
      await walk(last().plus(i % 2 === 0 ? '20' : '-20'), 2);
    expect(position(A, 'LONG').toFixed()).toBe('0');
    expect(position(B, 'SHORT').toFixed()).toBe('0');
    await recon();
    expect(ours(A).filter((o) => o.type === 'LIMIT')).toEqual([]);
    expect(ours(B).filter((o) => o.type === 'LIMIT')).toEqual([]);
    const alerts = (await rig.journal(ID, 'alert')).map((e) => e.data.code);
    expect(alerts).toContain('hedge_leg_failed');
    expect(alerts).toContain('hedge_shutdown');
    // Handed to the worker's closer (its heartbeat is fresh), not closed at market from the Lambda.
    expect(alerts).toContain('flatten_started');
    expect(alerts).not.toContain('flatten_fallback');
  }, 120_000);
});
