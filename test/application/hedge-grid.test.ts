/**
 * The ATR hedge grid's runtime on the paper exchange (real DOGEUSDC exchangeInfo, the venue's leverage
 * brackets): the recompute (figures against SPEC §3.1 computed from the same inputs; a new version only
 * when the price leaves the channel, adopted by both legs and set as both accounts' leverage), the
 * pre-flight (each refusal, the transfer, the admin command that starts a refused instance) and the
 * risk job's sync rule.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PaperApiError } from '../../shared/adapters/paper/errors.js';
import { runAdminCommand } from '../../shared/application/admin.js';
import { reconcileInstance } from '../../shared/application/reconcile-instance.js';
import {
  computeHedgeParams,
  recomputeHedgeParams,
} from '../../shared/application/strategies/hedge-grid/params.js';
import { hedgePreflight } from '../../shared/application/strategies/hedge-grid/preflight.js';
import { runHedgeRisk } from '../../shared/application/strategies/hedge-grid/risk.js';
import { atrChannel, gridParameters } from '../../shared/domain/analysis/index.js';
import { type InstanceConfig, parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import type { HedgeGridConfig } from '../../shared/domain/strategies/hedge-grid/config.js';
import type { HedgeGridState } from '../../shared/domain/strategies/hedge-grid/state.js';
import { type PaperApp, paperApp } from '../support/app.js';

const SHELL = {
  reconcile: reconcileInstance,
  flatten: async (..._args: unknown[]) => {
    flattened.push(String(_args[3]));
    return {};
  },
};
let flattened: string[] = [];

function hedge(over: Record<string, unknown> = {}): InstanceConfig {
  return parseDeploymentConfig({
    accounts: [
      { id: 'a', exchange: 'paper' },
      { id: 'b', exchange: 'paper' },
    ],
    instances: [
      {
        id: 'hg',
        strategy: 'atr_hedge_grid',
        symbol: 'DOGE/USDC:USDC',
        accounts: { long: 'a', short: 'b' },
        grid: { timeframe: '1m', atr_period: 14, candles: 20, max_levels: 20 },
        risk: { max_position_imbalance_pct: 0.5 },
        ...over,
      },
    ],
  }).instances[0]!;
}

let app: PaperApp | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
  flattened = [];
});

/** Two accounts, 30 minutes of DOGEUSDC swinging 0.18–0.19. */
async function start(
  opts: { balances?: Record<string, Record<string, string>>; config?: InstanceConfig } = {},
) {
  const config = opts.config ?? hedge();
  app = await paperApp({
    accounts: ['a', 'b'],
    instances: [config],
    balances: opts.balances ?? { a: { USDC: '2000' }, b: { USDC: '2000' } },
  });
  for (let i = 0; i < 30; i++)
    await app.feed(i % 2 === 0 ? '0.185 0.19 0.18 0.186' : '0.186 0.19 0.18 0.185');
  return { app, config: config as HedgeGridConfig };
}

const stored = async (a: PaperApp) => (await a.ctx.store.loadGrid('hg')) as HedgeGridState;

