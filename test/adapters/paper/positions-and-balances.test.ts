import { describe, expect, it } from 'vitest';
import type { AccountUpdateEvent, OrderUpdateEvent } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { feed, T0, withAccount } from '../../support/paper.js';

const S = 'BTCUSDT';
const d = dec;

async function btcAt(price: string, account = {}) {
  const built = withAccount({ balances: { USDT: '10000' }, ...account });
  await feed(built.ex, built.clock, S, T0, [`${price} ${price} ${price} ${price}`]);
  return built;
}

function market(side: 'BUY' | 'SELL', qty: string, extra: object = {}) {
  return { symbol: S, side, type: 'MARKET' as const, quantity: d(qty), ...extra };
}

describe('positions and balances', () => {
  it('averages the entry price over fills that extend a position', async () => {
    const { ex, clock } = await btcAt('30000.0');
    ex.placeOrder('a', market('BUY', '0.010'));
    await feed(ex, clock, S, T0 + 60_000, ['31000.0 31000.0 31000.0 31000.0']);
    ex.placeOrder('a', market('BUY', '0.030'));
    const [p] = ex.positions('a', S);
    // 0.01 @ 30000.1 and 0.03 @ 31000.1 → (300.001 + 930.003) / 0.04
    expect(p?.positionAmt.toString()).toBe('0.04');
    expect(p?.entryPrice.toString()).toBe('30750.1');
  });

  it('realizes PnL on a reduction and charges the taker fee to the wallet', async () => {
    const { ex, clock } = await btcAt('30000.0');
    ex.placeOrder('a', market('BUY', '0.010'));
    await feed(ex, clock, S, T0 + 60_000, ['30500.0 30500.0 30500.0 30500.0']);
    ex.placeOrder('a', market('SELL', '0.010', { reduceOnly: true }));
    const trades = ex.userTrades('a', S);
    expect(trades[1]?.realizedPnl.toString()).toBe('4.999');
    const fees = trades.reduce((s, t) => s.plus(t.commission), d(0));
    const wallet = ex.balance('a', 'USDT').walletBalance;
    expect(wallet.toString()).toBe(d('10000').plus('4.999').minus(fees).toString());
    expect(ex.positions('a', S)[0]?.positionAmt.isZero()).toBe(true);
  });

  it('flips a one-way position through zero, opening the rest at the fill price', async () => {
    const { ex } = await btcAt('30000.0');
    ex.placeOrder('a', market('BUY', '0.010'));
    ex.placeOrder('a', market('SELL', '0.030'));
    const [p] = ex.positions('a', S);
    expect(p?.positionAmt.toString()).toBe('-0.02');
    expect(p?.entryPrice.toString()).toBe('30000');
  });

  it('keeps hedge-mode long and short positions apart', async () => {
    const { ex } = await btcAt('30000.0', { dualSidePosition: true });
    ex.placeOrder('a', market('BUY', '0.010', { positionSide: 'LONG' }));
    ex.placeOrder('a', market('SELL', '0.020', { positionSide: 'SHORT' }));
    const ps = ex.positions('a', S);
    expect(ps.map((p) => [p.positionSide, p.positionAmt.toString()])).toEqual([
      ['LONG', '0.01'],
      ['SHORT', '-0.02'],
    ]);
  });

  it('reports unrealized PnL, margins and the available balance at the mark', async () => {
    const { ex, clock } = await btcAt('30000.0');
    ex.setLeverage('a', S, 10);
    ex.placeOrder('a', market('BUY', '0.100'));
    await feed(ex, clock, S, T0 + 60_000, ['29000.0 29000.0 29000.0 29000.0']);
    const [p] = ex.positions('a', S);
    expect(p?.markPrice.toString()).toBe('29000');
    expect(p?.unRealizedProfit.toString()).toBe('-100.01');
    expect(p?.positionInitialMargin.toString()).toBe('290');
    expect(p?.maintMargin.toString()).toBe('11.6');
    const b = ex.balance('a', 'USDT');
    expect(b.marginBalance.toString()).toBe(b.walletBalance.minus('100.01').toString());
    expect(b.availableBalance.toString()).toBe(b.marginBalance.minus('290').toString());
  });

  it('computes the cross liquidation price where margin balance meets maintenance', async () => {
    const { ex } = await btcAt('30000.0', { balances: { USDT: '1000' } });
    ex.setLeverage('a', S, 20);
    ex.placeOrder('a', market('BUY', '0.500'));
    const [p] = ex.positions('a', S);
    const liq = p!.liquidationPrice;
    const wallet = ex.balance('a', 'USDT').walletBalance;
    // at liq: wallet + 0.5 × (liq − entry) = 0.5 × liq × 0.004 (first bracket, cum 0)
    const lhs = wallet.plus(d('0.5').times(liq.minus(p!.entryPrice)));
    const rhs = d('0.5').times(liq).times('0.004');
    expect(lhs.minus(rhs).abs().lessThan('0.00001')).toBe(true);
    expect(liq.lessThan(p!.entryPrice)).toBe(true);
  });

  it('reports a break-even price that covers the opening fee', async () => {
    const { ex } = await btcAt('30000.0');
    ex.placeOrder('a', market('BUY', '0.010'));
    const [p] = ex.positions('a', S);
    const fee = ex.userTrades('a', S)[0]!.commission;
    expect(p?.breakEvenPrice.toString()).toBe(p!.entryPrice.plus(fee.dividedBy('0.01')).toString());
  });
});

