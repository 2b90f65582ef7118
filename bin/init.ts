/**
 * `gridbot init`: a commented starter deployment config for one strategy and symbol, which passes
 * `gridbot validate-config` and runs in `gridbot sim` on the built-in demo market as written. Every field
 * it sets is explained in place; the full reference is examples/CONFIG.md (generated from the schemas),
 * and editors that read `# yaml-language-server: $schema=` complete and check the rest.
 *
 * Entry point: `starterConfig({ strategy, symbol })` → the file's text.
 */
import { dec } from '../shared/domain/money.js';

export const INIT_STRATEGIES = ['klg', 'closer', 'hedge-grid', 'hedge-pairs'] as const;
export type InitStrategy = (typeof INIT_STRATEGIES)[number];

/** Where the schema lives, for the pointer line; the raw file on GitHub would do for a copy elsewhere. */
export const SCHEMA_POINTER = '# yaml-language-server: $schema=./gridbot.schema.json';

const SYMBOL = /^([A-Z0-9]{1,20})\/([A-Z0-9]{1,10}):([A-Z0-9]{1,10})$/;

/** Grid presets for the bases the simulator knows the rules of: a range around a recent price and a unit above the venue minimum. */
interface Preset {
  readonly lower: string;
  readonly upper: string;
  /** Coins per level (a multiple of the step, its notional above the minimum at `lower`). */
  readonly unit: string;
  /** What the unit is worth, roughly, for the comment. */
  readonly worth: string;
  /** A position for the closer's simulation. */
  readonly position: string;
}

const PRESETS: Readonly<Record<string, Preset>> = {
  DOGE: { lower: '0.15', upper: '0.25', unit: '300', worth: '60', position: '5000' },
  BTC: { lower: '90000', upper: '110000', unit: '0.002', worth: '200', position: '0.05' },
  ETH: { lower: '3000', upper: '4000', unit: '0.05', worth: '175', position: '1' },
  SOL: { lower: '150', upper: '250', unit: '1', worth: '200', position: '20' },
  XRP: { lower: '2', upper: '3', unit: '50', worth: '125', position: '2000' },
  BNB: { lower: '600', upper: '800', unit: '0.2', worth: '140', position: '5' },
};

export class InitInputError extends Error {
  override readonly name = 'UsageError';
}

export interface StarterOptions {
  readonly strategy: InitStrategy;
  /** A ccxt linear-swap symbol, e.g. `DOGE/USDC:USDC`. */
  readonly symbol?: string | undefined;
}

export interface Starter {
  readonly text: string;
  /** Said once the file is written (a placeholder left to fill, say). */
  readonly notes: readonly string[];
}

const NEXT_STEPS = (file: string) => `#
# Next:
#   1. npx gridbot validate-config ${file}      every field checked, each problem named with its fix
#   2. npx gridbot sim --config ${file}         replay the built-in demo market (or --candles <csv>)
#      and open the report it writes (out/<time>/report.html)
#   3. paper trading on live prices, no keys needed: npx gridbot run --paper --config ${file}
#      (the venue's real trades fill a local paper account; state in .gridbot-paper)
#   4. deploy: npx cdk deploy --all -c config=${file}, then put the account's keys in its secret
#      (gridbot/<account id>); see the README, "Deploy".
# Every field, its default and allowed values: examples/CONFIG.md.`;

function idFrom(base: string, suffix: string): string {
  return `${base.toLowerCase().replace(/[^a-z0-9]/g, '')}${suffix}`.slice(0, 12);
}

