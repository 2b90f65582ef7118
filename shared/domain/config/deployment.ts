/**
 * The deployment config: accounts and instances. The same schema drives `cdk deploy`, the Lambdas, the
 * stream worker and the simulator. Credentials never appear here: an account names a Secrets Manager
 * secret (AWS) or environment variables (local) that hold its keys.
 */
import { z } from 'zod';
import type { BreakerPolicy } from '../guards/breaker.js';
import type { PreTradeLimits } from '../guards/pre-trade.js';
import { dec } from '../money.js';
import { boundedConfigDecimal, plainJson, positiveConfigDecimal } from '../schema-helpers.js';
import { findStrategy, legsOf, type StrategyConfig, strategyNames } from '../strategies/index.js';
import type { Leg } from '../strategy.js';
import { configErrorFrom } from './format-error.js';
import { PROXY_ID_PATTERN, proxySchema } from './proxies.js';
import { reportsSchema } from './reports.js';
import { simulationSchema } from './simulation.js';
import { telegramSchema } from './telegram.js';

export const ACCOUNT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,30}$/;

export const accountSchema = z
  .object({
    id: z
      .string()
      .regex(ACCOUNT_ID_PATTERN, {
        message: 'must be lowercase letters, digits or "-" (max 31), e.g. "main" or "hedge-b"',
      })
      .describe(
        'Account id used by instances (`account:`) and secrets (`gridbot/<id>`): lowercase letters, digits or "-".',
      ),
    exchange: z
      .enum(['binanceusdm', 'okx', 'lighter', 'paper'])
      .describe(
        "The venue: `binanceusdm` (Binance USD-M futures), `okx`, `lighter`, or `paper`: a paper account (the simulator's in `gridbot sim`; in `gridbot run`, paper trading on Binance USD-M live prices, like `--paper`).",
      ),
    /**
     * Lighter only: the account (`account_index`) and the API key (`api_key_index`, 4–254) whose private key
     * is the account secret's `secret` (`lighter-signer.ts`).
     */
    lighter: z
      .object({
        account_index: z
          .number()
          .int({ message: 'must be a whole number: the account index Lighter shows, e.g. 281474976' })
          .min(0, { message: 'must be ≥ 0' })
          .max(281474976710654, { message: 'must be below 2^48 − 1' }),
        // ccxt replaces an index below 4 with 254 (0–3 are the venue's own apps): refuse it here instead.
        api_key_index: z
          .number()
          .int({ message: 'must be a whole number, e.g. 4' })
          .min(4, {
            message: 'must be 4–254 (0–3 belong to Lighter’s own apps; create an API key at 4 or above)',
          })
          .max(254, { message: 'must be 4–254' }),
      })
      .strict()
      .optional(),
    testnet: z.boolean().default(false).describe("Use the venue's testnet."),
    secret_name: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, {
        message: 'must be a Secrets Manager name: 1-512 of letters, digits and /_+=.@-, e.g. "gridbot/main"',
      })
      .optional()
      .describe(
        'Secrets Manager secret holding `{"apiKey","secret","password"?}`; default `gridbot/<account id>`.',
      ),
    guards: z
      .object({
        max_order_notional: positiveConfigDecimal(', e.g. 500')
          .optional()
          .describe('Largest notional (quote currency) of one order; none by default.'),
        max_position_notional: positiveConfigDecimal(', e.g. 10000')
          .optional()
          .describe(
            'Largest notional every instance on the account may hold and bid for together; none by default.',
          ),
        max_leverage: boundedConfigDecimal('0.1', '125', ', e.g. 3')
          .optional()
          .describe("Largest ratio of that notional to the account's equity; none by default."),
        price_band_pct: boundedConfigDecimal('0.1', '50', ' (percent), e.g. 5')
          .default(dec('5'))
          .describe('How far through the last price (percent) a limit order may be priced.'),
        max_orders_per_10s: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1' })
          .max(300, { message: 'must be at most 300 (the venue allows 300 per 10 s)' })
          .default(300)
          .describe('Orders the account may send in any 10 seconds (Binance allows 300).'),
        breaker_failures: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1, e.g. 10' })
          .max(100, { message: 'must be at most 100, e.g. 10' })
          .default(10)
          .describe(
            "Consecutive failed REST calls (network, 5xx, timeouts) that open the account's circuit breaker.",
          ),
        breaker_cooldown_sec: z
          .number()
          .int()
          .min(1, { message: 'must be at least 1 (seconds), e.g. 60' })
          .max(3600, { message: 'must be at most 3600 (seconds), e.g. 60' })
          .default(60)
          .describe("How long an open breaker refuses the account's calls before one probe is let through."),
      })
      .strict()
      .default({
        price_band_pct: dec('5'),
        max_orders_per_10s: 300,
        breaker_failures: 10,
        breaker_cooldown_sec: 60,
      })
      .describe('Pre-trade checks on every order sent on this account (`guards/pre-trade.ts`).'),
    hedge_mode: z
      .boolean()
      .default(true)
      .describe('Binance hedge mode (dual-side position). The Key Level Grid trades the LONG side.'),
    proxy: z
      .union([
        z.string().regex(PROXY_ID_PATTERN, { message: 'must name a proxy of `proxies`, e.g. "tokyo-1"' }),
        z
          .object({
            https: z.string().url().optional(),
            socks: z.string().optional(),
            ws: z.string().optional(),
          })
          .strict(),
      ])
      .optional()
      .describe('A proxy of the pool (`proxies[].id`), or the older inline form (URLs without a login).'),
  })
  .strict();

