/**
 * Hedge pairs end to end (issue 19) on real parts: six accounts (three pairs) on the Binance protocol
 * server (the paper engine behind it), every account's REST calls and streams through one of two local
 * proxies (`proxy-chain`, one asking for a login kept in Secrets Manager) assigned round robin, the
 * stream worker as a child process, the recon and admin Lambda handlers in process, state in dynalite, and
 * a local SMTP server for the reports.
 *
 *  - pair 1 opens and its loss passes its (tiny) threshold: both legs go to the closer and come back flat;
 *  - pair 2 is skipped at start: its long account already holds a position;
 *  - pair 3 opens; then its short account's API key is revoked: that pair alone stops, its legs keep
 *    their stops, the others go on;
 *  - the status report arrives by e-mail (scheduled at the worker's start, and on demand);
 *  - the venue saw each account only through its own proxy, nothing directly, and no secret or proxy
 *    login reached any log line.
 */
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { Server as ProxyServer } from 'proxy-chain';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperBinanceServer } from '../../shared/adapters/paper/binance-server/paper-server.js';
import { decodeClientOrderId } from '../../shared/domain/client-order-id.js';
import { dec, ZERO } from '../../shared/domain/money.js';
import type { HedgePairsState } from '../../shared/domain/strategies/hedge-pairs/state.js';
import { BTC, moreAccounts } from '../support/binance/paper-venue.js';
import { type E2e, startE2e, until } from '../support/e2e/harness.js';

const ID = 'pairs';
const ACCTS = moreAccounts(6);
const [P1L, P1S, P2L, P2S, P3L, P3S] = ACCTS.map((a) => a.id) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const PROXY_LOGIN = { username: 'pool-user', password: 'e2e-proxy-pa55word' };
const SMTP_LOGIN = { username: 'gridbot@example.com', password: 'e2e-smtp-pa55word' };
const ADDRESS = { px1: '127.0.0.2', px2: '127.0.0.3' } as const;

