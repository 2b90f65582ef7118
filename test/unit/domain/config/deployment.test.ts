import { describe, expect, it } from 'vitest';
import {
  breakerPolicyOf,
  parseDeploymentConfig,
  preTradeLimitsOf,
  secretNameOf,
} from '../../../../shared/domain/config/deployment.js';
import { describeIssues } from '../../../../shared/domain/config/format-error.js';
import { klgConfigInput } from '../../../support/strategies/klg/config.js';

const account = { id: 'main', exchange: 'binanceusdm' };

describe('deployment config', () => {
  it('parses accounts and instances with defaults', () => {
    const cfg = parseDeploymentConfig({ accounts: [account], instances: [klgConfigInput()] });
    expect(cfg.region).toBe('ap-northeast-1');
    expect(cfg.accounts[0]?.hedge_mode).toBe(true);
    expect(secretNameOf(cfg.accounts[0]!)).toBe('gridbot/main');
    expect(secretNameOf({ ...cfg.accounts[0]!, secret_name: 'prod/binance' })).toBe('prod/binance');
  });

  it('gives every account pre-trade guards with defaults, and names a bad one with its range', () => {
    const cfg = parseDeploymentConfig({ accounts: [account], instances: [klgConfigInput()] });
    expect(preTradeLimitsOf(cfg.accounts[0]!)).toEqual({
      maxOrderNotional: null,
      maxAccountNotional: null,
      maxLeverage: null,
      priceBandPct: expect.objectContaining({}),
      maxOrdersPer10s: 300,
    });
    expect(breakerPolicyOf(cfg.accounts[0]!)).toEqual({ threshold: 10, cooldownMs: 60_000 });
    expect(preTradeLimitsOf(cfg.accounts[0]!).priceBandPct.toFixed()).toBe('5');
    const set = parseDeploymentConfig({
      accounts: [
        {
          ...account,
          guards: {
            max_order_notional: '250',
            price_band_pct: 2,
            max_orders_per_10s: 50,
            max_position_notional: '5000',
            max_leverage: '3',
            breaker_failures: 5,
            breaker_cooldown_sec: 30,
          },
        },
      ],
      instances: [klgConfigInput()],
    });
    const l = preTradeLimitsOf(set.accounts[0]!);
    expect([
      l.maxOrderNotional?.toFixed(),
      l.priceBandPct.toFixed(),
      l.maxOrdersPer10s,
      l.maxAccountNotional?.toFixed(),
      l.maxLeverage?.toFixed(),
    ]).toEqual(['250', '2', 50, '5000', '3']);
    expect(breakerPolicyOf(set.accounts[0]!)).toEqual({ threshold: 5, cooldownMs: 30_000 });
    const bad = (guards: Record<string, unknown>) => () =>
      parseDeploymentConfig({ accounts: [{ ...account, guards }], instances: [klgConfigInput()] });
    expect(bad({ max_order_notional: '0' })).toThrow(
      /accounts\[0\]\.guards\.max_order_notional: must be greater than 0/,
    );
    expect(bad({ price_band_pct: 80 })).toThrow(
      /accounts\[0\]\.guards\.price_band_pct: must be between 0\.1 and 50/,
    );
    expect(bad({ max_orders_per_10s: 1000 })).toThrow(
      /accounts\[0\]\.guards\.max_orders_per_10s: must be at most 300/,
    );
    expect(bad({ max_position_notional: '-5' })).toThrow(
      /accounts\[0\]\.guards\.max_position_notional: must be greater than 0/,
    );
    expect(bad({ max_leverage: '200' })).toThrow(
      /accounts\[0\]\.guards\.max_leverage: must be between 0\.1 and 125/,
    );
    expect(bad({ breaker_failures: 0 })).toThrow(
      /accounts\[0\]\.guards\.breaker_failures: must be at least 1/,
    );
    expect(bad({ breaker_cooldown_sec: 7200 })).toThrow(
      /accounts\[0\]\.guards\.breaker_cooldown_sec: must be at most 3600/,
    );
    expect(bad({ max_notional: 5 })).toThrow(/accounts\[0\]\.guards/);
  });

  it('names an instance whose account is not declared', () => {
    expect(() =>
      parseDeploymentConfig(
        { accounts: [account], instances: [klgConfigInput({ account: 'other' })] },
        'deploy.yaml',
      ),
    ).toThrow(/instances\[0\]\.account: unknown account "other"; declare it under accounts/);
  });

  it('rejects duplicate ids', () => {
    expect(() =>
      parseDeploymentConfig({
        accounts: [account, account],
        instances: [klgConfigInput(), klgConfigInput()],
      }),
    ).toThrow(
      /accounts\[1\]\.id: duplicate account id "main".*instances\[1\]\.id: duplicate instance id "dogeklg"/,
    );
  });

  it('does not accept credentials in the config file', () => {
    expect(() =>
      parseDeploymentConfig({ accounts: [{ ...account, apiKey: 'abc' }], instances: [klgConfigInput()] }),
    ).toThrow(/apiKey/);
  });

  it('formats root-level problems', () => {
    const issues = describeIssues(
      // A synthetic zod-like error with an empty path.
      { issues: [{ path: [], message: 'bad' }] } as never,
    );
    expect(issues).toEqual(['(root): bad']);
  });
});

