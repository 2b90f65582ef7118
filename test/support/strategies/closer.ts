/**
 * A closer on BTC/USDT as the simulator tests and the closer bench run it: one account `main`, slices of
 * 0.02 BTC (`base_mult` 20), and the positions the simulator opens by hand when the bot starts.
 */
import { type DeploymentConfig, parseDeploymentConfig } from '../../../shared/domain/config/deployment.js';

export const BTC = 'BTC/USDT:USDT';

export function closerSimConfig(
  positions: readonly { side: 'LONG' | 'SHORT'; qty: string }[],
  opts: { readonly instance?: Record<string, unknown>; readonly balance?: string } = {},
): { config: DeploymentConfig; dir: string } {
  return {
    config: parseDeploymentConfig({
      accounts: [{ id: 'main', exchange: 'binanceusdm' }],
      instances: [
        {
          id: 'btcclose',
          strategy: 'closer',
          account: 'main',
          execution: { base_mult: '20', max_mult: '100' },
          symbols: { [BTC]: {} },
          ...opts.instance,
        },
      ],
      simulation: {
        balances: { main: { USDT: opts.balance ?? '100000' } },
        positions: positions.map((p) => ({ account: 'main', symbol: BTC, ...p })),
      },
    }),
    dir: process.cwd(),
  };
}
