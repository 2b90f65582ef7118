import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../../shared/domain/config/deployment.js';
import { simulationSchema } from '../../../../shared/domain/config/simulation.js';
import { klgConfigInput } from '../../../support/strategies/klg/config.js';

const base = { accounts: [{ id: 'main', exchange: 'binanceusdm' }], instances: [klgConfigInput()] };

describe('the simulation block of a deployment config', () => {
  it('is optional, and fills in defaults when given', () => {
    expect(parseDeploymentConfig(base).simulation).toBeUndefined();
    const sim = simulationSchema.parse({});
    expect(sim.heartbeat_interval_sec).toBe(60);
    expect(sim.slippage.toFixed()).toBe('0');
    expect(sim.demo_market.days).toBe(3);
    expect(sim.demo_market.daily_volatility.toFixed()).toBe('0.06');
    expect(sim.balances).toEqual({});
  });

  it('reads balances, fees and symbol rules as exact decimals', () => {
    const cfg = parseDeploymentConfig({
      ...base,
      simulation: {
        balances: { main: { USDC: 2500.5 } },
        fees: { USDC: { maker: '0', taker: 0.0004 } },
        symbols: { 'DOGE/USDC:USDC': { tick_size: 0.00001, step_size: 1, min_notional: 5 } },
      },
    });
    expect(cfg.simulation?.balances.main?.USDC?.toFixed()).toBe('2500.5');
    expect(cfg.simulation?.fees.USDC?.taker.toFixed()).toBe('0.0004');
    expect(cfg.simulation?.symbols['DOGE/USDC:USDC']?.tick_size.toFixed()).toBe('0.00001');
    expect(cfg.simulation?.symbols['DOGE/USDC:USDC']?.max_num_orders).toBe(200);
  });

  it('names the bad field and the fix', () => {
    const bad = (simulation: unknown) => () => parseDeploymentConfig({ ...base, simulation }, 'demo.yaml');
    expect(bad({ balances: { other: { USDC: 1 } } })).toThrow(
      /simulation\.balances\.other: unknown account "other"; balances are keyed by an account id/,
    );
    expect(bad({ symbols: { X: { tick_size: 0, step_size: 1, min_notional: 5 } } })).toThrow(
      /simulation\.symbols\.X\.tick_size: must be greater than 0/,
    );
    expect(bad({ fees: { USDT: { maker: '0.5', taker: '0' } } })).toThrow(
      /simulation\.fees\.USDT\.maker: must be a fraction/,
    );
    expect(bad({ demo_market: { start: 'yesterday' } })).toThrow(
      /simulation\.demo_market\.start: must be an ISO 8601 time/,
    );
    expect(bad({ slippage: '0.5' })).toThrow(/simulation\.slippage: must be in \[0, 0.1\)/);
    expect(bad({ seeds: 1 })).toThrow(/seeds/);
  });
});
