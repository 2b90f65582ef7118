import { afterEach, describe, expect, it } from 'vitest';
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { CONFIRMATION_TTL_MS, runAdminCommand } from '../../shared/application/admin.js';
import { InstanceNotFoundError, NoGridStateError } from '../../shared/application/errors.js';
import { SHELL } from '../../shared/application/jobs.js';
import { settleAssetOf } from '../../shared/application/market.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { runScheduled } from '../../shared/application/scheduled.js';
import { recomputeParams } from '../../shared/application/strategies/klg/recompute-params.js';
import { runRiskCheck } from '../../shared/application/strategies/klg/risk-check.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { loadKlg } from '../support/strategies/klg/state.js';

let app: PaperApp;
afterEach(async () => app?.stop());

const buys = async (a: PaperApp) =>
  (await a.port.openOrders('DOGE/USDC:USDC')).filter((o) => o.kind === 'limit' && o.side === 'buy').length;

describe('scheduled jobs', () => {
  it('act once per scheduled time, however often the event is delivered', async () => {
    app = await paperApp();
    let runs = 0;
    const job = async () => {
      runs += 1;
      return runs;
    };
    const event = { instanceId: '*', scheduledTime: '2025-06-01T00:01:00Z', pass: 1 as const };
    const first = await runScheduled(app.ctx, 'recon', event, job);
    const second = await runScheduled(app.ctx, 'recon', event, job);
    expect(first.map((o) => o.status)).toEqual(['done']);
    expect(second.map((o) => o.status)).toEqual(['duplicate']);
    expect(runs).toBe(1);
    await runScheduled(app.ctx, 'recon', { ...event, scheduledTime: '2025-06-01T00:02:00Z' }, job);
    expect(runs).toBe(2);
  });

  it('report a failing instance without throwing, and count it', async () => {
    app = await paperApp();
    const out = await runScheduled(
      app.ctx,
      'risk',
      { instanceId: 'dogeklg', scheduledTime: 't', pass: 1 },
      async () => {
        throw new Error('exchange down');
      },
    );
    expect(out).toEqual([{ instanceId: 'dogeklg', status: 'failed', error: 'Error: exchange down' }]);
    expect(app.metrics.some((m) => m.name === 'RiskFailures')).toBe(true);
  });

  it('run the second pass of a minute only for 30-second instances', async () => {
    app = await paperApp();
    const out = await runScheduled(
      app.ctx,
      'recon',
      { instanceId: '*', scheduledTime: 't', pass: 2 },
      async () => 1,
    );
    expect(out.map((o) => o.status)).toEqual(['skipped']);
  });

  it("run the second pass at once when it arrives (its delay is the queue's), keyed apart from the first", async () => {
    app = await paperApp({ instance: { recon_interval_sec: 30 } });
    const before = app.clock.now();
    const minute = { instanceId: '*', scheduledTime: '2025-06-01T00:01:00Z' };
    const first = await runScheduled(app.ctx, 'recon', { ...minute, pass: 1 }, async () => 1);
    const second = await runScheduled(app.ctx, 'recon', { ...minute, pass: 2 }, async () => 2);
    const again = await runScheduled(app.ctx, 'recon', { ...minute, pass: 2 }, async () => 2);
    expect([first, second, again].map((o) => o.map((x) => x.status))).toEqual([
      ['done'],
      ['done'],
      ['duplicate'],
    ]);
    // Nothing slept on the virtual clock (a sleep would never have resolved: nobody advances it).
    expect(app.clock.now()).toBe(before);
  });
});