describe('hostile config input', () => {
  const base = { accounts: [account], instances: [klgConfigInput()] };
  const problems = (input: unknown): string[] => {
    try {
      parseDeploymentConfig(input);
      return [];
    } catch (e) {
      return (e as { issues: string[] }).issues;
    }
  };

  it('rejects a symbol, region or secret name outside its pattern, naming the field', () => {
    expect(problems({ ...base, instances: [klgConfigInput({ symbol: 'doge/usdc' })] })).toEqual([
      expect.stringMatching(/^instances\[0\]\.symbol: .*BASE\/QUOTE:SETTLE/),
    ]);
    expect(
      problems({ ...base, instances: [klgConfigInput({ symbol: `${'X'.repeat(5000)}/USDT:USDT` })] }),
    ).toHaveLength(1);
    expect(problems({ ...base, region: 'mars; rm -rf /' })).toEqual([
      expect.stringMatching(/^region: must be an AWS region/),
    ]);
    expect(problems({ ...base, accounts: [{ ...account, secret_name: 'a b' }] })).toEqual([
      expect.stringMatching(/^accounts\[0\]\.secret_name: must be a Secrets Manager name/),
    ]);
  });

  it('rejects integers beyond 2^53', () => {
    expect(problems({ ...base, instances: [klgConfigInput({ risk_interval_sec: 2 ** 60 })] })).toEqual([
      expect.stringMatching(/^instances\[0\]\.risk_interval_sec/),
    ]);
  });

  it('never echoes a megabyte of input back in its errors', () => {
    const huge = 'A'.repeat(1_000_000);
    const issues = problems({ ...base, region: huge, instances: [klgConfigInput({ id: huge })] });
    expect(issues.length).toBeGreaterThan(0);
    for (const line of issues) expect(line.length).toBeLessThan(400);
  });
});

describe('instances that would share one exchange position', () => {
  const parse = (instances: Record<string, unknown>[]) =>
    parseDeploymentConfig({
      accounts: [
        { id: 'main', exchange: 'binanceusdm' },
        { id: 'b', exchange: 'binanceusdm' },
      ],
      instances,
    });

  it('refuses two instances on one account, symbol and position side, naming both and the fix', () => {
    expect(() => parse([klgConfigInput({ id: 'one' }), klgConfigInput({ id: 'two' })])).toThrow(
      /instances "one" and "two" both trade DOGE\/USDC:USDC LONG on account "main".*give one of them another account, symbol or position side/,
    );
    expect(() =>
      parse([klgConfigInput({ id: 'one' }), klgConfigInput({ id: 'two', position_side: 'BOTH' })]),
    ).toThrow(/LONG\/BOTH on account "main"/);
  });

  it('accepts them on another account or another symbol', () => {
    expect(
      parse([
        klgConfigInput({ id: 'one' }),
        klgConfigInput({ id: 'two', account: 'b' }),
        klgConfigInput({ id: 'three', symbol: 'BTC/USDT:USDT' }),
      ]).instances,
    ).toHaveLength(3);
  });
});
