import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../shared/adapters/clock/virtual-clock.js';
import { loadCandles, loadFunding, loadTrades } from '../../../shared/adapters/paper/data-files.js';
import { PaperExchange } from '../../../shared/adapters/paper/engine.js';
import { PaperApiError } from '../../../shared/adapters/paper/errors.js';
import {
  bracketsFromTable,
  defaultBrackets,
  maintenanceMargin,
} from '../../../shared/adapters/paper/leverage-brackets.js';
import { formatPrice, formatQty } from '../../../shared/adapters/paper/market-rules.js';
import type { AccountUpdateEvent } from '../../../shared/adapters/paper/types.js';
import { dec } from '../../../shared/domain/money.js';
import { exchangeInfoFixture, feed, T0, withAccount } from '../../support/paper.js';

const d = dec;
const S = 'DOGEUSDC';

describe('setup', () => {
  it('hosts only the symbols asked for and serves their exchangeInfo with the clock as server time', () => {
    const clock = new VirtualClock(T0);
    const ex = new PaperExchange({
      clock,
      exchangeInfo: exchangeInfoFixture(),
      symbols: ['DOGEUSDC', 'BTCUSDT'],
    });
    expect(ex.symbols().sort()).toEqual(['BTCUSDT', 'DOGEUSDC']);
    const info = ex.exchangeInfo();
    expect(info.serverTime).toBe(T0);
    expect(info.symbols.map((s) => s.symbol).sort()).toEqual(['BTCUSDT', 'DOGEUSDC']);
    expect(
      () => new PaperExchange({ clock, exchangeInfo: exchangeInfoFixture(), symbols: ['NOPEUSDT'] }),
    ).toThrow(/NOPEUSDT/);
    expect(() => new PaperExchange({ clock, exchangeInfo: { symbols: 'x' } })).toThrow();
  });

  it('renders prices and quantities with Binance precision', () => {
    const { ex } = withAccount();
    const btc = ex.marketRules('BTCUSDT');
    expect(formatPrice(btc, d('91739.9'))).toBe('91739.90');
    expect(formatQty(btc, d('0.002'))).toBe('0.002');
    expect(formatPrice(ex.marketRules(S), d('0.2'))).toBe('0.200000');
  });

  it('refuses a duplicate account id and balances that are not decimals', () => {
    const { ex } = withAccount();
    expect(() => ex.createAccount({ id: 'a' })).toThrow(/exists already/);
    expect(() => ex.createAccount({ id: 'b', balances: { USDC: 'lots' } })).toThrow(/balances.USDC/);
    expect(() => ex.createAccount({ id: '' })).toThrow(/id/);
  });

  it('records deposits and withdrawals as ACCOUNT_UPDATE and income, never below zero', () => {
    const { ex } = withAccount();
    ex.deposit('a', 'USDC', '250');
    ex.deposit('a', 'USDC', '-50');
    expect(ex.balance('a', 'USDC').walletBalance.toString()).toBe('1200');
    const reasons = ex.events('a').map((e) => (e as AccountUpdateEvent).reason);
    expect(reasons).toEqual(['DEPOSIT', 'WITHDRAW']);
    expect(ex.income('a', { incomeType: 'TRANSFER' }).map((r) => r.income.toString())).toEqual([
      '250',
      '-50',
    ]);
    expect(() => ex.deposit('a', 'USDC', '-5000')).toThrow(/negative/);
  });

  it('uses per-account fee overrides', async () => {
    const { ex, clock } = withAccount({ fees: { USDC: { maker: '0', taker: '0' } } });
    await feed(ex, clock, S, T0, ['0.2 0.2 0.2 0.2']);
    ex.placeOrder('a', { symbol: S, side: 'BUY', type: 'MARKET', quantity: d('100') });
    expect(ex.userTrades('a', S)[0]?.commission.isZero()).toBe(true);
    expect(ex.feeRates('a', 'BTCUSDT').taker.toString()).toBe('0.0005');
  });
});

describe('leverage brackets', () => {
  it('derives the maintenance amount so maintenance margin is continuous at every bracket edge', () => {
    for (const symbol of ['BTCUSDT', 'DOGEUSDC']) {
      const brackets = defaultBrackets(symbol);
      for (const b of brackets.slice(1)) {
        const below = maintenanceMargin(brackets, b.notionalFloor.minus('0.000001'));
        const at = maintenanceMargin(brackets, b.notionalFloor);
        expect(at.minus(below).abs().lessThan('0.0001')).toBe(true);
      }
    }
  });

  it('keeps maintenance margin non-decreasing in notional', () => {
    const brackets = defaultBrackets('DOGEUSDC');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000_000 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        (a, delta) => {
          expect(
            maintenanceMargin(brackets, d(a + delta)).greaterThanOrEqualTo(maintenanceMargin(brackets, d(a))),
          ).toBe(true);
        },
      ),
    );
  });

  it('accepts real bracket rows and serves them', () => {
    const { ex } = withAccount();
    ex.setLeverageBrackets(S, [
      ['5000', 50, '0.01'],
      ['25000', 20, '0.025'],
    ]);
    const [entry] = ex.leverageBrackets(S);
    expect(entry?.brackets.map((b) => [b.initialLeverage, b.cum.toString()])).toEqual([
      [50, '0'],
      [20, '75'],
    ]);
    expect(() =>
      bracketsFromTable([
        ['10', 5, '0.1'],
        ['5', 2, '0.2'],
      ]),
    ).toThrow(/grow/);
    expect(ex.leverageBrackets().length).toBe(ex.symbols().length);
  });
});

