/**
 * The reduce-only closer end to end (issues 16 and 18) on the real parts: the stream worker as a child process
 * holding the market streams (bookTicker, aggTrade, markPrice) and the user stream through ccxt pro, the
 * Binance and OKX protocol servers (the same scenario on each) on the paper engine replaying real BTCUSDT
 * trade ticks, the recon Lambda handler
 * in process, state in dynalite.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClientOrderId, sliceOrderId } from '../../shared/domain/client-order-id.js';
import { type Decimal, dec, ZERO } from '../../shared/domain/money.js';
import { roleOf } from '../../shared/domain/strategies/closer/module.js';
import type { CloserState } from '../../shared/domain/strategies/closer/state.js';
import { ACCOUNTS, VENUES } from '../support/binance/paper-venue.js';
import { type E2e, startE2e, until } from '../support/e2e/harness.js';
import { readTicks, TICK_FILES } from '../support/ticks.js';

const account = ACCOUNTS[0];
const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';
const tape = readTicks(TICK_FILES[1]);

describe.each(VENUES)('the closer on the %s protocol server, real ticks', (venueId) => {
  const deployment = {
    accounts: [{ id: account.id, exchange: venueId }],
    instances: [
      {
        id: 'closer1',
        strategy: 'closer',
        account: account.id,
        // Slices are min qty × base_mult (at most × max_mult): OKX's minimum is 0.0001 BTC (0.01 contracts),
        // Binance's 0.001, so OKX takes ten times the multipliers for the same slices.
        execution:
          venueId === 'okx'
            ? { base_mult: '50', max_mult: '100', order_ttl_ms: 1_000 }
            : { base_mult: '5', order_ttl_ms: 1_000 },
        symbols: {
          [BTC]: {},
          // ETH gets no ticks but the ones a test feeds: its slices rest (a long TTL) until something ends them.
          [ETH]: { execution: { order_ttl_ms: 600_000 } },
        },
      },
    ],
  };

  let rig: E2e;
  let worker: ChildProcess | null = null;

  const positionOf = (symbol: string, side: 'LONG' | 'SHORT'): Decimal =>
    rig.venue.engine
      .positions(account.id, symbol)
      .find((p) => p.positionSide === side)
      ?.positionAmt.abs() ?? ZERO;
  const open = (symbol: string, side: 'LONG' | 'SHORT', qty: string, id: string) =>
    rig.venue.engine.placeOrder(account.id, {
      symbol,
      side: side === 'LONG' ? 'BUY' : 'SELL',
      type: 'MARKET',
      quantity: dec(qty),
      positionSide: side,
      newClientOrderId: id,
    });
  const recon = () => rig.handlers.recon({ instanceId: 'closer1', scheduledTime: rig.tick() });
  const state = async () => (await rig.store.loadGrid('closer1')) as CloserState;
  const openSlices = (symbol: string) =>
    rig.venue.engine
      .openOrders(account.id, symbol)
      .filter((o) => decodeClientOrderId(o.clientOrderId)?.kind === 'slice')
      .map((o) => o.clientOrderId);
  const sliceIds = (symbol: string) =>
    rig.venue.engine
      .allOrders(account.id, symbol)
      .filter((o) => decodeClientOrderId(o.clientOrderId)?.kind === 'slice')
      .map((o) => o.clientOrderId);

  /**
   * Replays the tape from `from` onward, a few ms a trade, until `done` (at most `max` trades; at its end it
   * starts over: the same real moves again), or until `deadlineMs` of wall time have gone; returns where it
   * stopped. The closer acts only on fresh data (1.5 s), so on a loaded machine it acts on fewer of the
   * trades: the tape runs on, up to the deadline, rather than for a fixed number of trades.
   */
  async function replay(
    from: number,
    done: () => boolean,
    max = Number.POSITIVE_INFINITY,
    deadlineMs = 75_000,
  ): Promise<number> {
    const deadline = Date.now() + deadlineMs;
    let i = from;
    for (; i < from + max && !done() && Date.now() < deadline; i++) {
      const t = tape[i % tape.length]!;
      rig.venue.engine.applyTrade('BTCUSDT', { price: t.price, qty: t.qty, buyerIsMaker: t.sellerTook });
      if (i % 4 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    return i;
  }

  beforeAll(async () => {
    rig = await startE2e({
      table: `gridbot-e2e-closer-${venueId}`,
      deployment,
      venue: venueId,
      prices: { BTCUSDT: tape[0]!.price.toFixed(), ETHUSDT: '3000' },
    });
  }, 60_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    worker = null;
    await rig?.stop();
  });

  let at = 0;

  it('works a LONG and a SHORT position down to zero in maker-first slices', async () => {
    open('BTCUSDT', 'LONG', '0.02', 'web_open_long');
    open('BTCUSDT', 'SHORT', '0.02', 'web_open_short');
    await recon();
    const s0 = await state();
    expect(s0.legs[roleOf(BTC, 'LONG')]!.position.qty.toFixed()).toBe('0.02');
    worker = rig.startWorker();
    await until('a healthy stream worker', () => rig.healthy(), 30_000);
    const flat = () => positionOf('BTCUSDT', 'LONG').isZero() && positionOf('BTCUSDT', 'SHORT').isZero();
    at = await replay(0, flat);
    expect(flat()).toBe(true);
    await until('the store counts both legs flat', async () => {
      const s = await state();
      return (
        s.legs[roleOf(BTC, 'LONG')]!.position.qty.isZero() &&
        s.legs[roleOf(BTC, 'SHORT')]!.position.qty.isZero()
      );
    });
    const s = await state();
    for (const side of ['LONG', 'SHORT'] as const) {
      const stats = s.legs[roleOf(BTC, side)]!.stats;
      expect(stats.closed.toFixed()).toBe('0.02');
      // Slices of 0.005 BTC (5 × 0.001 on Binance, 50 × 0.0001 on OKX) or more: at least four of them.
      expect(stats.slices).toBeGreaterThanOrEqual(4);
    }
    // Every slice carries one run id (this worker's), and went out on the position side, never reduceOnly.
    const ids = sliceIds('BTCUSDT');
    const runs = new Set(ids.map((id) => (decodeClientOrderId(id) as { run: string }).run));
    expect(runs.size).toBe(1);
    const fills = await rig.journal('closer1', 'fill');
    expect(fills.length).toBeGreaterThanOrEqual(8);
    expect(fills.every((f) => ids.includes(String(f.data.clientOrderId)))).toBe(true);
  }, 120_000);

  it('orders nothing while the market stream is silent, and goes on when it flows again', async () => {
    open('BTCUSDT', 'LONG', '0.05', 'web_open_long2');
    await recon();
    // A little tape (fresh data, a slice or two), then two trades that leave a closing signal standing: a
    // seller-initiated print above the last one, with the bid at it.
    at = await replay(at, () => false, 300);
    const p = tape[at % tape.length]!.price;
    rig.venue.engine.applyTrade('BTCUSDT', { price: p.minus('0.5'), qty: dec('0.01'), buyerIsMaker: false });
    rig.venue.engine.applyTrade('BTCUSDT', { price: p, qty: dec('0.01'), buyerIsMaker: true });
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = sliceIds('BTCUSDT').length;
    const held = positionOf('BTCUSDT', 'LONG');
    // The signal stands, the wake-ups keep coming, the TTL ran out on what rested: but the data is 2 s old
    // (stale after 1.5 s), so nothing new goes out.
    await new Promise((r) => setTimeout(r, 2_500));
    expect(sliceIds('BTCUSDT').length).toBe(settled);
    expect(openSlices('BTCUSDT')).toEqual([]);
    expect(held.greaterThan(0)).toBe(true);
    // The tape flows again: the position is worked to zero. OKX sends trades and the book on one socket in
    // their true order, where Binance's separate streams deliver them in bursts that show the bid above the
    // last trade more often: fewer closing signals per trade on OKX, so its tape runs longer.
    at = await replay(at, () => positionOf('BTCUSDT', 'LONG').isZero());
    expect(positionOf('BTCUSDT', 'LONG').isZero()).toBe(true);
    expect(sliceIds('BTCUSDT').length).toBeGreaterThan(settled);
  }, 120_000);

  it('places the protective stop near liquidation, and a restart adopts it', async () => {
    // A thin wallet under a 10 ETH long: liquidation about 10 % under the mark.
    const wallet = rig.venue.engine.balances(account.id).find((b) => b.asset === 'USDT')!.walletBalance;
    rig.venue.engine.deposit(account.id, 'USDT', wallet.minus('3000').negated());
    open('ETHUSDT', 'LONG', '10', 'web_open_eth');
    const liq = rig.venue.engine
      .positions(account.id, 'ETHUSDT')
      .find((p) => p.positionSide === 'LONG')!.liquidationPrice;
    expect(liq.greaterThan(2500) && liq.lessThan(3000)).toBe(true);
    await recon();
    const stops = () => rig.venue.engine.openAlgoOrders(account.id, 'ETHUSDT');
    expect(stops()).toHaveLength(1);
    const stop = stops()[0]!;
    expect(decodeClientOrderId(stop.clientAlgoId)).toMatchObject({
      kind: 'protective_stop',
      positionSide: 'LONG',
    });
    // liq / (1 − 1 %), on the tick, away from liquidation.
    expect(stop.triggerPrice.toFixed()).toBe(liq.dividedBy('0.99').toDecimalPlaces(2, 2).toFixed());
    expect(stop.closePosition).toBe(true);
    expect(stop.workingType).toBe('MARK_PRICE');
    // The worker stops (a deploy); the state is restored from before the stop was placed (its id lost).
    worker!.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
    const s = await state();
    const role = roleOf(ETH, 'LONG');
    const lost: CloserState = {
      ...s,
      legs: {
        ...s.legs,
        [role]: { ...s.legs[role]!, stopId: null, exec: { ...s.legs[role]!.exec, stopTrigger: null } },
      },
    };
    expect(await rig.store.saveGrid(lost, s.version)).toMatchObject({ ok: true });
    worker = rig.startWorker();
    await until('a healthy stream worker', () => rig.healthy(), 30_000);
    await recon();
    // Adopted, not placed twice: the same stop, and the state knows it again.
    expect(stops().map((o) => o.clientAlgoId)).toEqual([stop.clientAlgoId]);
    const after = await state();
    expect(after.legs[role]!.stopId).toBe(stop.clientAlgoId);
    expect(after.legs[role]!.exec.stopTrigger?.toFixed()).toBe(stop.triggerPrice.toFixed());
    const found = (await rig.journal('closer1', 'order')).filter((e) =>
      JSON.stringify(e.data).includes('found on the exchange'),
    );
    expect(found.map((e) => String(e.data.clientOrderId))).toEqual([stop.clientAlgoId]);
  }, 90_000);

  it('on SIGTERM cancels the orders of its own run only', async () => {
    // An ETH signal: a print above the last, seller-initiated (the bid at it). The slice rests (TTL 10 min).
    rig.venue.engine.applyTrade('ETHUSDT', { price: dec('2999.9'), qty: dec('1'), buyerIsMaker: false });
    rig.venue.engine.applyTrade('ETHUSDT', { price: dec('3000'), qty: dec('1'), buyerIsMaker: true });
    await until('a resting ETH slice', async () => openSlices('ETHUSDT').length === 1);
    const mine = openSlices('ETHUSDT')[0]!;
    // A hand order and a slice of an earlier run of this instance, both resting far from the market.
    const hand = rig.venue.engine.placeOrder(account.id, {
      symbol: 'ETHUSDT',
      side: 'SELL',
      type: 'LIMIT',
      price: dec('3500'),
      quantity: dec('0.1'),
      timeInForce: 'GTC',
      positionSide: 'LONG',
      newClientOrderId: 'web_keep_me',
    });
    const earlier = sliceOrderId('closer1', 'old1', 900);
    rig.venue.engine.placeOrder(account.id, {
      symbol: 'ETHUSDT',
      side: 'SELL',
      type: 'LIMIT',
      price: dec('3600'),
      quantity: dec('0.1'),
      timeInForce: 'GTC',
      positionSide: 'LONG',
      newClientOrderId: earlier,
    });
    worker!.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
    const left = rig.venue.engine.openOrders(account.id, 'ETHUSDT').map((o) => o.clientOrderId);
    expect(left).not.toContain(mine);
    expect(left).toEqual(expect.arrayContaining([hand.clientOrderId, earlier]));
    // The protective stop stays with the position.
    expect(rig.venue.engine.openAlgoOrders(account.id, 'ETHUSDT')).toHaveLength(1);
    // The next recon settles the cancelled slice and cancels the earlier run's stray one (never the hand order).
    await recon();
    const after = rig.venue.engine.openOrders(account.id, 'ETHUSDT').map((o) => o.clientOrderId);
    expect(after).toEqual([hand.clientOrderId]);
    expect((await state()).legs[roleOf(ETH, 'LONG')]!.exec.order).toBeNull();
  }, 60_000);
});