describe('account events', () => {
  it('emits NEW, then ACCOUNT_UPDATE, then TRADE for a filled order, with trade id, fee and realized PnL', async () => {
    const { ex } = await btcAt('30000.0');
    const seen: string[] = [];
    ex.subscribeAccount('a', {
      onEvent: (e) => seen.push(e.type === 'orderUpdate' ? `order:${e.executionType}` : e.type),
    });
    ex.placeOrder('a', market('BUY', '0.010'));
    expect(seen).toEqual(['order:NEW', 'accountUpdate', 'order:TRADE']);
    const events = ex.events('a');
    const trade = events.find(
      (e): e is OrderUpdateEvent => e.type === 'orderUpdate' && e.executionType === 'TRADE',
    );
    expect(trade?.trade?.id).toBe(ex.userTrades('a', S)[0]?.id);
    expect(trade?.trade?.commission.toString()).toBe('0.1500005');
    expect(trade?.trade?.realizedPnl.toString()).toBe('0');
    const acct = events.find((e): e is AccountUpdateEvent => e.type === 'accountUpdate');
    expect(acct?.reason).toBe('ORDER');
    expect(acct?.positions[0]?.positionAmt.toString()).toBe('0.01');
    expect(acct?.balances[0]?.walletBalance.toString()).toBe('9999.8499995');
  });

  it('numbers events per account without gaps and stamps them with the clock', async () => {
    const { ex, clock } = await btcAt('30000.0');
    ex.createAccount({ id: 'b', balances: { USDT: '1000' } });
    ex.placeOrder('a', market('BUY', '0.010'));
    ex.placeOrder('b', market('BUY', '0.010'));
    ex.placeOrder('a', market('SELL', '0.010'));
    for (const id of ['a', 'b']) {
      const seqs = ex.events(id).map((e) => e.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    }
    expect(ex.events('a').every((e) => e.eventTime === clock.now())).toBe(true);
  });

  it('delivers events after the call returns, so a subscriber may trade from inside its handler', async () => {
    const { ex } = await btcAt('30000.0');
    const order: string[] = [];
    ex.subscribeAccount('a', {
      onEvent: (e) => {
        order.push(`${e.seq}`);
        if (e.type === 'orderUpdate' && e.executionType === 'TRADE' && e.order.side === 'BUY') {
          ex.placeOrder('a', market('SELL', '0.010'));
        }
      },
    });
    ex.placeOrder('a', market('BUY', '0.010'));
    expect(order).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(ex.positions('a', S)[0]?.positionAmt.isZero()).toBe(true);
  });

  it('keeps each account to its own orders, positions and events on a shared market', async () => {
    const { ex } = await btcAt('30000.0');
    ex.createAccount({ id: 'b', balances: { USDT: '5000' } });
    ex.placeOrder('b', market('SELL', '0.020'));
    expect(ex.positions('a', S)[0]?.positionAmt.isZero()).toBe(true);
    expect(ex.positions('b', S)[0]?.positionAmt.toString()).toBe('-0.02');
    expect(ex.events('a')).toHaveLength(0);
    expect(ex.balance('a', 'USDT').walletBalance.toString()).toBe('10000');
  });

  it('authenticates accounts by API key', () => {
    const { ex } = withAccount({ apiKey: 'k1', apiSecret: 's1' });
    expect(ex.accountByApiKey('k1')).toEqual({ id: 'a', apiSecret: 's1' });
    expect(ex.accountByApiKey('nope')).toBeUndefined();
    expect(() => ex.createAccount({ id: 'b', apiKey: 'k1' })).toThrow(/apiKey/);
  });
});
