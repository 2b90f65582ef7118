/**
 * End to end on real parts (issues 6 and 18): the real Lambda handlers (in process) and the real stream
 * worker (a child process, exactly as Fargate runs it) against each venue's protocol server on the paper
 * engine — Binance USD-M and OKX v5 — ccxt inside, state in dynalite, credentials from a local Secrets
 * Manager. Nothing is mocked; the exchange misbehaves on purpose through the paper engine's fault hooks.
 * The same scenario runs on both venues (OKX on ETH-USDT-SWAP at the scale `GRID_MARKETS` gives).
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { dec } from '../../shared/domain/money.js';
import { checkKlgInvariants } from '../../shared/domain/strategies/klg/index.js';
import type { StateStore } from '../../shared/ports/state-store.js';
import { findLeaks } from '../support/aws/leak-scan.js';
import { ACCOUNTS, type PaperVenue, VENUES, type VenueServer } from '../support/binance/paper-venue.js';
import { type E2e, startE2e, until } from '../support/e2e/harness.js';
import { GRID_MARKETS } from '../support/e2e/markets.js';
import { klgConfig, klgConfigInput } from '../support/strategies/klg/config.js';
import { loadKlg } from '../support/strategies/klg/state.js';

const account = ACCOUNTS[0];

describe.each(VENUES)('gridbot end to end on the %s protocol server', (venueId) => {
  const m = GRID_MARKETS[venueId];
  const SYMBOL = m.engineSymbol;
  const px = (ps: readonly string[]) => ps.map(m.px);
  const instance = klgConfigInput({
    account: account.id,
    symbol: m.symbol,
    order_action_timeout_sec: 1,
    levels: { source: 'manual', prices: px(['0.15', '0.16', '0.17', '0.18', '0.19', '0.2', '0.21', '0.22']) },
    base_amount_per_grid: m.qty('100'),
  });
  const deployment = { accounts: [{ id: account.id, exchange: venueId }], instances: [instance] };
  const secrets = () => Object.values(venue.credentials(account.id));

  let rig: E2e;
  let venue: PaperVenue<VenueServer>;
  let store: StateStore;
  let worker: ChildProcess | null = null;
  let captured: string[] = [];
  let handlers: E2e['handlers'];
  const tick = () => rig.tick();
  const healthy = () => rig.healthy();
  const startWorker = () => rig.startWorker();

  const open = () => venue.engine.openOrders(account.id, SYMBOL);
  const buysOpen = () =>
    open()
      .filter((o) => o.side === 'BUY')
      .map((o) => o.price.toFixed())
      .sort();
  const sellsOpen = () =>
    open()
      .filter((o) => o.side === 'SELL')
      .map((o) => `${o.origQty.minus(o.executedQty).toFixed()}@${o.price.toFixed()}`)
      .sort();
  const position = () =>
    venue.engine.positions(account.id, SYMBOL).find((p) => p.positionSide === 'LONG')?.positionAmt ?? dec(0);
  const holds = (doge: string) => async () => {
    const s = await loadKlg(store, 'dogeklg');
    return s?.holdings.equals(m.qty(doge)) ? s : null;
  };
  const recon = () => handlers.recon({ instanceId: 'dogeklg', scheduledTime: tick() });

  beforeAll(async () => {
    rig = await startE2e({
      table: `gridbot-e2e-${venueId}`,
      deployment,
      venue: venueId,
      prices: { [SYMBOL]: m.px('0.185') },
    });
    ({ venue, store, captured, handlers } = rig);
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  });

  it('lays the grid out from the recon handler, and a redelivered schedule acts once', async () => {
    const event = { instanceId: '*', scheduledTime: tick() };
    const first = await handlers.recon(event);
    expect(first.outcomes.map((o) => o.status)).toEqual(['done']);
    expect(buysOpen()).toEqual(px(['0.15', '0.16', '0.17', '0.18']));
    const again = await handlers.recon(event);
    expect(again.outcomes.map((o) => o.status)).toEqual(['duplicate']);
    expect(open()).toHaveLength(4);
  });

  it('answers a fill arriving over the WebSocket with the delta sell (stream worker process)', async () => {
    worker = startWorker();
    await until('a healthy stream worker', healthy, 30_000);
    venue.moveTo(SYMBOL, m.px('0.1795'));
    await until('the delta sell', async () => sellsOpen().length === 1);
    expect(sellsOpen()).toEqual([`${m.qty('70')}@${m.px('0.19')}`]);
    const state = await until('the fill in the store', holds('100'));
    expect(state.levels.find((l) => l.price.equals(m.px('0.18')))?.fillCounter).toBe(1);
  });

  it('treats a duplicated stream event as a no-op', async () => {
    venue.engine.faults.duplicateNextEvents(account.id, 10);
    venue.moveTo(SYMBOL, m.px('0.1695'));
    venue.moveTo(SYMBOL, m.px('0.175'));
    const state = await until('the second fill', holds('200'));
    await new Promise((r) => setTimeout(r, 500));
    expect((await loadKlg(store, 'dogeklg'))?.holdings.toFixed()).toBe(m.qty('200'));
    expect(state.recentTrades.length).toBe(new Set(state.recentTrades.map((t) => t.id)).size);
    expect(position().toFixed()).toBe(m.qty('200'));
  });

  it('restores an order cancelled by hand within one recon', async () => {
    const victim = open().find((o) => o.side === 'BUY' && o.price.equals(m.px('0.16')))!;
    venue.engine.cancelOrder(account.id, SYMBOL, { clientOrderId: victim.clientOrderId });
    await recon();
    expect(buysOpen()).toContain(m.px('0.16'));
  });

  it('adopts an order a crashed pass sent between PLACING and ACTIVE', async () => {
    const s = (await loadKlg(store, 'dogeklg'))!;
    const level = s.levels.find((l) => l.price.equals(m.px('0.15')))!;
    const id = level.order!.clientOrderId;
    // The crash: PLACING was saved and the order sent, ACTIVE never written.
    const crashed = {
      ...s,
      levels: s.levels.map((l) =>
        l === level
          ? { ...l, state: 'PLACING' as const, order: { ...l.order!, pending: 'place' as const } }
          : l,
      ),
    };
    expect((await store.saveGrid(crashed, s.version)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 1_200)); // older than order_action_timeout_sec
    await recon();
    const after = (await loadKlg(store, 'dogeklg'))!;
    const adopted = after.levels.find((l) => l.price.equals(m.px('0.15')))!;
    expect(adopted.state).toBe('ACTIVE');
    expect(adopted.order?.clientOrderId).toBe(id);
    expect(buysOpen().filter((p) => p === m.px('0.15'))).toHaveLength(1);
  });

  it('recovers fills made while the stream was down from trade history', async () => {
    venue.engine.faults.disconnectStream(account.id);
    venue.moveTo(SYMBOL, m.px('0.1595')); // the 0.16 buy fills unseen
    await new Promise((r) => setTimeout(r, 300));
    expect((await loadKlg(store, 'dogeklg'))?.holdings.toFixed()).toBe(m.qty('200'));
    await recon();
    expect((await loadKlg(store, 'dogeklg'))?.holdings.toFixed()).toBe(m.qty('300'));
    venue.engine.faults.reconnectStream(account.id);
    venue.moveTo(SYMBOL, m.px('0.165'));
    await until('a healthy worker after resync', healthy);
  });

  it('slows recon down under a 429 storm without losing anything', async () => {
    venue.engine.faults.rejectNext({
      count: 1000,
      accountId: account.id,
      error: new PaperApiError(-1003, 'Too many requests; current limit is 2400 requests per minute.', 429),
      operations: ['query'],
    });
    const limited = await recon();
    expect(limited.outcomes.map((o) => o.status)).toEqual(['done']);
    const s = (await loadKlg(store, 'dogeklg'))!;
    expect(s.reconBackoffUntil).toBeGreaterThan(Date.now());
    const skipped = await recon();
    expect(skipped.ok).toBe(true);
    // The pass backs off: only the protection pass runs (its reads are refused too), and it sends nothing.
    // (The worker process may still write the grid meanwhile: the report, not the version, is the witness.)
    expect(skipped.outcomes[0]).toMatchObject({
      status: 'done',
      result: { skipped: 'backoff', commands: 0 },
    });
    venue.engine.faults.clear(); // the storm is over
    await handlers.admin({ command: 'resume', instanceId: 'dogeklg' }); // a forced pass once the storm is over
    const after = (await loadKlg(store, 'dogeklg'))!;
    expect(after.holdings.equals(position())).toBe(true);
    expect(checkKlgInvariants(after, klgConfig(instance), m.rules())).toEqual([]);
  });

  it('answers with no credential even when the exchange echoes one in an error body', async () => {
    venue.engine.faults.rejectNext({
      count: 3,
      accountId: account.id,
      error: new PaperApiError(
        -1000,
        `upstream rejected apiKey=${account.apiKey} sig ${account.apiSecret}`,
        502,
      ),
      operations: ['query'],
    });
    const r = await recon();
    const text = JSON.stringify(r);
    venue.engine.faults.clear();
    expect(r.outcomes).toHaveLength(1);
    expect(text).toMatch(/redacted|upstream|502|unavailable|rejected/i);
    expect(findLeaks(text, secrets())).toEqual([]);
    // Whatever a service answers (here: a 502 body quoted verbatim) leaves the handler redacted.
    const { scheduledHandler } = await import('../../shared/composition/lambda.js');
    const echo = scheduledHandler('recon', async () => ({
      body: `<html>502 Bad Gateway X-MBX-APIKEY: ${account.apiKey} signature=${account.apiSecret}</html>`,
    }));
    const echoed = JSON.stringify(await echo({ instanceId: 'dogeklg', scheduledTime: tick() }));
    expect(echoed).toContain('502 Bad Gateway');
    expect(findLeaks(echoed, secrets())).toEqual([]);
    const status = JSON.stringify(
      await handlers.admin({ command: 'status', instanceId: 'dogeklg', caller: `x ${account.apiSecret}` }),
    );
    expect(findLeaks(status, secrets())).toEqual([]);
  });

  it('drains on SIGTERM mid-burst and leaves a consistent state', async () => {
    venue.moveTo(SYMBOL, m.px('0.1495')); // several fills at once (0.15 buy, and whatever else crossed)
    worker!.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => worker!.once('exit', (c) => res(c)));
    worker = null;
    expect(code).toBe(0);
    await recon();
    const s = (await loadKlg(store, 'dogeklg'))!;
    expect(s.holdings.equals(position())).toBe(true);
    expect(checkKlgInvariants(s, klgConfig(instance), m.rules())).toEqual([]);
    expect((await store.getHeartbeat(account.id))?.status).toBe('draining');
  });

  it('never writes a secret to any log line', () => {
    const text = captured.join('');
    expect(text.length).toBeGreaterThan(1000);
    expect(text).toContain('"service":"gridbot-recon"');
    expect(text).toContain('stream worker started');
    expect(findLeaks(text, [...secrets(), 'e2etestsecret'])).toEqual([]);
    // Every message the venue sent was understood: none was rejected as malformed.
    expect(text).not.toContain('malformed stream message rejected');
  });
});
