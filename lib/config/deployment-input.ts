/**
 * Reads the deployment config file (YAML or JSON) for `cdk synth` / `cdk deploy`, validates it with the same
 * schema the runtime and the simulator use, then checks what only the AWS deployment needs: real exchanges
 * (no `paper` accounts), intervals the scheduler can express, names that fit AWS limits.
 *
 * The runtime receives the file as written (`raw`), so it applies the schema's defaults itself, exactly as
 * the simulator does; each account's functions see only that account and its instances (`sliceForAccount`).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { listingFor } from '../../shared/composition/deployment-source.js';
import {
  type AccountConfig,
  type DeploymentConfig,
  type InstanceConfig,
  parseDeploymentConfig,
} from '../../shared/domain/config/deployment.js';
import { proxySecretNameOf } from '../../shared/domain/config/proxies.js';
import { unlistedSymbolProblems } from '../../shared/domain/config/venue-listing.js';
import { legsOf, strategyOf } from '../../shared/domain/strategies/index.js';

export type Venue = Exclude<AccountConfig['exchange'], 'paper'>;

export interface DeploymentInput {
  /** Where it came from, for messages. */
  readonly source: string;
  /** The config as written (YAML converted to JSON), which the runtime parses again. */
  readonly raw: Readonly<Record<string, unknown>>;
  readonly config: DeploymentConfig;
}

export class DeploymentInputError extends Error {
  override readonly name = 'DeploymentInputError';
}

/**
 * Reads and checks the config; with `exchangeInfo` (`-c exchangeInfo=<file>`, or the config's
 * `simulation.exchange_info`) also that the venue lists and trades every symbol.
 */
export function loadDeploymentInput(path: string, opts: { exchangeInfo?: string } = {}): DeploymentInput {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DeploymentInputError(
      `cannot read the deployment config ${path} (${(e as Error).message}); pass another with -c config=<file>`,
    );
  }
  const raw: unknown = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  const input = deploymentInputFrom(raw, path);
  const listing = listingFor(input.config, path, opts.exchangeInfo);
  const problems = listing ? unlistedSymbolProblems(input.config, listing) : [];
  if (problems.length > 0) {
    throw new DeploymentInputError(`${path} cannot be deployed to AWS:\n  - ${problems.join('\n  - ')}`);
  }
  return input;
}

export function deploymentInputFrom(raw: unknown, source: string): DeploymentInput {
  const config = parseDeploymentConfig(raw, source);
  const problems = deploymentProblems(config);
  if (problems.length > 0) {
    throw new DeploymentInputError(`${source} cannot be deployed to AWS:\n  - ${problems.join('\n  - ')}`);
  }
  return { source, raw: raw as Record<string, unknown>, config };
}

const WHOLE_MINUTES = (n: number) => n % 60 === 0;

function deploymentProblems(config: DeploymentConfig): string[] {
  const problems: string[] = [];
  config.accounts.forEach((a, i) => {
    if (a.exchange === 'paper') {
      problems.push(
        `accounts[${i}] "${a.id}": exchange "paper" runs only in the simulator; use binanceusdm or okx (testnet: true for a dry run)`,
      );
    }
  });
  config.instances.forEach((inst, i) => {
    // One ccxt exchange class is bundled per function: an instance's legs must share a venue (for now).
    const venues = new Set(
      legsOf(inst).map((l) => config.accounts.find((a) => a.id === l.account)?.exchange ?? 'unknown'),
    );
    if (venues.size > 1)
      problems.push(
        `instances[${i}] "${inst.id}": its legs trade on accounts of different venues (${[...venues].join(', ')}); a deployed instance's legs must share one venue for now`,
      );
    // Each job the strategy runs besides recon (whose 30 s runs as two passes of a one-minute schedule).
    const strategy = strategyOf(inst);
    for (const job of strategy.jobs) {
      if (job === 'recon') continue;
      const every = strategy.jobIntervalSec(inst, job);
      if (!WHOLE_MINUTES(every)) {
        problems.push(
          `instances[${i}] "${inst.id}": ${job}_interval_sec is ${every}; EventBridge Scheduler runs in whole minutes, use a multiple of 60`,
        );
      }
    }
  });
  return problems;
}

export function venueOf(config: DeploymentConfig, accountId: string): Venue {
  const account = config.accounts.find((a) => a.id === accountId);
  if (!account) throw new DeploymentInputError(`unknown account "${accountId}"`);
  if (account.exchange === 'paper')
    throw new DeploymentInputError(`account "${accountId}" is a paper account`);
  return account.exchange;
}

/** Instances with a leg on the account. */
export function instancesOf(config: DeploymentConfig, accountId: string): InstanceConfig[] {
  return config.instances.filter((i) => legsOf(i).some((l) => l.account === accountId));
}

/** Accounts some instance has a leg on: only these get functions. */
export function tradedAccounts(config: DeploymentConfig): AccountConfig[] {
  return config.accounts.filter((a) => instancesOf(config, a.id).length > 0);
}

/**
 * The config file as written, narrowed to the instances with a leg on one account and the accounts their
 * legs use (still a valid deployment config).
 */
export function sliceForAccount(input: DeploymentInput, accountId: string): Record<string, unknown> {
  const parsed = input.config.instances;
  const keep = new Set(parsed.filter((i) => legsOf(i).some((l) => l.account === accountId)).map((i) => i.id));
  const used = new Set(parsed.filter((i) => keep.has(i.id)).flatMap((i) => legsOf(i).map((l) => l.account)));
  const accounts = input.raw.accounts as unknown[];
  const instances = input.raw.instances as unknown[];
  return {
    ...input.raw,
    accounts: accounts.filter((x) => used.has(String((x as { id?: unknown }).id))),
    instances: instances.filter((x) => keep.has(String((x as { id?: unknown }).id))),
  };
}

/**
 * The logins the deployment keeps in Secrets Manager besides the accounts' keys: each proxy of the pool
 * that asks for one (`proxy/<id>`) and the mail server of the reports over SMTP (`smtp`).
 */
export function loginSecretsOf(config: DeploymentConfig): { name: string; secretName: string }[] {
  const out = config.proxies
    .filter((p) => p.auth)
    .map((p) => ({ name: `proxy/${p.id}`, secretName: proxySecretNameOf(p) }));
  const email = config.reports?.email;
  if (email?.transport === 'smtp' && email.smtp?.auth) out.push({ name: 'smtp', secretName: 'gridbot/smtp' });
  // The Telegram bot's token and webhook secret token (`{"username": <token>, "password": <secret>}`).
  if (config.telegram) out.push({ name: 'telegram', secretName: 'gridbot/telegram' });
  return out;
}
