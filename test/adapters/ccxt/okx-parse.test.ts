import { describe, expect, it } from 'vitest';
import {
  parseOkxMarketMessage,
  parseOkxOrder,
  parseOkxUserMessage,
} from '../../../shared/adapters/ccxt/okx-parse.js';
import { dec } from '../../../shared/domain/money.js';
import { symbolRules } from '../../../shared/domain/symbol-rules.js';

const DOGE = 'DOGE/USDT:USDT';
const rules = symbolRules({
  symbol: DOGE,
  tickSize: '0.00001',
  stepSize: '0.01',
  minQty: '0.01',
  minNotional: '0',
  contractSize: '1000',
  makerFee: '0.0002',
  takerFee: '0.0005',
});
const symbolOf = (id: string) => (id === 'DOGE-USDT-SWAP' ? DOGE : id);
const rulesOf = (s: string) => (s === DOGE ? rules : undefined);

describe('OKX user pushes (documented shapes)', () => {
  it('turns an orders push with a fill into a fill in coins with the fee as paid, then the order', () => {
    const items = parseOkxUserMessage(
      {
        arg: { channel: 'orders', instType: 'SWAP', uid: '1' },
        data: [
          {
            instType: 'SWAP',
            instId: 'DOGE-USDT-SWAP',
            ordId: '612345678901',
            clOrdId: 'gbdogeL2B4',
            px: '0.16334',
            sz: '2',
            ordType: 'limit',
            side: 'buy',
            posSide: 'long',
            accFillSz: '0.5',
            fillPx: '0.16334',
            fillSz: '0.5',
            tradeId: '99887766',
            fillFee: '-0.0163',
            fillFeeCcy: 'USDT',
            execType: 'M',
            state: 'partially_filled',
            reduceOnly: 'false',
            fillTime: '1750000000123',
            uTime: '1750000000123',
            cTime: '1749999999000',
          },
        ],
      },
      symbolOf,
      rulesOf,
    );
    if (items === 'ignored') throw new Error('expected items');
    const [fill, order] = items;
    if (fill?.type !== 'fill' || order?.type !== 'order') throw new Error('expected a fill then an order');
    expect([fill.fill.qty.toFixed(), fill.fill.fee.toFixed(), fill.fill.isMaker, fill.fill.tradeId]).toEqual([
      '500',
      '0.0163',
      true,
      '99887766',
    ]);
    expect([order.order.qty.toFixed(), order.order.filledQty.toFixed(), order.order.status]).toEqual([
      '2000',
      '500',
      'PARTIALLY_FILLED',
    ]);
  });

  it('reads a short position push as negative coins and an account push as balance changes', () => {
    const pos = parseOkxUserMessage(
      {
        arg: { channel: 'positions', instType: 'SWAP' },
        data: [
          { instId: 'DOGE-USDT-SWAP', posSide: 'short', pos: '1.5', avgPx: '0.17', upl: '1.2', lever: '3' },
        ],
      },
      symbolOf,
      rulesOf,
    );
    expect(pos).toMatchObject([{ type: 'position', position: { positionSide: 'SHORT', qty: dec('-1500') } }]);
    const acct = parseOkxUserMessage(
      { arg: { channel: 'account' }, data: [{ details: [{ ccy: 'USDT', cashBal: '100' }] }] },
      symbolOf,
      rulesOf,
    );
    expect(acct).toEqual([{ type: 'balanceChanged', asset: 'USDT' }]);
  });

  it('ignores subscription acknowledgements and rejects a fill price sent as a float', () => {
    expect(parseOkxUserMessage({ event: 'subscribe', arg: { channel: 'orders' } }, symbolOf, rulesOf)).toBe(
      'ignored',
    );
    expect(() =>
      parseOkxUserMessage(
        {
          arg: { channel: 'orders' },
          data: [
            {
              instId: 'DOGE-USDT-SWAP',
              ordId: '1',
              clOrdId: 'x',
              px: '0.1',
              sz: '1',
              ordType: 'limit',
              side: 'buy',
              posSide: 'long',
              accFillSz: '1',
              fillSz: '1',
              tradeId: '5',
              fillPx: 0.1,
              fillFee: '0',
              state: 'filled',
              uTime: '1',
            },
          ],
        },
        symbolOf,
        rulesOf,
      ),
    ).toThrow(/fillPx/);
  });
});

