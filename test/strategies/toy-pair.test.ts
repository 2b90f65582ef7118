/**
 * The strategy seam, proven by a second strategy that shares no code with the Key Level Grid: the toy
 * pair (test/support/strategies/toy) registers itself and then runs through the deployment config, the
 * decision pipeline, recon over two legs on two accounts, the stream worker and an operator flatten —
 * none of which names it.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAdminCommand } from '../../shared/application/admin.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import { StreamWorker } from '../../shared/application/stream-worker.js';
import { type InstanceConfig, parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { readStoredInstance } from '../../shared/domain/stored-instance.js';
import { type AnyStrategy, registerStrategy, strategyOf } from '../../shared/domain/strategies/index.js';
import { type PaperApp, paperApp } from '../support/app.js';
import { leftoverStop } from '../support/orders.js';
import {
  registerToyPair,
  type ToyState,
  toyInput,
  toyPairStrategy,
} from '../support/strategies/toy/index.js';
import { toyConfigSchema } from '../support/strategies/toy/module.js';

beforeAll(() => registerToyPair());

function toyConfig(): InstanceConfig {
  const parsed = parseDeploymentConfig({
    accounts: [
      { id: 'a', exchange: 'paper' },
      { id: 'b', exchange: 'paper' },
    ],
    instances: [toyInput],
  });
  return parsed.instances[0]!;
}

let app: PaperApp | null = null;
let worker: StreamWorker | null = null;
afterEach(async () => {
  await worker?.stop();
  worker = null;
  await app?.stop();
  app = null;
});

async function stored(a: PaperApp): Promise<ToyState> {
  const s = await a.ctx.store.loadGrid('toy1');
  if (!s) throw new Error('no toy state');
  return s as unknown as ToyState;
}

function positionOf(a: PaperApp, account: string, side: 'LONG' | 'SHORT') {
  return a.ports.get(account)!.position('DOGE/USDC:USDC', side);
}

describe('a second strategy behind the seam (toy pair: buy on A, hedge on B)', () => {
  it('is read by the deployment config through the registry, legs and all', () => {
    const config = toyConfig();
    expect(config.strategy).toBe('toy_pair');
    expect(
      strategyOf(config)
        .legs(config)
        .map((l) => `${l.role}:${l.account}:${l.positionSide}`),
    ).toEqual(['buy:a:LONG', 'sell:b:SHORT']);
    // A leg on an undeclared account is refused like any instance's account.
    expect(() =>
      parseDeploymentConfig({
        accounts: [{ id: 'a', exchange: 'paper' }],
        instances: [toyInput],
      }),
    ).toThrow(/instances\[0\]\.legs: unknown account "b"/);
    // An unknown strategy is named, with the strategies that exist.
    expect(() =>
      parseDeploymentConfig({
        accounts: [{ id: 'a', exchange: 'paper' }],
        instances: [{ ...toyInput, strategy: 'martingale' }],
      }),
    ).toThrow(/strategy.*"key_level_grid".*"toy_pair".*got "martingale"/s);
    // Its own fields are checked by its own schema.
    expect(() =>
      parseDeploymentConfig({
        accounts: [
          { id: 'a', exchange: 'paper' },
          { id: 'b', exchange: 'paper' },
        ],
        instances: [{ ...toyInput, qty: 'lots' }],
      }),
    ).toThrow(/instances\[0\]\.qty/);
  });

  it('refuses two legs of one instance on one position, and survives a strategy schema that stops at a refinement', () => {
    registerStrategy({
      ...(toyPairStrategy as unknown as AnyStrategy),
      name: 'toy_twin',
      // A schema that ends in a transform: when its refinement fails, the value is not shaped.
      configSchema: toyConfigSchema
        .extend({ strategy: z.literal('toy_twin') })
        .transform((c) => ({ ...c })) as unknown as AnyStrategy['configSchema'],
      legs: (c: { buy_account: string; symbol: string }) => [
        { role: 'x', account: c.buy_account, symbol: c.symbol, positionSide: 'LONG' as const },
        { role: 'y', account: c.buy_account, symbol: c.symbol, positionSide: 'LONG' as const },
      ],
    } as unknown as AnyStrategy);
    const accounts = [
      { id: 'a', exchange: 'paper' },
      { id: 'b', exchange: 'paper' },
    ];
    expect(() =>
      parseDeploymentConfig({ accounts, instances: [{ ...toyInput, strategy: 'toy_twin' }] }),
    ).toThrow(
      /legs "x" and "y" of instance "toy1" both trade DOGE\/USDC:USDC on account "a" on one position/,
    );
    expect(() =>
      parseDeploymentConfig({ accounts, instances: [{ ...toyInput, id: 'Bad Id!', strategy: 'toy_twin' }] }),
    ).toThrow(/invalid config in deployment config: instances\[0\]\.id/);
  });

  it('two legs on one account + symbol + side clash with a Key Level Grid there, named both', () => {
    expect(() =>
      parseDeploymentConfig({
        accounts: [
          { id: 'a', exchange: 'paper' },
          { id: 'b', exchange: 'paper' },
        ],
        instances: [
          toyInput,
          {
            id: 'dogeklg',
            strategy: 'key_level_grid',
            account: 'a',
            symbol: 'DOGE/USDC:USDC',
            position_side: 'LONG',
            base_amount_per_grid: '100',
            levels: { source: 'manual', prices: ['0.17', '0.18', '0.19'] },
          },
        ],
      }),
    ).toThrow(/instances "toy1" and "dogeklg" both trade DOGE\/USDC:USDC LONG on account "a"/);
  });

  it('recon places the buy on A; its fill, through the stream worker, hedges on B; both fills are journaled', async () => {
    app = await paperApp({ accounts: ['a', 'b'], instances: [toyConfig()] });
    const first = await reconcileInstance(app.ctx, 'toy1');
    expect(first.coldStart).toBe(true);
    expect(first.openOrders).toBe(1);
    const onA = await app.ports.get('a')!.openOrders('DOGE/USDC:USDC');
    expect(onA.map((o) => [o.side, o.positionSide, o.price?.toFixed(), o.qty.toFixed()])).toEqual([
      ['buy', 'LONG', '0.18', '100'],
    ]);
    expect(await app.ports.get('b')!.openOrders('DOGE/USDC:USDC')).toEqual([]);

    worker = new StreamWorker(app.ctx, { instances: [toyConfig()], writer: 'test-task' });
    await worker.start();
    expect(Object.keys(worker.health().accounts).sort()).toEqual(['a', 'b']);
    // The price dips through the level: A's buy fills; the worker answers on B.
    await app.feed('0.185 0.185 0.1795 0.181');
    await worker.drain();
    await app.feed('0.181 0.182 0.180 0.181');
    await worker.drain();

    expect((await positionOf(app, 'a', 'LONG')).qty.toFixed()).toBe('100');
    expect((await positionOf(app, 'b', 'SHORT')).qty.abs().toFixed()).toBe('100');
    expect(worker.stats.fills).toBe(2);
    const state = await stored(app);
    expect(state.buy.held.toFixed()).toBe('100');
    expect(state.sell.held.toFixed()).toBe('100');
    expect(toyPairStrategy.invariants(state, toyConfig() as never, undefined as never)).toEqual([]);
    const fills = app.events.filter((e) => e.type === 'fill');
    expect(fills.map((e) => [e.side, e.qty, e.holdings])).toEqual([
      ['buy', '100', '100'],
      ['sell', '100', '0'],
    ]);

    // A hand trade on the buy leg's account reaches the toy as an external fill (the shared id grammar says
    // it is not ours): counted and logged, and the toy leaves its ledger alone.
    const hand = await app.ports.get('a')!.submit({
      type: 'market',
      account: 'a',
      symbol: 'DOGE/USDC:USDC',
      clientOrderId: 'handtrade1',
      side: 'buy',
      positionSide: 'LONG',
      qty: dec('100'),
    });
    expect(hand.ok).toBe(true);
    await worker.drain();
    expect(app.metrics.filter((m) => m.name === 'ExternalFills' && m.dims.instance === 'toy1')).toHaveLength(
      1,
    );
    expect(app.metrics.filter((m) => m.name === 'DuplicateFills')).toHaveLength(0);
    expect((await stored(app)).buy.held.toFixed()).toBe('100');

    // Stored in the strategy-neutral envelope: any reader sees each leg's cursor and trades.
    const doc = readStoredInstance(JSON.parse(JSON.stringify(strategyOf(toyConfig()).stateToJson(state))));
    expect(Object.keys(doc.legs)).toEqual(['buy', 'sell']);
    expect(doc.legs.buy!.recentTrades).toHaveLength(1);
    expect(doc.legs.sell!.recentTrades).toHaveLength(1);
    expect(doc.orders).toHaveLength(0);

    // Recon over both legs finds nothing to repair (the fills are applied once, by trade id per leg).
    const again = await reconcileInstance(app.ctx, 'toy1', { force: true });
    expect(again.fillsApplied).toBe(0);
    expect(again.commands).toBe(0);
    expect((await stored(app)).buy.held.toFixed()).toBe('100');
  });

  it('a hedge refused on B is placed again from market data (the worker routes book tops to the strategy), before any recon', async () => {
    // Account b starts without margin: the first hedge is refused.
    app = await paperApp({
      accounts: ['a', 'b'],
      balances: { b: { USDC: '0' } },
      instances: [toyConfig()],
    });
    await reconcileInstance(app.ctx, 'toy1');
    worker = new StreamWorker(app.ctx, { instances: [toyConfig()], writer: 'test-task' });
    await worker.start();
    await app.feed('0.185 0.185 0.1795 0.181');
    await worker.drain();
    const refused = app.events.filter((e) => e.type === 'order_rejected' && e.side === 'sell');
    expect(refused.length).toBeGreaterThan(0);
    expect((await stored(app)).sell.held.toFixed()).toBe('0');

    app.ex.deposit('b', 'USDC', '1000');
    await app.feed('0.181 0.182 0.180 0.181');
    await worker.drain();
    await app.feed('0.181 0.182 0.180 0.181');
    await worker.drain();
    expect((await stored(app)).sell.held.toFixed()).toBe('100');
    expect((await positionOf(app, 'b', 'SHORT')).qty.abs().toFixed()).toBe('100');
    expect(app.metrics.some((m) => m.name === 'MarketDecisions' && m.dims.instance === 'toy1')).toBe(true);
    expect(app.metrics.filter((m) => m.name === 'ReconDurationMs')).toHaveLength(1); // only the first pass
  });

  it('recon repairs a hedge the event track missed: the buy fill is read from A history and B is hedged', async () => {
    app = await paperApp({ accounts: ['a', 'b'], instances: [toyConfig()] });
    await reconcileInstance(app.ctx, 'toy1');
    await app.feed('0.185 0.185 0.1795 0.181'); // no worker: nobody answers the fill
    const r = await reconcileInstance(app.ctx, 'toy1', { force: true });
    expect(r.fillsApplied).toBe(1);
    expect(r.commands).toBe(1); // the hedge, sent to account b
    await app.feed('0.181 0.182 0.180 0.181');
    await reconcileInstance(app.ctx, 'toy1', { force: true });
    const state = await stored(app);
    expect([state.buy.held.toFixed(), state.sell.held.toFixed()]).toEqual(['100', '100']);
    expect((await positionOf(app, 'b', 'SHORT')).qty.abs().toFixed()).toBe('100');
  });

  it('close-all flattens both legs through the pipeline (cancel, then reduce-only closes per account)', async () => {
    app = await paperApp({ accounts: ['a', 'b'], instances: [toyConfig()] });
    await reconcileInstance(app.ctx, 'toy1');
    await app.feed('0.185 0.185 0.1795 0.181');
    await reconcileInstance(app.ctx, 'toy1', { force: true });
    await app.feed('0.181 0.182 0.180 0.181');
    await reconcileInstance(app.ctx, 'toy1', { force: true });

    const ask = await runAdminCommand(app.ctx, { command: 'close-all', instanceId: 'toy1' });
    expect(ask.ok).toBe(false);
    const token = ask.ok ? '' : ask.confirm;
    const done = await runAdminCommand(app.ctx, { command: 'close-all', instanceId: 'toy1', confirm: token });
    expect(done.ok).toBe(true);
    await app.feed('0.181 0.182 0.180 0.181');
    expect((await positionOf(app, 'a', 'LONG')).qty.toFixed()).toBe('0');
    expect((await positionOf(app, 'b', 'SHORT')).qty.toFixed()).toBe('0');
    // The closes come back through each leg's trade history; the ledger follows and nothing is re-opened.
    const after = await reconcileInstance(app.ctx, 'toy1', { force: true });
    expect(after.fillsApplied).toBe(2);
    expect(after.commands).toBe(0);
    const state = await stored(app);
    expect(state.paused).toBe(true);
    expect([state.buy.held.toFixed(), state.sell.held.toFixed()]).toEqual(['0', '0']);
    expect(app.events.filter((e) => e.type === 'fill').map((e) => e.holdings)).toEqual([
      '100',
      '0',
      '-100',
      '0',
    ]);
    // Commands it does not have are refused, naming the strategy, before any confirmation token is issued.
    await expect(runAdminCommand(app.ctx, { command: 'rebuild', instanceId: 'toy1' })).rejects.toThrow(
      /rebuild is not a command of strategy toy_pair/,
    );
    const tokensBefore = app.events.length;
    await expect(runAdminCommand(app.ctx, { command: 'reset-counters', instanceId: 'toy1' })).rejects.toThrow(
      /reset-counters is not a command of strategy toy_pair/,
    );
    expect(app.events.length).toBe(tokensBefore);
    // Status is the strategy's own projection.
    const status = await runAdminCommand(app.ctx, { command: 'status', instanceId: 'toy1' });
    expect(status.ok && (status.detail as { strategy: string }).strategy).toBe('toy_pair');
  });
});

describe('the toy pair in the simulator', () => {
  it('replays through the production path: both legs trade, the report and summary show the pair, no check fails', async () => {
    const { runSimulation } = await import('../../shared/composition/sim.js');
    const { repoRoot } = await import('../support/sim.js');
    const config = parseDeploymentConfig({
      accounts: [
        { id: 'a', exchange: 'binanceusdm' },
        { id: 'b', exchange: 'binanceusdm' },
      ],
      instances: [{ ...toyInput, level: '0.1845' }],
      simulation: { demo_market: { days: 1, prices: { 'DOGE/USDC:USDC': '0.185' } } },
    });
    const r = await runSimulation({ config: { config, dir: repoRoot }, store: 'memory' });
    const s = r.summary.instances[0]!;
    expect(s.strategy).toBe('toy_pair');
    expect(r.summary.violations).toEqual([]);
    expect(r.summary.jobFailures).toEqual([]);
    // The buy filled on A and the worker hedged it on B: the legs offset, the pair is flat in net.
    expect(s.fills.buys).toBe(1);
    expect(s.fills.sells).toBe(1);
    expect(s.legs?.map((l) => [l.role, l.account, l.exchangePosition])).toEqual([
      ['buy', 'a', '100'],
      ['sell', 'b', '-100'],
    ]);
    expect(s.exchangePosition).toBe('0');
    expect(s.holdings).toBe('0');
    expect(r.summary.jobs.recon).toBeGreaterThan(1000);
    expect(r.summary.jobs.recompute).toBe(0);
    expect(r.html).toContain('toy1');
  });

  it('gets the ghost-order protection of the shell: a stop of its own it does not track, on a flat leg, is cancelled', async () => {
    app = await paperApp({ accounts: ['a', 'b'], instances: [toyConfig()] });
    await reconcileInstance(app.ctx, 'toy1');
    // A stop by the toy's id grammar on its flat SHORT leg (left by a crash): the toy keeps no stops.
    leftoverStop(app, 'b', 'SHORT', '0.3', 'gbtoy1T9');
    expect(
      (await app.ports.get('b')!.openOrders('DOGE/USDC:USDC')).filter((o) => o.kind === 'stop'),
    ).toHaveLength(1);
    await reconcileInstance(app.ctx, 'toy1', { force: true });
    expect((await app.ports.get('b')!.openOrders('DOGE/USDC:USDC')).filter((o) => o.kind === 'stop')).toEqual(
      [],
    );
    const ghost = app.alerts.find((x) => x.code === 'ghost_orders_cancelled');
    expect(ghost?.data?.orders).toBe('gbtoy1T9');
    // Its resting buy on the other leg is an opening order: untouched.
    expect((await app.ports.get('a')!.openOrders('DOGE/USDC:USDC')).some((o) => o.side === 'buy')).toBe(true);
  });
});
