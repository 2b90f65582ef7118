/**
 * The config of a Lighter account and of the Telegram bot (issues 19, 20): what a trader gets wrong is
 * named with its field and the fix.
 */
import { describe, expect, it } from 'vitest';
import {
  lighterInstances,
  parseDeploymentConfig,
  streamlessAccounts,
} from '../../../../shared/domain/config/deployment.js';
import { pairsConfigInput } from '../../../support/strategies/hedge-pairs.js';
import { klgConfigInput } from '../../../support/strategies/klg/config.js';

const lighter = (id: string, account_index: number, api_key_index = 4) => ({
  id,
  exchange: 'lighter',
  lighter: { account_index, api_key_index },
});
const pairs = pairsConfigInput({ symbol: 'BTC/USDC:USDC' });
const accounts = [lighter('a1', 101), lighter('a2', 102), lighter('a3', 103), lighter('a4', 104)];

const problem = (input: Record<string, unknown>) => {
  try {
    parseDeploymentConfig(input);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the config was accepted');
};

describe('Lighter accounts in the config', () => {
  it('accepts hedge pairs across Lighter accounts, one leg each; names their instance; leaves them to recon', () => {
    const cfg = parseDeploymentConfig({ accounts, instances: [pairs] });
    expect(lighterInstances(cfg)).toEqual({ a1: 'pairs', a2: 'pairs', a3: 'pairs', a4: 'pairs' });
    expect(streamlessAccounts(cfg)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('names what is missing or wrong: the indices, a key index ccxt would replace, lighter on another venue', () => {
    expect(
      problem({ accounts: [{ id: 'a1', exchange: 'lighter' }, ...accounts.slice(1)], instances: [pairs] }),
    ).toMatch(/accounts\[0\]\.lighter: a Lighter account needs/s);
    expect(problem({ accounts: [lighter('a1', 101, 2), ...accounts.slice(1)], instances: [pairs] })).toMatch(
      /api_key_index.*4–254/s,
    );
    expect(
      problem({
        accounts: [{ id: 'main', exchange: 'binanceusdm', lighter: { account_index: 1, api_key_index: 4 } }],
        instances: [klgConfigInput()],
      }),
    ).toMatch(/only Lighter accounts take `lighter`/);
  });

  it('refuses two legs on one Lighter account, and one Lighter account declared twice', () => {
    const twoPairs = pairsConfigInput({
      symbol: 'BTC/USDC:USDC',
      pairs: [
        { long: 'a1', short: 'a2' },
        { long: 'a3', short: 'a1' },
      ],
    });
    expect(problem({ accounts, instances: [twoPairs] })).toMatch(
      /Lighter account "a1" carries .* one leg of one instance/,
    );
    expect(problem({ accounts: [...accounts.slice(0, 3), lighter('a4', 101)], instances: [pairs] })).toMatch(
      /account_index 101 is also account "a1"/,
    );
  });
});

describe('the telegram section', () => {
  const base = { accounts: [{ id: 'main', exchange: 'binanceusdm' }], instances: [klgConfigInput()] };
  it('reads the allow-list with defaults', () => {
    const cfg = parseDeploymentConfig({ ...base, telegram: { chats: [123, -1001234567890], users: [77] } });
    expect(cfg.telegram).toMatchObject({
      chats: [123, -1001234567890],
      users: [77],
      batch_seconds: 10,
      max_messages_per_minute: 12,
      commands: true,
      alerts: { min_severity: 'warning', fills: false, exclude_codes: [] },
    });
  });

  it('names a wrong field with the fix', () => {
    expect(problem({ ...base, telegram: { chats: [] } })).toMatch(/telegram\.chats.*@userinfobot/s);
    expect(problem({ ...base, telegram: { chats: ['@me'] } })).toMatch(
      /telegram\.chats\[0\]: must be a Telegram chat id/,
    );
    expect(problem({ ...base, telegram: { chats: [1], max_messages_per_minute: 60 } })).toMatch(/at most 20/);
    expect(problem({ ...base, telegram: { chats: [1], token: 'x' } })).toMatch(/token/);
  });
});
