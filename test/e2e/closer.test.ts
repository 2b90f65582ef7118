/**
 * The reduce-only closer end to end (issue 16) on the real parts: the stream worker as a child process
 * holding the market streams (bookTicker, aggTrade, markPrice) and the user stream through ccxt pro, the
 * Binance protocol server on the paper engine replaying real BTCUSDT trade ticks, the recon Lambda handler
 * in process, state in dynalite.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeClientOrderId, sliceOrderId } from '../../shared/domain/client-order-id.js';
import { type Decimal, dec, ZERO } from '../../shared/domain/money.js';
import { roleOf } from '../../shared/domain/strategies/closer/module.js';
import { type CloserState, closerStateToJson } from '../../shared/domain/strategies/closer/state.js';
import { ACCOUNTS } from '../support/binance/paper-venue.js';
import { type E2e, startE2e, until } from '../support/e2e/harness.js';
import { readTicks, TICK_FILES } from '../support/ticks.js';

const account = ACCOUNTS[0];
const BTC = 'BTC/USDT:USDT';
const ETH = 'ETH/USDT:USDT';
const deployment = {
  accounts: [{ id: account.id, exchange: 'binanceusdm' }],
  instances: [
    {
      id: 'closer1',
      strategy: 'closer',
      account: account.id,
      execution: { base_mult: '5', order_ttl_ms: 1_000 },
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
const tape = readTicks(TICK_FILES[1]);

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
const sliceIds = (symbol: string) =>
  rig.venue.engine
    .allOrders(account.id, symbol)
    .filter((o) => decodeClientOrderId(o.clientOrderId)?.kind === 'slice')
    .map((o) => o.clientOrderId);

/** Replays the tape from `from` onward, a few ms a trade, until `done` (or the tape ends); returns where it stopped. */
async function replay(from: number, done: () => boolean, max = tape.length): Promise<number> {
  let i = from;
  for (; i < tape.length && i < from + max && !done(); i++) {
    const t = tape[i]!;
    rig.venue.engine.applyTrade('BTCUSDT', { price: t.price, qty: t.qty, buyerIsMaker: t.sellerTook });
    if (i % 4 === 0) await new Promise((r) => setTimeout(r, 3));
  }
  return i;
}

beforeAll(async () => {
  rig = await startE2e({
    table: 'gridbot-e2e-closer',
    deployment,
    prices: { BTCUSDT: tape[0]!.price.toFixed(), ETHUSDT: '3000' },
  });
}, 60_000);

afterAll(async () => {
  (await import('node:fs')).writeFileSync('/tmp/closer-e2e.log', rig.captured.join(''));
  await rig?.stop();
});

describe('the closer on the Binance protocol server, real ticks', () => {
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
      // Slices of 5 × min qty: at least four of them.
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

  it('orders nothing while the market stream is silent', async () => {
    open('BTCUSDT', 'LONG', '0.2', 'web_open_long2');
    await recon();
    // A little tape: fresh data, a slice or two.
    at = await replay(at, () => false, 300);
    const before = sliceIds('BTCUSDT').length;
    // No trade, no book for 4 s (the stale limit is 1.5 s): whatever rests is cancelled at its TTL, and
    // nothing new goes out.
    await new Promise((r) => setTimeout(r, 2_000));
    const settled = sliceIds('BTCUSDT').length;
    await new Promise((r) => setTimeout(r, 2_000));
    expect(sliceIds('BTCUSDT').length).toBe(settled);
    expect(settled - before).toBeLessThanOrEqual(1);
    expect(positionOf('BTCUSDT', 'LONG').toFixed()).not.toBe('0');
  }, 60_000);
});

void closerStateToJson;
void sliceOrderId;