describe('risk check', () => {
  it('is ok with a protected position and a fresh heartbeat', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.ctx.store.putHeartbeat({
      accountId: 'main',
      at: app.clock.now(),
      writer: 't',
      status: 'connected',
    });
    const r = await runRiskCheck(app.ctx, 'dogeklg');
    expect(r.findings).toEqual([]);
    expect(r.level).toBe('ok');
    expect(app.metrics.find((m) => m.name === 'RiskLevel')?.value).toBe(0);
  });

  it('is a breach when the stop is missing, and pauses when configured to', async () => {
    app = await paperApp({ instance: { risk: { on_breach: 'pause' } } });
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    const stop = (await app.port.openOrders('DOGE/USDC:USDC')).find((o) => o.kind === 'stop')!;
    await app.port.cancel('DOGE/USDC:USDC', stop.clientOrderId, 'stop');
    await app.ctx.store.putHeartbeat({
      accountId: 'main',
      at: app.clock.now(),
      writer: 't',
      status: 'connected',
    });
    const r = await runRiskCheck(app.ctx, 'dogeklg');
    expect(r.level).toBe('breach');
    expect(r.findings.map((f) => f.code)).toContain('stop_missing');
    expect(r.paused).toBe(true);
    expect(app.alerts).toContainEqual(expect.objectContaining({ severity: 'critical', code: 'risk_breach' }));
    await runRiskCheck(app.ctx, 'dogeklg');
    expect(app.alerts.filter((a) => a.code === 'risk_breach')).toHaveLength(1);
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(await buys(app)).toBe(0);
  });

  it('promises the same findings of a grid only a recon changed (roles), and says when another grid breaks the promise', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    const heartbeat = () =>
      app.ctx.store.putHeartbeat({
        accountId: 'main',
        at: app.clock.now(),
        writer: 't',
        status: 'connected',
      });
    await heartbeat();
    const first = await runRiskCheck(app.ctx, 'dogeklg');
    expect(first.level).toBe('ok');
    const steady = first.steady!;
    expect(steady).not.toBeNull();
    const grid = (await loadKlg(app.ctx.store, 'dogeklg'))!;
    expect(grid.holdings.greaterThan(0)).toBe(true);
    const flipped = grid.levels.map((l) => ({
      ...l,
      role: l.role === 'SUPPORT' ? ('RESISTANCE' as const) : ('SUPPORT' as const),
    }));
    const variants = {
      roles: { ...grid, levels: flipped },
      holdings: { ...grid, holdings: grid.holdings.plus(1) },
      paused: { ...grid, paused: true },
      // Far more fills counted on one level than the holdings carry (the others not saturated).
      counters: { ...grid, levels: grid.levels.map((l, i) => (i === 0 ? { ...l, fillCounter: 50 } : l)) },
    };
    const promised: Record<string, boolean> = {};
    for (const [name, variant] of Object.entries(variants)) {
      promised[name] = steady.holdsFor(variant);
      // The check run on that grid agrees with the promise: nothing found, paused alike.
      const stored = (await loadKlg(app.ctx.store, 'dogeklg'))!;
      expect((await app.ctx.store.saveGrid({ ...variant, version: stored.version }, stored.version)).ok).toBe(
        true,
      );
      await heartbeat();
      const r = await runRiskCheck(app.ctx, 'dogeklg');
      expect(r.findings.length === 0 && r.paused === grid.paused, name).toBe(promised[name]);
    }
    expect(promised).toEqual({ roles: true, holdings: false, paused: false, counters: false });
  });

  it('warns about a stale stream heartbeat', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.ctx.store.putHeartbeat({
      accountId: 'main',
      at: app.clock.now() - 600_000,
      writer: 't',
      status: 'connected',
    });
    const r = await runRiskCheck(app.ctx, 'dogeklg');
    expect(r.level).toBe('warning');
    expect(r.findings.map((f) => f.code)).toEqual(['stream_stale']);
    expect(r.heartbeatAgeSec).toBe(600);
  });

  it('knows the settlement asset of a linear swap', () => {
    expect(settleAssetOf('DOGE/USDC:USDC')).toBe('USDC');
    expect(settleAssetOf('BTC/USDT')).toBe('USDT');
    expect(() => settleAssetOf('BTCUSDT')).toThrow(/settlement asset/);
  });
});

