/**
 * The proxy pool (issue 19) through real proxies: two `proxy-chain` servers (one asking for a login) in
 * front of the Binance protocol server, the real ccxt client of each account routed by the deployment's
 * pool. Each proxy connects out from its own loopback address, so the venue tells by the caller's address
 * which proxy every request and stream came through: each account's traffic is counted per proxy, and
 * none arrives directly. A proxy that dies moves its accounts to the next one (failover); its login never
 * reaches a log line.
 */
import type { IncomingMessage } from 'node:http';
import { Server as ProxyServer } from 'proxy-chain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../shared/adapters/clock/index.js';
import { JsonConsoleLogger } from '../../shared/adapters/logging/index.js';
import { processRedactor } from '../../shared/adapters/logging/redactor.js';
import { EnvSecrets, registeringSecrets } from '../../shared/adapters/secrets/index.js';
import { buildExchanges, tradedAccounts } from '../../shared/composition/exchanges.js';
import { proxySettingsOf } from '../../shared/composition/proxies.js';
import { parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { proxyPlan } from '../../shared/domain/config/proxies.js';
import { ACCOUNTS, BTC, type PaperVenue, startPaperVenue } from '../support/binance/paper-venue.js';
import { until } from '../support/e2e/harness.js';
import { klgConfigInput } from '../support/strategies/klg/config.js';

const LOGIN = { username: 'pool-user', password: 'pr0xy-s3cret-pass' };
const ADDRESS = { p1: '127.0.0.2', p2: '127.0.0.3' } as const;

let venue: PaperVenue;
const proxies = new Map<string, ProxyServer>();
/** Requests and upgrades the venue saw: who (API key or listen key path), from where. */
const seen: { key: string; from: string; upgrade: boolean }[] = [];
const refusedLogins: string[] = [];

async function startProxy(id: 'p1' | 'p2', port = 0): Promise<ProxyServer> {
  const server = new ProxyServer({
    port,
    host: '127.0.0.1',
    prepareRequestFunction: ({ username, password }) => {
      const wrong = id === 'p1' && (username !== LOGIN.username || password !== LOGIN.password);
      if (wrong) refusedLogins.push(username);
      return { requestAuthentication: wrong, localAddress: ADDRESS[id] };
    },
  });
  await server.listen();
  proxies.set(id, server);
  return server;
}

beforeAll(async () => {
  venue = await startPaperVenue();
  venue.server.tap((req: IncomingMessage) => {
    const key = req.headers['x-mbx-apikey'];
    seen.push({
      key: typeof key === 'string' ? key : (req.url ?? ''),
      from: req.socket.remoteAddress ?? '',
      upgrade: req.headers.upgrade === 'websocket',
    });
  });
  await startProxy('p1');
  await startProxy('p2');
});

afterAll(async () => {
  for (const p of proxies.values()) await p.close(true);
  await venue.stop();
});

const logs: string[] = [];
const logger = new JsonConsoleLogger({ write: (l: string) => void logs.push(l) });

function deployment(failover: boolean) {
  return parseDeploymentConfig({
    proxies: [
      { id: 'p1', url: `http://127.0.0.1:${proxies.get('p1')!.port}`, auth: true },
      { id: 'p2', url: `http://127.0.0.1:${proxies.get('p2')!.port}` },
    ],
    proxy_assignment: 'round_robin',
    proxy_failover: failover,
    accounts: ACCOUNTS.map((a) => ({ id: a.id, exchange: 'binanceusdm' })),
    instances: ACCOUNTS.map((a, i) => klgConfigInput({ id: `k${i}`, account: a.id, symbol: BTC })),
  });
}

const env = {
  ...Object.fromEntries(
    ACCOUNTS.flatMap((a) => {
      const stem = `GRIDBOT_${a.id.toUpperCase().replace(/-/g, '_')}`;
      return [
        [`${stem}_API_KEY`, a.apiKey],
        [`${stem}_SECRET`, a.apiSecret],
      ];
    }),
  ),
  GRIDBOT_PROXY_P1_USERNAME: LOGIN.username,
  GRIDBOT_PROXY_P1_PASSWORD: LOGIN.password,
};

async function build(failover: boolean) {
  const d = deployment(failover);
  return buildExchanges({
    ...tradedAccounts(d),
    secrets: registeringSecrets(new EnvSecrets({ env, envFile: false })),
    clock: new SystemClock(),
    logger,
    apiUrls: venue.server.ccxtApiUrls(),
  });
}

const byAccount = (apiKey: string) => seen.filter((s) => s.key === apiKey);

describe('the proxy pool', () => {
  it('assigns accounts round robin, with the rest of the pool as failover, and refuses a login in a URL', () => {
    const d = deployment(true);
    const plan = proxyPlan(d);
    expect(plan.get('acct-a')!.map((p) => p.id)).toEqual(['p1', 'p2']);
    expect(plan.get('acct-b')!.map((p) => p.id)).toEqual(['p2', 'p1']);
    expect(() =>
      parseDeploymentConfig({
        ...d,
        proxies: [{ id: 'p1', url: 'http://user:pw@127.0.0.1:8000' }],
      }),
    ).toThrow(/must not carry a login: set `auth: true`/);
    expect(() =>
      parseDeploymentConfig({ ...d, accounts: [{ id: 'acct-a', exchange: 'binanceusdm', proxy: 'p9' }] }),
    ).toThrow(/unknown proxy "p9"/);
    // SOCKS5 proxies route REST and streams alike; the login rides in the URL handed to ccxt only.
    expect(proxySettingsOf({ id: 's', url: 'socks5://10.0.0.1:1080', auth: false }, null)).toEqual({
      socksProxy: 'socks5://10.0.0.1:1080',
      wsSocksProxy: 'socks5://10.0.0.1:1080',
    });
  });

  it("sends each account's REST calls and user stream through its own proxy, none directly", async () => {
    seen.length = 0;
    const built = await build(false);
    const [a, b] = ACCOUNTS.map((x) => built.resolve(x.id));
    await a!.balance('USDT');
    await b!.balance('USDT');
    await a!.openOrders(BTC);
    const placed = await b!.submit({
      type: 'limit',
      account: 'acct-b',
      symbol: BTC,
      clientOrderId: 'gbproxytestL1B1',
      side: 'buy',
      positionSide: 'LONG',
      price: venue.engine.lastPrice('BTCUSDT')!.times('0.9').toDecimalPlaces(1),
      qty: (await b!.loadRules(BTC)).minQty.times(10),
      timeInForce: 'GTC',
    });
    expect(placed.ok).toBe(true);
    const events: unknown[] = [];
    const sub = await a!.subscribeUser((e) => events.push(e));
    try {
      await until(
        'the user stream connected',
        async () => events.some((e) => (e as { state?: string }).state === 'connected'),
        10_000,
      );
      const viaA = byAccount(ACCOUNTS[0].apiKey);
      const viaB = byAccount(ACCOUNTS[1].apiKey);
      expect(viaA.length).toBeGreaterThanOrEqual(2);
      expect(viaB.length).toBeGreaterThanOrEqual(2);
      expect(new Set(viaA.map((s) => s.from))).toEqual(new Set([ADDRESS.p1]));
      expect(new Set(viaB.map((s) => s.from))).toEqual(new Set([ADDRESS.p2]));
      // The user stream's upgrade came through acct-a's proxy too; nothing at all came directly.
      expect(seen.some((s) => s.upgrade && s.from === ADDRESS.p1)).toBe(true);
      expect(seen.filter((s) => s.from === '127.0.0.1' || s.from === '::ffff:127.0.0.1')).toEqual([]);
      expect(refusedLogins).toEqual([]);
    } finally {
      await sub.close();
    }
  });

  it('moves an account whose proxy dies to the next one, says so, and never logs the login', async () => {
    const built = await build(true);
    const a = built.resolve('acct-a');
    await a.balance('USDT');
    const port = proxies.get('p1')!.port;
    await proxies.get('p1')!.close(true);
    proxies.delete('p1');
    seen.length = 0;
    await a.balance('USDT');
    expect(new Set(byAccount(ACCOUNTS[0].apiKey).map((s) => s.from))).toEqual(new Set([ADDRESS.p2]));
    const text = logs.join('\n');
    expect(text).toContain('proxy not answering');
    expect(text).toContain('account moved to another proxy');
    expect(text).not.toContain(LOGIN.password);
    expect(processRedactor.scrubText(`x ${LOGIN.password} y`)).not.toContain(LOGIN.password);
    await Promise.all(built.all.map((x) => x.close()));
    await startProxy('p1', port);
  });
});