describe('history queries', () => {
  async function traded() {
    const built = withAccount({ dualSidePosition: true });
    const { ex, clock } = built;
    await feed(ex, clock, S, T0, ['0.2 0.2 0.2 0.2']);
    for (let i = 0; i < 5; i++) {
      await clock.advanceBy(1000);
      ex.placeOrder('a', {
        symbol: S,
        side: 'BUY',
        type: 'MARKET',
        quantity: d('100'),
        positionSide: 'LONG',
        newClientOrderId: `m${i}`,
      });
    }
    return built;
  }

  it('pages user trades by fromId (oldest first) and by time window (newest)', async () => {
    const { ex } = await traded();
    const all = ex.userTrades('a', S);
    expect(all).toHaveLength(5);
    expect(ex.userTrades('a', S, { fromId: all[2]!.id }).map((t) => t.id)).toEqual(
      all.slice(2).map((t) => t.id),
    );
    expect(ex.userTrades('a', S, { fromId: all[0]!.id, limit: 2 }).map((t) => t.id)).toEqual(
      all.slice(0, 2).map((t) => t.id),
    );
    expect(ex.userTrades('a', S, { startTime: all[3]!.time }).map((t) => t.id)).toEqual(
      all.slice(3).map((t) => t.id),
    );
    expect(ex.userTrades('a', S, { limit: 1 }).map((t) => t.id)).toEqual([all[4]!.id]);
  });

  it('lists all orders from an order id or in a time window', async () => {
    const { ex } = await traded();
    const all = ex.allOrders('a', S);
    expect(all.map((o) => o.clientOrderId)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
    expect(ex.allOrders('a', S, { orderId: all[3]!.orderId }).map((o) => o.clientOrderId)).toEqual([
      'm3',
      'm4',
    ]);
    expect(ex.allOrders('a', S, { endTime: all[1]!.time }).map((o) => o.clientOrderId)).toEqual(['m0', 'm1']);
  });

  it('lists algo orders, open and historic', async () => {
    const { ex } = await traded();
    ex.placeAlgoOrder('a', {
      symbol: S,
      side: 'SELL',
      type: 'STOP_MARKET',
      positionSide: 'LONG',
      triggerPrice: d('0.15'),
      closePosition: true,
      clientAlgoId: 's1',
    });
    ex.placeAlgoOrder('a', {
      symbol: S,
      side: 'SELL',
      type: 'TAKE_PROFIT_MARKET',
      positionSide: 'LONG',
      triggerPrice: d('0.25'),
      closePosition: true,
      clientAlgoId: 't1',
    });
    ex.cancelAllAlgoOrders('a', S);
    expect(ex.openAlgoOrders('a')).toHaveLength(0);
    expect(ex.allAlgoOrders('a', S).map((x) => [x.clientAlgoId, x.algoStatus])).toEqual([
      ['s1', 'CANCELED'],
      ['t1', 'CANCELED'],
    ]);
    expect(() => ex.algoOrder('a', { clientAlgoId: 'zz' })).toThrow(PaperApiError);
  });

  it('serves funding history: settled rates, or every known one on request', async () => {
    const { ex, clock } = withAccount({}, {}, new VirtualClock(0));
    ex.setFundingRates(S, [
      { fundingTime: 1000, fundingRate: d('0.0001') },
      { fundingTime: 28_801_000, fundingRate: d('-0.0002') },
    ]);
    await feed(ex, clock, S, 0, ['0.2 0.2 0.2 0.2', '0.2 0.2 0.2 0.2']);
    expect(ex.fundingHistory(S).map((r) => r.fundingRate.toString())).toEqual(['0.0001']);
    expect(ex.fundingHistory(S, { includeFuture: true })).toHaveLength(2);
    expect(ex.fundingHistory(S)[0]?.markPrice?.toString()).toBe('0.2');
    expect(ex.markPrice(S).lastFundingRate.toString()).toBe('0.0001');
    await clock.advanceTo(28_801_000);
    ex.settleFunding();
    expect(ex.fundingHistory(S)).toHaveLength(2);
  });

  it('lists positions for every symbol an account touched, both sides in hedge mode', async () => {
    const { ex } = await traded();
    const ps = ex.positions('a');
    expect(ps.map((p) => `${p.symbol} ${p.positionSide}`)).toEqual(['DOGEUSDC LONG', 'DOGEUSDC SHORT']);
    expect(ex.balances('a').map((b) => b.asset)).toEqual(['USDC', 'USDT']);
  });
});

describe('data files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'paper-data-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('names the file, line and column of a bad row', () => {
    expect(() =>
      loadCandles(file('a.csv', 'open_time_ms,open,high,low,close,volume\n1,0.2,0.3,0.1,x,5\n')),
    ).toThrow(/a.csv:2 close/);
    expect(() => loadCandles(file('b.csv', 'time,o\n'))).toThrow(/expected header/);
    expect(() => loadFunding(file('c.csv', 'funding_time_ms,funding_rate\n1.5,0.1\n'))).toThrow(/integer/);
    expect(() =>
      loadTrades(file('d.csv', 'trade_time_ms,trade_id,price,qty,is_buyer_maker\n1,2,3,4,yes\n')),
    ).toThrow(/is_buyer_maker/);
    expect(() =>
      loadTrades(file('e.csv', 'trade_time_ms,trade_id,price,qty,is_buyer_maker\n1,2,3\n')),
    ).toThrow(/columns/);
  });
});