export function starterConfig(opts: StarterOptions, file = 'gridbot.yaml'): Starter {
  const defaultSymbol = opts.strategy === 'klg' ? 'DOGE/USDC:USDC' : 'BTC/USDT:USDT';
  const symbol = opts.symbol ?? defaultSymbol;
  const m = SYMBOL.exec(symbol);
  if (!m)
    throw new InitInputError(
      `--symbol ${symbol}: give the market as a ccxt linear-swap symbol, BASE/QUOTE:SETTLE in capitals, e.g. "DOGE/USDC:USDC"`,
    );
  const base = m[1]!;
  const settle = m[3]!;
  const preset = PRESETS[base];
  const notes: string[] = [];
  const p = preset ?? PRESETS.DOGE!;
  if (!preset)
    notes.push(
      `no preset for ${base}: the prices and sizes in the file are placeholders (DOGE's); set them around ${symbol}'s price before you simulate, and give the simulator its symbol rules under simulation.symbols`,
    );
  const placeholder = preset ? '' : ` TODO: placeholder (DOGE's): set it for ${base}`;
  const head = `${SCHEMA_POINTER}
# gridbot deployment config: written by \`gridbot init --strategy ${opts.strategy}\`.
${NEXT_STEPS(file)}
region: ap-northeast-1 # the AWS region \`cdk deploy\` uses
`;
  // The grid opens the demo market in the middle of its levels; the others are told where to open it.
  const opening =
    opts.strategy === 'klg'
      ? ''
      : `\n    prices: { ${symbol}: ${dec(p.lower).plus(p.upper).dividedBy(2).toFixed()} }`;
  const sim = (balances: string, extra = '') => `
# Read only by \`gridbot sim\` (AWS ignores it): starting balances and the built-in demo market.
simulation:
  balances:
${balances}
  demo_market:
    days: 3 # a range, a rally and a sell-off${opening}${extra}
`;
  switch (opts.strategy) {
    case 'klg':
      return {
        notes,
        text: `${head}
accounts:
  - id: main # instances name it; its keys go in the secret gridbot/main, never here
    exchange: binanceusdm # binanceusdm | okx | lighter | paper (paper trading on Binance USD-M live prices)
    hedge_mode: true # Binance dual-side positions; the grid trades the LONG side

instances:
  # Key Level Grid: buys one unit at each support below the price, sells a share of what it holds at
  # the levels above the average entry, and keeps an exchange-side stop under the lowest level.
  - id: ${idFrom(base, 'klg')} # 1-12 lowercase letters or digits (it is embedded in order ids)
    strategy: key_level_grid
    account: main
    symbol: ${symbol}
    levels:
      # ${preset ? '' : `${placeholder}. `}Levels spread over a price range, both ends included; rounded to the tick.
      # Or \`source: manual\` with \`prices: [...]\`, or levels computed from candles: \`source: atr\` / \`keyLevels\`.
      source: range
      lower: ${p.lower} # the lowest support
      upper: ${p.upper} # the highest level
      count: 21 # levels, 2-500
      spacing: arithmetic # equal steps; \`geometric\`: equal percentages
    base_amount_per_grid: ${p.unit} # coins bought at each support (one grid unit, about ${p.worth} ${settle})${placeholder ? ` #${placeholder}` : ''}
    # Or size it in ${settle}: \`quote_amount_per_grid: ${p.worth}\` instead (converted to coins when the grid is laid out).
    sell_quota_ratio: 0.7 # share of the holdings offered at the resistances
    min_profit_pct: 0.005 # sells sit at least 0.5% above the average entry
    stop_loss:
      mode: lowest_support # the stop sits 0.5% under the lowest level (lowest_support_offset_pct)
    risk:
      max_drawdown_pct: 0.15 # a 15% drawdown from the equity peak is a breach
      on_breach: alert # alert | pause | flatten
${sim(`    main: { ${settle}: 5000 }`)}`,
      };
    case 'closer':
      return {
        notes,
        text: `${head}
accounts:
  - id: main # its keys go in the secret gridbot/main, never here
    exchange: binanceusdm

instances:
  # The reduce-only closer: works the account's positions on these markets down in small maker-first
  # slices (escalating to aggressive ones, and to panic tiers near liquidation).
  - id: ${idFrom(base, 'close')}
    strategy: closer
    account: main
    sides: [LONG, SHORT] # position sides it closes
    execution:
      base_mult: 20 # a slice is min_qty x base_mult (x the roi and acceleration multipliers)
      max_mult: 100 # the largest slice in min_qty units
    symbols:
      ${symbol}: {} # per-market overrides of execution / accel / roi / risk; {} for none
${sim(
  `    main: { ${settle}: 100000 }`,
  `
  # Positions opened by hand when the simulated bot starts: what the closer works down.
  positions:
    - { account: main, symbol: ${symbol}, side: LONG, qty: ${p.position} }${placeholder ? ` #${placeholder}` : ''}`,
)}`,
      };
    case 'hedge-grid':
      return {
        notes,
        text: `${head}
accounts:
  - id: a # holds the long grid; keys in the secret gridbot/a
    exchange: binanceusdm
  - id: b # holds the short grid; keys in the secret gridbot/b
    exchange: binanceusdm

instances:
  # The ATR hedge grid: a long grid on account a and a short grid on account b over one ATR channel,
  # recomputed from candles; the grid is sized on the smaller account's balance.
  - id: ${idFrom(base, 'hedge')}
    strategy: atr_hedge_grid
    symbol: ${symbol}
    accounts: { long: a, short: b } # leave \`short\` out for the long leg only
    grid:
      timeframe: 1h # candles the ATR channel is computed on
      atr_period: 14
      candles: 48
      max_levels: 30
      max_leverage: 5
    risk:
      max_drawdown_pct: 0.15 # and what a breach does: risk.actions
${sim(`    a: { ${settle}: 5000 }\n    b: { ${settle}: 5000 }`)}`,
      };
    case 'hedge-pairs':
      return {
        notes,
        text: `${head}
accounts:
  - { id: p1, exchange: binanceusdm } # keys in the secret gridbot/p1
  - { id: p2, exchange: binanceusdm }

instances:
  # Hedge pairs: the first account of a pair goes long, the second short, each \`notional_usd\`; a pair
  # whose combined loss passes \`stop_loss_threshold\` closes both legs.
  - id: ${idFrom(base, 'pairs')}
    strategy: hedge_pairs
    symbol: ${symbol}
    pairs:
      - { long: p1, short: p2 }
    notional_usd: 200 # per leg, in quote currency
    leverage: 5 # set on every account before it opens
    stop_loss_threshold: 20 # USD: the combined loss of a pair that closes it
    protective_stop_pct: 5 # each leg's exchange-side stop, percent from its entry
${sim(`    p1: { ${settle}: 5000 }\n    p2: { ${settle}: 5000 }`)}`,
      };
  }
}