describe('recompute', () => {
  it('computes SPEC §3.1 from the ATR channel, the brackets and the smaller balance, and sets it on both accounts', async () => {
    const { app: a, config } = await start({ balances: { a: { USDC: '2000' }, b: { USDC: '3000' } } });
    const computed = await computeHedgeParams(a.ctx, config, 1);
    // The same figures from the same inputs, by the analysis functions the spec names.
    const rules = await a.port.loadRules('DOGE/USDC:USDC');
    const candles = await a.port.candles('DOGE/USDC:USDC', '1m', a.clock.now() - 21 * 60_000, 1500);
    const channel = atrChannel({
      candles: candles.slice(-20),
      period: 14,
      smoothing: 'RMA',
      multiplier: dec('2'),
      anchor: 'extremes',
    });
    const expected = gridParameters({
      upper: channel.upper,
      lower: channel.lower,
      rules,
      targetProfitRate: dec('0.002'),
      minLevels: 4,
      maxLevels: 20,
      price: dec('0.185'),
      // The smaller balance (a's 2000) times balance_usage 0.9.
      usableBalance: dec('1800'),
      safetyFactor: dec('0.8'),
      maxLeverage: 10,
      brackets: await a.port.leverageBrackets('DOGE/USDC:USDC'),
    });
    if (!expected.ok) throw new Error(expected.detail);
    expect(computed.inForce.leverage).toBe(expected.params.leverage);
    expect(computed.inForce.amountPerLevel.equals(expected.params.amountPerLevel)).toBe(true);
    expect(computed.inForce.levelPrices.map(String)).toEqual(expected.params.levelPrices.map(String));
    // By hand: spacing = (0.002 + 2 × maker fee 0) × upper; the channel is last high/low ± 2 ATR.
    expect(computed.inForce.spacing.equals(dec('0.002').times(channel.upper))).toBe(true);
    expect(computed.record.grid?.levels).toBe(String(expected.params.levels));

    await reconcileInstance(a.ctx, 'hg');
    const s = await stored(a);
    expect(s.params?.version).toBe(1);
    expect(a.ex.leverage('a', 'DOGEUSDC')).toBe(computed.inForce.leverage);
    expect(a.ex.leverage('b', 'DOGEUSDC')).toBe(computed.inForce.leverage);
    // Both legs trade version 1's levels.
    expect(s.legs.long?.grid.levels.every((l) => l.version === 1)).toBe(true);
    expect(s.legs.short?.grid.levels.every((l) => l.version === 1)).toBe(true);
  });

  it('writes a new version only when the price leaves the channel, and both legs adopt it', async () => {
    const { app: a } = await start();
    await reconcileInstance(a.ctx, 'hg');
    for (let i = 0; i < 3; i++) await a.feed('0.185 0.186 0.184 0.185');
    const same = await recomputeHedgeParams(a.ctx, 'hg', undefined);
    expect(same).toMatchObject({ version: 1, changed: false });
    const upper = (await stored(a)).params!.upper;
    const out = upper.times('1.05').toDecimalPlaces(5).toFixed();
    await a.feed(`0.186 ${out} 0.186 ${out}`);
    const moved = await recomputeHedgeParams(a.ctx, 'hg', undefined);
    expect(moved).toMatchObject({ version: 2, changed: true });
    const s = await stored(a);
    expect(s.params?.version).toBe(2);
    for (const role of ['long', 'short'] as const)
      expect(s.legs[role]?.grid.levels.filter((l) => l.version === 2).length).toBe(
        s.params!.levelPrices.length,
      );
  });

  it('keeps the version in force and alerts when the analysis fails', async () => {
    const { app: a } = await start({
      config: hedge({ grid: { timeframe: '1h', atr_period: 14, candles: 20 } }),
    });
    const r = await recomputeHedgeParams(a.ctx, 'hg', undefined);
    expect(r.error).toMatch(/1h candles, the ATR needs 15/);
    expect(a.alerts.map((x) => x.code)).toContain('recompute_failed');
  });
});

