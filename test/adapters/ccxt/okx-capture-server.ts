/**
 * A local OKX v5 REST stand-in that records every request (and checks its signature) and answers with the
 * documented response shapes, so the OKX dialect can be proven by request capture through real ccxt.
 * The instrument below follows OKX's documented DOGE-USDT-SWAP shape (contract value 1000 DOGE); it is
 * test data for request shapes, not market data.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly signatureValid: boolean;
}

export const OKX_SECRET = 'okx-test-secret';

const INSTRUMENT = {
  instType: 'SWAP',
  instId: 'DOGE-USDT-SWAP',
  uly: 'DOGE-USDT',
  instFamily: 'DOGE-USDT',
  category: '1',
  baseCcy: '',
  quoteCcy: '',
  settleCcy: 'USDT',
  ctValCcy: 'DOGE',
  ctVal: '1000',
  ctMult: '1',
  ctType: 'linear',
  optType: '',
  stk: '',
  listTime: '1611916828000',
  expTime: '',
  lever: '75',
  tickSz: '0.00001',
  lotSz: '0.01',
  minSz: '0.01',
  maxLmtSz: '100000',
  maxMktSz: '10000',
  state: 'live',
  alias: '',
  ruleType: 'normal',
};

type Handler = (req: CapturedRequest) => unknown[];

export class OkxCaptureServer {
  readonly requests: CapturedRequest[] = [];
  private readonly http: Server;
  private port = 0;
  private readonly handlers = new Map<string, Handler>();

  constructor() {
    const now = () => String(Date.now());
    const order = (body: Record<string, unknown>) => ({ sCode: '0', sMsg: '', ts: now(), tag: '', ...body });
    this.on('GET /api/v5/public/time', () => [{ ts: now() }]);
    this.on('GET /api/v5/public/instruments', () => [INSTRUMENT]);
    this.on('GET /api/v5/account/trade-fee', () => [
      {
        category: '1',
        instType: 'SWAP',
        level: 'Lv1',
        maker: '',
        taker: '',
        makerU: '-0.0002',
        takerU: '-0.0005',
        makerUSDC: '-0.0002',
        takerUSDC: '-0.0005',
        ts: now(),
      },
    ]);
    this.on('POST /api/v5/trade/batch-orders', (r) =>
      (r.body as Record<string, unknown>[]).map((o) => order({ ordId: '612345678901', clOrdId: o.clOrdId })),
    );
    this.on('POST /api/v5/trade/order-algo', (r) => [
      order({
        algoId: '712345678901',
        algoClOrdId: (r.body as Record<string, unknown>).algoClOrdId,
        clOrdId: '',
      }),
    ]);
    this.on('POST /api/v5/trade/cancel-algos', (r) =>
      (r.body as Record<string, unknown>[]).map((o) =>
        order({ algoId: '712345678901', algoClOrdId: o.algoClOrdId }),
      ),
    );
    this.on('POST /api/v5/trade/amend-order', (r) => [
      order({ ordId: '612345678901', clOrdId: (r.body as Record<string, unknown>).clOrdId, reqId: '' }),
    ]);
    this.on('GET /api/v5/trade/order', (r) => [
      {
        instType: 'SWAP',
        instId: 'DOGE-USDT-SWAP',
        ordId: '612345678901',
        clOrdId: r.query.get('clOrdId'),
        px: '0.16334',
        sz: '2.5',
        ordType: 'post_only',
        side: 'buy',
        posSide: 'long',
        tdMode: 'cross',
        accFillSz: '1',
        fillPx: '0.16334',
        avgPx: '0.16334',
        state: 'partially_filled',
        reduceOnly: 'false',
        lever: '5',
        fee: '-0.03',
        feeCcy: 'USDT',
        cTime: '1750000000000',
        uTime: '1750000001000',
      },
    ]);
    this.on('GET /api/v5/account/positions', () => [
      {
        instType: 'SWAP',
        instId: 'DOGE-USDT-SWAP',
        posSide: 'short',
        pos: '3',
        avgPx: '0.17',
        markPx: '0.16',
        liqPx: '0.5',
        upl: '30',
        lever: '5',
        mgnMode: 'cross',
        uTime: '1750000000000',
        cTime: '1750000000000',
      },
    ]);
    this.on('GET /api/v5/account/config', () => [{ posMode: 'long_short_mode', acctLv: '2', uid: '1' }]);
    this.http = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const text = Buffer.concat(chunks).toString('utf8');
        const ts = String(req.headers['ok-access-timestamp'] ?? '');
        const expected = createHmac('sha256', OKX_SECRET)
          .update(ts + (req.method ?? '') + url.pathname + url.search + text)
          .digest('base64');
        const captured: CapturedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          body: text ? (JSON.parse(text) as unknown) : undefined,
          signatureValid: req.headers['ok-access-sign'] === expected,
        };
        this.requests.push(captured);
        const handler = this.handlers.get(`${captured.method} ${captured.path}`);
        const data = handler ? handler(captured) : [];
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ code: '0', msg: '', data }));
      });
    });
  }

  on(route: string, handler: Handler): void {
    this.handlers.set(route, handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.http.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  last(method: string, path: string): CapturedRequest {
    const found = [...this.requests].reverse().find((r) => r.method === method && r.path === path);
    if (!found) throw new Error(`no ${method} ${path} was captured`);
    return found;
  }

  async stop(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
