/**
 * The deployment config: accounts and instances. The same schema drives `cdk deploy`, the Lambdas, the
 * stream worker and the simulator. Credentials never appear here: an account names a Secrets Manager
 * secret (AWS) or environment variables (local) that hold its keys.
 */
import { z } from 'zod';
import { klgConfigSchema } from '../strategies/klg/config.js';
import { configErrorFrom } from './format-error.js';
import { simulationSchema } from './simulation.js';

export const ACCOUNT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,30}$/;

export const accountSchema = z
  .object({
    id: z.string().regex(ACCOUNT_ID_PATTERN, {
      message: 'must be lowercase letters, digits or "-" (max 31), e.g. "main" or "hedge-b"',
    }),
    exchange: z.enum(['binanceusdm', 'okx', 'paper']),
    testnet: z.boolean().default(false),
    /** Secrets Manager secret holding `{"apiKey","secret","password"?}`; default `gridbot/<account id>`. */
    secret_name: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, {
        message: 'must be a Secrets Manager name: 1-512 of letters, digits and /_+=.@-, e.g. "gridbot/main"',
      })
      .optional(),
    /** Binance hedge mode (dual-side position). The Key Level Grid trades the LONG side. */
    hedge_mode: z.boolean().default(true),
    proxy: z
      .object({
        https: z.string().url().optional(),
        socks: z.string().optional(),
        ws: z.string().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type AccountConfig = z.infer<typeof accountSchema>;

/** One strategy on one symbol; more strategies join this union as they are built. */
export const instanceConfigSchema = z.discriminatedUnion('strategy', [klgConfigSchema]);
export type InstanceConfig = z.infer<typeof instanceConfigSchema>;

export const deploymentConfigSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { message: 'must be an AWS region, e.g. "ap-northeast-1"' })
      .default('ap-northeast-1'),
    alert_email: z.string().email().optional(),
    accounts: z.array(accountSchema).min(1, { message: 'declare at least one account' }),
    instances: z.array(instanceConfigSchema).min(1, { message: 'declare at least one instance' }),
    /** Settings only `gridbot sim` reads (balances, fees, symbol rules, demo market); AWS ignores them. */
    simulation: simulationSchema.optional(),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const accountIds = new Set<string>();
    cfg.accounts.forEach((a, i) => {
      if (accountIds.has(a.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['accounts', i, 'id'],
          message: `duplicate account id "${a.id}"`,
        });
      }
      accountIds.add(a.id);
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
      if (!accountIds.has(inst.account)) {
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'account'],
          message: `unknown account "${inst.account}"; declare it under accounts (known: ${[...accountIds].join(', ')})`,
        });
      }
    });
    // Two instances on one account + symbol + position side would share one exchange position: each would
    // take the other's fills, stops and closes for its own (a one-way BOTH position overlaps either side).
    cfg.instances.forEach((inst, i) => {
      const other = cfg.instances.findIndex(
        (o, j) =>
          j < i &&
          o.account === inst.account &&
          o.symbol === inst.symbol &&
          (o.position_side === inst.position_side ||
            o.position_side === 'BOTH' ||
            inst.position_side === 'BOTH'),
      );
      if (other >= 0) {
        const o = cfg.instances[other]!;
        ctx.addIssue({
          code: 'custom',
          path: ['instances', i, 'symbol'],
          message: `instances "${o.id}" and "${inst.id}" both trade ${inst.symbol} ${inst.position_side === o.position_side ? inst.position_side : `${o.position_side}/${inst.position_side}`} on account "${inst.account}": they would share one exchange position and corrupt each other's ledger; give one of them another account, symbol or position side`,
        });
      }
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

export function secretNameOf(account: AccountConfig): string {
  return account.secret_name ?? `gridbot/${account.id}`;
}