describe('admin commands', () => {
  it('report status, pause and resume', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const status = await runAdminCommand(app.ctx, { command: 'status', instanceId: 'dogeklg' });
    expect(status).toMatchObject({ ok: true, detail: { initialized: true, holdings: '0', paused: false } });
    await runAdminCommand(app.ctx, { command: 'pause', instanceId: 'dogeklg' });
    expect(await buys(app)).toBe(0);
    await runAdminCommand(app.ctx, { command: 'resume', instanceId: 'dogeklg' });
    expect(await buys(app)).toBe(4);
  });

  it('ask for a confirmation token before resetting counters, and the token goes stale', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    const ask = await runAdminCommand(app.ctx, { command: 'reset-counters', instanceId: 'dogeklg' });
    expect(ask.ok).toBe(false);
    if (ask.ok) return;
    // Random, not derivable from the command, the instance or the version.
    expect(ask.confirm).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(ask.confirm).not.toContain('dogeklg');
    // The state moves on (another buy fills; a quiet pass would not move it): the token is stale.
    await app.feed('0.181 0.181 0.1695 0.171');
    await reconcileInstance(app.ctx, 'dogeklg');
    const stale = await runAdminCommand(app.ctx, {
      command: 'reset-counters',
      instanceId: 'dogeklg',
      confirm: ask.confirm,
    });
    expect(stale.ok).toBe(false);
    if (stale.ok) return;
    expect(stale.message).toMatch(/unknown, expired, used, or the state changed/);
    expect(stale.confirm).not.toBe(ask.confirm);
    // A token of another command does not confirm this one.
    const wrong = await runAdminCommand(app.ctx, {
      command: 'close-all',
      instanceId: 'dogeklg',
      confirm: stale.confirm,
    });
    expect(wrong.ok).toBe(false);
    const done = await runAdminCommand(app.ctx, {
      command: 'reset-counters',
      instanceId: 'dogeklg',
      confirm: stale.confirm,
      caller: 'ops@desk',
    });
    expect(done.ok).toBe(true);
    expect((await loadKlg(app.ctx.store, 'dogeklg'))!.levels.every((l) => l.fillCounter === 0)).toBe(true);
  });

  it('a confirmation token works once, and not after it expires', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    const ask = await runAdminCommand(app.ctx, { command: 'reset-counters', instanceId: 'dogeklg' });
    const token = ask.ok ? '' : ask.confirm;
    const cmd = { command: 'reset-counters', instanceId: 'dogeklg', confirm: token } as const;
    expect((await runAdminCommand(app.ctx, cmd)).ok).toBe(true);
    // Resetting counters of an untouched grid changes nothing, so the version is the same: still refused.
    expect((await runAdminCommand(app.ctx, cmd)).ok).toBe(false);
    const late = await runAdminCommand(app.ctx, { command: 'reset-counters', instanceId: 'dogeklg' });
    await app.clock.advanceBy(CONFIRMATION_TTL_MS + 1);
    const expired = await runAdminCommand(app.ctx, { ...cmd, confirm: late.ok ? '' : late.confirm });
    expect(expired.ok).toBe(false);
  });

  it('refuses an instance this process does not serve, even when the store holds it', async () => {
    app = await paperApp();
    const other = { ...(await app.ctx.store.getConfig('dogeklg'))!, id: 'other1' };
    await app.ctx.store.putConfig(other);
    await expect(runAdminCommand(app.ctx, { command: 'pause', instanceId: 'other1' })).rejects.toThrow(
      InstanceNotFoundError,
    );
    expect(await loadKlg(app.ctx.store, 'other1')).toBeNull();
  });

  it('says a deployed instance has no grid yet, rather than that it does not exist, before its first recon', async () => {
    app = await paperApp();
    const paused = runAdminCommand(app.ctx, { command: 'pause', instanceId: 'dogeklg' });
    await expect(paused).rejects.toThrow(NoGridStateError);
    await expect(paused).rejects.toThrow(/dogeklg has no grid yet: its first recon pass has not run/);
    expect(await loadKlg(app.ctx.store, 'dogeklg')).toBeNull();
  });

  it('journals every command with its caller and request id', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await runAdminCommand(
      app.ctx,
      { command: 'pause', instanceId: 'dogeklg', caller: 'alice@desk', reason: 'news' },
      { requestId: 'req-1' },
    );
    await runAdminCommand(app.ctx, { command: 'close-all', instanceId: 'dogeklg', caller: 'bob@desk' });
    const lines = await app.ctx.store.queryJournal('dogeklg', 'action', 0, Number.MAX_SAFE_INTEGER);
    const admin = lines.filter((l) => String(l.data.command ?? '') !== '');
    const rows = admin.map((l) => [l.data.command, l.data.caller, l.data.requestId, l.data.outcome]);
    expect(rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['close-all', 'bob@desk', null, 'confirmation token issued'],
      ['pause', 'alice@desk', 'req-1', 'accepted'],
    ]);
  });

  it('close-all cancels every order, sells the position at market and pauses', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    const ask = await runAdminCommand(app.ctx, { command: 'close-all', instanceId: 'dogeklg' });
    const token = ask.ok ? '' : ask.confirm;
    const done = await runAdminCommand(app.ctx, {
      command: 'close-all',
      instanceId: 'dogeklg',
      confirm: token,
    });
    expect(done).toMatchObject({ ok: true, detail: { closedQty: '100' } });
    // Every grid order is gone; the stop stayed on until the position was flat (covered even if the close
    // had been refused).
    expect((await app.port.openOrders('DOGE/USDC:USDC')).filter((o) => o.kind !== 'stop')).toEqual([]);
    expect((await app.port.position('DOGE/USDC:USDC', 'LONG')).qty.toFixed()).toBe('0');
    // The close went out with a protective close id, journaled like any order the bot sends.
    expect(app.events).toContainEqual(
      expect.objectContaining({ type: 'order_placed', clientOrderId: expect.stringMatching(/^gbdogeklgX/) }),
    );
    await reconcileInstance(app.ctx, 'dogeklg');
    expect(await app.port.openOrders('DOGE/USDC:USDC')).toEqual([]);
    const state = await loadKlg(app.ctx.store, 'dogeklg');
    expect(state?.paused).toBe(true);
    expect(state?.holdings.toFixed()).toBe('0');
    expect(state?.flatten).toBeNull();
  });

  it('close-all whose market close is refused keeps the stop on and says so every time it is asked', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    const closeAll = async () => {
      const ask = await runAdminCommand(app.ctx, { command: 'close-all', instanceId: 'dogeklg' });
      // The close is the only new order placed: refuse it (cancels are another operation).
      app.ex.faults.rejectNext({
        count: 1,
        accountId: 'main',
        error: new PaperApiError(-2019, 'Margin is insufficient.', 400),
        operations: ['placeOrder'],
      });
      return runAdminCommand(app.ctx, {
        command: 'close-all',
        instanceId: 'dogeklg',
        confirm: ask.ok ? '' : ask.confirm,
      });
    };
    for (const round of [1, 2]) {
      const done = await closeAll();
      expect(done).toMatchObject({ ok: true, detail: { closedQty: null } });
      expect(app.alerts.filter((a) => a.code === 'close_all_failed')).toHaveLength(round);
      const open = await app.port.openOrders('DOGE/USDC:USDC');
      expect(open.filter((o) => o.kind === 'stop')).toHaveLength(1);
      expect(open.filter((o) => o.kind !== 'stop')).toEqual([]);
      expect((await app.port.position('DOGE/USDC:USDC', 'LONG')).qty.toFixed()).toBe('100');
    }
    // A third time, with nothing refused, it closes.
    const ask = await runAdminCommand(app.ctx, { command: 'close-all', instanceId: 'dogeklg' });
    const done = await runAdminCommand(app.ctx, {
      command: 'close-all',
      instanceId: 'dogeklg',
      confirm: ask.ok ? '' : ask.confirm,
    });
    expect(done).toMatchObject({ ok: true, detail: { closedQty: '100' } });
    expect((await app.port.position('DOGE/USDC:USDC', 'LONG')).qty.toFixed()).toBe('0');
  });

  it('rebuild cancels the grid and lays it out again from the levels in force', async () => {
    app = await paperApp();
    await reconcileInstance(app.ctx, 'dogeklg');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'dogeklg');
    const r = await runAdminCommand(app.ctx, { command: 'rebuild', instanceId: 'dogeklg' });
    expect(r.ok).toBe(true);
    const state = await loadKlg(app.ctx.store, 'dogeklg');
    expect(state?.epoch).toBe(1);
    // One unit held (N = 1): the nearest support (0.18) counts as bought; buys from the next one down.
    const open = await app.port.openOrders('DOGE/USDC:USDC');
    expect(
      open
        .filter((o) => o.kind === 'limit' && o.side === 'buy')
        .map((o) => o.price!.toFixed())
        .sort(),
    ).toEqual(['0.15', '0.16', '0.17']);
    expect(open.filter((o) => o.kind === 'limit' && o.side === 'sell')).toHaveLength(1);
  });
});

