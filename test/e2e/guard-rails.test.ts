/**
 * Guard rails end to end (issues 15 and 18) on the real parts: the Lambda handlers in process and the
 * stream worker as a child process, ccxt against each venue's protocol server (Binance USD-M, OKX v5) on
 * the paper engine, state in dynalite. Someone trades by hand on the bot's account; then the venue answers
 * 5xx to everything. OKX runs on ETH-USDT-SWAP at the scale `GRID_MARKETS` gives.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { dec } from '../../shared/domain/money.js';
import { checkKlgInvariants } from '../../shared/domain/strategies/klg/index.js';
import { findLeaks } from '../support/aws/leak-scan.js';
import { ACCOUNTS, VENUES } from '../support/binance/paper-venue.js';
import { type E2e, startE2e, until } from '../support/e2e/harness.js';
import { GRID_MARKETS } from '../support/e2e/markets.js';
import { klgConfig, klgConfigInput } from '../support/strategies/klg/config.js';
import { loadKlg } from '../support/strategies/klg/state.js';

const account = ACCOUNTS[0];

describe.each(VENUES)('guard rails on the %s protocol server', (venueId) => {
  const m = GRID_MARKETS[venueId];
  const SYMBOL = m.engineSymbol;
  const instance = klgConfigInput({
    account: account.id,
    symbol: m.symbol,
    order_action_timeout_sec: 1,
    levels: {
      source: 'manual',
      prices: ['0.15', '0.16', '0.17', '0.18', '0.19', '0.2', '0.21', '0.22'].map(m.px),
    },
    base_amount_per_grid: m.qty('100'),
  });
  const deployment = {
    accounts: [
      {
        id: account.id,
        exchange: venueId,
        // A breaker that opens after 3 failed calls and probes again 2 s later (defaults: 10 and 60 s).
        guards: { breaker_failures: 3, breaker_cooldown_sec: 2 },
      },
    ],
    instances: [instance],
  };

  let rig: E2e;
  let worker: ChildProcess | null = null;
  const position = () =>
    rig.venue.engine.positions(account.id, SYMBOL).find((p) => p.positionSide === 'LONG')?.positionAmt ??
    dec(0);
  const stops = () => rig.venue.engine.openAlgoOrders(account.id, SYMBOL);
  const sells = () => rig.venue.engine.openOrders(account.id, SYMBOL).filter((o) => o.side === 'SELL');
  const recon = () => rig.handlers.recon({ instanceId: 'dogeklg', scheduledTime: rig.tick() });
  const grid = async () => (await loadKlg(rig.store, 'dogeklg'))!;
  const alertCodes = async () => (await rig.journal('dogeklg', 'alert')).map((e) => String(e.data.code));
  const byHand = (side: 'BUY' | 'SELL', qty: string, id: string) =>
    rig.venue.engine.placeOrder(account.id, {
      symbol: SYMBOL,
      side,
      type: 'MARKET',
      quantity: dec(m.qty(qty)),
      positionSide: 'LONG',
      newClientOrderId: id,
    });

  beforeAll(async () => {
    rig = await startE2e({
      table: `gridbot-e2e-guards-${venueId}`,
      deployment,
      venue: venueId,
      prices: { [SYMBOL]: m.px('0.185') },
    });
  }, 60_000);

  afterAll(async () => {
    worker?.kill('SIGKILL');
    worker = null;
    await rig?.stop();
  });

  it('holds a bought level with its stop (the starting point)', async () => {
    await recon();
    worker = rig.startWorker();
    await until('a healthy stream worker', () => rig.healthy(), 30_000);
    rig.venue.moveTo(SYMBOL, m.px('0.1795'));
    await until('the fill in the store', async () => (await grid()).holdings.equals(m.qty('100')));
    await until('the stop on the exchange', async () => stops().length === 1);
  });

  it('detects a hand trade the bot did not hear of, from trade history, and takes it into the ledger', async () => {
    // The worker is down (a deploy, a crash) while someone buys by hand on the account.
    worker!.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
    byHand('BUY', '50', 'web_hand_buy');
    expect(position().toFixed()).toBe(m.qty('150'));
    expect((await grid()).holdings.toFixed()).toBe(m.qty('100'));
    await recon();
    const alerts = await rig.journal('dogeklg', 'alert');
    const external = alerts.filter((e) => e.data.code === 'external_trade');
    expect(external).toHaveLength(1);
    expect(String(external[0]?.data.reason)).toMatch(
      new RegExp(`not made by the bot .* by ${m.qty('50')}; the ledger took it in`),
    );
    const s = await grid();
    expect(s.holdings.toFixed()).toBe(m.qty('150'));
    expect(checkKlgInvariants(s, klgConfig(instance), m.rules())).toEqual([]);
    await recon(); // nothing new: no second alert, and the burst is over
    expect((await alertCodes()).filter((c) => c === 'external_trade')).toHaveLength(1);
    expect(await alertCodes()).not.toContain('shadow_ledger_difference'); // explained by the history
    worker = rig.startWorker();
    await until('the worker back', () => rig.healthy(), 30_000);
    // Healthy comes before the streams are subscribed: the next test's hand close must be heard.
    await until('its user stream live', async () => rig.userStreamLive(account.id), 30_000);
  });

  it('cancels the leftover stop and closes within seconds when the position is closed by hand', async () => {
    expect(stops().length).toBeGreaterThan(0);
    byHand('SELL', '150', 'web_hand_close');
    expect(position().isZero()).toBe(true);
    // The position stream says flat; the worker resyncs (two passes) and cancels what would close nothing.
    await until('no stop left', async () => stops().length === 0 && sells().length === 0, 20_000);
    const s = await grid();
    expect(s.holdings.isZero()).toBe(true);
    expect(s.stops.filter((x) => x.state === 'ACTIVE')).toEqual([]);
    expect(rig.captured.join('')).toContain('the exchange reports a leg flat; resyncing');
    // Heard over the stream this time: the event track says so, once.
    expect((await alertCodes()).filter((c) => c === 'external_trade')).toHaveLength(2);
  });

  it('opens the account breaker in a 5xx storm, refuses calls at once while open, and resumes after it', async () => {
    rig.venue.engine.faults.rejectNext({
      count: 100_000,
      accountId: account.id,
      // A gateway that echoes the request's key in its error: the breaker's log line and alert quote the error.
      error: new PaperApiError(-1001, `Service Unavailable (upstream saw apiKey=${account.apiKey})`, 503),
      operations: ['query'],
    });
    const stormy = await recon();
    expect(stormy.outcomes[0]?.status).not.toBe('done');
    const opened = () => rig.captured.join('').includes('"code":"account_circuit_open"');
    await until('the breaker alert', async () => opened());
    const refused = JSON.stringify(await recon());
    expect(refused).toMatch(/circuit open for account acct-a/);
    rig.venue.engine.faults.clear(); // the storm is over
    await new Promise((r) => setTimeout(r, 2_100)); // the cooldown
    const after = await recon();
    expect(after.outcomes[0]?.status).toBe('done');
    expect(rig.captured.join('')).toContain('"code":"account_circuit_open_resolved"');
    const s = await grid();
    expect(s.holdings.equals(position())).toBe(true);
    // Trading resumed: the grid's buys are on the exchange again.
    expect(rig.venue.engine.openOrders(account.id, SYMBOL).some((o) => o.side === 'BUY')).toBe(true);
  });

  it('never writes a secret to any log line or alert, those of the breaker included', () => {
    const text = rig.captured.join('');
    expect(text).toContain('account_circuit_open');
    expect(text).toContain('upstream saw apiKey='); // the echo reached the logs, its key did not
    expect(findLeaks(text, [...Object.values(rig.venue.credentials(account.id)), 'e2etestsecret'])).toEqual(
      [],
    );
  });
});