describe('hedge pairs on six accounts through two proxies', () => {
  let rig: E2e;
  let worker: ChildProcess | null = null;
  const proxies: ProxyServer[] = [];
  let smtp: SMTPServer;
  const mails: string[] = [];
  const seen: { key: string; from: string }[] = [];

  const state = async () => (await rig.store.loadGrid(ID)) as HedgePairsState;
  const recon = () => rig.handlers.recon({ instanceId: ID, scheduledTime: rig.tick() });
  const held = (account: string, side: 'LONG' | 'SHORT') =>
    rig.venue.engine
      .positions(account, 'BTCUSDT')
      .find((p) => p.positionSide === side)
      ?.positionAmt.abs() ?? ZERO;
  /** A trade at the last price, alternately seller- and buyer-initiated (the market stays where it is). */
  let side = false;
  const trade = () => {
    side = !side;
    rig.venue.engine.applyTrade('BTCUSDT', {
      price: rig.venue.engine.lastPrice('BTCUSDT')!,
      qty: dec('1'),
      buyerIsMaker: side,
    });
  };
  const stops = (account: string) =>
    rig.venue.engine
      .openAlgoOrders(account, 'BTCUSDT')
      .filter((o) => decodeClientOrderId(o.clientAlgoId)?.kind === 'protective_stop');

  beforeAll(async () => {
    for (const id of ['px1', 'px2'] as const) {
      const p = new ProxyServer({
        port: 0,
        host: '127.0.0.1',
        prepareRequestFunction: ({ username, password }) => ({
          requestAuthentication:
            id === 'px1' && (username !== PROXY_LOGIN.username || password !== PROXY_LOGIN.password),
          localAddress: ADDRESS[id],
        }),
      });
      await p.listen();
      proxies.push(p);
    }
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _s, cb) =>
        auth.username === SMTP_LOGIN.username && auth.password === SMTP_LOGIN.password
          ? cb(null, { user: auth.username })
          : cb(new Error('invalid login')),
      onData(stream, _s, cb) {
        let raw = '';
        stream.on('data', (c: Buffer) => {
          raw += c.toString('utf8');
        });
        stream.on('end', () => {
          mails.push(
            raw
              .replace(/=\r?\n/g, '')
              .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
          );
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as { port: number }).port;
    const deployment = {
      proxies: [
        { id: 'px1', url: `http://127.0.0.1:${proxies[0]!.port}`, auth: true },
        { id: 'px2', url: `http://127.0.0.1:${proxies[1]!.port}` },
      ],
      proxy_assignment: 'round_robin',
      accounts: ACCTS.map((a) => ({ id: a.id, exchange: 'binanceusdm' })),
      reports: {
        email: {
          to: ['ops@example.com'],
          from: SMTP_LOGIN.username,
          transport: 'smtp',
          smtp: { host: '127.0.0.1', port: smtpPort },
          alerts: 'none',
        },
      },
      instances: [
        {
          id: ID,
          strategy: 'hedge_pairs',
          symbol: BTC,
          pairs: [
            // The one-tick spread alone costs this pair more than its threshold once it holds.
            { long: P1L, short: P1S, stop_loss_threshold: 0.0001 },
            { long: P2L, short: P2S },
            { long: P3L, short: P3S },
          ],
          notional_usd: 2000,
          leverage: 5,
          stop_loss_threshold: 50,
        },
      ],
    };
    // The local SMTP server speaks no TLS: its login may go in clear here (never in production).
    process.env.GRIDBOT_SMTP_ALLOW_PLAIN = '1';
    rig = await startE2e({
      table: 'gridbot-e2e-pairs',
      deployment,
      extraAccounts: ACCTS,
      secrets: {
        'gridbot/proxy/px1': JSON.stringify(PROXY_LOGIN),
        'gridbot/smtp': JSON.stringify(SMTP_LOGIN),
      },
    });
    (rig.venue.server as PaperBinanceServer).tap((req: IncomingMessage) => {
      const key = req.headers['x-mbx-apikey'];
      seen.push({
        key: typeof key === 'string' ? key : (req.url ?? ''),
        from: req.socket.remoteAddress ?? '',
      });
    });
    // Pair 2's long account already holds a position (a hand trade, straight on the venue).
    rig.venue.engine.placeOrder(P2L, {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'MARKET',
      quantity: dec('0.005'),
      positionSide: 'LONG',
    });
  }, 60_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    await rig?.stop();
    for (const p of proxies) await p.close(true);
    await new Promise<void>((r) => smtp.close(() => r()));
  });

  it('opens two pairs through the proxies, skips the one that holds a position, and stops pair 1 at its threshold through the closer', async () => {
    worker = rig.startWorker();
    await until('a healthy stream worker', () => rig.healthy(), 30_000);
    // The worker sent the first scheduled report as it started.
    await until('the scheduled report', async () => mails.length > 0, 15_000);
    await recon();
    const s = await state();
    expect(s.pairs.map((p) => p.status)).toEqual([
      expect.stringMatching(/opening|open|closing/),
      'skipped',
      expect.stringMatching(/opening|open/),
    ]);
    expect(s.pairs[1]!.reason).toContain(`account ${P2L} already holds 0.005`);
    await until(
      'pair 3 open with a stop on each leg',
      async () => {
        return (
          held(P3L, 'LONG').greaterThan(0) &&
          held(P3S, 'SHORT').equals(held(P3L, 'LONG')) &&
          stops(P3L).length === 1 &&
          stops(P3S).length === 1
        );
      },
      30_000,
    );
    // Pair 1: on the market data the worker sees, its loss is past the threshold: both legs to the closer.
    const market = setInterval(() => trade(), 250);
    try {
      await until(
        'pair 1 handed to the closer',
        async () => (await state()).pairs[0]!.status === 'closing',
        30_000,
      );
      await until(
        'pair 1 flat',
        async () => held(P1L, 'LONG').isZero() && held(P1S, 'SHORT').isZero(),
        90_000,
      );
    } finally {
      clearInterval(market);
    }
    await until(
      'pair 1 handed to the closer',
      async () => (await state()).pairs[0]!.status === 'closing',
      30_000,
    );
    await until('pair 1 flat', async () => held(P1L, 'LONG').isZero() && held(P1S, 'SHORT').isZero(), 90_000);
    await until(
      'pair 1 stopped',
      async () => {
        await recon();
        return (await state()).pairs[0]!.status === 'stopped';
      },
      30_000,
    );
    const after = await state();
    expect(after.pairs[0]!.reason).toMatch(/^stop_loss: combined unrealized PnL below -0.0001 USD/);
    expect(after.pairs[2]!.status).toBe('open');
    // The closer's slices named the instance: its fills are the pair's.
    const fills = await rig.journal(ID, 'fill');
    expect(fills.some((f) => decodeClientOrderId(String(f.data.clientOrderId))?.kind === 'slice')).toBe(true);
  }, 200_000);

  it("stops pair 3 alone when its short account's key is revoked, its legs still protected", async () => {
    rig.venue.engine.revokeApiKey(P3S);
    await recon();
    const s = await state();
    expect(s.pairs.map((p) => p.status)).toEqual(['stopped', 'skipped', 'stopped']);
    expect(s.pairs[2]!.reason).toContain(`account ${P3S} cannot be read`);
    // Positions protected: both legs of pair 3 still hold, each with its stop on the venue.
    expect(held(P3L, 'LONG').greaterThan(0)).toBe(true);
    expect(stops(P3L)).toHaveLength(1);
    expect(stops(P3S)).toHaveLength(1);
    const alerts = await rig.journal(ID, 'alert');
    expect(alerts.some((a) => a.data.code === 'pair_stopped' && String(a.data.reason).includes(P3S))).toBe(
      true,
    );
    // The recon pass itself went on for every readable account.
    await recon();
    expect((await state()).pairs[2]!.status).toBe('stopped');
  }, 60_000);

  it('e-mails the status report on demand, each pair in it', async () => {
    const before = mails.length;
    const r = (await rig.handlers.admin({ command: 'report', instanceId: ID })) as { ok: boolean };
    expect(r.ok).toBe(true);
    await until('the report e-mail', async () => mails.length > before, 10_000);
    const mail = mails.at(-1)!;
    expect(mail).toContain('Subject: gridbot pairs: status');
    for (const account of [P1L, P1S, P2L, P3S]) expect(mail).toContain(`<td>${account}</td>`);
    expect(mail).toContain('<td>skipped</td>');
    expect(mail).toContain('pair_stopped');
  }, 30_000);

  it('the venue saw each account only through its own proxy and nothing directly; no secret in any log', () => {
    ACCTS.forEach((a, i) => {
      const from = new Set(seen.filter((x) => x.key === a.apiKey).map((x) => x.from));
      expect(from.size).toBeGreaterThan(0);
      expect(from).toEqual(new Set([i % 2 === 0 ? ADDRESS.px1 : ADDRESS.px2]));
    });
    expect(seen.filter((x) => !Object.values(ADDRESS).includes(x.from as '127.0.0.2'))).toEqual([]);
    const text = rig.captured.join('');
    for (const secret of [PROXY_LOGIN.password, SMTP_LOGIN.password, ...ACCTS.map((a) => a.apiSecret)])
      expect(text).not.toContain(secret);
    expect(mails.join('')).not.toContain(PROXY_LOGIN.password);
  });
});
