/** Builders for Key Level Grid configs in tests. */
import { ConfigError } from '../../../../shared/domain/config/format-error.js';
import {
  type KlgConfig,
  type KlgConfigInput,
  parseKlgConfig,
} from '../../../../shared/domain/strategies/klg/config.js';

/** A DOGE grid of 100 coins per level; overriding `quote_amount_per_grid` sizes it in USDC instead. */
export function klgConfigInput(overrides: Partial<KlgConfigInput> = {}): KlgConfigInput {
  return {
    id: 'dogeklg',
    strategy: 'key_level_grid',
    account: 'main',
    symbol: 'DOGE/USDC:USDC',
    levels: { source: 'manual', prices: ['0.15', '0.16', '0.17', '0.18', '0.19', '0.2', '0.21', '0.22'] },
    ...(overrides.quote_amount_per_grid === undefined ? { base_amount_per_grid: '100' } : {}),
    ...overrides,
  };
}

export function klgConfig(overrides: Partial<KlgConfigInput> = {}): KlgConfig {
  return parseKlgConfig(klgConfigInput(overrides));
}

/** The `ConfigError` parsing `input` throws (as from a file named test.yaml); fails the test if none. */
export function klgConfigError(input: unknown): ConfigError {
  try {
    parseKlgConfig(input, 'test.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}