describe('OKX rows as the venue sends them (captured shapes)', () => {
  const child = {
    instType: 'SWAP',
    instId: 'DOGE-USDT-SWAP',
    ordId: '612345678999',
    clOrdId: '',
    algoClOrdId: 'gbdogeT9',
    algoId: '712345678901',
    px: '',
    sz: '3',
    ordType: 'market',
    side: 'sell',
    posSide: 'long',
    accFillSz: '3',
    fillPx: '0.15',
    fillSz: '3',
    tradeId: '99887799',
    fillFee: '-0.225',
    fillTime: '1750000002000',
    execType: 'T',
    state: 'filled',
    reduceOnly: 'true',
    cTime: '1750000002000',
    uTime: '1750000002000',
  };

  it("names a triggered stop's child order and its fill after the stop (OKX leaves clOrdId empty)", () => {
    const items = parseOkxUserMessage(
      { arg: { channel: 'orders', instType: 'ANY' }, data: [child] },
      symbolOf,
      rulesOf,
    );
    expect(items).not.toBe('ignored');
    if (items === 'ignored') return;
    expect(items.map((i) => i.type)).toEqual(['fill', 'order']);
    expect(
      items.map((i) =>
        i.type === 'fill' ? i.fill.clientOrderId : i.type === 'order' ? i.order.clientOrderId : '',
      ),
    ).toEqual(['gbdogeT9', 'gbdogeT9']);
  });

  it('reads a pending algo row, whose ordId is an empty string, as a stop', () => {
    const o = parseOkxOrder(
      {
        instType: 'SWAP',
        instId: 'DOGE-USDT-SWAP',
        ordId: '',
        algoId: '712345678901',
        algoClOrdId: 'gbdogeT9',
        clOrdId: '',
        sz: '',
        closeFraction: '1',
        ordType: 'conditional',
        side: 'sell',
        posSide: 'long',
        state: 'live',
        slTriggerPx: '0.15',
        slOrdPx: '-1',
        slTriggerPxType: 'mark',
        reduceOnly: 'true',
        cTime: '1750000000000',
        uTime: '1750000000000',
      },
      DOGE,
      rules,
    );
    expect(o).toMatchObject({ kind: 'stop', clientOrderId: 'gbdogeT9', closePosition: true, status: 'NEW' });
    expect(o.triggerPrice?.toFixed()).toBe('0.15');
  });

  it('marks a post-only order the venue cancelled for taking liquidity (cancelSource 31)', () => {
    const base = {
      ...child,
      clOrdId: 'gbdogeL5',
      algoClOrdId: '',
      algoId: '',
      ordType: 'post_only',
      px: '0.16',
      accFillSz: '0',
      fillSz: '0',
      tradeId: '',
      state: 'canceled',
    };
    expect(parseOkxOrder({ ...base, cancelSource: '31' }, DOGE, rules).cancelReason).toBe(
      'post_only_would_take',
    );
    expect(parseOkxOrder({ ...base, cancelSource: '1' }, DOGE, rules).cancelReason).toBeUndefined();
  });

  it("ignores the text keep-alive answer ('pong') on either stream", () => {
    expect(parseOkxUserMessage('pong', symbolOf, rulesOf)).toBe('ignored');
    expect(parseOkxMarketMessage('pong', symbolOf, () => dec('1000'))).toBe('ignored');
  });
});

describe('OKX market pushes (documented shapes)', () => {
  const ctVal = () => dec('1000');

  it('reads bbo-tbt, trades in coins, mark price and a confirmed 1m candle', () => {
    const bbo = parseOkxMarketMessage(
      {
        arg: { channel: 'bbo-tbt', instId: 'DOGE-USDT-SWAP' },
        data: [
          { asks: [['0.16335', '120', '0', '3']], bids: [['0.16334', '80', '0', '2']], ts: '1750000000000' },
        ],
      },
      symbolOf,
      ctVal,
    );
    expect(bbo).toMatchObject({
      type: 'bookTop',
      bid: dec('0.16334'),
      ask: dec('0.16335'),
      askQty: dec('120'),
    });
    const trade = parseOkxMarketMessage(
      {
        arg: { channel: 'trades', instId: 'DOGE-USDT-SWAP' },
        data: [
          {
            instId: 'DOGE-USDT-SWAP',
            tradeId: '1',
            px: '0.16334',
            sz: '0.3',
            side: 'sell',
            ts: '1750000000001',
          },
        ],
      },
      symbolOf,
      ctVal,
    );
    expect(trade).toMatchObject({ type: 'trade', qty: dec('300'), takerSide: 'sell' });
    const mark = parseOkxMarketMessage(
      {
        arg: { channel: 'mark-price', instId: 'DOGE-USDT-SWAP' },
        data: [{ instId: 'DOGE-USDT-SWAP', markPx: '0.1633', ts: '1750000000002' }],
      },
      symbolOf,
      ctVal,
    );
    expect(mark).toMatchObject({ type: 'markPrice', mark: dec('0.1633') });
    const candle = parseOkxMarketMessage(
      {
        arg: { channel: 'candle1m', instId: 'DOGE-USDT-SWAP' },
        data: [['1750000000000', '0.1633', '0.1634', '0.1632', '0.1633', '12', '12000', '1959.6', '1']],
      },
      symbolOf,
      ctVal,
    );
    expect(candle).toMatchObject({ type: 'candle', closed: true, candle: { volume: dec('12000') } });
  });
});
