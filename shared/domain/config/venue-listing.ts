/**
 * Whether the venue lists what a deployment trades, when its instrument list is at hand (a Binance USD-M
 * `GET /fapi/v1/exchangeInfo` body: the simulator's `--exchange-info`, `simulation.exchange_info`, or the
 * file given to `gridbot validate-config --exchange-info` and `cdk synth -c exchangeInfo=`). A symbol the
 * venue does not list, or lists but does not trade, is named with its field and the fix before anything
 * is deployed; at run time the same symbol would only fail its instance's start.
 *
 * Entry points: `binanceListing(body, source)`, `unlistedSymbolProblems(config, listing)`.
 */
import { legsOf } from '../strategies/index.js';
import type { DeploymentConfig } from './deployment.js';
import { ConfigError } from './format-error.js';

export interface VenueListing {
  readonly venue: 'binanceusdm';
  /** Where the list came from, for messages. */
  readonly source: string;
  /** Exchange symbol id (`DOGEUSDC`) → status (`TRADING`, `SETTLING`, …) of its perpetual contract. */
  readonly perpetuals: ReadonlyMap<string, string>;
}

/** Reads the perpetual contracts of a Binance USD-M exchangeInfo body; throws `ConfigError` if it is none. */
export function binanceListing(body: unknown, source: string): VenueListing {
  const symbols = (body as { symbols?: unknown } | null)?.symbols;
  if (!Array.isArray(symbols)) {
    throw new ConfigError(`${source} is not a Binance USD-M exchangeInfo body (no "symbols" list)`, [
      'symbols',
    ]);
  }
  const perpetuals = new Map<string, string>();
  for (const s of symbols) {
    if (typeof s !== 'object' || s === null) continue;
    const { symbol, status, contractType } = s as Record<string, unknown>;
    if (typeof symbol !== 'string' || (contractType !== undefined && contractType !== 'PERPETUAL')) continue;
    perpetuals.set(symbol, typeof status === 'string' ? status : 'TRADING');
  }
  return { venue: 'binanceusdm', source, perpetuals };
}

const LINEAR = /^([A-Z0-9]{1,20})\/([A-Z0-9]{1,10}):([A-Z0-9]{1,10})$/;

/** One line per instance on the listing's venue whose symbol the venue does not list or does not trade. */
export function unlistedSymbolProblems(config: DeploymentConfig, listing: VenueListing): string[] {
  const onVenue = new Set(config.accounts.filter((a) => a.exchange === listing.venue).map((a) => a.id));
  const problems: string[] = [];
  config.instances.forEach((inst, i) => {
    // Each symbol a leg on this venue trades, once (the Key Level Grid: its one symbol).
    const symbols = new Set(
      legsOf(inst)
        .filter((l) => onVenue.has(l.account))
        .map((l) => l.symbol),
    );
    for (const symbol of symbols) check(i, inst.id, symbol);
  });
  return problems;

  function check(i: number, instanceId: string, symbol: string): void {
    const where = `instances[${i}] "${instanceId}": symbol "${symbol}"`;
    const m = LINEAR.exec(symbol);
    if (!m || m[2] !== m[3]) {
      problems.push(
        `${where} is not a USD-M linear perpetual; write it BASE/QUOTE:QUOTE, e.g. DOGE/USDC:USDC`,
      );
      return;
    }
    const id = `${m[1]}${m[2]}`;
    const status = listing.perpetuals.get(id);
    if (status === undefined) {
      problems.push(
        `${where} (${id}) is not listed as a perpetual in ${listing.source}; check the spelling and the quote asset (USDT or USDC)`,
      );
    } else if (status !== 'TRADING') {
      problems.push(`${where} (${id}) is listed but not trading (status ${status}) in ${listing.source}`);
    }
  }
}
