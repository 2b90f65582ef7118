import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CcxtExchange, createCcxtExchange } from '../../../shared/adapters/ccxt/ccxt-exchange.js';
import { SystemClock } from '../../../shared/adapters/clock/index.js';
import { dec } from '../../../shared/domain/money.js';
import { OKX_SECRET, OkxCaptureServer } from './okx-capture-server.js';

const DOGE = 'DOGE/USDT:USDT';
let server: OkxCaptureServer;
let port: CcxtExchange;

beforeAll(async () => {
  server = await new OkxCaptureServer().start();
  port = createCcxtExchange({
    venue: 'okx',
    accountId: 'okx-a',
    apiKey: 'okx-key',
    secret: OKX_SECRET,
    password: 'okx-pass',
    apiUrls: { rest: server.url },
    clock: new SystemClock(),
    enableRateLimit: false,
    readAttempts: 1,
  });
});
afterAll(async () => {
  await port.close();
  await server.stop();
});

describe('ccxt okx swaps, proven by request capture', () => {
  it('loads rules with the contract value and fees paid as positive rates, without fetching currencies', async () => {
    const rules = await port.loadRules(DOGE);
    expect([rules.contractSize.toFixed(), rules.stepSize.toFixed(), rules.tickSize.toFixed()]).toEqual([
      '1000',
      '0.01',
      '0.00001',
    ]);
    expect([rules.makerFee.toFixed(), rules.takerFee.toFixed()]).toEqual(['0.0002', '0.0005']);
    expect(server.requests.some((r) => r.path.includes('asset/currencies'))).toBe(false);
    expect(server.last('GET', '/api/v5/public/instruments').query.get('instType')).toBe('SWAP');
  });

  it('sends a hedge-mode post-only close with posSide and contracts, never reduceOnly, signed', async () => {
    const r = await port.submit({
      account: 'okx-a',
      symbol: DOGE,
      clientOrderId: 'gbdogeL3S7',
      side: 'sell',
      positionSide: 'LONG',
      type: 'limit',
      price: dec('0.17001'),
      qty: dec('2500'),
      timeInForce: 'GTX',
      reduceOnly: true,
    });
    expect(r).toMatchObject({
      ok: true,
      order: { clientOrderId: 'gbdogeL3S7', exchangeOrderId: '612345678901', status: 'NEW' },
    });
    const sent = server.last('POST', '/api/v5/trade/batch-orders');
    expect(sent.signatureValid).toBe(true);
    const body = (sent.body as Record<string, unknown>[])[0];
    expect(body).toMatchObject({
      instId: 'DOGE-USDT-SWAP',
      side: 'sell',
      posSide: 'long',
      ordType: 'post_only',
      sz: '2.5',
      px: '0.17001',
      clOrdId: 'gbdogeL3S7',
      tdMode: 'cross',
    });
    expect(body).not.toHaveProperty('reduceOnly');
  });

  it('keeps reduceOnly for a one-way (net) close', async () => {
    await port.submit({
      account: 'okx-a',
      symbol: DOGE,
      clientOrderId: 'gbdogeL1S1',
      side: 'sell',
      positionSide: 'BOTH',
      type: 'market',
      qty: dec('1000'),
      reduceOnly: true,
    });
    const body = (server.last('POST', '/api/v5/trade/batch-orders').body as Record<string, unknown>[])[0];
    expect(body).toMatchObject({ posSide: 'net', ordType: 'market', sz: '1', reduceOnly: true });
  });

  it('places a whole-position stop as a conditional algo order on the mark price with our algoClOrdId', async () => {
    const r = await port.submit({
      account: 'okx-a',
      symbol: DOGE,
      clientOrderId: 'gbdogeT9',
      side: 'sell',
      positionSide: 'LONG',
      type: 'stop_market',
      triggerPrice: dec('0.15'),
      workingType: 'MARK_PRICE',
      closePosition: true,
    });
    expect(r).toMatchObject({
      ok: true,
      order: { kind: 'stop', exchangeOrderId: '712345678901', clientOrderId: 'gbdogeT9' },
    });
    const body = server.last('POST', '/api/v5/trade/order-algo').body as Record<string, unknown>;
    expect(body).toMatchObject({
      ordType: 'conditional',
      slTriggerPx: '0.15',
      slOrdPx: '-1',
      slTriggerPxType: 'mark',
      closeFraction: '1',
      algoClOrdId: 'gbdogeT9',
      posSide: 'long',
    });
    expect(body).not.toHaveProperty('sz');
  });

  it('cancels a stop by algoClOrdId on the algo endpoint', async () => {
    await port.cancel(DOGE, 'gbdogeT9', 'stop');
    expect(server.last('POST', '/api/v5/trade/cancel-algos').body).toEqual([
      { instId: 'DOGE-USDT-SWAP', algoClOrdId: 'gbdogeT9' },
    ]);
  });

  it('amends by client id with the new total size in contracts and the new price', async () => {
    const r = await port.amend({
      symbol: DOGE,
      clientOrderId: 'gbdogeL3S7',
      side: 'sell',
      positionSide: 'LONG',
      price: dec('0.17002'),
      qty: dec('3000'),
    });
    expect(r.ok).toBe(true);
    expect(server.last('POST', '/api/v5/trade/amend-order').body).toMatchObject({
      instId: 'DOGE-USDT-SWAP',
      clOrdId: 'gbdogeL3S7',
      newSz: '3',
      newPx: '0.17002',
    });
  });

  it('reads an order by client id with quantities converted from contracts to coins', async () => {
    const order = await port.order(DOGE, 'gbdogeL3S7', 'limit');
    expect(server.last('GET', '/api/v5/trade/order').query.get('clOrdId')).toBe('gbdogeL3S7');
    expect([order?.qty.toFixed(), order?.filledQty.toFixed(), order?.status, order?.positionSide]).toEqual([
      '2500',
      '1000',
      'PARTIALLY_FILLED',
      'LONG',
    ]);
  });

  it('reads a hedge short as a negative coin quantity, and the position mode', async () => {
    const p = await port.position(DOGE, 'SHORT');
    expect([p.qty.toFixed(), p.entryPrice.toFixed(), p.leverage?.toFixed()]).toEqual(['-3000', '0.17', '5']);
    expect(await port.hedgeMode()).toBe(true);
  });
});
