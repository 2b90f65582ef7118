import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeploymentConfig } from '../../../../shared/domain/config/deployment.js';
import { ConfigError } from '../../../../shared/domain/config/format-error.js';
import { binanceListing, unlistedSymbolProblems } from '../../../../shared/domain/config/venue-listing.js';
import { sharedData } from '../../../support/paper.js';
import { klgConfigInput } from '../../../support/strategies/klg/config.js';

const FILE = resolve(sharedData, 'fixtures/binance_usdm_exchangeInfo_2025-11-26_full.json');
const listing = binanceListing(JSON.parse(readFileSync(FILE, 'utf8')), 'exchangeInfo 2025-11-26');

const config = (symbols: readonly string[], exchange = 'binanceusdm') =>
  parseDeploymentConfig(
    {
      accounts: [{ id: 'main', exchange }],
      instances: symbols.map((symbol, i) => klgConfigInput({ id: `i${i}`, account: 'main', symbol })),
    },
    'test',
  );

describe('venue listing (real Binance USD-M exchangeInfo)', () => {
  it('accepts symbols the venue lists and trades', () => {
    expect(unlistedSymbolProblems(config(['DOGE/USDC:USDC', 'BTC/USDT:USDT']), listing)).toEqual([]);
  });

  it('names an unlisted symbol, one listed but not trading, and one that is not a linear perpetual', () => {
    const problems = unlistedSymbolProblems(
      config(['DOGE/USDC:USDC', 'NOPE/USDT:USDT', 'EOS/USDT:USDT', 'BTC/USD:BTC']),
      listing,
    );
    expect(problems).toEqual([
      expect.stringMatching(/^instances\[1\] "i1": symbol "NOPE\/USDT:USDT" \(NOPEUSDT\) is not listed/),
      expect.stringMatching(
        /^instances\[2\] "i2": .* \(EOSUSDT\) is listed but not trading \(status SETTLING\)/,
      ),
      expect.stringMatching(/^instances\[3\] "i3": symbol "BTC\/USD:BTC" is not a USD-M linear perpetual/),
    ]);
  });

  it("checks only the listing's venue, and refuses a file that is not an exchangeInfo body", () => {
    expect(unlistedSymbolProblems(config(['NOPE/USDT:USDT'], 'okx'), listing)).toEqual([]);
    expect(() => binanceListing({ data: [] }, 'x.json')).toThrow(ConfigError);
  });
});
