import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dec } from '../../../shared/domain/money.js';
import { fixtureLines, MARKET_WS_CAPTURE, USER_DATA_CAPTURE } from '../../support/binance/fixtures.js';
import { ACCOUNTS, type PaperVenue, startPaperVenue } from '../../support/binance/paper-venue.js';

type Json = Record<string, unknown>;
let venue: PaperVenue;

beforeAll(async () => {
  venue = await startPaperVenue({ hedgeMode: false });
});
afterAll(async () => {
  await venue.stop();
});

/** Every key of the captured message exists in ours with the same JSON type (string money, number ids). */
function expectSameShape(ours: Json, captured: Json, where: string): void {
  for (const [key, value] of Object.entries(captured)) {
    expect(Object.keys(ours), `${where}: key ${key}`).toContain(key);
    const a = ours[key];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      expectSameShape(a as Json, value as Json, `${where}.${key}`);
    } else if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') {
      expect(Array.isArray(a), `${where}.${key} is a list`).toBe(true);
      expectSameShape((a as Json[])[0]!, value[0] as Json, `${where}.${key}[0]`);
    } else {
      expect(typeof a, `${where}.${key} type`).toBe(typeof value);
    }
  }
}

function collect(ws: WebSocket): Json[] {
  const out: Json[] = [];
  ws.on('message', (d) => out.push(JSON.parse(d.toString()) as Json));
  return out;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('user-data messages match the live 2024 capture field for field', () => {
  it('sends TRADE_LITE, ORDER_TRADE_UPDATE (NEW, TRADE) and ACCOUNT_UPDATE shaped like Binance', async () => {
    const res = await fetch(`${venue.server.httpUrl}/fapi/v1/listenKey`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': ACCOUNTS[0].apiKey },
    });
    const { listenKey } = (await res.json()) as { listenKey: string };
    const ws = new WebSocket(`${venue.server.wsUrl.replace('/ws', '/private/ws')}?listenKey=${listenKey}`);
    await new Promise((r) => ws.once('open', r));
    const got = collect(ws);
    venue.engine.placeOrder('acct-a', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      quantity: dec('0.002'),
      price: dec('95000.0'),
      timeInForce: 'GTC',
      newClientOrderId: 'shape1',
    });
    venue.moveTo('BTCUSDT', '94990.0');
    await until(
      () =>
        got.filter((m) => m.e === 'ORDER_TRADE_UPDATE').length >= 2 &&
        got.some((m) => m.e === 'ACCOUNT_UPDATE'),
    );
    const capture = fixtureLines(USER_DATA_CAPTURE) as Json[];
    const byType = (list: Json[], e: string, x?: string) =>
      list.find((m) => m.e === e && (x === undefined || (m.o as Json).x === x));
    for (const [e, x] of [
      ['TRADE_LITE'],
      ['ORDER_TRADE_UPDATE', 'NEW'],
      ['ORDER_TRADE_UPDATE', 'TRADE'],
      ['ACCOUNT_UPDATE'],
    ] as const) {
      const ours = byType(got, e, x);
      const theirs = byType(capture, e, x);
      expect(ours, `${e} ${x ?? ''}`).toBeDefined();
      expectSameShape(ours!, theirs!, `${e}${x ? `/${x}` : ''}`);
    }
    ws.close();
  });
});

describe('market messages match the 2021 fstream capture field for field', () => {
  it('sends bookTicker, aggTrade and kline payloads shaped like Binance, wrapped on combined streams', async () => {
    const ws = new WebSocket(
      `${venue.server.httpUrl.replace('http', 'ws')}/stream?streams=btcusdt@bookTicker/btcusdt@aggTrade/btcusdt@kline_1m`,
    );
    await new Promise((r) => ws.once('open', r));
    const got = collect(ws);
    venue.moveTo('BTCUSDT', '95000.0');
    venue.engine.applyTrade('BTCUSDT', { price: dec('95000.0'), qty: dec('0.01'), buyerIsMaker: false });
    await until(() =>
      ['bookTicker', 'aggTrade', 'kline'].every((e) => got.some((m) => (m.data as Json).e === e)),
    );
    const capture = (fixtureLines(MARKET_WS_CAPTURE) as { msg: Json }[]).map((l) => l.msg);
    for (const e of ['bookTicker', 'aggTrade', 'kline']) {
      const ours = got.find((m) => (m.data as Json).e === e)!;
      const theirs = capture.find((m) => (m.data as Json).e === e)!;
      expect(typeof ours.stream).toBe('string');
      expectSameShape(ours.data as Json, theirs.data as Json, e);
    }
    ws.close();
  });
});