describe('recompute', () => {
  it('writes a PARAMS version for computed levels only when they change', async () => {
    app = await paperApp({
      instance: {
        levels: { source: 'atr', timeframe: '1m', atr_period: 5, candles: 30, atr_multiplier: '2' },
      },
    });
    const prices = Array.from({ length: 40 }, (_, i) => {
      const c = (0.18 + (i % 7) * 0.001).toFixed(5);
      return `${c} ${(Number(c) + 0.002).toFixed(5)} ${(Number(c) - 0.002).toFixed(5)} ${c}`;
    });
    await app.feed(...prices);
    const first = await recomputeParams(app.ctx, 'dogeklg', undefined, SHELL);
    expect(first.error).toBeNull();
    expect(first.version).toBe(1);
    expect(first.levels.length).toBeGreaterThanOrEqual(4);
    const again = await recomputeParams(app.ctx, 'dogeklg', undefined, SHELL);
    expect(again).toMatchObject({ version: 1, changed: false });
    await reconcileInstance(app.ctx, 'dogeklg');
    expect((await loadKlg(app.ctx.store, 'dogeklg'))?.paramsVersion).toBe(1);
  });

  it('keeps the levels in force and alerts when the analysis fails', async () => {
    app = await paperApp({ instance: { levels: { source: 'keyLevels' } } });
    const r = await recomputeParams(app.ctx, 'dogeklg', undefined, SHELL);
    expect(r.error).not.toBeNull();
    expect(app.alerts).toContainEqual(expect.objectContaining({ code: 'recompute_failed' }));
  });
});
