/**
 * `exchange: okx` in the simulator (issue 18): a symbol an OKX account trades replays under the OKX swap's
 * rules from the shipped real instruments payload (contract value, lot and tick), the strategy sees them in
 * contracts as on OKX, and every protection check runs as on any replay.
 */
import { describe, expect, it } from 'vitest';
import { planSimulation } from '../../shared/composition/sim/plan.js';
import { runSimulation } from '../../shared/composition/sim.js';
import { type DeploymentConfig, parseDeploymentConfig } from '../../shared/domain/config/deployment.js';
import { dec } from '../../shared/domain/money.js';
import { repoRoot } from '../support/sim.js';

function okxGrid(symbol: string, accounts = [{ id: 'main', exchange: 'okx' }]): DeploymentConfig {
  return parseDeploymentConfig({
    accounts,
    instances: [
      {
        id: 'okx1',
        strategy: 'key_level_grid',
        account: 'main',
        symbol,
        levels: { source: 'manual', prices: ['2400', '2450', '2500', '2550', '2600'] },
        base_amount_per_grid: '0.05',
      },
    ],
    simulation: {
      demo_market: { days: 0.5, prices: { [symbol]: '2500' } },
      balances: { main: { USDT: '5000' } },
    },
  });
}

describe('the simulator on OKX', () => {
  it('takes the rules of a symbol an OKX account trades from the real instruments payload', () => {
    const p = planSimulation({ config: okxGrid('ETH/USDT:USDT'), configDir: repoRoot });
    expect(p.markets.sources['ETH/USDT:USDT']).toEqual({
      source: 'built-in',
      detail: 'OKX ETH-USDT-SWAP from the shipped instruments payload (0.1 ETH a contract)',
    });
    expect(p.markets.contracts.ETHUSDT?.toFixed()).toBe('0.1');
  });

  it('refuses a symbol the payload has no swap for, and one symbol on two venues, with the fix', () => {
    expect(() => planSimulation({ config: okxGrid('SOL/USDT:USDT'), configDir: repoRoot })).toThrow(
      /no OKX swap for SOL\/USDT:USDT .* \(it has ETH\/USDT:USDT, BTC\/USDT:USDT\): give its rules under simulation\.symbols/,
    );
    const both = parseDeploymentConfig({
      accounts: [
        { id: 'main', exchange: 'okx' },
        { id: 'bin', exchange: 'binanceusdm' },
      ],
      instances: [
        ...okxGrid('ETH/USDT:USDT').instances,
        { ...okxGrid('ETH/USDT:USDT').instances[0]!, id: 'bin1', account: 'bin' },
      ],
      simulation: { demo_market: { days: 0.5, prices: { 'ETH/USDT:USDT': '2500' } } },
    });
    expect(() => planSimulation({ config: both, configDir: repoRoot })).toThrow(
      /ETH\/USDT:USDT is traded on OKX and Binance accounts: .* simulate each venue's instances in its own run/,
    );
  });

  it('replays a grid that sees the swap in contracts, every order on the lot, every check clean', async () => {
    const r = await runSimulation({
      config: { config: okxGrid('ETH/USDT:USDT'), dir: repoRoot },
      store: 'memory',
    });
    expect(r.summary.symbols['ETH/USDT:USDT']).toMatchObject({
      contractSize: '0.1',
      stepSize: '0.01',
      minQty: '0.01',
      tickSize: '0.01',
      minNotional: '0',
    });
    const s = r.summary.instances[0]!;
    expect(s.violations).toEqual([]);
    const orders = r.eventsJsonl
      .split('\n')
      .filter((l) => l.includes('"order_placed"'))
      .map((l) => JSON.parse(l) as { qty?: string });
    expect(orders.length).toBeGreaterThan(0);
    // 0.05 ETH per level is half a contract: on the lot of 0.01 contracts (0.001 ETH).
    expect(orders.every((o) => o.qty === undefined || dec(o.qty).modulo('0.001').isZero())).toBe(true);
  });
});