describe('pre-flight', () => {
  it('passes two flat, hedge-mode, balanced accounts', async () => {
    const { app: a, config } = await start();
    expect(await hedgePreflight(a.ctx, config)).toEqual({ problems: [], actions: [] });
  });

  it('turns hedge mode on where the account allows it, and refuses where it does not', async () => {
    const { app: a, config } = await start();
    a.ex.setPositionMode('a', false);
    const on = await hedgePreflight(a.ctx, config);
    expect(on.actions).toEqual(['turned on hedge (dual-side) mode on account "a"']);
    expect(a.ex.positionMode('a').dualSidePosition).toBe(true);
    a.ex.setPositionMode('b', false);
    a.ex.placeOrder('b', {
      symbol: 'DOGEUSDC',
      side: 'BUY',
      type: 'MARKET',
      quantity: dec('100'),
      positionSide: 'BOTH',
      newClientOrderId: 'byhand',
    });
    const refused = await hedgePreflight(a.ctx, config);
    expect(refused.problems.join('\n')).toMatch(
      /accounts\.short \("b"\) is in one-way mode and refused the switch/,
    );
  });

  it('refuses a leg that holds a position or an order of ours, naming the account and the fix', async () => {
    const { app: a, config } = await start();
    a.ex.placeOrder('a', {
      symbol: 'DOGEUSDC',
      side: 'BUY',
      type: 'MARKET',
      quantity: dec('100'),
      positionSide: 'LONG',
      newClientOrderId: 'byhand',
    });
    a.ex.placeOrder('b', {
      symbol: 'DOGEUSDC',
      side: 'SELL',
      type: 'LIMIT',
      price: dec('0.25'),
      quantity: dec('100'),
      positionSide: 'SHORT',
      timeInForce: 'GTC',
      newClientOrderId: 'gbhgL1S1',
    });
    const r = await hedgePreflight(a.ctx, config);
    expect(r.problems).toEqual([
      'accounts.long ("a") holds a LONG position of 100 on DOGE/USDC:USDC: the grid starts flat; close it first',
      'accounts.short ("b") has 1 open order(s) of instance hg on DOGE/USDC:USDC: cancel them (close-all) first',
    ]);
  });

  it('moves funds between the accounts when their balances differ, or names the amounts when it may not', async () => {
    const { app: a, config } = await start({ balances: { a: { USDC: '3000' }, b: { USDC: '2000' } } });
    const moved = await hedgePreflight(a.ctx, config);
    expect(moved).toEqual({ problems: [], actions: ['moved 500 USDC from "a" to "b"'] });
    expect((await a.ports.get('b')!.balance('USDC')).wallet.toFixed()).toBe('2500');
    a.ex.transfer('b', 'a', 'USDC', '1000');
    const noTransfer = hedge({ preflight: { transfer: false } }) as HedgeGridConfig;
    const r = await hedgePreflight(a.ctx, noTransfer);
    expect(r.problems).toEqual([
      'the accounts\' balances differ: move 1000 USDC from "a" to "b" (balances 3500.00 and 1500.00 USDC are 57.14% apart, preflight.balance_tolerance_pct is 5%): preflight.transfer is off',
    ]);
  });

  it('refuses an account it cannot reach', async () => {
    const { app: a, config } = await start();
    a.ex.faults.rejectNext({
      count: 10,
      accountId: 'b',
      operations: ['query'],
      error: new PaperApiError(-1001, 'Internal error; unable to process your request.', 503),
    });
    const r = await hedgePreflight(a.ctx, config);
    expect(r.problems.join('\n')).toMatch(/^accounts\.short \("b"\) could not be reached: /);
  });

  it('starts neither leg when refused, and starts both once the operator re-runs it and it passes', async () => {
    const { app: a } = await start();
    a.ex.placeOrder('b', {
      symbol: 'DOGEUSDC',
      side: 'SELL',
      type: 'MARKET',
      quantity: dec('100'),
      positionSide: 'SHORT',
      newClientOrderId: 'byhand',
    });
    await reconcileInstance(a.ctx, 'hg');
    const s = await stored(a);
    expect(s.paused).toBe(true);
    expect(s.pauseReason).toMatch(/^preflight: accounts\.short \("b"\) holds a SHORT position of 100/);
    expect(a.ex.openOrders('a', 'DOGEUSDC')).toEqual([]);
    expect(a.ex.openOrders('b', 'DOGEUSDC')).toEqual([]);
    expect(a.alerts.map((x) => x.code)).toContain('preflight_refused');
    // Still held: the command says so and starts nothing.
    const again = (await runAdminCommand(a.ctx, { command: 'preflight', instanceId: 'hg' })) as {
      detail: { ok: boolean };
    };
    expect(again.detail.ok).toBe(false);
    a.ex.placeOrder('b', {
      symbol: 'DOGEUSDC',
      side: 'BUY',
      type: 'MARKET',
      quantity: dec('100'),
      positionSide: 'SHORT',
      newClientOrderId: 'byhand2',
    });
    const ok = (await runAdminCommand(a.ctx, { command: 'preflight', instanceId: 'hg' })) as {
      detail: { ok: boolean; started: boolean };
    };
    expect(ok.detail).toMatchObject({ ok: true, started: true });
    await reconcileInstance(a.ctx, 'hg');
    expect((await stored(a)).paused).toBe(false);
    expect(a.ex.openOrders('a', 'DOGEUSDC').length).toBeGreaterThan(0);
    expect(a.ex.openOrders('b', 'DOGEUSDC').length).toBeGreaterThan(0);
  });
});

describe('the risk job', () => {
  it('records the figures every check, and flattens both legs once when a leg has failed', async () => {
    const { app: a } = await start();
    await reconcileInstance(a.ctx, 'hg');
    const first = await runHedgeRisk(a.ctx, 'hg', undefined, SHELL);
    expect(first).toMatchObject({ level: 'low', breaches: [], flattened: null });
    expect((await stored(a)).risk.metrics['balance.short']).toBe('2000.00');
    expect(a.metrics.some((m) => m.name === 'RiskLevel' && m.dims.instance === 'hg')).toBe(true);
    // Account b stops answering: three checks in a row fail the short leg, and both are flattened.
    a.ex.faults.rejectNext({
      count: 30,
      accountId: 'b',
      operations: ['query'],
      error: new PaperApiError(-1001, 'Internal error', 503),
    });
    await runHedgeRisk(a.ctx, 'hg', undefined, SHELL);
    await runHedgeRisk(a.ctx, 'hg', undefined, SHELL);
    expect(flattened).toEqual([]);
    const third = await runHedgeRisk(a.ctx, 'hg', undefined, SHELL);
    expect(third.flattened).toMatch(
      /^the short leg failed: its account could not be read by 3 risk checks in a row/,
    );
    expect(flattened).toEqual([third.flattened]);
    const s = await stored(a);
    expect(s.shutdown?.reason).toBe(third.flattened);
    // Once shut down it is not flattened again by every check.
    await runHedgeRisk(a.ctx, 'hg', undefined, SHELL);
    expect(flattened).toHaveLength(1);
    expect(a.alerts.map((x) => x.code)).toEqual(
      expect.arrayContaining(['hedge_leg_failed', 'hedge_shutdown']),
    );
  });
});