export type AccountConfig = z.infer<typeof accountSchema>;

/** The account's circuit-breaker policy (`guards/breaker.ts`). */
export function breakerPolicyOf(account: AccountConfig): BreakerPolicy {
  return {
    threshold: account.guards.breaker_failures,
    cooldownMs: account.guards.breaker_cooldown_sec * 1000,
  };
}

/** The pre-trade limits of an account as the pipeline applies them. */
export function preTradeLimitsOf(account: AccountConfig): PreTradeLimits {
  return {
    maxOrderNotional: account.guards.max_order_notional ?? null,
    maxAccountNotional: account.guards.max_position_notional ?? null,
    maxLeverage: account.guards.max_leverage ?? null,
    priceBandPct: account.guards.price_band_pct,
    maxOrdersPer10s: account.guards.max_orders_per_10s,
  };
}

/** One instance of a strategy: the config of every strategy the product has (the union grows with the registry). */
export type InstanceConfig = StrategyConfig;

/**
 * An instance config, read by the schema of the strategy it names (the registry's): an unknown strategy is
 * named with those that exist; every problem of a known one keeps its field path.
 */
export const instanceConfigSchema: z.ZodType<InstanceConfig> = z.unknown().transform((input, ctx) => {
  const name = (input as { strategy?: unknown } | null)?.strategy;
  const module = typeof name === 'string' ? findStrategy(name) : undefined;
  if (!module) {
    ctx.issues.push({
      code: 'custom',
      path: ['strategy'],
      input,
      message: `must be one of ${strategyNames()
        .map((n) => `"${n}"`)
        .join(', ')}${typeof name === 'string' ? ` (got "${name}")` : ''}`,
    });
    return z.NEVER;
  }
  // Run the strategy's schema in this parse (as a discriminated union runs its option): its issues keep
  // their paths and whether they let the deployment's own checks go on (unknown accounts are still named).
  const result = module.configSchema._zod.run({ value: input, issues: [] }, {});
  if (result instanceof Promise) throw new Error(`the config schema of ${module.name} must be synchronous`);
  ctx.issues.push(...result.issues);
  return result.value as InstanceConfig;
});

/**
 * The legs of an instance the deployment checks look at. Those checks still run when an instance has only
 * issues that let parsing go on (a failed pattern, say), on a value its schema may not have finished
 * shaping: an instance whose legs cannot be read is left to its own issues.
 */
/**
 * Whether two legs trade one exchange position: same account and symbol, and the same position side (a
 * one-way BOTH position overlaps either side).
 */
function sharePosition(a: Leg, b: Leg): boolean {
  return (
    a.account === b.account &&
    a.symbol === b.symbol &&
    (a.positionSide === b.positionSide || a.positionSide === 'BOTH' || b.positionSide === 'BOTH')
  );
}

function legsOfParsed(inst: InstanceConfig): ReturnType<typeof legsOf> {
  try {
    return legsOf(inst).filter((l) => typeof l.account === 'string' && typeof l.symbol === 'string');
  } catch {
    return [];
  }
}

/** An instance config as plain JSON (Decimals as strings): what the store writes and `instanceConfigSchema` reads. */
export function configToJson(config: InstanceConfig): unknown {
  return plainJson(config);
}

export const deploymentConfigSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'must be an AWS region, e.g. "ap-northeast-1"' })
      .default('ap-northeast-1')
      .describe('AWS region the deployment runs in.'),
    alert_email: z
      .string()
      .email()
      .optional()
      .describe('E-mail address subscribed to the alerts topic (AWS).'),
    accounts: z
      .array(accountSchema)
      .min(1, { message: 'declare at least one account' })
      .describe('Exchange accounts; their keys live in secrets, never here.'),
    /** The proxy pool the accounts' traffic goes through (`config/proxies.ts`). */
    proxies: z.array(proxySchema).default([]),
    proxy_assignment: z
      .enum(['explicit', 'round_robin'])
      .default('explicit')
      .describe("`round_robin`: accounts that name no proxy get the pool's in turn."),
    proxy_failover: z
      .boolean()
      .default(false)
      .describe('An account whose proxy fails moves to the next proxy of the pool.'),
    instances: z
      .array(instanceConfigSchema)
      .min(1, { message: 'declare at least one instance' })
      .describe(
        'Strategy instances, each named by `strategy` (`key_level_grid`, `closer`, `atr_hedge_grid`, `hedge_pairs`).',
      ),
    reports: reportsSchema.optional().describe('E-mailed status reports and alerts (`config/reports.ts`).'),
    telegram: telegramSchema
      .optional()
      .describe('Telegram alerts and operator commands (`config/telegram.ts`).'),
    simulation: simulationSchema
      .optional()
      .describe(
        'Settings only `gridbot sim` reads (balances, fees, symbol rules, demo market); AWS ignores them.',
      ),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const proxyIds = new Set<string>();
    cfg.proxies.forEach((p, i) => {
      if (proxyIds.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['proxies', i, 'id'], message: `duplicate proxy id "${p.id}"` });
      proxyIds.add(p.id);
    });
    if (cfg.proxy_assignment === 'round_robin' && cfg.proxies.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['proxy_assignment'],
        message: 'round_robin needs proxies: list them under `proxies`',
      });
    const accountIds = new Set<string>();
    cfg.accounts.forEach((a, i) => {
      if (typeof a.proxy === 'string' && !proxyIds.has(a.proxy))
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'proxy'],
          message: `unknown proxy "${a.proxy}"; declare it under proxies (known: ${[...proxyIds].join(', ') || 'none'})`,
        });
      if (accountIds.has(a.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'id'],
          message: `duplicate account id "${a.id}"`,
        });
      }
      accountIds.add(a.id);
    });
    cfg.accounts.forEach((a, i) => {
      if (a.exchange === 'lighter' && !a.lighter)
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'lighter'],
          message:
            'a Lighter account needs `lighter: { account_index, api_key_index }` (its API private key goes in the secret)',
        });
      if (a.exchange !== 'lighter' && a.lighter)
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'lighter'],
          message: `only Lighter accounts take \`lighter\` (this one is on ${a.exchange}); remove it`,
        });
    });
    const lighterIndex = new Map<number, string>();
    cfg.accounts.forEach((a, i) => {
      if (a.exchange !== 'lighter' || !a.lighter) return;
      const other = lighterIndex.get(a.lighter.account_index);
      if (other)
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'lighter', 'account_index'],
          message: `account_index ${a.lighter.account_index} is also account "${other}": one Lighter account nets one position per market, so it may be declared once`,
        });
      lighterIndex.set(a.lighter.account_index, a.id);
    });
    // Lighter nets one position per market per account, and packs client ids without the instance: a
    // Lighter account carries one leg of one instance (`lighter-dialect.ts`).
    const lighterAccounts = new Set(cfg.accounts.filter((a) => a.exchange === 'lighter').map((a) => a.id));
    const lighterLegs = new Map<string, string[]>();
    for (const inst of cfg.instances)
      for (const leg of legsOfParsed(inst))
        if (lighterAccounts.has(leg.account))
          lighterLegs.set(leg.account, [...(lighterLegs.get(leg.account) ?? []), `${inst.id}/${leg.role}`]);
    for (const [account, legs] of lighterLegs)
      if (legs.length > 1)
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', cfg.accounts.findIndex((a) => a.id === account)],
          message: `Lighter account "${account}" carries ${legs.join(', ')}: a Lighter account nets one position per market, so it may carry one leg of one instance; give the others their own accounts`,
        });
    const instanceIds = new Set<string>();
    cfg.instances.forEach((inst, i) => {
      if (instanceIds.has(inst.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'id'],
          message: `duplicate instance id "${inst.id}"`,
        });
      }
      instanceIds.add(inst.id);
      // Every account a leg trades on must be declared (the Key Level Grid's one leg is its `account`).
      const legs = legsOfParsed(inst);
      for (const account of new Set(legs.map((l) => l.account))) {
        if (!accountIds.has(account)) {
          ctx.addIssue({
            code: 'custom',
            path: ['instances', i, legs.length === 1 ? 'account' : 'legs'],
            message: `unknown account "${account}"; declare it under accounts (known: ${[...accountIds].join(', ')})`,
          });
        }
      }
    });
    // Two legs on one account + symbol + position side would share one exchange position: each would take
    // the other's fills, stops and closes for its own (a one-way BOTH position overlaps either side).
    const seen: { id: string; leg: ReturnType<typeof legsOf>[number] }[] = [];
    cfg.instances.forEach((inst, i) => {
      const legs = legsOfParsed(inst);
      const clashes = new Set<string>();
      for (const leg of legs) {
        const o = seen.find((x) => sharePosition(x.leg, leg));
        if (o && !clashes.has(o.id)) {
          clashes.add(o.id);
          const sides =
            leg.positionSide === o.leg.positionSide
              ? leg.positionSide
              : `${o.leg.positionSide}/${leg.positionSide}`;
          ctx.addIssue({
            code: 'custom',
            path: ['instances', i, legs.length === 1 ? 'symbol' : 'legs'],
            message: `instances "${o.id}" and "${inst.id}" both trade ${leg.symbol} ${sides} on account "${leg.account}": they would share one exchange position and corrupt each other's ledger; give one of them another account, symbol or position side`,
          });
        }
      }
      for (const leg of legs) seen.push({ id: inst.id, leg });
      // Nor may two legs of one instance share a position.
      legs.forEach((leg, k) => {
        const twin = legs.findIndex((o, j) => j < k && sharePosition(o, leg));
        if (twin >= 0)
          ctx.addIssue({
            code: 'custom',
            path: ['instances', i, 'legs'],
            message: `legs "${legs[twin]!.role}" and "${leg.role}" of instance "${inst.id}" both trade ${leg.symbol} on account "${leg.account}" on one position; give one another account or position side`,
          });
      });
    });
    for (const id of Object.keys(cfg.simulation?.balances ?? {})) {
      if (!accountIds.has(id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['simulation', 'balances', id],
          message: `unknown account "${id}"; balances are keyed by an account id from accounts`,
        });
      }
    }
  });

export type DeploymentConfig = z.infer<typeof deploymentConfigSchema>;

export function parseDeploymentConfig(input: unknown, source = 'deployment config'): DeploymentConfig {
  const result = deploymentConfigSchema.safeParse(input);
  if (!result.success) throw configErrorFrom(result.error, source);
  return result.data;
}

/** Accounts on a venue whose streams are not built here (Lighter): the reconciliation pass runs them. */
export function streamlessAccounts(cfg: DeploymentConfig): string[] {
  return cfg.accounts.filter((a) => a.exchange === 'lighter').map((a) => a.id);
}

/** The one instance each Lighter account carries (the schema allows one leg of one instance per account). */
export function lighterInstances(cfg: DeploymentConfig): Readonly<Record<string, string>> {
  const lighter = new Set(cfg.accounts.filter((a) => a.exchange === 'lighter').map((a) => a.id));
  const out: Record<string, string> = {};
  for (const inst of cfg.instances)
    for (const leg of legsOf(inst)) if (lighter.has(leg.account)) out[leg.account] = inst.id;
  return out;
}

export function secretNameOf(account: AccountConfig): string {
  return account.secret_name ?? `gridbot/${account.id}`;
}
